//! Against the real Dovecot (IMAP) and SMTP relay that `./scripts/test` starts. Without them
//! these tests fail on purpose: a boundary that is never exercised is a boundary that breaks.
//!
//! Every test works in a folder or on messages of its own (unique subjects and folders), so
//! they can run in parallel and in any order against the same servers.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use resonanz_channels::imap::{self, ImapError, ImapSession, ImapSettings};
use resonanz_channels::mime::parse_mail;
use resonanz_channels::smtp::{self, SmtpSettings};

pub(crate) fn service(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set: these tests need the real IMAP and SMTP servers. \
             Run ./scripts/test, or `scripts/services.sh start DIR && source DIR/env` first."
        )
    })
}

/// A name no other test run uses, for folders and subjects.
pub(crate) fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{}-{nanos}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn imap_settings(user: &str, folder: &str, move_to: Option<&str>) -> ImapSettings {
    let mut url = format!("imap://{}:secret@{}/{folder}", user.replace('@', "%40"), service("RESONANZ_TEST_IMAP"));
    if let Some(target) = move_to {
        url.push_str(&format!("?move_to={target}"));
    }
    ImapSettings::from_url(&url).unwrap()
}

fn smtp_settings(credentials: &str) -> SmtpSettings {
    SmtpSettings::from_url(&format!("smtp://{credentials}{}", service("RESONANZ_TEST_SMTP"))).unwrap()
}

fn german_mail(subject: &str) -> Vec<u8> {
    format!(
        "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <kunde@example.test>\r\n\
         To: support@resonanz.test\r\n\
         Subject: {subject}\r\n\
         Date: Wed, 04 Mar 2026 08:14:55 +0100\r\n\
         Message-ID: <{subject}@example.test>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         Guten Tag,\r\n\r\ndie Sendung gestern war großartig – danke!\r\n\r\nViele Grüße\r\n"
    )
    .into_bytes()
}

/// A folder of its own for one test, with `raw` in it.
async fn folder_with(user: &str, raw: &[u8]) -> String {
    let folder = unique("Test");
    let admin = imap_settings(user, "INBOX", Some(&folder));
    // Connecting with move_to creates the folder.
    ImapSession::connect(&admin).await.unwrap().logout().await;
    imap::append(&admin, &folder, raw).await.unwrap();
    folder
}

#[tokio::test]
async fn fetch_unseen_then_mark_processed() {
    let subject = unique("Anfrage");
    let raw = german_mail(&subject);
    let folder = folder_with("support@resonanz.test", &raw).await;
    let settings = imap_settings("support@resonanz.test", &folder, None);

    let mut session = ImapSession::connect(&settings).await.unwrap();
    let unseen = session.fetch_unseen().await.unwrap();
    assert_eq!(unseen.len(), 1);
    let (uid, bytes) = &unseen[0];
    assert_eq!(bytes, &raw, "IMAP must hand over the exact bytes");
    let parsed = parse_mail(bytes, &Default::default()).unwrap();
    assert_eq!(parsed.subject, subject);
    assert!(parsed.text_body.contains("großartig – danke"));

    // Fetching did not mark anything: a second session still sees it unseen.
    let mut second = ImapSession::connect(&settings).await.unwrap();
    assert_eq!(second.fetch_unseen().await.unwrap().len(), 1);
    second.logout().await;

    session.mark_processed(*uid).await.unwrap();
    assert!(session.fetch_unseen().await.unwrap().is_empty());
    session.logout().await;
}

#[tokio::test]
async fn mark_processed_moves_to_target_folder() {
    let raw = german_mail(&unique("Verschieben"));
    let folder = folder_with("support@resonanz.test", &raw).await;
    let done = unique("Erledigt");
    let settings = imap_settings("support@resonanz.test", &folder, Some(&done));

    let mut session = ImapSession::connect(&settings).await.unwrap();
    let unseen = session.fetch_unseen().await.unwrap();
    assert_eq!(unseen.len(), 1);
    session.mark_processed(unseen[0].0).await.unwrap();
    assert!(session.fetch_unseen().await.unwrap().is_empty());
    session.logout().await;

    // The message now lives in the target folder, marked seen.
    let target = imap_settings("support@resonanz.test", &done, None);
    let mut check = ImapSession::connect(&target).await.unwrap();
    assert!(check.fetch_unseen().await.unwrap().is_empty(), "moved mail is seen");
    check.logout().await;
    let source = imap_settings("support@resonanz.test", &folder, None);
    let mut check = ImapSession::connect(&source).await.unwrap();
    assert!(check.fetch_unseen().await.unwrap().is_empty());
    check.logout().await;
}

