//! Assist: analysis as a retried job, automatic replies, corrected categories, drafts and the AI
//! ledger report, resolved cases for the similar-case index. The safeguarding protocol and the
//! four-eyes approval are in `assist_safeguarding.rs`; the helpers here serve both.

use chrono::Duration;
use resonanz_core::Clock;
use resonanz_core::assist::{
    AUTO_TAG, AnalysisOutcome, AnalysisStatus, Analyze, AutoReplyRuleInput, DraftRecord, LedgerBucket, LedgerRow,
    Outcome, ScoredCategory, Suggestion, SuggestionKind, disclosure,
};
use resonanz_core::case::{Case, CaseStatus};
use resonanz_core::error::CoreError;
use resonanz_core::ids::{CaseId, MessageId};
use resonanz_core::jobs::{AnalyzeMessage, ClaimedJob, SendMail};
use resonanz_core::mail::{InboundMail, MailSource};
use resonanz_core::message::{AuthorKind, AutoKind, Direction, Message};
use resonanz_core::outbound::OutboxStatus;
use resonanz_core::service::{CasePatch, ReplyInput};
use resonanz_core::store::Store;
use resonanz_core::textblocks::TextBlockInput;
use resonanz_core::user::{Actor, Role, User};
use resonanz_testkit::mail::inbound;
use resonanz_testkit::{Db, TestCore, db_test};

// ---------------------------------------------------------------------------------------------
// Helpers (shared with assist_safeguarding.rs)

pub(crate) const VERSION: &str = "assist/fake-2026.03-0000test";
const DRAFTS: &str = "drafts-bm25/2026.03";

