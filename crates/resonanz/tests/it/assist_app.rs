//! Assist in the application: machine drafts through the drafting service against a small OpenAI-compatible
//! endpoint this test starts: personal data never reaches the endpoint, the draft is labelled as
//! machine-drafted, and the ledger records the model.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use resonanz::assist::DraftService;
use resonanz::config::AssistArgs;
use resonanz_core::assist::{LedgerBucket, Outcome, ProposeDrafts, SuggestionKind};
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

    // The ledger report rates the LLM's drafts apart from the other drafts and from the analysis.
    let now = t.core.clock.now();
    let day = chrono::Duration::days(1);
    let rows = t.core.ledger_stats(now - day, now + day, LedgerBucket::Day).await.unwrap();
    let llm_rows: Vec<_> = rows.iter().filter(|r| r.producer == "llm:fake-model").collect();
    assert_eq!(llm_rows.len(), 1, "{rows:?}");
    assert_eq!((llm_rows[0].kind, llm_rows[0].total, llm_rows[0].pending), (SuggestionKind::Draft, 1, 1));
    let other_drafts: i64 = rows
        .iter()
        .filter(|r| r.kind == SuggestionKind::Draft && r.producer != "llm:fake-model")
        .map(|r| r.total)
        .sum();
    assert_eq!(other_drafts, recorded.len() as i64 - 1, "{rows:?}");
    assert!(rows.iter().any(|r| r.kind == SuggestionKind::Classification && r.producer == "assist"), "{rows:?}");
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

/// Similar-case drafts only come from cases the person may see, and never from sensitive ones.
async fn similar_case_drafts_respect_visibility_and_sensitivity(db: Db) {
    use resonanz_core::service::{CasePatch, ReplyInput};
    use resonanz_core::user::{Actor, Role};
    let t = TestCore::new(db).await;
    let src = MailSource { label: "t".into(), mailbox_id: None };
    let outsider =
        t.core.create_user(&Actor::System, "otto@resonanz.test", "Otto Außen", Role::Agent, "x".into()).await.unwrap();
    let team = t.core.create_team(&Actor::System, "Technik", &[t.agent.id]).await.unwrap().team.id;
    let question = "Seit dem Sendersuchlauf fehlt auf meinem Fernseher der Kanal, DVB-T2 Empfang geht nicht mehr.";
    let answer =
        "Bitte starten Sie einen neuen Sendersuchlauf im Menü Ihres Fernsehers, danach ist der Kanal wieder da.";
    // Two resolved cases with the same question: one of the team's, one about a sensitive matter.
    let mut resolved = Vec::new();
    for (who, team_id, sensitive) in [("a@example.de", Some(team), false), ("b@example.de", None, true)] {
        let mail = resonanz_testkit::mail::inbound(who, "Kunde", "Empfang", question);
        let id = t.core.ingest_mail(&src, b"x", Ok(mail)).await.unwrap().case_id.unwrap();
        let m = t.core.case_detail(id).await.unwrap().messages[0].message.id;
        let categories = if sensitive { vec!["sensitive".to_string()] } else { vec!["question".to_string()] };
        t.core.correct_categories(m, t.agent.id, &categories).await.unwrap();
        t.core.reply(id, t.agent.id, ReplyInput { text: answer.into(), ..Default::default() }).await.unwrap();
        let patch = CasePatch {
            status: Some(resonanz_core::case::CaseStatus::Resolved),
            team_id: Some(team_id),
            ..Default::default()
        };
        t.core.update_case(id, &Actor::System, patch).await.unwrap();
        resolved.push(id);
    }
    let service = DraftService::new(&AssistArgs::default()).unwrap();
    let (_, indexed) = resonanz::assist::load_resolved(&t.core, &service.index, None).await.unwrap();
    assert_eq!(indexed, 1, "the sensitive case is not indexed");

    let mail = resonanz_testkit::mail::inbound("c@example.de", "Neue Kundin", "Kein Empfang", question);
    let case_id = t.core.ingest_mail(&src, b"x", Ok(mail)).await.unwrap().case_id.unwrap();
    let from_case = |p: &resonanz_core::assist::DraftProposal| {
        p.drafts.iter().filter(|d| d.output["kind"] == "similar_case").count()
    };
    let member = service.propose(&t.core, case_id, &t.agent).await.unwrap();
    assert_eq!(from_case(&member), 1, "a team member gets the team's answer: {member:?}");
    assert!(member.drafts.iter().all(|d| !d.output.to_string().contains(&resolved[1].to_string())));
    let other = service.propose(&t.core, case_id, &outsider).await.unwrap();
    assert_eq!(from_case(&other), 0, "someone outside the team does not: {other:?}");
}

db_test!(
    similar_case_drafts_respect_visibility_and_sensitivity,
    similar_case_drafts_respect_visibility_and_sensitivity
);

struct Broken;

