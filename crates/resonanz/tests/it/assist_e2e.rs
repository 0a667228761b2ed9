//! The safeguarding path end to end against real servers and the shipped model: a child's mail is
//! delivered into Dovecot and fetched over IMAP; the worker analyses it with the real model; the
//! case goes to the safeguarding team at once; its members and the supervisor are told in the app
//! and by e-mail (over real SMTP, read back over IMAP); the enabled automatic reply is blocked; a
//! reply waits for a second person and leaves only after that person approved it.

use resonanz::adapters::SmtpTransport;
use resonanz::imap_poll::poll_once;
use resonanz_channels::imap::{self, ImapSession, ImapSettings};
use resonanz_channels::mime::{ParseLimits, parse_mail};
use resonanz_core::admin::NewMailbox;
use resonanz_core::assist::{AnalysisStatus, AssistSettings, AutoReplyRuleInput};
use resonanz_core::case::{CaseFilter, Priority};
use resonanz_core::message::Direction;
use resonanz_core::outbound::OutboxStatus;
use resonanz_core::service::ReplyInput;
use resonanz_core::store::Store;
use resonanz_core::textblocks::TextBlockInput;
use resonanz_core::user::{Actor, Role, User};
use resonanz_core::{Clock, CoreError};
use resonanz_testkit::mail::RawMail;
use resonanz_testkit::{Db, TestCore, db_test};

fn server(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| panic!("{var} is not set: run the tests with ./scripts/test"))
}

fn imap_url(user: &str) -> String {
    format!("imap://{}:secret@{}/INBOX", user.replace('@', "%40"), server("RESONANZ_TEST_IMAP"))
}

async fn unseen(address: &str) -> Vec<resonanz_core::mail::InboundMail> {
    let settings = ImapSettings::from_url(&imap_url(address)).unwrap();
    let mut session = ImapSession::connect(&settings).await.unwrap();
    session
        .fetch_unseen()
        .await
        .unwrap()
        .into_iter()
        .map(|(_, raw)| parse_mail(&raw, &ParseLimits::default()).unwrap())
        .collect()
}

async fn user(t: &TestCore, email: &str, role: Role) -> User {
    t.core.create_user(&Actor::System, email, email, role, "x".into()).await.unwrap()
}

/// Runs every due job (analysis first: it has the higher priority).
async fn drain(t: &TestCore) -> usize {
    let mut n = 0;
    while resonanz::worker::run_one(&t.core, &SmtpTransport).await.unwrap() {
        n += 1;
    }
    n
}

