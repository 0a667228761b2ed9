//! Authentication, health, security headers, error format, the OpenAPI document and docs page.

use axum::http::{Method, StatusCode};
use resonanz_testkit::{Db, db_test};
use serde_json::Value;

use crate::support::App;

async fn auth_is_required(db: Db) {
    let app = App::new(db).await;
    let r = app.send(Method::GET, "/api/v1/cases", None, None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "unauthorized");
    assert_eq!(r.json()["error"]["fields"], serde_json::json!([]));

    let r = app.send(Method::GET, "/api/v1/cases", Some("rz_wrong"), None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "unauthorized");

    let r = app.send(Method::POST, "/api/v1/mail", None, None, b"From: a@b.de\r\n\r\nx".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let r = app.get("/api/v1/cases").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["items"], serde_json::json!([]));

    // Public: the health checks and the documentation.
    for path in ["/healthz", "/readyz", "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs.css"] {
        let r = app.send(Method::GET, path, None, None, Vec::new()).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
}
db_test!(auth_is_required_on_the_api, auth_is_required);

async fn health_and_headers(db: Db) {
    let app = App::new(db).await;
    let r = app.send(Method::GET, "/healthz", None, None, Vec::new()).await;
    assert_eq!((r.status, r.text().as_str()), (StatusCode::OK, "ok"));
    let r = app.send(Method::GET, "/readyz", None, None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), serde_json::json!({"status": "ready"}));

    // Every response carries the security headers: success, errors, the fallback.
    for (path, token) in
        [("/healthz", None), ("/api/v1/cases", None), ("/nowhere", None), ("/api/v1/cases", Some(&app.token))]
    {
        let r = app.send(Method::GET, path, token.map(String::as_str), None, Vec::new()).await;
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(r.header("referrer-policy"), "same-origin", "{path}");
        let csp = r.header("content-security-policy");
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("object-src 'none'") && csp.contains("base-uri 'none'"), "{csp}");
    }
}
db_test!(health_and_security_headers, health_and_headers);

async fn error_format(db: Db) {
    let app = App::new(db).await;
    let r = app.get("/api/v1/nowhere").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "not_found");
    assert!(r.header("content-type").starts_with("application/json"));
    let r = app.send(Method::GET, "/elsewhere", None, None, Vec::new()).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::NOT_FOUND, "not_found"));

    let r = app.get("/api/v1/cases/not-a-uuid").await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::NOT_FOUND, "invalid_id"));
    let r = app.get(&format!("/api/v1/cases/{}", uuid::Uuid::nil())).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::NOT_FOUND, "not_found"));

    let path = format!("/api/v1/cases/{}/notes", uuid::Uuid::nil());
    let r = app.request(Method::POST, &path, Some("application/json"), b"{not json".to_vec()).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_json"));
    let r = app.request(Method::POST, &path, Some("application/json"), b"{\"txt\": 1}".to_vec()).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_json"));
    let r = app.request(Method::POST, &path, None, b"{\"text\": \"x\"}".to_vec()).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"));

    let r = app.request(Method::DELETE, "/api/v1/cases", None, Vec::new()).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
}
db_test!(errors_are_json_with_stable_codes, error_format);

async fn openapi_covers_routes(db: Db) {
    let app = App::new(db).await;
    let r = app.send(Method::GET, "/api/v1/openapi.json", None, None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["Error"].is_object());
    let routes = resonanz_web::route_list();
    assert!(routes.len() >= 22);
    for (method, path) in &routes {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not in the OpenAPI document");
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path}: no summary");
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}: no responses");
        for p in op["parameters"].as_array().unwrap() {
            if p["in"] == "path" {
                assert!(path.contains(&format!("{{{}}}", p["name"].as_str().unwrap())), "{method} {path}");
            }
        }
    }
    // And nothing documented that the router does not serve.
    let documented: usize = doc["paths"].as_object().unwrap().values().map(|v| v.as_object().unwrap().len()).sum();
    assert_eq!(documented, routes.len());
    // Every $ref resolves.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        assert!(doc.pointer(r.trim_start_matches('#')).is_some(), "dangling {r}");
    }
}
db_test!(openapi_document_covers_every_route, openapi_covers_routes);

async fn docs_page(db: Db) {
    let app = App::new(db).await;
    let r = app.send(Method::GET, "/api/v1/docs", None, None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").starts_with("text/html"));
    let html = r.text();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("/api/v1/cases/{id}/reply"));
    assert!(html.contains("<h2>Cases</h2>"));
    assert!(html.contains("<h2>Organisations</h2>") && html.contains("/api/v1/teams"));
    assert!(html.contains("Rechnungen"), "examples are shown");
    assert!(html.contains("href=\"/api/v1/docs.css\""));
    assert!(!html.contains("<script") && !html.contains("style="), "no scripts or inline styles");
    let css = app.send(Method::GET, "/api/v1/docs.css", None, None, Vec::new()).await;
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.text().contains(".method"));
}
db_test!(docs_page_renders_the_document, docs_page);

async fn readyz_says_not_ready_when_the_database_is_gone(db: Db) {
    let app = App::new(db).await;
    app.tc.store.close().await;
    let r = app.send(Method::GET, "/readyz", None, None, Vec::new()).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.code(), "not_ready");
    // Alive is not ready: the process still answers.
    assert_eq!(app.send(Method::GET, "/healthz", None, None, Vec::new()).await.status, StatusCode::OK);
}
db_test!(readyz_says_not_ready_when_the_database_is_gone, readyz_says_not_ready_when_the_database_is_gone);
