//! Machine drafts through the application's drafting service against a small OpenAI-compatible
//! endpoint this test starts: personal data never reaches the endpoint, the draft is labelled as
//! machine-drafted, and the ledger records the model.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use resonanz::assist::DraftService;
use resonanz::config::AssistArgs;
use resonanz_core::assist::{Outcome, ProposeDrafts, SuggestionKind};
use resonanz_core::mail::MailSource;
use resonanz_core::store::Store;
use resonanz_testkit::{Db, TestCore, db_test};

type Seen = Arc<Mutex<Vec<String>>>;

async fn completions(State(seen): State<Seen>, body: String) -> Json<serde_json::Value> {
    seen.lock().unwrap().push(body.clone());
    // The model answers with the placeholder it was given for the name.
    let request: serde_json::Value = serde_json::from_str(&body).unwrap();
    let prompt = request["messages"].to_string();
    let name = if prompt.contains("[NAME_1]") { "[NAME_1]" } else { "Frau Kundin" };
    Json(serde_json::json!({
        "choices": [{"message": {"role": "assistant", "content": format!(
            "Guten Tag {name},\n\ndie Folge wird am Mittwoch um 22 Uhr wiederholt.\n\nMit freundlichen Grüßen"
        )}}]
    }))
}

async fn llm_drafts_are_redacted_labelled_and_recorded(db: Db) {
    let t = TestCore::new(db).await;
    let seen: Seen = Arc::default();
    let app = axum::Router::new().route("/v1/chat/completions", post(completions)).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let args = AssistArgs {
        llm_url: Some(url),
        llm_model: "fake-model".into(),
        llm_timeout_seconds: 10,
        ..Default::default()
    };
    let service = DraftService::new(&args).unwrap();
    let mail = resonanz_testkit::mail::inbound(
        "erika.mustermann@example.de",
        "Erika Mustermann",
        "Wiederholung Tatort",
        "Guten Tag, wann wird der Tatort vom Sonntag wiederholt? Ich wohne in der Lindenstraße 12, \
         10115 Berlin, Telefon 030 1234567, Kundennummer 4711815.\nErika Mustermann",
    );
    let src = MailSource { label: "t".into(), mailbox_id: None };
    let case_id = t.core.ingest_mail(&src, b"x", Ok(mail)).await.unwrap().case_id.unwrap();
    let analyzer = resonanz::assist::analyzer();
    let message_id = t.core.case_detail(case_id).await.unwrap().messages[0].message.id;
    t.core.analyze_message(message_id, analyzer.as_ref()).await.unwrap();

    let proposal = service.propose(&t.core, case_id, &t.agent).await.unwrap();
    let llm = proposal
        .drafts
        .iter()
        .find(|d| d.producer == "llm:fake-model")
        .unwrap_or_else(|| panic!("no machine draft: {proposal:?}"));
    assert_eq!(llm.output["machine_drafted"], true);
    assert_eq!(llm.output["kind"], "llm");
    assert!(llm.text.contains("Erika Mustermann"), "the placeholder is filled again: {}", llm.text);

    let sent = seen.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    for secret in ["Erika", "Mustermann", "erika.mustermann@example.de", "Lindenstraße 12", "1234567", "4711815"] {
        assert!(!sent[0].contains(secret), "{secret:?} reached the endpoint: {}", sent[0]);
    }
    assert!(sent[0].contains("Tatort"), "the question itself is sent");
    assert!(sent[0].contains("fake-model"));

    let recorded = t.core.record_drafts(case_id, Some(message_id), proposal.drafts.clone()).await.unwrap();
    let row = recorded.iter().find(|s| s.producer == "llm:fake-model").unwrap();
    assert_eq!((row.kind, row.outcome), (SuggestionKind::Draft, Outcome::Pending));
    assert_eq!(t.store.suggestion(row.id).await.unwrap().unwrap().producer, "llm:fake-model");
}

db_test!(llm_drafts_are_redacted_labelled_and_recorded, llm_drafts_are_redacted_labelled_and_recorded);

/// `resonanz assist train` learns from the corrections people made: a corrected message is part of
/// the new model's training data, with its weight, and the written model loads.
async fn train_uses_the_corrections_in_the_database(db: Db) {
    let t = TestCore::new(db).await;
    let src = MailSource { label: "t".into(), mailbox_id: None };
    let mail = resonanz_testkit::mail::inbound("k@example.de", "K", "Programm", "Warum zeigt ihr nur Wiederholungen?");
    let case_id = t.core.ingest_mail(&src, b"x", Ok(mail)).await.unwrap().case_id.unwrap();
    let message_id = t.core.case_detail(case_id).await.unwrap().messages[0].message.id;
    t.core.correct_categories(message_id, t.agent.id, &["complaint".to_string()]).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.json");
    let db_args = resonanz::config::DbArgs { data_dir: dir.path().into(), database_url: Some(t.db.url.clone()) };
    let train = |no_corrections, out: std::path::PathBuf| resonanz::assist_cmd::AssistCommand::Train {
        out,
        no_corrections,
        correction_weight: 3.0,
    };
    resonanz::assist_cmd::run(train(false, out.clone()), &db_args).await.unwrap();
    let with = resonanz_assist::Model::from_json(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let base = resonanz_assist::dataset::builtin_train().len();
    assert_eq!(with.training().examples, base + 1, "the shipped train split and the one correction");
    assert!((with.training().total_weight - (base as f32 + 3.0)).abs() < 0.01);
    assert_ne!(with.version(), resonanz_assist::Analyzer::builtin().version());
    // The model file works as `--assist-model`.
    let analyzer = resonanz::assist::load_analyzer(Some(&out)).unwrap();
    assert_eq!(analyzer.version(), with.version());
}

db_test!(train_uses_the_corrections_in_the_database, train_uses_the_corrections_in_the_database);