/// An analyser that answers with fixed categories.
pub(crate) struct Fake {
    cats: Vec<(&'static str, f32)>,
    language: &'static str,
}

pub(crate) fn fake(cats: &[(&'static str, f32)]) -> Fake {
    Fake { cats: cats.to_vec(), language: "de" }
}

impl Analyze for Fake {
    fn version(&self) -> String {
        VERSION.into()
    }
    fn analyze(&self, _subject: &str, _text: &str) -> AnalysisOutcome {
        let categories: Vec<ScoredCategory> =
            self.cats.iter().map(|(n, c)| ScoredCategory { name: (*n).into(), confidence: *c }).collect();
        AnalysisOutcome {
            result: serde_json::json!({"language": self.language, "sentiment": "neutral", "categories": categories}),
            confidence: self.cats.iter().map(|c| c.1).fold(0.0, f32::max),
            categories,
            language: self.language.into(),
        }
    }
}

/// An analyser whose model is broken.
struct Panics;

impl Analyze for Panics {
    fn version(&self) -> String {
        VERSION.into()
    }
    fn analyze(&self, _subject: &str, _text: &str) -> AnalysisOutcome {
        panic!("the model file is corrupt")
    }
}

pub(crate) async fn user(t: &TestCore, email: &str, name: &str, role: Role) -> User {
    t.core.create_user(&Actor::System, email, name, role, "!".into()).await.unwrap()
}

/// Ingests a parsed mail; returns its case and message.
pub(crate) async fn ingest(t: &TestCore, mail: InboundMail) -> (CaseId, MessageId) {
    let src = MailSource { label: "test".into(), mailbox_id: None };
    let raw = mail.message_id.clone().unwrap();
    let r = t.core.ingest_mail(&src, raw.as_bytes(), Ok(mail)).await.unwrap();
    (r.case_id.unwrap(), r.message_id.unwrap())
}

/// A new case from a contact's mail.
pub(crate) async fn mail(t: &TestCore, from: &str, name: &str, subject: &str, body: &str) -> (CaseId, MessageId) {
    ingest(t, inbound(from, name, subject, body)).await
}

/// A mail that answers the message with the given Message-ID header.
pub(crate) async fn answer(t: &TestCore, from: &str, name: &str, header: &str, body: &str) -> (CaseId, MessageId) {
    let mail = inbound(from, name, "Re: Ihre Antwort", body);
    ingest(t, InboundMail { in_reply_to: vec![header.into()], references: vec![header.into()], ..mail }).await
}

/// Claims and completes every due job; returns them in claim order.
pub(crate) async fn drain(t: &TestCore) -> Vec<ClaimedJob> {
    let mut jobs = Vec::new();
    while let Some(job) = t.store.claim_job(t.clock.now()).await.unwrap() {
        t.store.complete_job(job.id, t.clock.now()).await.unwrap();
        jobs.push(job);
    }
    jobs
}

pub(crate) fn names(jobs: &[ClaimedJob]) -> Vec<&str> {
    jobs.iter().map(|j| j.name.as_str()).collect()
}

pub(crate) async fn case(t: &TestCore, id: CaseId) -> Case {
    t.store.case(id).await.unwrap().unwrap()
}

/// The audit actions about a case, oldest first.
pub(crate) async fn actions(t: &TestCore, id: CaseId) -> Vec<String> {
    t.store.subject_events("case", &id.to_string()).await.unwrap().into_iter().map(|e| e.action).collect()
}

pub(crate) async fn ledger(t: &TestCore, id: CaseId, kind: SuggestionKind) -> Vec<Suggestion> {
    t.store.case_suggestions(id).await.unwrap().into_iter().filter(|s| s.kind == kind).collect()
}

pub(crate) async fn outbound(t: &TestCore, id: CaseId) -> Vec<Message> {
    let all = t.store.case_messages(id).await.unwrap();
    all.into_iter().map(|v| v.message).filter(|m| m.direction == Direction::Outbound).collect()
}

/// The ledger row of one category.
fn of<'a>(rows: &'a [Suggestion], category: &str) -> &'a Suggestion {
    rows.iter().find(|s| s.category.as_deref() == Some(category)).unwrap_or_else(|| panic!("no row for {category}"))
}

fn field_of(e: CoreError) -> String {
    match e {
        CoreError::Invalid(f) => f[0].field.clone(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

pub(crate) async fn text_block(t: &TestCore, by: &User, name: &str, body: &str) {
    let input = TextBlockInput {
        name: name.into(),
        category: "Programm".into(),
        language: "de".into(),
        tone: "sie".into(),
        body: body.into(),
    };
    t.core.create_text_block(&Actor::User(by.id), &input).await.unwrap();
}

pub(crate) fn rule(category: &str, min_confidence: f32, text_block: &str) -> AutoReplyRuleInput {
    AutoReplyRuleInput { category: category.into(), enabled: true, min_confidence, text_block: text_block.into() }
}

// ---------------------------------------------------------------------------------------------
// Analysis as a job

async fn inbound_mail_is_analysed_once_and_automatic_mail_not_at_all(db: Db) {
    let t = TestCore::new(db).await;
    let (case_id, mid) =
        mail(&t, "lena.lehmann@example.de", "Lena Lehmann", "Wiederholung", "Wann läuft die Folge?").await;
    let pending = t.store.message_analysis(mid).await.unwrap().expect("queued with the message");
    assert_eq!((pending.status, pending.attempts, pending.case_id), (AnalysisStatus::Pending, 0, case_id));
    let jobs = drain(&t).await;
    assert_eq!(names(&jobs), ["analyze_message"]);
    assert_eq!(jobs[0].decode::<AnalyzeMessage>().unwrap().message_id, mid);

    t.clock.advance(Duration::seconds(30));
    t.core.analyze_message(mid, &fake(&[("question", 0.82), ("praise", 0.55)])).await.unwrap();
    let a = t.store.message_analysis(mid).await.unwrap().unwrap();
    assert_eq!((a.status, a.attempts, a.error.as_deref()), (AnalysisStatus::Done, 1, None));
    assert_eq!(a.model_version.as_deref(), Some(VERSION));
    assert_eq!(
        a.categories.iter().map(|c| (c.name.as_str(), c.confidence)).collect::<Vec<_>>(),
        [("question", 0.82), ("praise", 0.55)]
    );
    assert_eq!(a.result.as_ref().unwrap()["sentiment"], "neutral");
    assert_eq!((a.created_at, a.updated_at), (t.clock.now() - Duration::seconds(30), t.clock.now()));
    let rows = ledger(&t, case_id, SuggestionKind::Classification).await;
    assert_eq!(rows.len(), 2);
    for (s, (cat, conf)) in rows.iter().zip([("question", 0.82), ("praise", 0.55)]) {
        assert_eq!((s.category.as_deref(), s.confidence, s.outcome), (Some(cat), conf, Outcome::Pending));
        assert_eq!((s.producer.as_str(), s.producer_version.as_str()), ("assist", VERSION));
        assert_eq!((s.message_id, s.input_ref.clone()), (Some(mid), format!("message:{mid}")));
        assert_eq!(s.output["assigned"], true);
    }
    assert_eq!(case(&t, case_id).await.categories, ["question", "praise"]);

    // Done is done: another run (even with another answer) changes nothing.
    t.core.analyze_message(mid, &fake(&[("complaint", 0.99)])).await.unwrap();
    assert_eq!(t.store.case_suggestions(case_id).await.unwrap().len(), 2);
    assert_eq!(case(&t, case_id).await.categories, ["question", "praise"]);
    assert_eq!(t.store.message_analysis(mid).await.unwrap().unwrap(), a);
    assert_eq!(actions(&t, case_id).await.iter().filter(|a| *a == "message.analysed").count(), 1);

    // Auto-replies and bounces are filed without analysis.
    let ooo =
        InboundMail { auto_kind: AutoKind::AutoReply, ..inbound("urlaub@example.de", "U", "Abwesend", "Bin weg.") };
    let (_, ooo_id) = ingest(&t, ooo).await;
    let header = t.store.message(mid).await.unwrap().unwrap().message_id_header.unwrap();
    let bounce = InboundMail {
        auto_kind: AutoKind::Bounce,
        in_reply_to: vec![header],
        failed_recipients: vec!["weg@example.de".into()],
        ..inbound("mailer-daemon@example.de", "Mail Delivery System", "Undelivered", "550 no such user")
    };
    let (bounce_case, bounce_id) = ingest(&t, bounce).await;
    assert_eq!(bounce_case, case_id);
    assert_eq!(t.store.message_analysis(ooo_id).await.unwrap(), None);
    assert_eq!(t.store.message_analysis(bounce_id).await.unwrap(), None);
    assert!(drain(&t).await.is_empty(), "no analysis job for machines' mail");
    // Outbound messages are never analysed.
    let (reply, _) = t
        .core
        .reply(case_id, t.agent.id, ReplyInput { text: "Am Sonntag.".into(), ..Default::default() })
        .await
        .unwrap();
    assert!(matches!(t.core.analyze_message(reply, &fake(&[])).await, Err(CoreError::Conflict(_))));
}
db_test!(
    inbound_mail_is_analysed_once_and_automatic_mail_not_at_all,
    inbound_mail_is_analysed_once_and_automatic_mail_not_at_all
);

async fn failed_analysis_is_kept_visible_and_can_be_retried(db: Db) {
    let t = TestCore::new(db).await;
    let (case_id, mid) = mail(&t, "kai.kurz@example.de", "Kai Kurz", "Empfang", "Seit gestern kein Bild.").await;
    drain(&t).await;
    let err = t.core.analyze_message(mid, &Panics).await.unwrap_err();
    assert!(matches!(&err, CoreError::Conflict(m) if m.contains("the model file is corrupt")), "{err:?}");
    assert_eq!(t.store.message(mid).await.unwrap().unwrap().text_body, "Seit gestern kein Bild.");
    let a = t.store.message_analysis(mid).await.unwrap().unwrap();
    assert_eq!((a.status, a.attempts), (AnalysisStatus::Failed, 1));
    assert_eq!(a.error.as_deref(), Some("analysis failed: the model file is corrupt"));
    assert!(t.store.case_suggestions(case_id).await.unwrap().is_empty());
    assert!(case(&t, case_id).await.categories.is_empty());
    assert!(actions(&t, case_id).await.contains(&"message.analysis_failed".to_string()));

    let again = t.core.retry_analysis(mid, &Actor::User(t.agent.id)).await.unwrap();
    assert_eq!((again.status, again.attempts, again.error), (AnalysisStatus::Pending, 1, None));
    assert_eq!(t.store.message_analysis(mid).await.unwrap().unwrap().status, AnalysisStatus::Pending);
    let jobs = drain(&t).await;
    assert_eq!(names(&jobs), ["analyze_message"]);
    assert_eq!(jobs[0].decode::<AnalyzeMessage>().unwrap().message_id, mid);

    t.core.analyze_message(mid, &fake(&[("question", 0.9)])).await.unwrap();
    let done = t.store.message_analysis(mid).await.unwrap().unwrap();
    assert_eq!((done.status, done.attempts, done.error), (AnalysisStatus::Done, 2, None));
    assert_eq!(case(&t, case_id).await.categories, ["question"]);
    // A failure after success does not undo it.
    t.core.record_analysis_failure(mid, "late").await.unwrap();
    assert_eq!(t.store.message_analysis(mid).await.unwrap().unwrap().status, AnalysisStatus::Done);
}
db_test!(failed_analysis_is_kept_visible_and_can_be_retried, failed_analysis_is_kept_visible_and_can_be_retried);

async fn a_correction_made_while_the_analysis_failed_is_respected(db: Db) {
    let t = TestCore::new(db).await;
    let admin = user(&t, "ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    text_block(&t, &admin, "eingang", "Guten Tag, danke für Ihre Nachricht.").await;
    t.core.set_auto_reply_rule(&Actor::User(admin.id), rule("routine", 0.7, "eingang")).await.unwrap();
    let (case_id, mid) = mail(&t, "kai.kurz@example.de", "Kai Kurz", "Empfang", "Seit gestern kein Bild!").await;
    t.core.analyze_message(mid, &Panics).await.unwrap_err();
    // While the model is broken a person reads the mail and calls it a complaint.
    t.core.correct_categories(mid, t.agent.id, &["complaint".to_string()]).await.unwrap();
    assert_eq!(case(&t, case_id).await.categories, ["complaint"]);
    t.core.retry_analysis(mid, &Actor::System).await.unwrap();
    t.core.analyze_message(mid, &fake(&[("routine", 0.9)])).await.unwrap();
    let a = t.store.message_analysis(mid).await.unwrap().unwrap();
    assert_eq!((a.status, a.corrected.clone()), (AnalysisStatus::Done, Some(vec!["complaint".to_string()])));
    assert_eq!(a.effective_categories(), ["complaint"]);
    assert_eq!(case(&t, case_id).await.categories, ["complaint"], "a person's correction wins");
    assert!(outbound(&t, case_id).await.is_empty(), "no automatic reply to what a person called a complaint");
}
db_test!(
    a_correction_made_while_the_analysis_failed_is_respected,
    a_correction_made_while_the_analysis_failed_is_respected
);

// ---------------------------------------------------------------------------------------------
// Automatic replies

async fn automatic_reply_only_where_enabled_and_never_twice(db: Db) {
    let t = TestCore::new(db).await;
    let admin = user(&t, "ada.admin@resonanz.test", "Ada Admin", Role::Admin).await;
    let by_admin = Actor::User(admin.id);
    let body = "Guten Tag {{contact.name}},\n\nvielen Dank für Ihre Nachricht zu „{{case.subject}}“. \
                Unsere Sendezeiten finden Sie im Programmheft.";
    text_block(&t, &admin, "sendezeiten", body).await;

    // Without a rule nothing is automatic, however sure the analysis is.
    let (none, m) = mail(&t, "ole@example.de", "Ole Olsen", "Sendezeit", "Wann läuft das Quiz?").await;
    t.core.analyze_message(m, &fake(&[("routine", 0.99)])).await.unwrap();
    assert!(outbound(&t, none).await.is_empty());

    // Rules: only harmless categories, a sane minimum, an existing block, administrators only.
    let e = t.core.set_auto_reply_rule(&by_admin, rule("complaint", 0.9, "sendezeiten")).await.unwrap_err();
    assert_eq!(field_of(e), "category");
    let e = t.core.set_auto_reply_rule(&by_admin, rule("routine", 0.3, "sendezeiten")).await.unwrap_err();
    assert_eq!(field_of(e), "min_confidence");
    let e = t.core.set_auto_reply_rule(&by_admin, rule("routine", 0.7, "gibt-es-nicht")).await.unwrap_err();
    assert_eq!(field_of(e), "text_block");
    let e = t.core.set_auto_reply_rule(&Actor::User(t.agent.id), rule("routine", 0.7, "sendezeiten")).await;
    assert!(matches!(e, Err(CoreError::Forbidden(_))), "{e:?}");
    assert!(t.core.auto_reply_rules().await.unwrap().is_empty());
    let r = t.core.set_auto_reply_rule(&by_admin, rule("routine", 0.7, "sendezeiten")).await.unwrap();
    assert_eq!((r.updated_by, r.min_confidence), (Some(admin.id), 0.7));
    assert_eq!(t.core.auto_reply_rules().await.unwrap(), vec![r]);
    drain(&t).await;

    // Below the minimum: a person answers.
    let (low, m) = mail(&t, "pia@example.de", "Pia Peters", "Sendezeit", "Wann kommt der Krimi?").await;
    t.core.analyze_message(m, &fake(&[("routine", 0.65)])).await.unwrap();
    assert!(outbound(&t, low).await.is_empty());
    assert!(ledger(&t, low, SuggestionKind::AutoReply).await.is_empty());

    // Above it: answered automatically, disclosed as such.
    let (case_id, m) = mail(&t, "paul@example.de", "Paul Programm", "Sendezeiten", "Wann läuft Tatort?").await;
    drain(&t).await;
    t.core.analyze_message(m, &fake(&[("routine", 0.9), ("question", 0.4)])).await.unwrap();
    let out = outbound(&t, case_id).await;
    assert_eq!(out.len(), 1);
    let reply = &out[0];
    assert_eq!((reply.author_kind, reply.author_user_id), (AuthorKind::Automation, None));
    assert_eq!(reply.to, ["paul@example.de"]);
    assert!(
        reply.text_body.starts_with(
            "Guten Tag Paul Programm,\n\nvielen Dank für Ihre Nachricht zu „Sendezeiten“. Unsere Sendezeiten"
        ),
        "{}",
        reply.text_body
    );
    assert!(reply.text_body.contains(disclosure("de")), "{}", reply.text_body);
    let jobs = drain(&t).await;
    assert_eq!(names(&jobs), ["send_mail"]);
    let outbox = t.store.outbox(jobs[0].decode::<SendMail>().unwrap().outbox_id).await.unwrap().unwrap();
    assert_eq!((outbox.message_id, outbox.status), (reply.id, OutboxStatus::Pending));
    let c = case(&t, case_id).await;
    assert_eq!(c.status, CaseStatus::WaitingOnContact);
    assert_eq!(c.tags, [AUTO_TAG]);
    let auto = ledger(&t, case_id, SuggestionKind::AutoReply).await;
    assert_eq!(auto.len(), 1);
    assert_eq!((auto[0].category.as_deref(), auto[0].confidence), (Some("routine"), 0.9));
    assert_eq!((auto[0].producer_version.as_str(), auto[0].message_id), (VERSION, Some(m)));
    assert_eq!(auto[0].output["reply_message_id"], reply.id.to_string());
    assert!(actions(&t, case_id).await.contains(&"message.auto_replied".to_string()));

    // The contact writes back: a person's inbox again, and no machine answers a second time.
    let header = reply.message_id_header.clone().unwrap();
    let (same, m2) = answer(&t, "paul@example.de", "Paul Programm", &header, "Und wer ermittelt?").await;
    assert_eq!(same, case_id);
    assert_eq!(case(&t, case_id).await.status, CaseStatus::Open);
    drain(&t).await;
    t.core.analyze_message(m2, &fake(&[("routine", 0.95)])).await.unwrap();
    assert_eq!(outbound(&t, case_id).await.len(), 1, "never auto-answered twice");
    assert!(drain(&t).await.is_empty());
    assert_eq!(case(&t, case_id).await.status, CaseStatus::Open);
    assert!(actions(&t, case_id).await.contains(&"assist.auto_reply_blocked".to_string()));
    assert_eq!(ledger(&t, case_id, SuggestionKind::AutoReply).await.len(), 1);

    // A complaint next to a routine question goes to a person.
    let (mixed, m) = mail(&t, "rita@example.de", "Rita Roth", "Sendezeit", "Unverschämt, wann läuft es?").await;
    t.core.analyze_message(m, &fake(&[("routine", 0.9), ("complaint", 0.6)])).await.unwrap();
    assert!(outbound(&t, mixed).await.is_empty());
    assert!(actions(&t, mixed).await.contains(&"assist.auto_reply_blocked".to_string()));
}
db_test!(automatic_reply_only_where_enabled_and_never_twice, automatic_reply_only_where_enabled_and_never_twice);

// ---------------------------------------------------------------------------------------------
// Corrections, drafts and the ledger report

async fn corrected_categories_settle_the_ledger(db: Db) {
    let t = TestCore::new(db).await;
    let (case_id, mid) = mail(&t, "udo@example.de", "Udo Ulrich", "Ton", "Der Ton ist seit Tagen zu leise.").await;
    t.core.analyze_message(mid, &fake(&[("complaint", 0.8), ("question", 0.6)])).await.unwrap();
    t.clock.advance(Duration::minutes(3));
    let by = t.agent.id;

    let cats = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let a = t.core.correct_categories(mid, by, &cats(&["praise", "complaint"])).await.unwrap();
    assert_eq!(a.corrected.as_deref(), Some(&cats(&["complaint", "praise"])[..]), "canonical order");
    let rows = ledger(&t, case_id, SuggestionKind::Classification).await;
    assert_eq!(rows.len(), 3);
    let correction = serde_json::json!({"categories": ["complaint", "praise"]});
    let kept = of(&rows, "complaint");
    assert_eq!((kept.outcome, kept.correction.as_ref()), (Outcome::Accepted, None));
    assert_eq!((kept.decided_by, kept.decided_at), (Some(by), Some(t.clock.now())));
    let removed = of(&rows, "question");
    assert_eq!((removed.outcome, removed.correction.as_ref()), (Outcome::Overridden, Some(&correction)));
    let added = of(&rows, "praise");
    assert_eq!((added.outcome, added.correction.as_ref()), (Outcome::Overridden, Some(&correction)));
    assert_eq!((added.output["assigned"].clone(), added.confidence), (serde_json::json!(false), 0.0));
    assert_eq!((added.producer_version.as_str(), added.message_id), (VERSION, Some(mid)));
    assert_eq!(case(&t, case_id).await.categories, ["complaint", "praise"]);
    let c = t.store.corrections(10).await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].message_id, c[0].categories.clone()), (mid, cats(&["complaint", "praise"])));
    assert_eq!((c[0].subject.as_str(), c[0].text.as_str()), ("Ton", "Der Ton ist seit Tagen zu leise."));
    assert!(actions(&t, case_id).await.contains(&"message.categories_corrected".to_string()));

    let e = t.core.correct_categories(mid, by, &cats(&["complaint", "quatsch"])).await.unwrap_err();
    assert_eq!(field_of(e), "categories");
    assert_eq!(t.store.corrections(10).await.unwrap()[0].categories, cats(&["complaint", "praise"]), "unchanged");

    // A person adds safeguarding: the protocol starts (no routing row: no model decided it).
    t.core.correct_categories(mid, by, &cats(&["complaint", "safeguarding"])).await.unwrap();
    let c = case(&t, case_id).await;
    assert!(c.safeguarding);
    assert_eq!(c.safeguarding_due_at, Some(t.clock.now() + Duration::minutes(60)));
    assert!(actions(&t, case_id).await.contains(&"case.safeguarding_started".to_string()));
    assert!(ledger(&t, case_id, SuggestionKind::Routing).await.is_empty());
    let rows = ledger(&t, case_id, SuggestionKind::Classification).await;
    assert_eq!(rows.len(), 4);
    assert_eq!(of(&rows, "praise").outcome, Outcome::Accepted, "added then removed again: the machine was right");
    assert_eq!(of(&rows, "safeguarding").output["assigned"], false);
}
db_test!(corrected_categories_settle_the_ledger, corrected_categories_settle_the_ledger);

fn draft(text: &str, confidence: f32) -> DraftRecord {
    DraftRecord {
        text: text.into(),
        confidence,
        output: serde_json::json!({"text": text, "sources": []}),
        category: Some("complaint".into()),
        producer: "drafts-bm25".into(),
        producer_version: DRAFTS.into(),
    }
}

fn row<'a>(rows: &'a [LedgerRow], kind: SuggestionKind, category: &str) -> &'a LedgerRow {
    rows.iter()
        .find(|r| r.kind == kind && r.category.as_deref() == Some(category))
        .unwrap_or_else(|| panic!("no report row for {kind:?}/{category} in {rows:#?}"))
}

