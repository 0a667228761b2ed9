//! Responsibility over the API: routing rules (checked on save, applied on ingest, dry run), SLA
//! policies and the `sla` object with warnings and breach over the fake clock, calendars and
//! holidays, escalation with acknowledgement, follow-ups, the watcher, notifications and their
//! preferences, availability — with roles (403) and field errors (422).

use axum::http::{Method, StatusCode};
use chrono::Duration;
use resonanz_core::user::Role;
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, db_test};
use serde_json::{Value, json};

use crate::support::App;

async fn team(app: &App, token: &str, name: &str, members: &[String]) -> String {
    let r = app.call(Method::POST, "/api/v1/teams", token, Some(json!({"name": name, "member_ids": members}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

fn event_actions(detail: &Value) -> Vec<String> {
    detail["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

async fn rules_are_checked_applied_and_dry_run(db: Db) {
    let app = App::new(db).await;
    let (_, admin) = app.token_for("ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let agent = app.tc.agent.id.to_string();
    let team_id = team(&app, &admin, "Türkischsprachige Anfragen", std::slice::from_ref(&agent)).await;
    let rule = |conditions: Value, actions: Value| json!({"name": "Türkisch", "conditions": {"all": conditions}, "actions": actions});
    let post = |body: Value, token: String| {
        let app = &app;
        async move { app.call(Method::POST, "/api/v1/routing-rules", &token, Some(body)).await }
    };

    // Only administrators manage rules.
    let ok_body = rule(
        json!([{"field": "text", "op": "contains_any", "value": ["merhaba", "teşekkürler"]}]),
        json!({"team_id": team_id, "owner": "round_robin"}),
    );
    assert_eq!(post(ok_body.clone(), app.token.clone()).await.status, StatusCode::FORBIDDEN);

    // Rules that cannot be evaluated are refused with the spot and a clear message.
    let r = post(
        rule(json!([{"field": "sprache", "op": "equals", "value": "tr"}]), json!({"priority": "high"})),
        admin.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.field(0), ("conditions.all[0].field".into(), "unknown_field".into()));
    assert!(r.json()["error"]["fields"][0]["message"].as_str().unwrap().starts_with("unknown field \"sprache\""));
    let r = post(
        rule(json!([{"field": "subject", "op": "matches", "value": "(Rechnung"}]), json!({"priority": "high"})),
        admin.clone(),
    )
    .await;
    assert_eq!(r.field(0), ("conditions.all[0].value".into(), "invalid_regex".into()));
    assert!(r.json()["error"]["fields"][0]["message"].as_str().unwrap().starts_with("not a valid regular expression"));
    let r = post(
        rule(json!([{"field": "time.hour", "op": "contains", "value": "18"}]), json!({"priority": "high"})),
        admin.clone(),
    )
    .await;
    assert_eq!(r.field(0), ("conditions.all[0].op".into(), "unsupported_operator".into()));
    let r = post(rule(json!([]), json!({})), admin.clone()).await;
    assert_eq!(r.field(0), ("actions".into(), "required".into()));
    let r = post(rule(json!([]), json!({"team_id": "01956a6e-8f00-7000-8000-00000000abcd"})), admin.clone()).await;
    assert_eq!(r.field(0), ("actions.team_id".into(), "unknown_team".into()));
    let mut bad_trigger = ok_body.clone();
    bad_trigger["triggers"] = json!(["sometimes"]);
    assert_eq!(post(bad_trigger, admin.clone()).await.field(0), ("triggers[0]".into(), "unknown_trigger".into()));

    let r = post(ok_body, admin.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let saved = r.json();
    assert_eq!(saved["triggers"], json!(["created", "analysed"]), "the default triggers");
    assert_eq!((saved["error_count"].clone(), saved["enabled"].clone()), (json!(0), json!(true)));
    let rule_id = saved["id"].as_str().unwrap().to_string();

    // Applied on ingest: team, owner by round robin, and the timeline says which rule and why.
    let m = app.ingest(inbound("ayse@example.de", "Ayşe Yılmaz", "Soru", "Merhaba, bir sorum var.")).await;
    let case = m.case_id.unwrap();
    let d = app.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(d["team_id"], team_id.as_str());
    assert_eq!(d["owner"]["id"], agent.as_str());
    assert!(event_actions(&d).contains(&"case.routed".to_string()), "{:?}", event_actions(&d));
    let routed = d["events"].as_array().unwrap().iter().find(|e| e["action"] == "case.routed").unwrap().clone();
    assert_eq!(routed["after"]["rule"], "Türkisch");
    assert_eq!(routed["after"]["because"], json!(["text contains_any [\"merhaba\",\"teşekkürler\"]"]));
    let own = app.get(&format!("/api/v1/cases/{case}/ownership")).await.json();
    assert_eq!(own["items"][0]["source"], "routing");
    assert_eq!(own["items"][0]["user_id"], agent.as_str());

    // Dry run: which rules would match, changing nothing.
    let other = app.ingest(inbound("erika@example.de", "Erika Mustermann", "Frage", "Guten Tag, eine Frage.")).await;
    let other = other.case_id.unwrap();
    let r = app.call(Method::POST, "/api/v1/routing-rules/dry-run", &app.token, Some(json!({"case_id": case}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["matches"][0]["name"], "Türkisch");
    let r = app.call(Method::POST, "/api/v1/routing-rules/dry-run", &app.token, Some(json!({"case_id": other}))).await;
    assert_eq!(r.json()["matches"], json!([]));
    // A draft rule is tried alone, and would give the case to the team's member.
    let draft = json!({"name": "Fragen", "conditions": {"all": [{"field": "subject", "op": "equals", "value": "frage"}]}, "actions": {"team_id": team_id, "owner": "fewest_open"}});
    let r = app
        .call(Method::POST, "/api/v1/routing-rules/dry-run", &app.token, Some(json!({"case_id": other, "rule": draft})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["matches"][0]["name"], "Fragen");
    assert_eq!(r.json()["assignment"]["chosen"], agent.as_str());
    let d = app.get(&format!("/api/v1/cases/{other}")).await.json();
    assert_eq!((d["team_id"].clone(), d["owner"].clone()), (json!(null), json!(null)), "a dry run changes nothing");
    let r =
        app.call(Method::POST, "/api/v1/routing-rules/dry-run", &app.token, Some(json!({"case_id": "kaputt"}))).await;
    assert_eq!(r.field(0), ("case_id".into(), "invalid_id".into()));

    // Change, list, delete.
    let path = format!("/api/v1/routing-rules/{rule_id}");
    let mut changed = saved.clone();
    changed.as_object_mut().unwrap().retain(|k, _| ["name", "conditions", "actions", "stop"].contains(&k.as_str()));
    changed["enabled"] = json!(false);
    let r = app.call(Method::PUT, &path, &admin, Some(changed)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["enabled"], false);
    assert_eq!(app.get("/api/v1/routing-rules").await.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.call(Method::DELETE, &path, &admin, None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
}
db_test!(routing_rules_are_checked_applied_and_tried_in_a_dry_run, rules_are_checked_applied_and_dry_run);

async fn sla_in_the_api(db: Db) {
    let app = App::new(db).await;
    let (_, admin) = app.token_for("ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let policy = json!({"name": "Standard", "first_response_minutes": 120, "resolution_minutes": 600, "warn_before_minutes": 30});
    assert_eq!(
        app.call(Method::POST, "/api/v1/sla-policies", &app.token, Some(policy.clone())).await.status,
        StatusCode::FORBIDDEN
    );
    let mut bad = policy.clone();
    bad["resolution_minutes"] = json!(60);
    let r = app.call(Method::POST, "/api/v1/sla-policies", &admin, Some(bad)).await;
    assert_eq!(r.field(0), ("resolution_minutes".into(), "before_first_response".into()));
    let r = app.call(Method::POST, "/api/v1/sla-policies", &admin, Some(policy)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // Monday 10:00 in Berlin (09:00 UTC), Mo–Fr 08–18: first response by 12:00, resolution 10
    // business hours later: 8 today, 2 on Tuesday morning.
    let m = app.ingest(inbound("erika@example.de", "Erika Mustermann", "Rechnung", "Die Rechnung stimmt nicht.")).await;
    let case = m.case_id.unwrap();
    let sla = app.get(&format!("/api/v1/cases/{case}")).await.json()["sla"].clone();
    assert_eq!(sla["state"], "ok");
    assert_eq!(sla["first_response_due"], "2026-03-02T11:00:00Z");
    assert_eq!(sla["resolution_due"], "2026-03-03T09:00:00Z");
    let listed = app.get("/api/v1/cases").await.json();
    assert_eq!(listed["items"][0]["sla"]["state"], "ok", "the list carries the SLA too");

    app.tc.clock.advance(Duration::minutes(95));
    app.tc.core.tick().await.unwrap();
    let d = app.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(d["sla"]["state"], "warning");
    assert_eq!(d["escalation"]["level"], 1, "a warning raises the case to the team lead");
    app.tc.clock.advance(Duration::minutes(30));
    app.tc.core.tick().await.unwrap();
    let d = app.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(d["sla"]["state"], "breached");
    assert_eq!((d["escalation"]["level"].clone(), d["escalation"]["acknowledged_at"].clone()), (json!(2), json!(null)));
    let actions = event_actions(&d);
    assert!(
        actions.contains(&"case.sla_warning".into()) && actions.contains(&"case.sla_breached".into()),
        "{actions:?}"
    );

    // Calendars are checked; holidays by federal state.
    let r = app
        .call(
            Method::PUT,
            "/api/v1/calendar",
            &admin,
            Some(json!({"time_zone": "Europe/Berlin", "hours": "Mo-Fr 8-18"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.field(0).0, "calendar.hours");
    let cal = json!({"time_zone": "Europe/Berlin", "hours": "Mo-Fr 08:00-18:00", "state": "NW", "closures": [{"from": "2026-12-24", "to": "2026-12-31", "name": "Betriebsferien"}]});
    let r = app.call(Method::PUT, "/api/v1/calendar", &admin, Some(cal)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(app.get("/api/v1/calendar").await.json()["state"], "NW");
    let h = app.get("/api/v1/holidays?state=NW&year=2026").await.json();
    let items = h["items"].as_array().unwrap();
    assert!(items.contains(&json!({"date": "2026-06-04", "name": "Fronleichnam"})), "{h}");
    assert_eq!(app.get("/api/v1/holidays?state=XX").await.field(0), ("state".into(), "unknown_state".into()));
}
db_test!(sla_is_on_cases_and_turns_to_warning_and_breach, sla_in_the_api);

async fn escalation_follow_ups_and_notifications(db: Db) {
    let app = App::new(db).await;
    let (_, admin) = app.token_for("ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let (lead, lead_token) = app.token_for("lea.leitung@resonanz.test", "Lea Leitung", Role::Agent).await;
    let agent = app.tc.agent.id.to_string();
    let team_id = team(&app, &admin, "Zuschauerservice", &[agent.clone(), lead.id.to_string()]).await;
    let r = app
        .call(Method::PATCH, &format!("/api/v1/teams/{team_id}"), &admin, Some(json!({"lead_user_id": lead.id})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["lead_user_id"], lead.id.to_string());
    let m = app.ingest(inbound("erika@example.de", "Erika Mustermann", "Beschwerde", "Das ist unerhört.")).await;
    let case = m.case_id.unwrap();
    app.patch_json(&format!("/api/v1/cases/{case}"), json!({"team_id": team_id})).await;

    let esc = format!("/api/v1/cases/{case}/escalation");
    let r = app.post_json(&esc, json!({"level": 1, "reason": " "})).await;
    assert_eq!(r.field(0), ("reason".into(), "required".into()));
    let r = app.post_json(&esc, json!({"level": 1, "reason": "Kundin droht mit Anwalt"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (r.json()["escalation"]["level"].clone(), r.json()["escalation"]["acknowledged_at"].clone()),
        (json!(1), json!(null))
    );
    let ack = format!("/api/v1/cases/{case}/escalation/acknowledge");
    assert_eq!(app.post_json(&ack, json!({})).await.status, StatusCode::FORBIDDEN, "the owner-level agent cannot");
    let lead_notes = app.call(Method::GET, "/api/v1/notifications", &lead_token, None).await.json();
    assert!(lead_notes["items"].as_array().unwrap().iter().any(|n| n["kind"] == "escalation"), "{lead_notes}");
    let r = app.call(Method::POST, &ack, &lead_token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["escalation"]["acknowledged_by"], lead.id.to_string());
    assert_eq!(app.call(Method::POST, &ack, &lead_token, None).await.status, StatusCode::CONFLICT);
    let r = app.post_json(&esc, json!({"level": 0, "reason": "Geklärt, Gutschrift erteilt"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only those at the level lower it");
    let r = app
        .call(Method::POST, &esc, &lead_token, Some(json!({"level": 0, "reason": "Geklärt, Gutschrift erteilt"})))
        .await;
    assert_eq!(r.json()["escalation"]["level"], 0);
    let list = app.get(&format!("/api/v1/cases/{case}/escalations")).await.json();
    let levels: Vec<_> =
        list["items"].as_array().unwrap().iter().map(|e| (e["level"].clone(), e["source"].clone())).collect();
    assert_eq!(levels, vec![(json!(1), json!("manual")), (json!(0), json!("manual"))], "de-escalation is recorded");

    // Follow-ups: past dates are refused; a snooze returns with a notification.
    let fu = format!("/api/v1/cases/{case}/follow-ups");
    let r = app.post_json(&fu, json!({"kind": "snooze", "due_at": "2026-03-01T08:00:00Z"})).await;
    assert_eq!(r.field(0), ("due_at".into(), "in_the_past".into()));
    let r = app.post_json(&fu, json!({"kind": "later", "due_at": "kaputt"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_json(&fu, json!({"kind": "snooze", "due_at": "2026-03-03T08:00:00Z", "note": "Rückruf abwarten"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(app.get(&format!("/api/v1/cases/{case}")).await.json()["snoozed_until"], "2026-03-03T08:00:00Z");
    assert_eq!(app.get("/api/v1/follow-ups").await.json()["items"].as_array().unwrap().len(), 1);
    app.tc.clock.set("2026-03-03T08:01:00Z".parse().unwrap());
    app.tc.core.tick().await.unwrap();
    let notes = app.get("/api/v1/notifications").await.json();
    assert!(notes["items"].as_array().unwrap().iter().any(|n| n["kind"] == "follow_up"), "{notes}");
    assert_eq!(app.get(&format!("/api/v1/cases/{case}")).await.json()["snoozed_until"], json!(null));
    assert!(notes["unread"].as_i64().unwrap() >= 1);
    assert_eq!(app.post_json("/api/v1/notifications/read", json!({})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/notifications").await.json()["unread"], 0);

    // Preferences: kinds and deliveries are checked; escalations always reach the app.
    let prefs = app.get("/api/v1/me/notification-preferences").await.json();
    let handover = prefs["items"].as_array().unwrap().iter().find(|k| k["kind"] == "handover").unwrap().clone();
    assert_eq!((handover["delivery"].clone(), handover["can_turn_off"].clone()), (json!("email"), json!(true)));
    let put = |body: Value| {
        let app = &app;
        async move {
            app.request(
                Method::PUT,
                "/api/v1/me/notification-preferences",
                Some("application/json"),
                serde_json::to_vec(&body).unwrap(),
            )
            .await
        }
    };
    let r = put(json!({"handover": "off", "escalation": "off"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let kinds = r.json()["items"].as_array().unwrap().clone();
    let of = |k: &str| kinds.iter().find(|x| x["kind"] == k).unwrap()["delivery"].clone();
    assert_eq!((of("handover"), of("escalation")), (json!("off"), json!("app")));
    assert_eq!(put(json!({"gerücht": "app"})).await.field(0).1, "unknown_kind");
    assert_eq!(put(json!({"handover": "laut"})).await.field(0), ("handover".into(), "invalid_delivery".into()));

    // Availability: oneself or an administrator.
    let me = format!("/api/v1/users/{agent}/availability");
    let r = app.request(Method::PUT, &me, Some("application/json"), serde_json::to_vec(&json!({"availability": "absent", "absent_until": "2026-03-09T07:00:00Z", "languages": ["de", "TR-tr"]})).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (r.json()["languages"].clone(), r.json()["absent_until"].clone()),
        (json!(["de", "tr"]), json!("2026-03-09T07:00:00Z"))
    );
    let lead_path = format!("/api/v1/users/{}/availability", lead.id);
    let r = app
        .request(
            Method::PUT,
            &lead_path,
            Some("application/json"),
            serde_json::to_vec(&json!({"availability": "away"})).unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The watcher's list, and reports for managers only.
    let w = app.call(Method::GET, "/api/v1/watch", &admin, None).await.json();
    assert!(w["unowned"].as_array().unwrap().iter().any(|c| c["id"] == case.to_string()), "{w}");
    assert_eq!(app.get("/api/v1/reports/csat").await.status, StatusCode::FORBIDDEN);
    let r = app.call(Method::GET, "/api/v1/reports/csat", &admin, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["overall"]["sent"], 0);
}
db_test!(escalation_follow_ups_notifications_and_availability, escalation_follow_ups_and_notifications);
