use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

use super::*;
use crate::HistoryItem;
use crate::drafter::tests::ctx;

type Seen = Arc<Mutex<Vec<(Option<String>, String)>>>;

/// A fake endpoint: records requests and answers with `reply(request body)`.
async fn serve(status: StatusCode, delay: Duration, reply: fn(&str) -> String) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |headers: HeaderMap, body: String| {
            let s = s.clone();
            async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
                s.lock().unwrap().push((auth, body.clone()));
                tokio::time::sleep(delay).await;
                (status, reply(&body))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

fn client(base: &str, timeout: Duration) -> LlmClient {
    LlmClient::new(LlmConfig {
        base_url: base.into(),
        model: "test-model".into(),
        api_key: Some("sk-test".into()),
        timeout,
    })
    .unwrap()
}

fn chat(content: &str) -> String {
    json!({ "choices": [ { "index": 0, "message": { "role": "assistant", "content": content } } ] }).to_string()
}

/// Answers with the placeholders it was given, as a well-behaved model would.
fn echo_placeholders(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap();
    let user = v["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("[NAME_1]"));
    chat(
        "Guten Tag [NAME_1],\n\nwir haben Ihre neue Anschrift [ADDRESS_1] notiert und melden uns unter [PHONE_1].\n\nMit freundlichen Grüßen\n[NAME_2] [NAME_9]",
    )
}

const SECRETS: [&str; 8] =
    ["Lena", "Kaya", "lena.kaya@example.de", "0171 2345678", "DE89", "Rosenweg 7", "Tom Weber", "R-2026-0001"];

fn private_ctx() -> DraftContext {
    let mut c = ctx(
        "Hallo, ich bin umgezogen: Rosenweg 7, 50667 Köln. Erreichbar unter 0171 2345678 oder lena.kaya@example.de. \
         Bitte buchen Sie ab von DE89 3704 0044 0532 0130 00. Viele Grüße\nLena Kaya",
    );
    c.subject = "Umzug Lena Kaya".into();
    c.history = vec![
        HistoryItem { inbound: true, text: "Mein Name ist Lena Kaya, Kundennummer 4711001.".into() },
        HistoryItem { inbound: false, text: "Guten Tag Frau Kaya, danke! Tom Weber (Fall R-2026-0001)".into() },
    ];
    c
}

#[tokio::test]
async fn sends_no_personal_data_and_restores_the_answer() {
    let (base, seen) = serve(StatusCode::OK, Duration::ZERO, echo_placeholders).await;
    let d =
        client(&base, Duration::from_secs(5)).draft(&private_ctx(), "Adresse ändern, Frau Kaya danken").await.unwrap();
    let (auth, body) = seen.lock().unwrap()[0].clone();
    assert_eq!(auth.as_deref(), Some("Bearer sk-test"));
    for s in SECRETS.iter().chain(&["4711001", "Köln"]) {
        assert!(!body.contains(s), "{s} was sent: {body}");
    }
    for p in ["[NAME_1]", "[NAME_2]", "[EMAIL_1]", "[PHONE_1]", "[IBAN_1]", "[ADDRESS_1]", "[NUMBER_1]", "[REF_1]"] {
        assert!(body.contains(p), "{p} missing: {body}");
    }
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["model"], "test-model");
    assert_eq!(v["messages"][0]["role"], "system");
    assert!(v["messages"][0]["content"].as_str().unwrap().contains("[NAME_1]"));
    assert!(d.text.starts_with("Guten Tag Lena Kaya,"), "{}", d.text);
    assert!(d.text.contains("Rosenweg 7, 50667 Köln") && d.text.contains("0171 2345678"), "{}", d.text);
    assert!(d.text.ends_with("Tom Weber {{prüfen}}"), "{}", d.text);
    assert_eq!((d.kind, d.id.as_str(), d.confidence, d.machine_drafted), (DraftKind::Llm, "llm:test-model", 0.5, true));
    assert_eq!(d.sources[0].kind, SourceKind::Llm);
    assert!(d.explanation.contains("machine-written") && d.explanation.contains("do not exist"), "{}", d.explanation);
}

#[tokio::test]
async fn reports_errors_instead_of_panicking() {
    let (base, _) = serve(StatusCode::INTERNAL_SERVER_ERROR, Duration::ZERO, |_| "kaputt".into()).await;
    let e = client(&base, Duration::from_secs(5)).draft(&private_ctx(), "").await.unwrap_err();
    assert!(matches!(&e, LlmError::Status { status: 500, body } if body == "kaputt"), "{e:?}");

    let (base, _) = serve(StatusCode::OK, Duration::ZERO, |_| "{not json".into()).await;
    let e = client(&base, Duration::from_secs(5)).draft(&private_ctx(), "").await.unwrap_err();
    assert!(matches!(e, LlmError::BadResponse(_)), "{e:?}");

    let (base, _) = serve(StatusCode::OK, Duration::ZERO, |_| json!({"choices": []}).to_string()).await;
    let e = client(&base, Duration::from_secs(5)).draft(&private_ctx(), "").await.unwrap_err();
    assert!(matches!(e, LlmError::BadResponse(_)), "{e:?}");

    let (base, _) = serve(StatusCode::OK, Duration::ZERO, |_| chat("  \n")).await;
    let e = client(&base, Duration::from_secs(5)).draft(&private_ctx(), "").await.unwrap_err();
    assert!(matches!(e, LlmError::Empty), "{e:?}");

    let (base, _) = serve(StatusCode::OK, Duration::from_secs(3), |_| chat("zu spät")).await;
    let started = std::time::Instant::now();
    let e = client(&base, Duration::from_millis(200)).draft(&private_ctx(), "").await.unwrap_err();
    assert!(matches!(e, LlmError::Timeout(_)), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // Nothing listens on port 9 of localhost (discard): a transport error.
    let e = client("http://127.0.0.1:9", Duration::from_secs(2)).draft(&private_ctx(), "").await.unwrap_err();
    assert!(matches!(e, LlmError::Transport(_) | LlmError::Timeout(_)), "{e:?}");
}

#[tokio::test]
async fn declines_safeguarding_and_bad_config() {
    let mut c = private_ctx();
    c.categories = vec![("safeguarding".into(), 0.4)];
    let e = client("http://127.0.0.1:9", Duration::from_secs(1)).draft(&c, "").await.unwrap_err();
    assert!(matches!(e, LlmError::Declined(_)), "{e:?}");
    let bad =
        LlmConfig { base_url: "ftp://x".into(), model: "m".into(), api_key: None, timeout: Duration::from_secs(1) };
    assert!(matches!(LlmClient::new(bad.clone()), Err(LlmError::Config(_))));
    assert!(!format!("{:?}", LlmConfig { api_key: Some("sk-secret".into()), ..bad }).contains("sk-secret"));
}

#[test]
fn request_shows_what_is_sent_and_accepts_a_v1_base() {
    let c = client("http://localhost:1/v1/", Duration::from_secs(1));
    assert_eq!(c.url, "http://localhost:1/v1/chat/completions");
    let mut kid = private_ctx();
    kid.tone = Tone::Kind;
    let (body, mapping) = c.request(&kid, "");
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("für ein Kind") && user.contains("Sprich den Kontakt mit [NAME_1] an"), "{user}");
    assert_eq!(mapping.entries[0].original, "Lena Kaya");
}