async fn drafts_are_settled_by_the_reply_and_reported(db: Db) {
    let t = TestCore::new(db).await;
    let by = t.agent.id;
    let proposed = "Guten Tag, die Sendung läuft am Sonntag.";
    let reply = |text: &str, draft| ReplyInput { text: text.into(), draft, ..Default::default() };

    // Case A: two drafts, the first sent with an edit; its categories kept by answering.
    let (a, ma) = mail(&t, "vera@example.de", "Vera Vogt", "Sendung", "Die Sendung wurde verschoben!").await;
    t.core.analyze_message(ma, &fake(&[("complaint", 0.8), ("question", 0.6)])).await.unwrap();
    let drafts = t.core.record_drafts(a, Some(ma), vec![draft(proposed, 0.7), draft("Danke.", 0.4)]).await.unwrap();
    assert_eq!(drafts.len(), 2);
    assert_eq!(t.core.suggestion(drafts[0].id).await.unwrap().outcome, Outcome::Pending);
    t.core.reply(a, by, reply("Guten Tag, die Sendung läuft am Samstag.", Some(drafts[0].id))).await.unwrap();
    let first = t.core.suggestion(drafts[0].id).await.unwrap();
    assert_eq!((first.outcome, first.edit_distance, first.decided_by), (Outcome::Edited, Some(3), Some(by)));
    let second = t.core.suggestion(drafts[1].id).await.unwrap();
    assert_eq!((second.outcome, second.edit_distance), (Outcome::Rejected, None));
    for s in ledger(&t, a, SuggestionKind::Classification).await {
        assert_eq!((s.outcome, s.decided_by), (Outcome::Accepted, Some(by)), "{:?}", s.category);
    }

    // Case B: a complaint corrected to a question.
    let (_b, mb) = mail(&t, "willi@example.de", "Willi Wolf", "Frage", "Gibt es die Folge online?").await;
    t.core.analyze_message(mb, &fake(&[("complaint", 0.7)])).await.unwrap();
    t.core.correct_categories(mb, by, &["question".to_string()]).await.unwrap();

    // Case C: a pending complaint; a refused draft; a draft of case A is not one of C's.
    let (c, mc) = mail(&t, "xaver@example.de", "Xaver Xanten", "Werbung", "Zu viel Werbung!").await;
    t.core.analyze_message(mc, &fake(&[("complaint", 0.9)])).await.unwrap();
    let refused = t.core.record_drafts(c, Some(mc), vec![draft("Wir leiten das weiter.", 0.5)]).await.unwrap();
    let r = t.core.reject_suggestion(refused[0].id, by).await.unwrap();
    assert_eq!((r.outcome, r.decided_by), (Outcome::Rejected, Some(by)));
    assert_eq!(t.core.suggestion(refused[0].id).await.unwrap().outcome, Outcome::Rejected);
    assert!(matches!(t.core.reject_suggestion(refused[0].id, by).await, Err(CoreError::Conflict(_))));
    let e = t.core.reply(c, by, reply("Danke.", Some(drafts[1].id))).await.unwrap_err();
    assert_eq!(field_of(e), "draft_id");
    assert!(outbound(&t, c).await.is_empty(), "the refused reply was not stored");
    assert_eq!(ledger(&t, c, SuggestionKind::Classification).await[0].outcome, Outcome::Pending);

    // Case D: a draft sent unchanged (but for trailing whitespace).
    let (d, _) = mail(&t, "yvonne@example.de", "Yvonne Yilmaz", "Danke", "Tolle Sendung!").await;
    let unchanged = t.core.record_drafts(d, None, vec![draft(proposed, 0.9)]).await.unwrap();
    assert_eq!(unchanged[0].input_ref, format!("case:{d}"));
    t.core.reply(d, by, reply(&format!("{proposed}\n\n"), Some(unchanged[0].id))).await.unwrap();
    let s = t.core.suggestion(unchanged[0].id).await.unwrap();
    assert_eq!((s.outcome, s.edit_distance), (Outcome::Accepted, Some(0)));

    // The report: per kind, category and version, shares of what was decided.
    let now = t.clock.now();
    let rows = t.core.ledger_stats(now - Duration::days(1), now + Duration::days(1), LedgerBucket::Day).await.unwrap();
    let complaint = row(&rows, SuggestionKind::Classification, "complaint");
    assert_eq!((complaint.period.as_str(), complaint.producer_version.as_str()), ("2026-03-02", VERSION));
    assert_eq!((complaint.total, complaint.pending, complaint.accepted, complaint.overridden), (3, 1, 1, 1));
    assert_eq!((complaint.acceptance_rate, complaint.override_rate), (Some(0.5), Some(0.5)));
    assert_eq!((complaint.edit_rate, complaint.rejection_rate), (Some(0.0), Some(0.0)));
    let question = row(&rows, SuggestionKind::Classification, "question");
    assert_eq!((question.total, question.accepted, question.overridden), (2, 1, 1));
    assert_eq!(question.acceptance_rate, Some(0.5));
    let drafted = row(&rows, SuggestionKind::Draft, "complaint");
    assert_eq!(drafted.producer_version, DRAFTS);
    assert_eq!((drafted.total, drafted.accepted, drafted.edited, drafted.rejected), (4, 1, 1, 2));
    assert_eq!(
        (drafted.acceptance_rate, drafted.edit_rate, drafted.rejection_rate),
        (Some(0.25), Some(0.25), Some(0.5))
    );
    assert_eq!(drafted.mean_edit_distance, Some(3.0));
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let later =
        t.core.ledger_stats(now + Duration::days(1), now + Duration::days(2), LedgerBucket::Week).await.unwrap();
    assert!(later.is_empty());
}
db_test!(drafts_are_settled_by_the_reply_and_reported, drafts_are_settled_by_the_reply_and_reported);

