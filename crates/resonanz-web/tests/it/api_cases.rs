//! Case list, detail, reply, note, changes and handovers.

use axum::http::StatusCode;
use resonanz_core::user::{Actor, Role};
use resonanz_testkit::mail::{RawMail, inbound};
use resonanz_testkit::{Db, db_test};
use serde_json::json;

use crate::support::{App, keys, sorted};

/// Posts one mail over HTTP and returns the new case id.
async fn new_case(app: &App, from: &str, subject: &str, body: &str) -> String {
    let r = app.post_mail(RawMail::new(from, subject, body).bytes()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["case_id"].as_str().unwrap().to_string()
}

async fn ingest_then_list(db: Db) {
    let app = App::new(db).await;
    let raw = RawMail::new("Erika Mustermann <erika@example.de>", "Frage", "Meine Rechnungen sind doppelt gekommen.");
    let r = app.post_mail(raw.bytes()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let report = r.json();
    assert_eq!(report["status"], "created");
    assert_eq!(report["source"], "http");
    let case_id = report["case_id"].as_str().unwrap().to_string();
    let contact_id = report["contact_id"].as_str().unwrap().to_string();

    // The same mail again is a duplicate.
    let r = app.post_mail(raw.bytes()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "duplicate");
    assert_eq!(r.json()["case_id"], case_id.as_str());

    app.tc.clock.advance(chrono::Duration::minutes(5));
    new_case(&app, "max@example.de", "Empfang", "Das Bild ist schwarz.").await;

    let ids = |r: &crate::support::Resp| -> Vec<String> {
        r.json()["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
    };
    let r = app.get("/api/v1/cases").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(ids(&r).len(), 2);
    assert_eq!(r.json()["next_cursor"], json!(null));
    let item = &r.json()["items"][0];
    assert_eq!(
        keys(item),
        sorted(&[
            "id",
            "reference",
            "number",
            "subject",
            "status",
            "priority",
            "tags",
            "contact_id",
            "owner_id",
            "team_id",
            "waiting_since",
            "last_message_at",
            "created_at",
            "categories",
            "safeguarding",
            "sla_due_at",
            "sla",
            "escalation",
            "snoozed_until"
        ])
    );
    assert_eq!(item["id"], case_id.as_str(), "longest waiting first");
    assert_eq!(item["waiting_since"], "2026-03-02T09:00:00Z");

    // A German inflected word finds its stem.
    let r = app.get("/api/v1/cases?q=Rechnung").await;
    assert_eq!(ids(&r), vec![case_id.clone()]);
    let r = app.get("/api/v1/cases?q=Mahnung").await;
    assert!(ids(&r).is_empty());

    let r = app.get("/api/v1/cases?status=new,open").await;
    assert_eq!(ids(&r).len(), 2);
    let r = app.get("/api/v1/cases?status=closed").await;
    assert!(ids(&r).is_empty());
    let r = app.get(&format!("/api/v1/cases?contact={contact_id}&owner=unowned")).await;
    assert_eq!(ids(&r), vec![case_id.clone()]);
    let r = app.get("/api/v1/cases?owner=me").await;
    assert!(ids(&r).is_empty());

    // Invalid values: 422 with one error per field.
    let r = app.get("/api/v1/cases?status=new,kaputt&owner=someone&limit=500&cursor=xyz&team=1").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "validation_failed");
    let fields: Vec<String> =
        r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().into()).collect();
    assert_eq!(
        sorted(&fields.iter().map(String::as_str).collect::<Vec<_>>()),
        sorted(&["status", "owner", "limit", "cursor", "team"])
    );
    let r = app.get("/api/v1/cases?limit=0").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Search over messages.
    let r = app.get("/api/v1/search?q=rechnung").await;
    assert_eq!(r.status, StatusCode::OK);
    let hits = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["case_id"], case_id.as_str());
    assert_eq!(keys(&hits[0]), sorted(&["case_id", "message_id", "subject", "created_at"]));
    let r = app.get("/api/v1/search").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "q");
}
db_test!(ingest_over_http_then_list_and_filter, ingest_then_list);

