//! Mail over HTTP: quarantine of garbage and of too-large mail, raw download, reingest, attachments.

use axum::http::{Method, StatusCode};
use resonanz_core::mail::InboundAttachment;
use resonanz_testkit::mail::{RawMail, inbound};
use resonanz_testkit::{Db, db_test};
use resonanz_web::router;
use serde_json::json;

use crate::support::{App, send, state};

async fn quarantine(db: Db) {
    let app = App::new(db).await;
    let garbage = b"\x00\x01 this is not a mail at all".to_vec();
    let r = app.post_mail(garbage.clone()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let report = r.json();
    assert_eq!(report["status"], "quarantined");
    assert_eq!(report["case_id"], json!(null));
    assert_eq!(report["reason"], "no header/body separator");
    let qid = report["quarantine_id"].as_str().unwrap().to_string();

    let r = app.get("/api/v1/quarantine").await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], qid.as_str());
    assert_eq!(items[0]["status"], "held");
    assert_eq!(items[0]["source"], "http");
    assert_eq!(items[0]["size"], garbage.len());

    let r = app.get(&format!("/api/v1/quarantine/{qid}")).await;
    assert_eq!(r.json()["reason"], "no header/body separator");

    let r = app.get(&format!("/api/v1/quarantine/{qid}/raw")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, garbage, "the raw bytes come back unchanged");
    assert_eq!(r.header("content-type"), "message/rfc822");
    assert!(r.header("content-disposition").starts_with("attachment;"));
    assert!(r.header("content-disposition").contains(&format!("quarantine-{qid}.eml")));

    // The parser still fails: the entry stays held.
    let r = app.request(Method::POST, &format!("/api/v1/quarantine/{qid}/reingest"), None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "quarantined");
    assert_eq!(app.get(&format!("/api/v1/quarantine/{qid}")).await.json()["status"], "held");

    let r = app.get(&format!("/api/v1/quarantine/{}", uuid::Uuid::nil())).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.get("/api/v1/quarantine?limit=x").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
db_test!(garbage_is_quarantined_listed_and_downloadable, quarantine);

async fn too_large(db: Db) {
    let app = App::with_max_mail_bytes(db, 400).await;
    let raw = RawMail::new("erika@example.de", "Groß", &"Sehr lange Nachricht. ".repeat(12)).bytes();
    assert!(raw.len() > 400 && raw.len() <= 800, "{}", raw.len());
    let r = app.post_mail(raw.clone()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let report = r.json();
    assert_eq!(report["status"], "quarantined");
    assert_eq!(report["reason"], format!("message is too large: {} bytes, the limit is 400 bytes", raw.len()));
    let qid = report["quarantine_id"].as_str().unwrap().to_string();

    // Beyond twice the limit the body is refused outright.
    let huge = RawMail::new("erika@example.de", "Riesig", &"x".repeat(1000)).bytes();
    let r = app.post_mail(huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.code(), "payload_too_large");

    // Reingest under the same limit keeps it held; after the limit is raised it becomes a case.
    let r = app.request(Method::POST, &format!("/api/v1/quarantine/{qid}/reingest"), None, Vec::new()).await;
    assert_eq!(r.json()["status"], "quarantined");
    assert!(r.json()["reason"].as_str().unwrap().contains("the limit is 400 bytes"));

    let raised = router(state(&app.tc, 1024 * 1024));
    let path = format!("/api/v1/quarantine/{qid}/reingest");
    let r = send(&raised, Method::POST, &path, Some(&app.token), None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = r.json();
    assert_eq!(report["status"], "created");
    assert_eq!(report["source"], format!("quarantine:{qid}"));
    let case_id = report["case_id"].as_str().unwrap();
    let entry = app.get(&format!("/api/v1/quarantine/{qid}")).await.json();
    assert_eq!(entry["status"], "released");
    assert!(entry["released_at"].is_string());
    let d = app.get(&format!("/api/v1/cases/{case_id}")).await.json();
    assert!(d["messages"][0]["text_body"].as_str().unwrap().starts_with("Sehr lange Nachricht."));
}
db_test!(too_large_mail_is_quarantined_with_the_limit, too_large);

async fn attachments(db: Db) {
    let app = App::new(db).await;
    let mut mail = inbound("erika@example.de", "Erika", "Unterlagen", "Anbei die Unterlagen.");
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let png = b"\x89PNG\r\n\x1a\nfake".to_vec();
    mail.attachments = vec![
        InboundAttachment {
            filename: "Rechnung März \"1\".html".into(),
            content_type: "text/html; charset=utf-8".into(),
            content_id: None,
            inline: false,
            data: html.clone(),
        },
        InboundAttachment {
            filename: "foto.png".into(),
            content_type: "image/png".into(),
            content_id: Some("bild1@example.de".into()),
            inline: true,
            data: png.clone(),
        },
    ];
    let report = app.ingest(mail).await;
    let d = app.get(&format!("/api/v1/cases/{}", report.case_id.unwrap())).await.json();
    let atts = d["messages"][0]["attachments"].as_array().unwrap().clone();
    assert_eq!(atts.len(), 2);
    let by_name = |n: &str| atts.iter().find(|a| a["filename"] == n).unwrap().clone();
    let h = by_name("Rechnung März \"1\".html");
    assert_eq!(h["size"], html.len());
    assert_eq!(h["content_type"], "text/html; charset=utf-8");
    assert_eq!(h["inline"], false);
    assert_eq!(h["sha256"].as_str().unwrap().len(), 64);

    let r = app.get(&format!("/api/v1/attachments/{}", h["id"].as_str().unwrap())).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, html);
    assert_eq!(r.header("content-type"), "application/octet-stream", "HTML is never served as HTML");
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(
        r.header("content-disposition"),
        "attachment; filename=\"Rechnung M_rz _1_.html\"; filename*=UTF-8''Rechnung%20M%C3%A4rz%20%221%22.html"
    );

    let p = by_name("foto.png");
    assert_eq!(p["inline"], true);
    assert_eq!(p["content_id"], "bild1@example.de");
    let r = app.get(&format!("/api/v1/attachments/{}", p["id"].as_str().unwrap())).await;
    assert_eq!(r.body, png);
    assert_eq!(r.header("content-type"), "image/png");
    assert!(r.header("content-disposition").starts_with("attachment; filename=\"foto.png\""));

    let r = app.get(&format!("/api/v1/attachments/{}", uuid::Uuid::nil())).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let r = app
        .send(Method::GET, &format!("/api/v1/attachments/{}", p["id"].as_str().unwrap()), None, None, Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
db_test!(attachments_download_safely, attachments);
