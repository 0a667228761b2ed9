//! The inbound loop against real servers: a mail delivered into a Dovecot mailbox is fetched over
//! IMAP, an agent's reply leaves over real SMTP and arrives in the contact's mailbox, and the contact's
//! answer threads back into the same case.

use resonanz::adapters::SmtpTransport;
use resonanz::imap_poll::poll_once;
use resonanz_channels::imap::{self, ImapSession, ImapSettings};
use resonanz_channels::mime::{ParseLimits, parse_mail};
use resonanz_core::admin::NewMailbox;
use resonanz_core::case::{CaseFilter, CaseStatus};
use resonanz_core::message::Direction;
use resonanz_core::outbound::OutboxStatus;
use resonanz_core::service::ReplyInput;
use resonanz_core::store::Store;
use resonanz_core::user::Actor;
use resonanz_testkit::mail::RawMail;
use resonanz_testkit::{Db, TestCore, db_test};

fn server(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| panic!("{var} is not set: run the tests with ./scripts/test"))
}

/// Fresh addresses per test: the test Dovecot gives every user name its own mailbox.
fn imap_url(user: &str) -> String {
    format!("imap://{}:secret@{}/INBOX", user.replace('@', "%40"), server("RESONANZ_TEST_IMAP"))
}

async fn mailbox(t: &TestCore, support: &str) -> resonanz_core::outbound::Mailbox {
    t.core
        .add_mailbox(
            &Actor::System,
            NewMailbox {
                name: format!("Support {support}"),
                address: support.into(),
                display_name: "Zuschauerservice".into(),
                signature: "Ihr Zuschauerservice\nTelefon 0800 123 456".into(),
                imap_url: Some(imap_url(support)),
                smtp_url: Some(format!("smtp://resonanz:secret@{}", server("RESONANZ_TEST_SMTP"))),
                is_default: true,
            },
        )
        .await
        .unwrap()
}