async fn pagination(db: Db) {
    let app = App::new(db).await;
    let mut expected = Vec::new();
    for i in 0..7 {
        let report = app.ingest(inbound(&format!("k{i}@example.de"), "Kunde", &format!("Anliegen {i}"), "Hallo")).await;
        expected.push(report.case_id.unwrap().to_string());
        app.tc.clock.advance(chrono::Duration::minutes(1));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?limit=3&cursor={c}"),
            None => "/api/v1/cases?limit=3".to_string(),
        };
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let page = r.json();
        pages += 1;
        for c in page["items"].as_array().unwrap() {
            seen.push(c["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected, "each case once, longest waiting first");
}
db_test!(cursor_pagination_visits_each_case_once, pagination);

async fn detail_shape(db: Db) {
    let app = App::new(db).await;
    let case_id =
        new_case(&app, "Erika Mustermann <erika@example.de>", "Kündigung", "Bitte kündigen Sie mein Abo.").await;
    let r = app.get(&format!("/api/v1/cases/{case_id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let d = r.json();
    assert_eq!(
        keys(&d),
        sorted(&[
            "id",
            "reference",
            "number",
            "subject",
            "status",
            "priority",
            "tags",
            "channel",
            "created_at",
            "updated_at",
            "waiting_since",
            "owner",
            "team_id",
            "categories",
            "safeguarding",
            "sla_due_at",
            "sla",
            "escalation",
            "snoozed_until",
            "contact",
            "messages",
            "events"
        ])
    );
    assert_eq!((d["categories"].clone(), d["safeguarding"].clone()), (json!([]), json!(false)));
    assert_eq!(d["id"], case_id.as_str());
    assert_eq!(d["reference"], format!("R-{}", d["number"]));
    assert_eq!(d["status"], "new");
    assert_eq!(d["channel"], "email");
    assert_eq!(d["owner"], json!(null));
    assert_eq!(d["created_at"], "2026-03-02T09:00:00Z");
    assert_eq!(
        keys(&d["contact"]),
        sorted(&["id", "display_name", "address_form", "language", "identities", "organisation"])
    );
    assert_eq!(d["contact"]["organisation"], json!(null));
    assert_eq!(d["contact"]["display_name"], "Erika Mustermann");
    assert_eq!(
        d["contact"]["identities"],
        json!([{"kind": "email", "value": "erika@example.de", "failing_since": null}])
    );
    let m = &d["messages"][0];
    assert_eq!(
        keys(m),
        sorted(&[
            "id",
            "direction",
            "author_kind",
            "from",
            "from_name",
            "to",
            "cc",
            "subject",
            "date",
            "created_at",
            "text_body",
            "html_body",
            "has_remote_images",
            "auto_kind",
            "message_id_header",
            "in_reply_to",
            "delivery",
            "attachments",
            "analysis",
            "approval"
        ])
    );
    // Ingest queues the analysis; the worker has not run it yet.
    assert_eq!(m["analysis"]["status"], "pending");
    assert_eq!(m["approval"], json!(null));
    assert_eq!(m["direction"], "inbound");
    assert_eq!(m["author_kind"], "contact");
    assert_eq!(m["from"], "erika@example.de");
    assert_eq!(m["text_body"], "Bitte kündigen Sie mein Abo.");
    assert_eq!(m["attachments"], json!([]));
    let events = d["events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert_eq!(keys(&events[0]), sorted(&["seq", "at", "actor", "action", "before", "after"]));
    assert_eq!(events[0]["action"], "case.created");
    assert_eq!(events[0]["at"], "2026-03-02T09:00:00Z");
    assert!(events[0]["after"].is_object(), "audit values are parsed JSON, not strings");

    // The CLI's JSON is the same document.
    let detail = app.tc.core.case_detail(resonanz_core::ids::CaseId::parse(&case_id).unwrap()).await.unwrap();
    assert_eq!(resonanz_web::case_detail_json(&app.tc.core, detail).await.unwrap(), d);
}
db_test!(case_detail_has_the_documented_shape, detail_shape);

async fn reply_and_note(db: Db) {
    let app = App::new(db).await;
    let case_id = new_case(&app, "erika@example.de", "Rechnung", "Die Rechnung ist falsch.").await;
    let r = app
        .post_json(
            &format!("/api/v1/cases/{case_id}/reply"),
            json!({"text": "Wir prüfen das.", "status": "waiting_on_contact"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let reply = r.json();
    assert_eq!(keys(&reply), sorted(&["message_id", "outbox_id", "held"]));
    assert_eq!(reply["held"], false);

    let r = app.post_json(&format!("/api/v1/cases/{case_id}/notes"), json!({"text": "Rückruf vereinbart."})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let note_id = r.json()["message_id"].as_str().unwrap().to_string();

    let d = app.get(&format!("/api/v1/cases/{case_id}")).await.json();
    assert_eq!(d["status"], "waiting_on_contact");
    let messages = d["messages"].as_array().unwrap();
    let out = messages.iter().find(|m| m["id"] == reply["message_id"]).unwrap();
    assert_eq!(out["direction"], "outbound");
    assert_eq!(out["delivery"], "pending");
    assert_eq!(out["to"], json!(["erika@example.de"]));
    assert!(out["text_body"].as_str().unwrap().starts_with("Wir prüfen das."));
    let note = messages.iter().find(|m| m["id"] == note_id.as_str()).unwrap();
    assert_eq!(note["direction"], "note");
    assert_eq!(note["text_body"], "Rückruf vereinbart.");
    assert!(d["events"].as_array().unwrap().iter().any(|e| e["action"] == "message.replied"));

    // Empty texts and bad statuses are field errors.
    let r = app.post_json(&format!("/api/v1/cases/{case_id}/reply"), json!({"text": " ", "cc": ["kaputt"]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> =
        r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().into()).collect();
    assert_eq!(fields, vec!["text", "cc[0]"]);
    let r = app.post_json(&format!("/api/v1/cases/{case_id}/reply"), json!({"text": "x", "status": "weg"})).await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "status");
    let r = app.post_json(&format!("/api/v1/cases/{case_id}/notes"), json!({"text": ""})).await;
    assert_eq!(
        (r.status, r.json()["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("required"))
    );
    let r = app.post_json(&format!("/api/v1/cases/{}/notes", uuid::Uuid::nil()), json!({"text": "x"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
db_test!(reply_is_queued_and_note_is_kept, reply_and_note);

async fn patch_case(db: Db) {
    let app = App::new(db).await;
    let case_id = new_case(&app, "erika@example.de", "Frage", "Hallo").await;
    let path = format!("/api/v1/cases/{case_id}");
    let r = app
        .patch_json(&path, json!({"status": "open", "priority": "high", "tags": [" VIP ", "rechnung", "vip"]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let c = r.json();
    assert_eq!((c["status"].clone(), c["priority"].clone()), (json!("open"), json!("high")));
    assert_eq!(c["tags"], json!(["rechnung", "vip"]));

    let d = app.get(&path).await.json();
    assert_eq!(d["priority"], "high");
    let actions: Vec<&str> = d["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["case.status_changed", "case.priority_changed", "case.tags_changed"] {
        assert!(actions.contains(&a), "{a} missing in {actions:?}");
    }
    let changed = d["events"].as_array().unwrap().iter().find(|e| e["action"] == "case.status_changed").unwrap();
    assert_eq!(changed["before"], json!({"status": "new"}));
    assert_eq!(changed["after"], json!({"status": "open"}));

    let r = app.patch_json(&path, json!({"priority": "sofort", "status": "zu"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"].as_array().unwrap().len(), 2);
    let r = app.patch_json(&path, json!({"colour": "red"})).await;
    assert_eq!(r.code(), "invalid_json");
}
db_test!(patch_changes_status_priority_and_tags, patch_case);

async fn assign(db: Db) {
    let app = App::new(db).await;
    let case_id = new_case(&app, "erika@example.de", "Frage", "Hallo").await;
    let colleague = app
        .tc
        .core
        .create_user(&Actor::System, "bernd@resonanz.test", "Bernd Kollege", Role::Agent, "!".into())
        .await
        .unwrap();
    let path = format!("/api/v1/cases/{case_id}/assign");
    let r = app.post_json(&path, json!({"owner_id": colleague.id, "note": ""})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "validation_failed");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "note");
    assert_eq!(r.json()["error"]["fields"][0]["code"], "handover_note_required");

    let r = app.post_json(&path, json!({"owner_id": colleague.id, "note": "Bitte morgen zurückrufen."})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["owner_id"], colleague.id.to_string());

    let d = app.get(&format!("/api/v1/cases/{case_id}")).await.json();
    assert_eq!(
        d["owner"],
        json!({"id": colleague.id, "display_name": "Bernd Kollege", "email": "bernd@resonanz.test"})
    );
    let ev = d["events"].as_array().unwrap().iter().find(|e| e["action"] == "case.assigned").unwrap();
    assert_eq!(ev["before"], json!({"owner_id": null}));
    assert_eq!(ev["after"]["owner_id"], colleague.id.to_string());
    assert_eq!(ev["actor"], format!("user:{}", app.tc.agent.id));
    assert!(d["messages"].as_array().unwrap().iter().any(|m| m["direction"] == "note"
        && m["text_body"].as_str().unwrap().contains("Bitte morgen zurückrufen.")));

    let r = app.post_json(&path, json!({"owner_id": uuid::Uuid::nil(), "note": "x"})).await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "unknown_user");
    let r = app.get(&format!("/api/v1/cases?owner={}", colleague.id)).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
}
db_test!(assign_needs_a_handover_note, assign);

async fn patch_moves_a_case_to_a_team_and_back(db: Db) {
    let app = App::new(db).await;
    let case_id = new_case(&app, "erika@example.de", "Frage", "Text").await;
    // The agent is in the team: moving a case to a team of others would take it out of their sight.
    let team = app.tc.core.create_team(&Actor::System, "Zuschauerpost", &[app.tc.agent.id]).await.unwrap();
    let path = format!("/api/v1/cases/{case_id}");

    let r = app.patch_json(&path, json!({"team_id": "kein-uuid"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "team_id");
    let r = app.patch_json(&path, json!({"team_id": uuid::Uuid::new_v4().to_string()})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["code"], "unknown_team");

    let r = app.patch_json(&path, json!({"team_id": team.team.id.to_string()})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["team_id"], team.team.id.to_string());
    let listed = app.get(&format!("/api/v1/cases?team={}", team.team.id)).await;
    assert_eq!(listed.json()["items"][0]["id"], case_id.as_str());

    // Leaving the field out keeps the team; null clears it.
    let r = app.patch_json(&path, json!({"priority": "high"})).await;
    assert_eq!(r.json()["team_id"], team.team.id.to_string());
    let r = app.patch_json(&path, json!({"team_id": null})).await;
    assert_eq!(r.json()["team_id"], json!(null));
}
db_test!(patch_moves_a_case_to_a_team_and_back, patch_moves_a_case_to_a_team_and_back);
