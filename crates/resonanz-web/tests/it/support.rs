//! A test app: a core on a fresh database, the router on top, an API token, and request helpers.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use resonanz_core::mail::{InboundMail, MailAddress, MailSource};
use resonanz_core::user::Actor;
use resonanz_testkit::{Db, TestCore};
use resonanz_web::{AppState, router};
use serde_json::Value;
use tower::ServiceExt;

pub struct App {
    pub tc: TestCore,
    pub router: Router,
    pub token: String,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }
    /// `(field, code)` of the `i`-th field error.
    pub fn field(&self, i: usize) -> (String, String) {
        let f = &self.json()["error"]["fields"][i];
        (f["field"].as_str().unwrap_or_default().into(), f["code"].as_str().unwrap_or_default().into())
    }
    /// The `error.code` of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_default().to_string()
    }
}

/// A deliberately small RFC 5322 reader for tests: headers (unfolded) and a plain-text body.
/// Mail without a blank line or without a From header is rejected, like garbage would be.
pub fn tiny_parser(raw: &[u8]) -> Result<InboundMail, String> {
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").ok_or("no header/body separator")?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().ok_or("continuation line before the first header")?;
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (k, v) = line.split_once(':').ok_or_else(|| format!("not a header line: {line:?}"))?;
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let ids = |v: Option<String>| -> Vec<String> {
        v.map(|v| v.split_whitespace().map(|s| s.trim_matches(['<', '>']).to_string()).collect()).unwrap_or_default()
    };
    let from = get("from").ok_or("no From header")?;
    let from = match from.split_once('<') {
        Some((name, rest)) => MailAddress {
            address: rest.trim_end_matches('>').trim().to_string(),
            name: Some(name.trim().trim_matches('"').to_string()).filter(|n| !n.is_empty()),
        },
        None => MailAddress { address: from.trim().to_string(), name: None },
    };
    Ok(InboundMail {
        message_id: get("message-id").map(|m| m.trim_matches(['<', '>']).to_string()),
        in_reply_to: ids(get("in-reply-to")),
        references: ids(get("references")),
        from: Some(from),
        to: get("to").map(|t| vec![MailAddress { address: t, name: None }]).unwrap_or_default(),
        subject: get("subject").unwrap_or_default(),
        text_body: body.trim_end().to_string(),
        ..Default::default()
    })
}

impl App {
    pub async fn new(db: Db) -> Self {
        Self::with_max_mail_bytes(db, 1024 * 1024).await
    }

    pub async fn with_max_mail_bytes(db: Db, max_mail_bytes: usize) -> Self {
        let tc = TestCore::new(db).await;
        let token = tc.core.create_token(&Actor::System, tc.agent.id, "test").await.unwrap();
        let router = router(state(&tc, max_mail_bytes));
        Self { tc, router, token }
    }

    pub async fn request(&self, method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Resp {
        self.send(method, path, Some(&self.token), content_type, body).await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Resp {
        send(&self.router, method, path, token, content_type, body).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.request(Method::GET, path, None, Vec::new()).await
    }

    /// A request with another person's token and an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
        let (ct, bytes) = match body {
            Some(b) => (Some("application/json"), serde_json::to_vec(&b).unwrap()),
            None => (None, Vec::new()),
        };
        self.send(method, path, Some(token), ct, bytes).await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Resp {
        self.request(Method::POST, path, Some("application/json"), serde_json::to_vec(&body).unwrap()).await
    }

    pub async fn patch_json(&self, path: &str, body: Value) -> Resp {
        self.request(Method::PATCH, path, Some("application/json"), serde_json::to_vec(&body).unwrap()).await
    }

    pub async fn post_mail(&self, raw: Vec<u8>) -> Resp {
        self.request(Method::POST, "/api/v1/mail", Some("message/rfc822"), raw).await
    }

    /// Ingests a parsed mail straight through the core, as IMAP polling would.
    pub async fn ingest(&self, mail: InboundMail) -> resonanz_core::ingest::IngestReport {
        let raw = format!("raw of {:?}", mail.message_id).into_bytes();
        self.tc.core.ingest_mail(&MailSource { label: "test".into(), mailbox_id: None }, &raw, Ok(mail)).await.unwrap()
    }
}

pub fn state(tc: &TestCore, max_mail_bytes: usize) -> AppState {
    AppState {
        core: tc.core.clone(),
        parse_mail: Arc::new(tiny_parser),
        max_mail_bytes,
        ui: resonanz_web::ui::UiSettings::new("http://localhost"),
        drafts: None,
    }
}

/// The whole router with the workspace's settings for this public URL (`https://…` marks cookies
/// `Secure`).
pub fn ui_router(tc: &TestCore, public_url: &str) -> Router {
    router(AppState { ui: resonanz_web::ui::UiSettings::new(public_url), ..state(tc, 1024 * 1024) })
}

pub async fn send(
    router: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Resp {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let res = router.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
    Resp { status, headers, body }
}

/// The keys of a JSON object, sorted.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap_or_else(|| panic!("not an object: {v}")).keys().cloned().collect();
    k.sort();
    k
}

pub fn sorted(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}