async fn imap_in_smtp_out_and_the_answer_threads_back(db: Db) {
    let t = TestCore::new(db).await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let support = format!("support-{tag}@resonanz.test");
    let kunde = format!("erika-{tag}@example.test");
    let mb = mailbox(&t, &support).await;
    let support_imap = ImapSettings::from_url(&imap_url(&support)).unwrap();

    let mut first = RawMail::new(
        &format!("Erika Mustermann <{kunde}>"),
        "Wiederholung „Tatort“?",
        "Guten Tag,\nwann wird die Folge von Sonntag wiederholt?\nErika Mustermann",
    );
    first.to = support.clone();
    imap::append(&support_imap, "INBOX", &first.bytes()).await.unwrap();

    let mut session = ImapSession::connect(&support_imap).await.unwrap();
    assert_eq!(poll_once(&t.core, mb.id, &mut session, 50 << 20).await.unwrap(), 1);
    assert!(session.fetch_unseen().await.unwrap().is_empty(), "marked on the server after the commit");
    assert!(resonanz::worker::run_one(&t.core, &SmtpTransport).await.unwrap(), "Assist analyses her mail first");

    let cases = t.core.list_cases(CaseFilter { limit: 10, ..Default::default() }).await.unwrap().items;
    assert_eq!(cases.len(), 1);
    let case = &cases[0];
    assert_eq!(case.subject, "Wiederholung „Tatort“?");
    assert_eq!(case.mailbox_id, Some(mb.id));

    let (reply_id, outbox_id) = t
        .core
        .reply(
            case.id,
            t.agent.id,
            ReplyInput {
                text: "Guten Tag Frau Mustermann,\ndie Folge läuft am Mittwoch um 22:00 Uhr.".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(resonanz::worker::run_one(&t.core, &SmtpTransport).await.unwrap());
    let outbox = t.store.outbox(outbox_id).await.unwrap().unwrap();
    assert_eq!(outbox.status, OutboxStatus::Sent, "{:?}", outbox.last_error);
    assert_eq!(t.store.job_counts().await.unwrap().done, 2, "the analysis and the mail");
    assert!(!resonanz::worker::run_one(&t.core, &SmtpTransport).await.unwrap(), "nothing left to send");

    // The contact's mailbox received it.
    let kunde_imap = ImapSettings::from_url(&imap_url(&kunde)).unwrap();
    let mut inbox = ImapSession::connect(&kunde_imap).await.unwrap();
    let received = inbox.fetch_unseen().await.unwrap();
    assert_eq!(received.len(), 1);
    let got = parse_mail(&received[0].1, &ParseLimits::default()).unwrap();
    let sent = t.store.message(reply_id).await.unwrap().unwrap();
    assert_eq!(got.message_id, sent.message_id_header);
    assert_eq!(got.in_reply_to, vec![first.message_id.clone().unwrap()]);
    assert_eq!(got.subject, format!("Re: Wiederholung „Tatort“? [#R-{}]", case.number));
    assert!(got.text_body.contains("die Folge läuft am Mittwoch"));
    assert!(got.text_body.contains("Ihr Zuschauerservice"));
    assert_eq!(got.from.unwrap().address, support);
    // What was sent is stored as it was sent.
    let stored = t.store.blob(sent.raw_sha256.as_deref().unwrap()).await.unwrap().unwrap();
    assert_eq!(String::from_utf8_lossy(&stored), String::from_utf8_lossy(&received[0].1));

    // Her answer threads back into the same case and reopens the waiting clock.
    let mut answer =
        RawMail::new(&format!("Erika Mustermann <{kunde}>"), &format!("AW: {}", got.subject), "Vielen Dank!")
            .reply_to(got.message_id.as_deref().unwrap());
    answer.to = support.clone();
    imap::append(&support_imap, "INBOX", &answer.bytes()).await.unwrap();
    let mut session = ImapSession::connect(&support_imap).await.unwrap();
    assert_eq!(poll_once(&t.core, mb.id, &mut session, 50 << 20).await.unwrap(), 1);
    let detail = t.core.case_detail(case.id).await.unwrap();
    let directions: Vec<Direction> = detail.messages.iter().map(|m| m.message.direction).collect();
    assert_eq!(directions, vec![Direction::Inbound, Direction::Outbound, Direction::Inbound]);
    assert_eq!(detail.messages[1].delivery.as_deref(), Some("sent"));
    assert_eq!(detail.case.status, CaseStatus::Open);
    assert!(detail.case.waiting_since.is_some());
    assert_eq!(t.core.list_cases(CaseFilter { limit: 10, ..Default::default() }).await.unwrap().items.len(), 1);
}
db_test!(imap_in_smtp_out_and_the_answer_threads_back, imap_in_smtp_out_and_the_answer_threads_back);

async fn database_failure_leaves_the_mail_unseen_on_the_server(db: Db) {
    let t = TestCore::new(db).await;
    let support = format!("support-{}@resonanz.test", uuid::Uuid::new_v4().simple());
    let mb = mailbox(&t, &support).await;
    let settings = ImapSettings::from_url(&imap_url(&support)).unwrap();
    let mut mail = RawMail::new("Max <max@example.de>", "Beschwerde", "Die Werbung ist zu laut.");
    mail.to = support.clone();
    imap::append(&settings, "INBOX", &mail.bytes()).await.unwrap();

    t.store.close().await; // the database goes away mid-poll
    let mut session = ImapSession::connect(&settings).await.unwrap();
    assert!(poll_once(&t.core, mb.id, &mut session, 50 << 20).await.is_err());
    let mut again = ImapSession::connect(&settings).await.unwrap();
    let unseen = again.fetch_unseen().await.unwrap();
    assert_eq!(unseen.len(), 1, "the mail stays unseen and is fetched again later");
    assert_eq!(parse_mail(&unseen[0].1, &ParseLimits::default()).unwrap().subject, "Beschwerde");
}
db_test!(database_failure_leaves_the_mail_unseen_on_the_server, database_failure_leaves_the_mail_unseen_on_the_server);

async fn permanent_smtp_failure_fails_the_outbox_entry(db: Db) {
    let t = TestCore::new(db).await;
    // The SMTP server refuses the wrong password with 535: retrying cannot help.
    t.core
        .add_mailbox(
            &Actor::System,
            NewMailbox {
                name: "Falsch".into(),
                address: "falsch@resonanz.test".into(),
                smtp_url: Some(format!("smtp://resonanz:wrong@{}", server("RESONANZ_TEST_SMTP"))),
                is_default: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let src = resonanz_core::mail::MailSource { label: "t".into(), mailbox_id: None };
    let r = t
        .core
        .ingest_mail(&src, b"x", Ok(resonanz_testkit::mail::inbound("k@example.test", "K", "Frage", "?")))
        .await
        .unwrap();
    let (_, outbox_id) = t
        .core
        .reply(r.case_id.unwrap(), t.agent.id, ReplyInput { text: "Antwort".into(), ..Default::default() })
        .await
        .unwrap();
    assert!(resonanz::worker::run_one(&t.core, &SmtpTransport).await.unwrap(), "the analysis of the mail");
    assert!(resonanz::worker::run_one(&t.core, &SmtpTransport).await.unwrap());
    let o = t.store.outbox(outbox_id).await.unwrap().unwrap();
    assert_eq!(o.status, OutboxStatus::Failed);
    assert!(o.last_error.unwrap().contains("535"));
    assert_eq!(t.store.job_counts().await.unwrap().failed, 1);
    let events = t.core.case_detail(r.case_id.unwrap()).await.unwrap().events;
    assert!(events.iter().any(|e| e.action == "message.send_failed"));
}
db_test!(permanent_smtp_failure_fails_the_outbox_entry, permanent_smtp_failure_fails_the_outbox_entry);

async fn unreachable_smtp_is_retried_with_backoff_then_given_up_visibly(db: Db) {
    let t = TestCore::new(db).await;
    // A port nobody listens on: every attempt fails temporarily (connection refused).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    t.core
        .add_mailbox(
            &Actor::System,
            NewMailbox {
                name: "Weg".into(),
                address: "weg@resonanz.test".into(),
                smtp_url: Some(format!("smtp://{closed}")),
                is_default: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let src = resonanz_core::mail::MailSource { label: "t".into(), mailbox_id: None };
    let mail = resonanz_testkit::mail::inbound("k@example.test", "K", "Frage", "?");
    let r = t.core.ingest_mail(&src, b"x", Ok(mail)).await.unwrap();
    let case_id = r.case_id.unwrap();
    let input = ReplyInput { text: "Antwort".into(), ..Default::default() };
    let (_, outbox_id) = t.core.reply(case_id, t.agent.id, input).await.unwrap();

    assert!(resonanz::worker::run_one(&t.core, &SmtpTransport).await.unwrap(), "the analysis of the mail");
    let max = <resonanz_core::jobs::SendMail as resonanz_core::jobs::Job>::MAX_ATTEMPTS;
    for attempt in 1..=max {
        assert!(resonanz::worker::run_one(&t.core, &SmtpTransport).await.unwrap(), "attempt {attempt} runs");
        if attempt < max {
            assert!(!resonanz::worker::run_one(&t.core, &SmtpTransport).await.unwrap(), "not before its backoff");
            assert_eq!(t.store.outbox(outbox_id).await.unwrap().unwrap().status, OutboxStatus::Pending);
            t.clock.advance(resonanz_core::jobs::backoff(attempt));
        }
    }
    let o = t.store.outbox(outbox_id).await.unwrap().unwrap();
    assert_eq!(o.status, OutboxStatus::Failed);
    assert_eq!(o.attempts, max);
    assert_eq!(t.store.job_counts().await.unwrap().failed, 1);
    let events = t.core.case_detail(case_id).await.unwrap().events;
    assert!(events.iter().any(|e| e.action == "message.send_failed"), "the case shows that the answer did not leave");
}
db_test!(
    unreachable_smtp_is_retried_with_backoff_then_given_up_visibly,
    unreachable_smtp_is_retried_with_backoff_then_given_up_visibly
);

/// The password reset link travels as a system mail through the job queue and real SMTP into the
/// person's mailbox; the link sets a new password once.
async fn password_reset_mail_arrives_over_smtp_and_its_link_works(db: Db) {
    let t = TestCore::new(db).await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    mailbox(&t, &format!("support-{tag}@resonanz.test")).await;
    let email = format!("petra-{tag}@example.test");
    let hash = resonanz_core::passwords::hash("altes-passwort-123").unwrap();
    t.core.create_user(&Actor::System, &email, "Petra Paulsen", resonanz_core::user::Role::Agent, hash).await.unwrap();

    t.core.request_password_reset(&email, "https://resonanz.sender.example").await.unwrap();
    assert!(resonanz::worker::run_one(&t.core, &SmtpTransport).await.unwrap());
    assert_eq!(t.store.job_counts().await.unwrap().done, 1, "sent, not failed");

    let mut inbox = ImapSession::connect(&ImapSettings::from_url(&imap_url(&email)).unwrap()).await.unwrap();
    let received = inbox.fetch_unseen().await.unwrap();
    assert_eq!(received.len(), 1);
    let mail = parse_mail(&received[0].1, &ParseLimits::default()).unwrap();
    assert_eq!(mail.subject, "Resonanz: Passwort zurücksetzen");
    let link = mail
        .text_body
        .split_whitespace()
        .find(|w| w.starts_with("https://resonanz.sender.example/password/reset/"))
        .unwrap_or_else(|| panic!("a reset link in {}", mail.text_body));
    let token = link.rsplit('/').next().unwrap();
    assert!(t.core.password_reset_valid(token).await.unwrap());
    t.core.reset_password(token, "neues-passwort-456").await.unwrap();
    assert!(t.core.login(&email, "neues-passwort-456", "test").await.unwrap().is_ok());
    assert!(t.core.login(&email, "altes-passwort-123", "test").await.unwrap().is_err());
    assert!(t.core.reset_password(token, "noch-ein-passwort").await.is_err(), "the link works once");
}
db_test!(
    password_reset_mail_arrives_over_smtp_and_its_link_works,
    password_reset_mail_arrives_over_smtp_and_its_link_works
);

/// The administration's "check connection" logs in to the real IMAP and SMTP servers and reports each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_connection_reports_imap_and_smtp_separately() {
    let check = resonanz::serve::check_mailbox();
    let mailbox = |imap: String, smtp: String| resonanz_core::outbound::Mailbox {
        id: resonanz_core::ids::MailboxId(uuid::Uuid::new_v4()),
        name: "Zuschauerservice".into(),
        address: "zuschauer@resonanz.test".into(),
        display_name: String::new(),
        signature: String::new(),
        imap_url: Some(imap),
        smtp_url: Some(smtp),
        is_default: true,
        created_at: chrono::Utc::now(),
    };
    let good = check(mailbox(
        imap_url("zuschauer@resonanz.test"),
        format!("smtp://resonanz:secret@{}", server("RESONANZ_TEST_SMTP")),
    ))
    .await;
    assert_eq!(good, vec![("IMAP".to_string(), Ok(())), ("SMTP".to_string(), Ok(()))]);

    let bad_imap = imap_url("zuschauer@resonanz.test").replace(":secret@", ":falsch@");
    let bad_smtp = format!("smtp://resonanz:falsch@{}", server("RESONANZ_TEST_SMTP"));
    let bad = check(mailbox(bad_imap, bad_smtp)).await;
    assert_eq!(bad.len(), 2);
    assert_eq!(bad[0].0, "IMAP");
    assert!(bad[0].1.is_err(), "a wrong IMAP password is reported: {bad:?}");
    assert_eq!(bad[1].0, "SMTP");
    assert!(bad[1].1.is_err(), "a wrong SMTP password is reported: {bad:?}");
}