#[tokio::test]
async fn move_falls_back_to_copy_and_expunge() {
    for lacking in [&["MOVE"][..], &["MOVE", "UIDPLUS"][..]] {
        let raw = german_mail(&unique("Fallback"));
        let folder = folder_with("support@resonanz.test", &raw).await;
        let done = unique("Kopiert");
        let settings = imap_settings("support@resonanz.test", &folder, Some(&done));
        let mut session = ImapSession::connect(&settings).await.unwrap();
        for capability in lacking {
            session.pretend_server_lacks(capability);
        }
        let unseen = session.fetch_unseen().await.unwrap();
        assert_eq!(unseen.len(), 1);
        session.mark_processed(unseen[0].0).await.unwrap();
        assert!(session.fetch_unseen().await.unwrap().is_empty(), "{lacking:?}");
        session.logout().await;

        // Gone from the source folder (expunged, not just flagged), present in the target.
        let mut source = ImapSession::connect(&imap_settings("support@resonanz.test", &folder, None)).await.unwrap();
        imap::append(&settings, &folder, &german_mail(&unique("Neu"))).await.unwrap();
        let left = source.fetch_unseen().await.unwrap();
        assert_eq!(left.len(), 1, "only the new mail is left in {folder}");
        assert!(left[0].0 > unseen[0].0);
        source.logout().await;
        let target = imap_settings("support@resonanz.test", &done, None);
        let mut check = ImapSession::connect(&target).await.unwrap();
        check.pretend_server_lacks("MOVE");
        assert!(check.fetch_unseen().await.unwrap().is_empty(), "copied mail is seen");
        check.logout().await;
    }
}

#[tokio::test]
async fn move_to_a_german_folder_name() {
    let raw = german_mail(&unique("Umlaut"));
    let folder = folder_with("agent@resonanz.test", &raw).await;
    let done = format!("Überprüft {}", unique("x"));
    let settings =
        imap_settings("agent@resonanz.test", &folder, Some(&done.replace(' ', "%20").replace('Ü', "%C3%9C")));
    let mut session = ImapSession::connect(&settings).await.unwrap();
    let unseen = session.fetch_unseen().await.unwrap();
    session.mark_processed(unseen[0].0).await.unwrap();
    session.logout().await;
    let target = imap_settings("agent@resonanz.test", &done.replace(' ', "%20").replace('Ü', "%C3%9C"), None);
    let session = ImapSession::connect(&target).await.unwrap();
    session.logout().await;
}

#[tokio::test]
async fn idle_returns_when_a_mail_arrives() {
    let folder = folder_with("support@resonanz.test", &german_mail(&unique("Erste"))).await;
    let settings = imap_settings("support@resonanz.test", &folder, None);
    let mut session = ImapSession::connect(&settings).await.unwrap();
    assert_eq!(session.fetch_unseen().await.unwrap().len(), 1);

    let appender = settings.clone();
    let append_folder = folder.clone();
    let append = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        imap::append(&appender, &append_folder, &german_mail(&unique("Zweite"))).await.unwrap();
    });
    let started = Instant::now();
    let mut session = session.wait_for_change(Duration::from_secs(30)).await.unwrap();
    let waited = started.elapsed();
    append.await.unwrap();
    assert!(waited < Duration::from_secs(15), "IDLE should return on the new mail, waited {waited:?}");
    assert!(waited >= Duration::from_millis(500), "returned before the mail came: {waited:?}");
    assert_eq!(session.fetch_unseen().await.unwrap().len(), 2);

    // Without any change it returns after `max`.
    let started = Instant::now();
    let session = session.wait_for_change(Duration::from_millis(800)).await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(700) && waited < Duration::from_secs(10), "{waited:?}");
    session.logout().await;
}

