//! Assist over the API: analyses and their correction, the safeguarding protocol with four-eyes
//! approval, drafts and the ledger, automatic replies and settings — with visibility (404),
//! roles (403) and field errors (422).

use axum::http::{Method, StatusCode};
use resonanz_core::assist::DraftRecord;
use resonanz_core::ids::{CaseId, MessageId};
use resonanz_core::service::CasePatch;
use resonanz_core::textblocks::TextBlockInput;
use resonanz_core::user::{Actor, Role};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, db_test};
use serde_json::{Value, json};

use crate::assist_support::{FakeAnalyzer, FakeDrafts, analyse};
use crate::support::{App, Resp, keys, sorted};

async fn call(app: &App, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
    app.call(method, path, token, body).await
}

async fn complaint(app: &App) -> (CaseId, MessageId) {
    let r =
        app.ingest(inbound("erika@example.de", "Erika Mustermann", "Beschwerde", "Sie haben doppelt abgebucht!")).await;
    (r.case_id.unwrap(), r.message_id.unwrap())
}

fn field(r: &Resp, i: usize) -> (String, String) {
    r.field(i)
}

async fn analysis_and_correction(db: Db) {
    let app = App::new(db).await;
    let (case, msg) = complaint(&app).await;
    let path = format!("/api/v1/messages/{msg}/analysis");
    let r = app.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "pending");

    analyse(&app, msg, &FakeAnalyzer::new(&[("complaint", 0.88)])).await;
    let a = app.get(&path).await.json();
    assert_eq!(
        keys(&a),
        sorted(&["message_id", "status", "attempts", "error", "model_version", "result", "corrected", "updated_at"])
    );
    assert_eq!((a["status"].clone(), a["model_version"].clone()), (json!("done"), json!("fake/test-1")));
    assert_eq!(a["result"]["categories"][0]["name"], "complaint");
    assert_eq!(a["result"]["categories"][0]["signals"], json!(["doppelt abgebucht"]));
    assert!(a["result"]["explanation"].as_str().unwrap().contains("doppelt abgebucht"));
    assert_eq!(a["corrected"], json!(null));

    // The case and its detail carry it.
    let d = app.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(d["categories"], json!(["complaint"]));
    assert_eq!(d["messages"][0]["analysis"]["status"], "done");
    assert_eq!(d["messages"][0]["analysis"]["result"]["sentiment"]["label"], "negative");
    let listed = app.get("/api/v1/cases").await.json();
    assert_eq!(listed["items"][0]["categories"], json!(["complaint"]));

    // Correction: unknown names are field errors by position.
    let cats = format!("/api/v1/messages/{msg}/categories");
    let r = call(&app, Method::PUT, &cats, &app.token, Some(json!({"categories": ["complaint", "kaputt"]}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field(&r, 0), ("categories[1]".into(), "unknown_category".into()));
    let r = call(&app, Method::PUT, &cats, &app.token, Some(json!({"kategorien": []}))).await;
    assert_eq!(r.code(), "invalid_json");
    let r = call(&app, Method::PUT, &cats, &app.token, Some(json!({"categories": ["sensitive", "complaint"]}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["corrected"], json!(["complaint", "sensitive"]));
    let d = app.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(d["categories"], json!(["complaint", "sensitive"]));
    assert_eq!(d["messages"][0]["analysis"]["corrected"], json!(["complaint", "sensitive"]));

    // A done analysis is not run again (that would count its suggestions twice): retrying is for
    // failures.
    let r = call(&app, Method::POST, &format!("/api/v1/messages/{msg}/analysis/retry"), &app.token, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(app.get(&path).await.json()["status"], "done");

    // A note has no analysis; unknown and malformed ids are 404.
    let note = app.tc.core.add_note(case, app.tc.agent.id, "intern").await.unwrap();
    assert_eq!(app.get(&format!("/api/v1/messages/{note}/analysis")).await.status, StatusCode::NOT_FOUND);
    let r = call(&app, Method::POST, &format!("/api/v1/messages/{note}/analysis/retry"), &app.token, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        app.get(&format!("/api/v1/messages/{}/analysis", uuid::Uuid::nil())).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/api/v1/messages/kaputt/analysis").await.code(), "invalid_id");
}
db_test!(analysis_can_be_read_corrected_and_retried, analysis_and_correction);

async fn hidden_cases_are_not_found(db: Db) {
    let app = App::new(db).await;
    let (case, msg) = complaint(&app).await;
    analyse(&app, msg, &FakeAnalyzer::new(&[("complaint", 0.88)])).await;
    let (lead, lead_token) = app.token_for("leitung@resonanz.test", "Lea Leitung", Role::Supervisor).await;
    let other = app.tc.core.create_team(&Actor::System, "Geschäftskunden", &[lead.id]).await.unwrap().team.id;
    let patch = CasePatch { team_id: Some(Some(other)), ..Default::default() };
    app.tc.core.update_case(case, &Actor::System, patch).await.unwrap();
    let reason = Some(json!({"reason": "Test"}));
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/messages/{msg}/analysis"), None),
        (Method::POST, format!("/api/v1/messages/{msg}/analysis/retry"), None),
        (Method::PUT, format!("/api/v1/messages/{msg}/categories"), Some(json!({"categories": ["spam"]}))),
        (Method::POST, format!("/api/v1/cases/{case}/safeguarding"), reason.clone()),
        (Method::DELETE, format!("/api/v1/cases/{case}/safeguarding"), reason.clone()),
        (Method::GET, format!("/api/v1/cases/{case}/approvals"), None),
        (Method::POST, format!("/api/v1/messages/{msg}/approve"), None),
        (Method::POST, format!("/api/v1/messages/{msg}/reject"), reason.clone()),
        (Method::POST, format!("/api/v1/cases/{case}/drafts"), None),
    ];
    for (method, path, body) in calls {
        let r = call(&app, method.clone(), &path, &app.token, body.clone()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}: {}", r.text());
        assert_eq!(r.code(), "not_found");
    }
    // The supervisor reaches the same case.
    let r = call(&app, Method::GET, &format!("/api/v1/messages/{msg}/analysis"), &lead_token, None).await;
    assert_eq!(r.status, StatusCode::OK);
    // A suggestion of a hidden case is not found either; the supervisor may discard it.
    let draft = DraftRecord {
        text: "Hallo".into(),
        confidence: 0.7,
        output: json!({"text": "Hallo", "kind": "text_block"}),
        category: None,
        producer: "test".into(),
        producer_version: "1".into(),
    };
    let s = app.tc.core.record_drafts(case, Some(msg), vec![draft]).await.unwrap();
    let reject = format!("/api/v1/suggestions/{}/reject", s[0].id);
    assert_eq!(call(&app, Method::POST, &reject, &app.token, None).await.status, StatusCode::NOT_FOUND);
    let r =
        call(&app, Method::POST, &format!("/api/v1/suggestions/{}/reject", uuid::Uuid::nil()), &app.token, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, Method::POST, &reject, &lead_token, None).await.status, StatusCode::OK);
}
db_test!(assist_endpoints_answer_not_found_for_hidden_cases, hidden_cases_are_not_found);

async fn safeguarding_and_four_eyes(db: Db) {
    let app = App::new(db).await;
    let (case, _) = complaint(&app).await;
    let (_, lead) = app.token_for("leitung@resonanz.test", "Lea Leitung", Role::Supervisor).await;
    let sg = format!("/api/v1/cases/{case}/safeguarding");

    let r = call(&app, Method::POST, &sg, &app.token, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field(&r, 0), ("reason".into(), "required".into()));
    let r = call(&app, Method::POST, &sg, &app.token, Some(json!({"reason": "Kind berichtet von Gewalt."}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let c = r.json();
    assert_eq!((c["safeguarding"].clone(), c["priority"].clone()), (json!(true), json!("urgent")));
    assert_eq!(c["sla_due_at"], "2026-03-02T10:00:00Z", "60 minutes by default");
    let r = call(&app, Method::POST, &sg, &app.token, Some(json!({"reason": "nochmal"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // A reply is held for a second person.
    let reply = format!("/api/v1/cases/{case}/reply");
    let r = call(&app, Method::POST, &reply, &app.token, Some(json!({"text": "Wir sind für dich da."}))).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.json()["held"], true);
    let held = r.json()["message_id"].as_str().unwrap().to_string();
    let d = app.get(&format!("/api/v1/cases/{case}")).await.json();
    let out = d["messages"].as_array().unwrap().iter().find(|m| m["id"] == held.as_str()).unwrap().clone();
    assert_eq!(out["delivery"], "held");
    assert_eq!(out["approval"]["status"], "pending");
    assert_eq!(out["approval"]["requested_by"], app.tc.agent.id.to_string());
    assert_eq!(out["analysis"], json!(null));
    let list = app.get(&format!("/api/v1/cases/{case}/approvals")).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Not by the author; another person approves; a decision stands.
    let approve = format!("/api/v1/messages/{held}/approve");
    let r = call(&app, Method::POST, &approve, &app.token, None).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "forbidden"));
    let r =
        call(&app, Method::POST, &format!("/api/v1/messages/{held}/reject"), &lead, Some(json!({"reason": " "}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = call(&app, Method::POST, &approve, &lead, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "approved");
    assert!(r.json()["decided_by"].is_string());
    assert_eq!(call(&app, Method::POST, &approve, &lead, None).await.status, StatusCode::CONFLICT);
    let d = app.get(&format!("/api/v1/cases/{case}")).await.json();
    let out = d["messages"].as_array().unwrap().iter().find(|m| m["id"] == held.as_str()).unwrap().clone();
    assert_eq!((out["delivery"].clone(), out["approval"]["status"].clone()), (json!("pending"), json!("approved")));

    // A refused reply is never sent.
    let r = call(&app, Method::POST, &reply, &app.token, Some(json!({"text": "Zweiter Versuch."}))).await;
    let second = r.json()["message_id"].as_str().unwrap().to_string();
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/messages/{second}/reject"),
        &lead,
        Some(json!({"reason": "Bitte ohne Schulnamen."})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (r.json()["status"].clone(), r.json()["reason"].clone()),
        (json!("rejected"), json!("Bitte ohne Schulnamen."))
    );
    let d = app.get(&format!("/api/v1/cases/{case}")).await.json();
    let out = d["messages"].as_array().unwrap().iter().find(|m| m["id"] == second.as_str()).unwrap().clone();
    assert_eq!(out["delivery"], "cancelled");
    assert_eq!(
        call(&app, Method::POST, &format!("/api/v1/messages/{}/approve", uuid::Uuid::nil()), &lead, None).await.status,
        StatusCode::NOT_FOUND
    );

    // Only supervisors and admins end the protocol.
    let r = call(&app, Method::DELETE, &sg, &app.token, Some(json!({"reason": "erledigt"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(&app, Method::DELETE, &sg, &lead, Some(json!({"reason": ""}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = call(&app, Method::DELETE, &sg, &lead, Some(json!({"reason": "Mit dem Jugendamt geklärt."}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!((r.json()["safeguarding"].clone(), r.json()["sla_due_at"].clone()), (json!(false), json!(null)));
}
db_test!(safeguarding_holds_replies_for_a_second_person, safeguarding_and_four_eyes);

async fn drafts_and_ledger(db: Db) {
    // Without a drafting side: a clear 503.
    let plain = App::new(db).await;
    let (case, _) = complaint(&plain).await;
    let r = call(&plain, Method::POST, &format!("/api/v1/cases/{case}/drafts"), &plain.token, None).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::SERVICE_UNAVAILABLE, "drafts_unavailable"));
    drop(plain);

    let app = App::with_drafts(db, FakeDrafts { abstain: false, source_case: None, hostile: false }).await;
    let (case, msg) = complaint(&app).await;
    analyse(&app, msg, &FakeAnalyzer::new(&[("complaint", 0.88)])).await;
    let path = format!("/api/v1/cases/{case}/drafts");
    let r = call(&app, Method::POST, &path, &app.token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let p = r.json();
    assert_eq!(p["abstained"], json!(null));
    let drafts = p["drafts"].as_array().unwrap().clone();
    assert_eq!(drafts.len(), 2);
    assert_eq!(
        keys(&drafts[0]),
        sorted(&["suggestion_id", "text", "confidence", "kind", "sources", "explanation", "machine_drafted"])
    );
    assert_eq!((drafts[0]["kind"].clone(), drafts[0]["machine_drafted"].clone()), (json!("text_block"), json!(false)));
    assert_eq!((drafts[1]["kind"].clone(), drafts[1]["machine_drafted"].clone()), (json!("llm"), json!(true)));
    assert_eq!(drafts[0]["sources"][0]["label"], "abbuchung-pruefen");

    // Discard one; a decided suggestion stays decided.
    let reject = format!("/api/v1/suggestions/{}/reject", drafts[1]["suggestion_id"].as_str().unwrap());
    let r = call(&app, Method::POST, &reject, &app.token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!((r.json()["outcome"].clone(), r.json()["kind"].clone()), (json!("rejected"), json!("draft")));
    assert_eq!(call(&app, Method::POST, &reject, &app.token, None).await.status, StatusCode::CONFLICT);

    // Ask again and send the first draft unchanged.
    let again = call(&app, Method::POST, &path, &app.token, None).await.json();
    let used = again["drafts"][0].clone();
    let reply = format!("/api/v1/cases/{case}/reply");
    let r =
        call(&app, Method::POST, &reply, &app.token, Some(json!({"text": used["text"], "draft_id": "kaputt"}))).await;
    assert_eq!(field(&r, 0), ("draft_id".into(), "invalid_id".into()));
    let r =
        call(&app, Method::POST, &reply, &app.token, Some(json!({"text": "x", "draft_id": uuid::Uuid::nil()}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(field(&r, 0).0, "draft_id");
    let r = call(
        &app,
        Method::POST,
        &reply,
        &app.token,
        Some(json!({"text": used["text"], "draft_id": used["suggestion_id"]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());

    // The ledger: supervisors and admins; the draft was accepted, the three others rejected.
    let (_, lead) = app.token_for("leitung@resonanz.test", "Lea Leitung", Role::Supervisor).await;
    assert_eq!(app.get("/api/v1/assist/ledger").await.status, StatusCode::FORBIDDEN);
    let r = call(&app, Method::GET, "/api/v1/assist/ledger?bucket=month", &lead, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let l = r.json();
    assert_eq!(l["bucket"], "month");
    assert_eq!(l["to"], "2026-03-03T00:00:00Z", "by default until the end of today (UTC)");
    assert_eq!(l["from"], "2025-12-03T00:00:00Z");
    let rows = l["items"].as_array().unwrap();
    // Rated per producer: the text-block draft sent once, the LLM's drafts never.
    let drafts_by = |producer: &str| {
        let row = rows.iter().find(|r| r["kind"] == "draft" && r["producer"] == producer);
        row.unwrap_or_else(|| panic!("no {producer} row: {l}")).clone()
    };
    let draft = drafts_by("drafts-bm25");
    assert_eq!(
        (draft["total"].clone(), draft["accepted"].clone(), draft["rejected"].clone()),
        (json!(2), json!(1), json!(1))
    );
    assert_eq!((draft["acceptance_rate"].clone(), draft["rejection_rate"].clone()), (json!(0.5), json!(0.5)));
    assert_eq!(draft["period"], "2026-03");
    let llm = drafts_by("llm:test");
    assert_eq!((llm["total"].clone(), llm["rejected"].clone()), (json!(2), json!(2)));
    assert_eq!((llm["acceptance_rate"].clone(), llm["rejection_rate"].clone()), (json!(0.0), json!(1.0)));
    assert_eq!(llm["model_version"], "drafts-test-1");
    let class = rows.iter().find(|r| r["kind"] == "classification").unwrap();
    assert_eq!(
        (class["category"].clone(), class["accepted"].clone()),
        (json!("complaint"), json!(1)),
        "answered without correcting"
    );
    assert_eq!(class["model_version"], "fake/test-1");

    for (query, fld, code) in [
        ("bucket=year", "bucket", "invalid_bucket"),
        ("from=gestern", "from", "invalid_date"),
        ("from=2026-04-01&to=2026-03-01", "to", "before_from"),
    ] {
        let r = call(&app, Method::GET, &format!("/api/v1/assist/ledger?{query}"), &lead, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(field(&r, 0), (fld.into(), code.into()), "{query}");
    }
    let r =
        call(&app, Method::GET, "/api/v1/assist/ledger?from=2026-03-02&to=2026-03-02&bucket=day", &lead, None).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), rows.len(), "a date as `to` includes that day");

    // Abstaining says why.
    let abstains = App::with_drafts(db, FakeDrafts { abstain: true, source_case: None, hostile: false }).await;
    let (case, _) = complaint(&abstains).await;
    let r = call(&abstains, Method::POST, &format!("/api/v1/cases/{case}/drafts"), &abstains.token, None).await;
    assert_eq!(r.json(), json!({"drafts": [], "abstained": "confidence below the threshold"}));
}
db_test!(drafts_are_recorded_and_the_reply_settles_the_ledger, drafts_and_ledger);

async fn auto_replies_and_settings(db: Db) {
    let app = App::new(db).await;
    let (admin, root) = app.token_for("admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let r = app.get("/api/v1/assist/auto-replies").await;
    assert_eq!(r.status, StatusCode::OK);
    let rules = r.json();
    let cats: Vec<&str> = rules["items"].as_array().unwrap().iter().map(|r| r["category"].as_str().unwrap()).collect();
    assert_eq!(cats, vec!["routine", "question", "praise"]);
    assert!(rules["items"].as_array().unwrap().iter().all(|r| r["enabled"] == false), "off by default");
    assert!(rules["never_automatic"].as_array().unwrap().contains(&json!("safeguarding")));

    let rule = json!({"category": "praise", "enabled": true, "min_confidence": 0.9, "text_block": "danke-lob"});
    let r = call(&app, Method::PUT, "/api/v1/assist/auto-replies", &app.token, Some(rule.clone())).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "forbidden"));
    for (body, fld, code) in [
        (
            json!({"category": "complaint", "enabled": true, "min_confidence": 0.9, "text_block": "x"}),
            "category",
            "not_allowed",
        ),
        (
            json!({"category": "praise", "enabled": true, "min_confidence": 0.3, "text_block": "x"}),
            "min_confidence",
            "out_of_range",
        ),
        (rule.clone(), "text_block", "unknown"),
    ] {
        let r = call(&app, Method::PUT, "/api/v1/assist/auto-replies", &root, Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(field(&r, 0), (fld.into(), code.into()));
    }
    let input = TextBlockInput {
        name: "danke-lob".into(),
        category: "Lob".into(),
        language: "de".into(),
        tone: "sie".into(),
        body: "Vielen Dank für Ihr Lob!".into(),
    };
    app.tc.core.create_text_block(&Actor::User(admin.id), &input).await.unwrap();
    let r = call(&app, Method::PUT, "/api/v1/assist/auto-replies", &root, Some(rule)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (r.json()["enabled"].clone(), r.json()["updated_by"].clone()),
        (json!(true), json!(admin.id.to_string()))
    );
    let r = app.get("/api/v1/assist/auto-replies").await.json();
    assert_eq!(r["items"][2]["text_block"], "danke-lob");

    // Settings.
    assert_eq!(
        app.get("/api/v1/assist/settings").await.json(),
        json!({"safeguarding_team": null, "safeguarding_sla_minutes": 60})
    );
    let team = app.tc.core.create_team(&Actor::System, "Kinderschutz", &[admin.id]).await.unwrap().team.id;
    let good = json!({"safeguarding_team": team.to_string(), "safeguarding_sla_minutes": 30});
    let r = call(&app, Method::PUT, "/api/v1/assist/settings", &app.token, Some(good.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for (body, fld, code) in [
        (json!({"safeguarding_team": "kaputt", "safeguarding_sla_minutes": 30}), "safeguarding_team", "invalid_id"),
        (json!({"safeguarding_team": null, "safeguarding_sla_minutes": 2}), "safeguarding_sla_minutes", "out_of_range"),
        (
            json!({"safeguarding_team": uuid::Uuid::nil(), "safeguarding_sla_minutes": 30}),
            "safeguarding_team",
            "unknown",
        ),
    ] {
        let r = call(&app, Method::PUT, "/api/v1/assist/settings", &root, Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(field(&r, 0), (fld.into(), code.into()));
    }
    let r = call(&app, Method::PUT, "/api/v1/assist/settings", &root, Some(json!({"sla": 5}))).await;
    assert_eq!(r.code(), "invalid_json");
    let r = call(&app, Method::PUT, "/api/v1/assist/settings", &root, Some(good.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json(), good);
}
db_test!(auto_replies_and_settings_are_for_administrators, auto_replies_and_settings);
