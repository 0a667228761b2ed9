//! Contacts: create, validation, detail with cases, patch, list.

use axum::http::StatusCode;
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, db_test};
use serde_json::json;

use crate::support::{App, keys, sorted};

async fn contacts(db: Db) {
    let app = App::new(db).await;
    let r = app
        .post_json(
            "/api/v1/contacts",
            json!({"display_name": "Erika Mustermann", "emails": ["Erika@Example.DE"], "address_form": "informal"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    assert_eq!(
        keys(&c),
        sorted(&[
            "id",
            "display_name",
            "organisation_id",
            "address_form",
            "language",
            "notes",
            "attributes",
            "identities",
            "created_at",
            "updated_at"
        ])
    );
    assert_eq!(c["address_form"], "informal");
    // Attributes for routing rules: keys lower-cased, empty values dropped, bad keys refused.
    let id = c["id"].as_str().unwrap().to_string();
    let r = app
        .patch_json(
            &format!("/api/v1/contacts/{id}"),
            json!({"attributes": {"VIP": "ja", "Altersgruppe": "erwachsen", "leer": " "}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["attributes"], json!({"vip": "ja", "altersgruppe": "erwachsen"}));
    let r = app.patch_json(&format!("/api/v1/contacts/{id}"), json!({"attributes": {"kein schlüssel!": "x"}})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field(0), ("attributes".into(), "invalid_key".into()), "{}", r.text());
    let r = app.patch_json(&format!("/api/v1/contacts/{id}"), json!({"attributes": {"notiz": "zwei\nZeilen"}})).await;
    assert_eq!(r.field(0), ("attributes".into(), "control_character".into()), "one line per value: {}", r.text());
    assert_eq!(c["language"], "de");
    assert_eq!(c["identities"], json!([{"kind": "email", "value": "erika@example.de", "failing_since": null}]));
    let id = c["id"].as_str().unwrap().to_string();

    // Validation: bad address, missing name, taken address.
    let r = app.post_json("/api/v1/contacts", json!({"display_name": "X", "emails": ["kaputt"]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "emails[0]");
    assert_eq!(r.json()["error"]["fields"][0]["code"], "invalid_email");
    let r = app.post_json("/api/v1/contacts", json!({"display_name": " ", "emails": [], "address_form": "Sie"})).await;
    let fields: Vec<String> =
        r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().into()).collect();
    assert_eq!(fields, vec!["display_name", "address_form"]);
    let r = app.post_json("/api/v1/contacts", json!({"display_name": "Y", "emails": ["erika@example.de"]})).await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "taken");
    let r = app.post_json("/api/v1/contacts", json!({"emails": []})).await;
    assert_eq!(r.code(), "invalid_json");

    // A mail from her address lands on her contact; the detail lists the case.
    let report = app.ingest(inbound("erika@example.de", "Erika", "Rechnungen", "Hallo")).await;
    assert_eq!(report.contact_id.unwrap().to_string(), id);
    let r = app.get(&format!("/api/v1/contacts/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let d = r.json();
    assert_eq!(d["display_name"], "Erika Mustermann");
    let cases = d["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["id"], report.case_id.unwrap().to_string());
    assert_eq!(cases[0]["subject"], "Rechnungen");

    let r = app
        .patch_json(
            &format!("/api/v1/contacts/{id}"),
            json!({"display_name": "Erika M.", "add_emails": ["erika@firma.example"], "notes": "VIP"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let p = r.json();
    assert_eq!(p["display_name"], "Erika M.");
    assert_eq!(p["notes"], "VIP");
    let mut values: Vec<String> =
        p["identities"].as_array().unwrap().iter().map(|i| i["value"].as_str().unwrap().into()).collect();
    values.sort();
    assert_eq!(values, vec!["erika@example.de", "erika@firma.example"]);
    let r = app.patch_json(&format!("/api/v1/contacts/{id}"), json!({"add_emails": ["nope"]})).await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "add_emails[0]");
    let r = app.patch_json(&format!("/api/v1/contacts/{}", uuid::Uuid::nil()), json!({"notes": "x"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.get(&format!("/api/v1/contacts/{}", uuid::Uuid::nil())).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::NOT_FOUND, "not_found"));

    // List: search by name or address, and page through.
    app.post_json("/api/v1/contacts", json!({"display_name": "Max Muster", "emails": ["max@example.de"]})).await;
    app.post_json("/api/v1/contacts", json!({"display_name": "Paula Probe", "emails": []})).await;
    let r = app.get("/api/v1/contacts?q=firma").await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    assert!(items[0].get("cases").is_none());
    let r = app.get("/api/v1/contacts?limit=2").await;
    let page = r.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let page2 = app.get(&format!("/api/v1/contacts?limit=2&cursor={cursor}")).await.json();
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert_eq!(page2["next_cursor"], json!(null));
    let r = app.get("/api/v1/contacts?cursor=nope").await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "cursor");
}
db_test!(contacts_create_get_patch_list, contacts);