#[tokio::test]
async fn without_idle_the_wait_is_max() {
    let folder = folder_with("support@resonanz.test", &german_mail(&unique("Ohne"))).await;
    let settings = imap_settings("support@resonanz.test", &folder, None);
    let mut session = ImapSession::connect(&settings).await.unwrap();
    session.pretend_server_lacks("IDLE");
    assert_eq!(session.fetch_unseen().await.unwrap().len(), 1);
    let started = Instant::now();
    // A mail arriving meanwhile is not noticed early, but found by the next poll.
    imap::append(&settings, &folder, &german_mail(&unique("Später"))).await.unwrap();
    let mut session = session.wait_for_change(Duration::from_millis(400)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(session.fetch_unseen().await.unwrap().len(), 2);
    session.logout().await;
}

#[tokio::test]
async fn smtp_send_with_auth_arrives_byte_for_byte() {
    let subject = unique("Zustellung");
    let raw = resonanz_channels::outgoing::build_mail(&resonanz_channels::outgoing::OutgoingMail {
        from: resonanz_core::mail::MailAddress {
            address: "support@resonanz.test".into(),
            name: Some("Zuschauerservice".into()),
        },
        to: vec![resonanz_core::mail::MailAddress {
            address: "kunde@example.test".into(),
            name: Some("Jürgen Müller".into()),
        }],
        cc: vec![],
        subject: subject.clone(),
        text_body: "Sehr geehrter Herr Müller,\n\nwir melden uns in Kürze.\n.\n..Punkte am Zeilenanfang\n\nGrüße\n"
            .into(),
        message_id: format!("{subject}@resonanz.test"),
        in_reply_to: None,
        references: vec![],
        date: chrono::Utc::now(),
        extra_headers: vec![("X-Resonanz-Case".into(), "4711".into())],
    })
    .unwrap();
    let settings = smtp_settings("resonanz:secret@");
    smtp::check_connection(&settings).await.unwrap();
    smtp::send_raw(&settings, "support@resonanz.test", &["kunde@example.test".to_string()], &raw).await.unwrap();

    // Delivered into kunde@'s INBOX before the relay answered 250.
    let inbox = imap_settings("kunde@example.test", "INBOX", None);
    let mut session = ImapSession::connect(&inbox).await.unwrap();
    let ours: Vec<(u32, Vec<u8>)> = session
        .fetch_unseen()
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, bytes)| parse_mail(bytes, &Default::default()).is_ok_and(|m| m.subject == subject))
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].1, raw, "the mail must arrive byte for byte");
    session.mark_processed(ours[0].0).await.unwrap();
    session.logout().await;
}

#[tokio::test]
async fn smtp_wrong_password_is_a_permanent_error() {
    let settings = smtp_settings("resonanz:falsch@");
    let err = smtp::check_connection(&settings).await.unwrap_err();
    assert!(err.permanent, "{err}");
    assert!(err.message.contains("535"), "{err}");
    let err = smtp::send_raw(
        &settings,
        "support@resonanz.test",
        &["kunde@example.test".to_string()],
        &german_mail(&unique("Nie")),
    )
    .await
    .unwrap_err();
    assert!(err.permanent, "{err}");
}

#[tokio::test]
async fn imap_wrong_password_is_a_login_error() {
    let mut settings = imap_settings("support@resonanz.test", "INBOX", None);
    settings.password = "falsch".into();
    let err = imap::check_connection(&settings).await.unwrap_err();
    assert!(matches!(err, ImapError::Login(_)), "{err}");
    assert!(!err.to_string().contains("falsch"), "password leaked: {err}");
    imap::check_connection(&imap_settings("support@resonanz.test", "INBOX", None)).await.unwrap();
}

#[tokio::test]
async fn unreachable_servers_are_temporary_errors() {
    // Port 9 on loopback: nothing listens there.
    let smtp = SmtpSettings::from_url("smtp://127.0.0.1:9").unwrap();
    let err = smtp::check_connection(&smtp).await.unwrap_err();
    assert!(!err.permanent, "{err}");
    let imap = ImapSettings::from_url("imap://a:b@127.0.0.1:9").unwrap();
    assert!(matches!(imap::check_connection(&imap).await.unwrap_err(), ImapError::Connect(_)));
}