impl resonanz_core::assist::Analyze for Broken {
    fn version(&self) -> String {
        "broken".into()
    }
    fn analyze(&self, _: &str, _: &str) -> resonanz_core::assist::AnalysisOutcome {
        panic!("model file damaged")
    }
}

/// An analysis that keeps failing is retried with backoff by the worker; the message is in the
/// inbox all along, and when the worker gives up, supervisors are told to read it themselves.
async fn a_failing_analysis_is_retried_then_supervisors_are_told(db: Db) {
    use resonanz_core::Clock;
    use resonanz_core::assist::AnalysisStatus;
    use resonanz_core::jobs::{AnalyzeMessage, Job};
    use resonanz_core::user::{Actor, Role};
    let t = TestCore::new(db).await;
    let supervisor =
        t.core.create_user(&Actor::System, "sue@resonanz.test", "Sue", Role::Supervisor, "x".into()).await.unwrap();
    let src = MailSource { label: "t".into(), mailbox_id: None };
    let mail = resonanz_testkit::mail::inbound("k@example.de", "K", "Frage", "Wann läuft die Sendung?");
    let case_id = t.core.ingest_mail(&src, b"x", Ok(mail)).await.unwrap().case_id.unwrap();
    let message_id = t.core.case_detail(case_id).await.unwrap().messages[0].message.id;
    let transport = resonanz::adapters::SmtpTransport;
    for attempt in 1..=AnalyzeMessage::MAX_ATTEMPTS {
        assert!(resonanz::worker::run_one_with(&t.core, &transport, &Broken).await.unwrap(), "attempt {attempt}");
        let a = t.store.message_analysis(message_id).await.unwrap().unwrap();
        assert_eq!((a.status, a.attempts), (AnalysisStatus::Failed, attempt));
        assert!(a.error.as_deref().unwrap_or_default().contains("model file damaged"));
        t.clock.advance(resonanz_core::jobs::backoff(attempt) + chrono::Duration::seconds(1));
    }
    assert!(!resonanz::worker::run_one_with(&t.core, &transport, &Broken).await.unwrap(), "given up");
    let told = t.store.notifications(supervisor.id, 10).await.unwrap();
    assert!(told.iter().any(|n| n.kind == "analysis_failed" && n.case_id == Some(case_id)), "{told:?}");
    assert!(t.store.notifications(t.agent.id, 10).await.unwrap().iter().all(|n| n.kind != "analysis_failed"));
    let _ = t.clock.now();
}

db_test!(
    a_failing_analysis_is_retried_then_supervisors_are_told,
    a_failing_analysis_is_retried_then_supervisors_are_told
);

/// A resolved case that is reopened leaves the similar-case index: its answer did not settle it.
async fn reopened_cases_leave_the_similar_case_index(db: Db) {
    use resonanz_core::Clock;
    use resonanz_core::case::CaseStatus;
    use resonanz_core::service::{CasePatch, ReplyInput};
    use resonanz_core::user::Actor;
    let t = TestCore::new(db).await;
    let src = MailSource { label: "t".into(), mailbox_id: None };
    let question = "Die Mediathek-App stürzt beim Start auf meinem Smart-TV ab, seit dem letzten Update.";
    let mail = resonanz_testkit::mail::inbound("a@example.de", "Kunde", "App", question);
    let old = t.core.ingest_mail(&src, b"x", Ok(mail)).await.unwrap().case_id.unwrap();
    let answer = "Bitte löschen Sie den Cache der Mediathek-App in den Einstellungen Ihres Fernsehers.";
    t.core.reply(old, t.agent.id, ReplyInput { text: answer.into(), ..Default::default() }).await.unwrap();
    let resolved = CasePatch { status: Some(CaseStatus::Resolved), ..Default::default() };
    t.core.update_case(old, &Actor::System, resolved).await.unwrap();
    let service = DraftService::new(&AssistArgs::default()).unwrap();
    resonanz::assist::load_resolved(&t.core, &service.index, None).await.unwrap();
    assert_eq!(service.index.len(), 1);

    let since = t.clock.now();
    t.clock.advance(chrono::Duration::minutes(1));
    let reopened = CasePatch { status: Some(CaseStatus::Open), ..Default::default() };
    t.core.update_case(old, &Actor::System, reopened).await.unwrap();
    assert_eq!(resonanz::assist::drop_reopened(&t.core, &service.index, since).await.unwrap(), 1);
    assert_eq!(service.index.len(), 0);
    let mail = resonanz_testkit::mail::inbound("b@example.de", "Andere", "App", question);
    let new = t.core.ingest_mail(&src, b"x", Ok(mail)).await.unwrap().case_id.unwrap();
    let proposal = service.propose(&t.core, new, &t.agent).await.unwrap();
    assert!(proposal.drafts.iter().all(|d| d.output["kind"] != "similar_case"), "{proposal:?}");
}

db_test!(reopened_cases_leave_the_similar_case_index, reopened_cases_leave_the_similar_case_index);