async fn safeguarding_mail_escalates_notifies_blocks_automation_and_needs_four_eyes(db: Db) {
    let t = TestCore::new(db).await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let addr = |who: &str| format!("{who}-{tag}@resonanz.test");
    let support = addr("kinder");
    let child = format!("mia-{tag}@example.test");
    let mb = t
        .core
        .add_mailbox(
            &Actor::System,
            NewMailbox {
                name: "Kinderredaktion".into(),
                address: support.clone(),
                display_name: "Kinderredaktion".into(),
                signature: "Deine Kinderredaktion".into(),
                imap_url: Some(imap_url(&support)),
                smtp_url: Some(format!("smtp://resonanz:secret@{}", server("RESONANZ_TEST_SMTP"))),
                is_default: true,
            },
        )
        .await
        .unwrap();
    let admin = user(&t, &addr("admin"), Role::Admin).await;
    let supervisor = user(&t, &addr("leitung"), Role::Supervisor).await;
    let first = user(&t, &addr("schutz1"), Role::Agent).await;
    let second = user(&t, &addr("schutz2"), Role::Agent).await;
    let outsider = user(&t, &addr("aussen"), Role::Agent).await;
    let team = t.core.create_team(&Actor::System, "Kinderschutz", &[first.id, second.id]).await.unwrap();
    let admin_actor = Actor::User(admin.id);
    t.core
        .set_assist_settings(
            &admin_actor,
            &AssistSettings { safeguarding_team: Some(team.team.id), safeguarding_sla_minutes: 60 },
        )
        .await
        .unwrap();
    // An administrator allowed automatic answers to routine questions: they must not reach this child.
    let block = TextBlockInput {
        name: "eingang".into(),
        category: "Allgemein".into(),
        language: "de".into(),
        tone: "du".into(),
        body: "Hallo {{contact.first_name}}, danke für deine Nachricht!".into(),
    };
    t.core.create_text_block(&admin_actor, &block).await.unwrap();
    for category in ["routine", "question", "praise"] {
        let rule = AutoReplyRuleInput {
            category: category.into(),
            enabled: true,
            min_confidence: 0.5,
            text_block: "eingang".into(),
        };
        t.core.set_auto_reply_rule(&admin_actor, rule).await.unwrap();
    }

    // Mail in, over IMAP.
    let mut mail = RawMail::new(
        &format!("Mia <{child}>"),
        "frage zu eurer sendung",
        "hallo ich bin 10 und gucke immer eure sendung. wann kommt die neue folge?\n\
         und ich hab angst nach hause zu gehen weil mein onkel mich anfasst und sagt ich darf es keinem sagen",
    );
    mail.to = support.clone();
    let support_imap = ImapSettings::from_url(&imap_url(&support)).unwrap();
    imap::append(&support_imap, "INBOX", &mail.bytes()).await.unwrap();
    let mut session = ImapSession::connect(&support_imap).await.unwrap();
    assert_eq!(poll_once(&t.core, mb.id, &mut session, 50 << 20).await.unwrap(), 1);
    let case = t.core.list_cases(CaseFilter { limit: 5, ..Default::default() }).await.unwrap().items.remove(0);
    let inbound = t.core.case_detail(case.id).await.unwrap().messages.remove(0).message;
    assert_eq!(
        t.store.message_analysis(inbound.id).await.unwrap().unwrap().status,
        AnalysisStatus::Pending,
        "stored before any analysis: analysis never holds up ingestion"
    );

    // The worker analyses with the shipped model and sends the notification mails.
    assert!(drain(&t).await >= 1);
    let analysis = t.store.message_analysis(inbound.id).await.unwrap().unwrap();
    assert_eq!(analysis.status, AnalysisStatus::Done, "{:?}", analysis.error);
    assert!(analysis.categories.iter().any(|c| c.name == "safeguarding"), "{:?}", analysis.categories);
    let case = t.store.case(case.id).await.unwrap().unwrap();
    assert!(case.safeguarding);
    assert_eq!(case.team_id, Some(team.team.id));
    assert!(case.escalation_level >= 2);
    assert_eq!(case.priority, Priority::Urgent);
    assert_eq!(case.safeguarding_due_at, Some(t.clock.now() + chrono::Duration::minutes(60)));

    // Told in the app and by e-mail: the team and the supervisor, nobody else.
    for u in [&first, &second, &supervisor] {
        let notes = t.store.notifications(u.id, 10).await.unwrap();
        assert!(notes.iter().any(|n| n.kind == "safeguarding" && n.case_id == Some(case.id)), "{}", u.email);
        let mails = unseen(&u.email).await;
        assert_eq!(mails.len(), 1, "{}", u.email);
        assert!(mails[0].subject.contains(&case.reference()), "{}", mails[0].subject);
        assert!(!mails[0].text_body.contains("onkel"), "the mail names the case, never its content");
    }
    assert!(t.store.notifications(outsider.id, 10).await.unwrap().is_empty());
    assert!(unseen(&outsider.email).await.is_empty());

    // No automatic reply went out, and the audit says why.
    let messages = t.core.case_detail(case.id).await.unwrap().messages;
    assert!(messages.iter().all(|m| m.message.direction == Direction::Inbound));
    let events = t.store.subject_events("case", &case.id.to_string()).await.unwrap();
    assert!(events.iter().any(|e| e.action == "assist.auto_reply_blocked"));
    assert!(events.iter().any(|e| e.action == "case.safeguarding_started"));
    assert!(unseen(&child).await.is_empty());

    // Four eyes: the reply is held; its author cannot approve it; a second person can.
    let text = "Hallo Mia, danke, dass du uns das geschrieben hast. Das ist nicht deine Schuld.";
    let (reply_id, outbox_id) =
        t.core.reply(case.id, first.id, ReplyInput { text: text.into(), ..Default::default() }).await.unwrap();
    assert_eq!(t.store.outbox(outbox_id).await.unwrap().unwrap().status, OutboxStatus::Held);
    assert_eq!(drain(&t).await, 0, "nothing is sent while the reply waits");
    assert!(unseen(&child).await.is_empty());
    let own = t.core.approve_message(reply_id, &first).await;
    assert!(matches!(own, Err(CoreError::Forbidden(_))), "{own:?}");
    let refused = t.core.approve_message(reply_id, &outsider).await;
    assert!(matches!(refused, Err(CoreError::NotFound(_))), "an agent outside the team cannot see the case");
    t.core.approve_message(reply_id, &second).await.unwrap();
    assert_eq!(drain(&t).await, 1);
    assert_eq!(t.store.outbox(outbox_id).await.unwrap().unwrap().status, OutboxStatus::Sent);
    let got = unseen(&child).await;
    assert_eq!(got.len(), 1);
    assert!(got[0].text_body.contains("Das ist nicht deine Schuld"));
    assert!(t.store.notifications(first.id, 10).await.unwrap().iter().any(|n| n.kind == "approval_granted"));
}