// ---------------------------------------------------------------------------------------------
// Resolved cases for the similar-case index

async fn resolve(t: &TestCore, id: CaseId) {
    let patch = CasePatch { status: Some(CaseStatus::Resolved), ..Default::default() };
    t.core.update_case(id, &Actor::User(t.agent.id), patch).await.unwrap();
}

async fn resolved_cases_give_question_and_last_answer(db: Db) {
    let t = TestCore::new(db).await;
    let by = t.agent.id;
    let say = |id, text: &str| t.core.reply(id, by, ReplyInput { text: text.into(), ..Default::default() });

    let (a, _) = mail(&t, "zora@example.de", "Zora Zeller", "Mediathek", "Wo finde ich die Folge 12?").await;
    say(a, "In der Mediathek unter Serien.").await.unwrap();
    t.clock.advance(Duration::minutes(5));
    let hdr = outbound(&t, a).await[0].message_id_header.clone().unwrap();
    answer(&t, "zora@example.de", "Zora Zeller", &hdr, "Da ist sie nicht.").await;
    say(a, "Jetzt ist sie wieder online.").await.unwrap();
    t.clock.advance(Duration::minutes(5));
    resolve(&t, a).await;

    let (open, _) = mail(&t, "anton@example.de", "Anton Arndt", "Offen", "Noch offen?").await;
    say(open, "Wir prüfen das.").await.unwrap();
    t.clock.advance(Duration::minutes(5));
    let (b, _) = mail(&t, "berta@example.de", "Berta Brandt", "Untertitel", "Gibt es Untertitel?").await;
    say(b, "Ja, über die Taste 150.").await.unwrap();
    t.clock.advance(Duration::minutes(5));
    resolve(&t, b).await;

    let all = t.store.resolved_cases(None, 10).await.unwrap();
    assert_eq!(all.iter().map(|r| r.case_id).collect::<Vec<_>>(), [a, b], "resolved only, oldest first");
    assert_eq!(all[0].question, "Wo finde ich die Folge 12?");
    assert!(all[0].answer.starts_with("Jetzt ist sie wieder online."), "{}", all[0].answer);
    assert!(!all[0].answer.contains("\n-- \n"), "the signature is not part of the answer");
    assert_eq!((all[0].subject.as_str(), all[0].contact_name.as_str()), ("Mediathek", "Zora Zeller"));
    assert_eq!(all[0].number, case(&t, a).await.number);
    assert_eq!(all[1].question, "Gibt es Untertitel?");
    assert!(all[1].answer.starts_with("Ja, über die Taste 150."));

    let first = t.store.resolved_cases(None, 1).await.unwrap();
    assert_eq!(first.iter().map(|r| r.case_id).collect::<Vec<_>>(), [a]);
    let next = t.store.resolved_cases(Some((first[0].resolved_at, first[0].case_id)), 10).await.unwrap();
    assert_eq!(next.iter().map(|r| r.case_id).collect::<Vec<_>>(), [b]);
    let rest = t.store.resolved_cases(Some((next[0].resolved_at, next[0].case_id)), 10).await.unwrap();
    assert!(rest.is_empty());
}
db_test!(resolved_cases_give_question_and_last_answer, resolved_cases_give_question_and_last_answer);
