//! Organisations, users and teams over HTTP: shapes, status codes, the role check and field errors,
//! and the organisation on contacts and cases.

use axum::http::{Method, StatusCode};
use resonanz_core::user::{Actor, Role};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, db_test};
use serde_json::{Value, json};

use crate::support::{App, Resp, keys, sorted};

fn field_errors(v: &Value) -> Vec<(String, String)> {
    v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_string(), f["code"].as_str().unwrap().to_string()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

async fn organisations(db: Db) {
    let app = App::new(db).await;
    let r = app
        .post_json("/api/v1/organisations", json!({"name": "Stadtwerke Musterstadt", "domain": "SW-Muster.DE"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let o = r.json();
    assert_eq!(keys(&o), sorted(&["id", "name", "domain", "created_at"]));
    assert_eq!(o["domain"], "sw-muster.de");
    assert_eq!(o["created_at"], "2026-03-02T09:00:00Z");
    let oid = o["id"].as_str().unwrap().to_string();

    let r = app.post_json("/api/v1/organisations", json!({"name": "", "domain": "http://x"})).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    assert_eq!(field_errors(&r.json()), pairs(&[("name", "required"), ("domain", "invalid_domain")]));
    let r = app.post_json("/api/v1/organisations", json!({"domain": "x.de"})).await;
    assert_eq!(r.code(), "invalid_json");
    let r = app.post_json("/api/v1/organisations", json!({"name": "Bäckerei Korn"})).await;
    assert_eq!(r.json()["domain"], json!(null));

    // Contacts join through organisation_id on create and patch; null on patch clears.
    let r = app
        .post_json(
            "/api/v1/contacts",
            json!({"display_name": "Erika Mustermann", "emails": ["erika@example.de"], "organisation_id": oid}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["organisation_id"], oid.as_str());
    assert!(r.json().get("organisation").is_none(), "only the detail names the organisation");
    let erika = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .post_json(
            "/api/v1/contacts",
            json!({"display_name": "X", "organisation_id": uuid::Uuid::now_v7().to_string()}),
        )
        .await;
    assert_eq!(field_errors(&r.json()), pairs(&[("organisation_id", "unknown_organisation")]));
    let r = app.post_json("/api/v1/contacts", json!({"display_name": "X", "organisation_id": "nope"})).await;
    assert_eq!(field_errors(&r.json()), pairs(&[("organisation_id", "invalid_id")]));

    let report = app.ingest(inbound("max@example.de", "Max Muster", "Zählerstand", "Anbei.")).await;
    let max = report.contact_id.unwrap().to_string();
    let r = app.patch_json(&format!("/api/v1/contacts/{max}"), json!({"organisation_id": oid})).await;
    assert_eq!((r.status, r.json()["organisation_id"].as_str()), (StatusCode::OK, Some(oid.as_str())));
    let r = app.get(&format!("/api/v1/contacts/{max}")).await;
    assert_eq!(r.json()["organisation"], json!({"id": oid, "name": "Stadtwerke Musterstadt"}));
    let r = app.get(&format!("/api/v1/cases/{}", report.case_id.unwrap())).await;
    assert_eq!(r.json()["contact"]["organisation"], json!({"id": oid, "name": "Stadtwerke Musterstadt"}));

    // The detail lists its contacts; list and search page like contacts.
    let r = app.get(&format!("/api/v1/organisations/{oid}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let d = r.json();
    assert_eq!(keys(&d), sorted(&["id", "name", "domain", "created_at", "contacts"]));
    let ids: Vec<&str> = d["contacts"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![erika.as_str(), max.as_str()]);
    let r = app.get(&format!("/api/v1/organisations/{}", uuid::Uuid::nil())).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let r = app.get("/api/v1/organisations/nope").await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::NOT_FOUND, "invalid_id"));
    let page = app.get("/api/v1/organisations?limit=1").await.json();
    assert_eq!(page["items"][0]["id"], oid.as_str());
    assert!(page["items"][0].get("contacts").is_none());
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let page2 = app.get(&format!("/api/v1/organisations?limit=1&cursor={cursor}")).await.json();
    assert_eq!((page2["items"][0]["name"].as_str(), &page2["next_cursor"]), (Some("Bäckerei Korn"), &json!(null)));
    let hits = app.get("/api/v1/organisations?q=sw-muster").await.json();
    assert_eq!(hits["items"].as_array().unwrap().len(), 1);
    let r = app.get("/api/v1/organisations?limit=0").await;
    assert_eq!(field_errors(&r.json()), pairs(&[("limit", "out_of_range")]));

    // Clearing: an absent field keeps the organisation, null removes it.
    let r = app.patch_json(&format!("/api/v1/contacts/{max}"), json!({"notes": "Ablesung"})).await;
    assert_eq!(r.json()["organisation_id"], oid.as_str());
    let r = app.patch_json(&format!("/api/v1/contacts/{max}"), json!({"organisation_id": null})).await;
    assert_eq!((r.status, &r.json()["organisation_id"]), (StatusCode::OK, &json!(null)));
    assert_eq!(app.get(&format!("/api/v1/contacts/{max}")).await.json()["organisation"], json!(null));
    let d = app.get(&format!("/api/v1/organisations/{oid}")).await.json();
    assert_eq!(d["contacts"].as_array().unwrap().len(), 1);
}
db_test!(organisations_and_membership, organisations);

async fn post_as(app: &App, token: &str, body: Value) -> Resp {
    app.send(Method::POST, "/api/v1/teams", Some(token), Some("application/json"), serde_json::to_vec(&body).unwrap())
        .await
}

async fn users_and_teams(db: Db) {
    let app = App::new(db).await;
    let core = &app.tc.core;
    let boss = core
        .create_user(&Actor::System, "berta@resonanz.test", "Berta Boss", Role::Supervisor, "$argon2id$secret".into())
        .await
        .unwrap();
    let boss_token = core.create_token(&Actor::System, boss.id, "test").await.unwrap();
    let agent = app.tc.agent.id.to_string();

    // An agent may read but not create teams.
    let r = app.post_json("/api/v1/teams", json!({"name": "Technik", "member_ids": [agent]})).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "forbidden"));

    let r = post_as(&app, &boss_token, json!({"name": "Technik", "member_ids": [agent, boss.id]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let t = r.json();
    assert_eq!(keys(&t), sorted(&["id", "name", "member_ids", "created_at"]));
    assert_eq!(t["member_ids"], json!([agent, boss.id]));
    let team_id = t["id"].as_str().unwrap().to_string();

    let ghost = uuid::Uuid::now_v7().to_string();
    let r = post_as(&app, &boss_token, json!({"name": "Abrechnung", "member_ids": [agent, ghost]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&r.json()), pairs(&[("member_ids[1]", "unknown_user")]));
    let r = post_as(&app, &boss_token, json!({"name": "Abrechnung", "member_ids": ["nope"]})).await;
    assert_eq!(field_errors(&r.json()), pairs(&[("member_ids[0]", "invalid_id")]));
    let r = post_as(&app, &boss_token, json!({"name": "technik"})).await;
    assert_eq!(field_errors(&r.json()), pairs(&[("name", "taken")]));
    let r = post_as(&app, &boss_token, json!({"name": "Abrechnung"})).await;
    assert_eq!((r.status, &r.json()["member_ids"]), (StatusCode::CREATED, &json!([])));

    let r = app.get("/api/v1/teams").await;
    assert_eq!(r.status, StatusCode::OK);
    let teams = r.json();
    let names: Vec<(&str, usize)> = teams["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["member_ids"].as_array().unwrap().len()))
        .collect();
    assert_eq!(names, vec![("Abrechnung", 0), ("Technik", 2)]);

    let r = app.get("/api/v1/users").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text().contains("argon2"), "never the password hash");
    let users = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(users.len(), 2);
    assert_eq!(keys(&users[0]), sorted(&["id", "email", "display_name", "role", "team_ids"]));
    assert_eq!(users[0]["display_name"], "Anna Agentin");
    assert_eq!(users[0]["role"], "agent");
    assert_eq!(users[0]["team_ids"], json!([team_id]));
    assert_eq!(users[1]["role"], "supervisor");

    // Both lists need a token like every API route.
    let r = app.send(Method::GET, "/api/v1/users", None, None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
db_test!(users_and_teams_with_role_check, users_and_teams);