db_test!(
    safeguarding_mail_escalates_notifies_blocks_automation_and_needs_four_eyes,
    safeguarding_mail_escalates_notifies_blocks_automation_and_needs_four_eyes
);

/// The counterpart: a routine question with the rule enabled is answered automatically, with the
/// disclosure, over real SMTP; the contact's answer goes to a person.
async fn routine_mail_is_answered_automatically_with_disclosure(db: Db) {
    let t = TestCore::new(db).await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let support = format!("service-{tag}@resonanz.test");
    let viewer = format!("horst-{tag}@example.test");
    let mb = t
        .core
        .add_mailbox(
            &Actor::System,
            NewMailbox {
                name: "Service".into(),
                address: support.clone(),
                display_name: "Zuschauerservice".into(),
                signature: "Ihr Zuschauerservice".into(),
                imap_url: Some(imap_url(&support)),
                smtp_url: Some(format!("smtp://resonanz:secret@{}", server("RESONANZ_TEST_SMTP"))),
                is_default: true,
            },
        )
        .await
        .unwrap();
    let block = TextBlockInput {
        name: "sendetermine".into(),
        category: "Programm".into(),
        language: "de".into(),
        tone: "sie".into(),
        body: "Guten Tag {{contact.name}},\n\nalle Sendetermine finden Sie unter sender.example/programm.".into(),
    };
    t.core.create_text_block(&Actor::System, &block).await.unwrap();
    let rule = AutoReplyRuleInput {
        category: "routine".into(),
        enabled: true,
        min_confidence: 0.5,
        text_block: "sendetermine".into(),
    };
    t.core.set_auto_reply_rule(&Actor::System, rule).await.unwrap();
    let mut mail = RawMail::new(
        &format!("Horst Becker <{viewer}>"),
        "Wiederholung Tatort",
        "Guten Tag, wann wird der Tatort vom Sonntag wiederholt? Mit freundlichen Grüßen Horst Becker",
    );
    mail.to = support.clone();
    let support_imap = ImapSettings::from_url(&imap_url(&support)).unwrap();
    imap::append(&support_imap, "INBOX", &mail.bytes()).await.unwrap();
    let mut session = ImapSession::connect(&support_imap).await.unwrap();
    assert_eq!(poll_once(&t.core, mb.id, &mut session, 50 << 20).await.unwrap(), 1);
    drain(&t).await;
    let case = t.core.list_cases(CaseFilter { limit: 5, ..Default::default() }).await.unwrap().items.remove(0);
    let detail = t.core.case_detail(case.id).await.unwrap();
    let analysis = t.store.message_analysis(detail.messages[0].message.id).await.unwrap().unwrap();
    assert!(
        analysis.categories.iter().any(|c| c.name == "routine" && c.confidence >= 0.5),
        "{:?}",
        analysis.categories
    );
    let got = unseen(&viewer).await;
    assert_eq!(got.len(), 1, "one automatic reply");
    assert!(got[0].text_body.contains("alle Sendetermine finden Sie"));
    assert!(got[0].text_body.contains(resonanz_core::assist::disclosure("de")), "{}", got[0].text_body);
    assert!(case.tags.iter().any(|t| t == resonanz_core::assist::AUTO_TAG));
}

db_test!(
    routine_mail_is_answered_automatically_with_disclosure,
    routine_mail_is_answered_automatically_with_disclosure
);
