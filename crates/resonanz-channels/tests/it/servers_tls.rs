//! TLS against the real servers that `./scripts/test` starts: the SMTP relay's STARTTLS and
//! SMTPS ports and Dovecot's imaps port, all with a throw-away self-signed certificate for
//! `localhost` / 127.0.0.1. Without the servers these tests fail on purpose, like the
//! plaintext ones in `servers.rs`.
//!
//! Every test uses recipients of its own (`tls-…@resonanz.test`, each a fresh Dovecot
//! mailbox), so they run in parallel and in any order.

use std::future::Future;
use std::time::Duration;

use resonanz_channels::imap::{self, ImapError, ImapSession, ImapSettings};
use resonanz_channels::smtp::{self, SmtpError, SmtpSettings, TlsMode};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::servers::{service, unique};

/// Failing is fine, hanging is not: everything here must finish well within this.
const NO_HANG: Duration = Duration::from_secs(20);

async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(NO_HANG, fut).await.unwrap_or_else(|_| panic!("{what} hung for more than {NO_HANG:?}"))
}

/// A mailbox nobody else uses.
fn fresh_address() -> String {
    format!("{}@resonanz.test", unique("tls"))
}

fn starttls_url(query: &str) -> String {
    format!("smtp+starttls://resonanz:secret@{}{query}", service("RESONANZ_TEST_SMTP_STARTTLS"))
}

fn smtps_url(query: &str) -> String {
    format!("smtps://resonanz:secret@{}{query}", service("RESONANZ_TEST_SMTPS"))
}

fn imaps_settings(user: &str, query: &str) -> ImapSettings {
    let url = format!("imaps://{}:secret@{}/INBOX{query}", user.replace('@', "%40"), service("RESONANZ_TEST_IMAPS"));
    let settings = ImapSettings::from_url(&url).unwrap();
    assert!(settings.tls);
    settings
}

/// German, 8bit, with umlauts in header and body and lines that need dot-stuffing on the wire.
fn german_mail(to: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <kunde@example.test>\r\n\
         To: {to}\r\n\
         Subject: {subject}\r\n\
         Date: Wed, 04 Mar 2026 08:14:55 +0100\r\n\
         Message-ID: <{subject}@example.test>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         Sehr geehrte Damen und Herren,\r\n\r\n\
         die Übertragung über TLS hat geklappt – schön! Größe: 5 €, Maß: ½.\r\n\
         .\r\n\
         ..zwei Punkte am Zeilenanfang\r\n\r\n\
         Mit freundlichen Grüßen\r\n\
         Jürgen Müller\r\n"
    )
    .into_bytes()
}

/// Sends a fresh mail through `smtp_url` and reads it back over imaps, byte for byte.
async fn send_and_read_back_over_imaps(smtp_url: &str, tls: TlsMode) {
    let settings = SmtpSettings::from_url(smtp_url).unwrap();
    assert_eq!(settings.tls, tls);
    assert!(settings.accept_invalid_certs);
    let to = fresh_address();
    let raw = german_mail(&to, &unique("Grüße"));
    within("SMTP check", smtp::check_connection(&settings)).await.unwrap();
    within("SMTP send", smtp::send_raw(&settings, "kunde@example.test", std::slice::from_ref(&to), &raw))
        .await
        .unwrap();

    // The relay answers 250 only after the mail is in the INBOX, and the mailbox is new.
    let inbox = imaps_settings(&to, "?accept_invalid_certs=true");
    let mut session = within("imaps connect", ImapSession::connect(&inbox)).await.unwrap();
    let unseen = within("fetch", session.fetch_unseen()).await.unwrap();
    assert_eq!(unseen.len(), 1, "exactly our mail is in {to}'s INBOX");
    assert!(
        unseen[0].1 == raw,
        "the mail must arrive byte for byte:\n--- sent ---\n{}\n--- received ---\n{}",
        String::from_utf8_lossy(&raw),
        String::from_utf8_lossy(&unseen[0].1)
    );
    within("mark", session.mark_processed(unseen[0].0)).await.unwrap();
    assert!(within("fetch", session.fetch_unseen()).await.unwrap().is_empty());
    session.logout().await;
}

async fn assert_nothing_delivered_to(user: &str) {
    let inbox = imaps_settings(user, "?accept_invalid_certs=true");
    let mut session = within("imaps connect", ImapSession::connect(&inbox)).await.unwrap();
    let unseen = within("fetch", session.fetch_unseen()).await.unwrap();
    assert!(unseen.is_empty(), "nothing may reach {user}, found {} mail(s)", unseen.len());
    session.logout().await;
}

#[tokio::test]
async fn starttls_mail_arrives_byte_for_byte_over_imaps() {
    send_and_read_back_over_imaps(&starttls_url("?accept_invalid_certs=true"), TlsMode::StartTls).await;
}

#[tokio::test]
async fn smtps_mail_arrives_byte_for_byte_over_imaps() {
    send_and_read_back_over_imaps(&smtps_url("?accept_invalid_certs=true"), TlsMode::Implicit).await;
}

#[tokio::test]
async fn imaps_append_and_fetch_round_trip() {
    // The imaps listener on its own, independent of the relay.
    let user = fresh_address();
    let settings = imaps_settings(&user, "?accept_invalid_certs=true");
    let raw = german_mail(&user, &unique("Abgelegt"));
    within("imaps append", imap::append(&settings, "INBOX", &raw)).await.unwrap();
    within("imaps check", imap::check_connection(&settings)).await.unwrap();
    let mut session = within("imaps connect", ImapSession::connect(&settings)).await.unwrap();
    let unseen = within("fetch", session.fetch_unseen()).await.unwrap();
    assert_eq!(unseen.len(), 1);
    assert!(unseen[0].1 == raw, "IMAP over TLS must hand over the exact bytes");
    session.logout().await;
}

fn assert_certificate_error(what: &str, message: &str) {
    let lower = message.to_ascii_lowercase();
    assert!(lower.contains("certificate"), "{what}: the error should name the certificate problem: {message}");
}

fn assert_smtp_certificate_error(what: &str, err: &SmtpError) {
    assert_certificate_error(what, &err.message);
    assert!(!err.message.contains("secret"), "{what}: password leaked: {err}");
}

#[tokio::test]
async fn smtp_certificates_are_verified_by_default() {
    let to = fresh_address();
    for url in [starttls_url(""), smtps_url("")] {
        let settings = SmtpSettings::from_url(&url).unwrap();
        assert!(!settings.accept_invalid_certs, "{url}");
        let err = within("SMTP check", smtp::check_connection(&settings)).await.unwrap_err();
        assert_smtp_certificate_error(&url, &err);
        let raw = german_mail(&to, &unique("Abgelehnt"));
        let err = within("SMTP send", smtp::send_raw(&settings, "kunde@example.test", std::slice::from_ref(&to), &raw))
            .await
            .unwrap_err();
        assert_smtp_certificate_error(&url, &err);

        // The certificate's name matches `localhost`, so it is the unknown issuer that is
        // refused, not only the name.
        let by_name = SmtpSettings { host: "localhost".into(), ..settings };
        let err = within("SMTP check", smtp::check_connection(&by_name)).await.unwrap_err();
        assert_smtp_certificate_error(&format!("{url} as localhost"), &err);
    }

    assert_nothing_delivered_to(&to).await;
}

#[tokio::test]
async fn imaps_certificate_is_verified_by_default() {
    let user = fresh_address();
    let settings = imaps_settings(&user, "");
    assert!(!settings.accept_invalid_certs);
    let by_name = ImapSettings { host: "localhost".into(), ..settings.clone() };
    for settings in [settings, by_name] {
        let err = within("imaps connect", ImapSession::connect(&settings)).await.unwrap_err();
        assert!(matches!(err, ImapError::Connect(_)), "{err}");
        assert_certificate_error(&settings.host, &err.to_string());
        let err = within("imaps check", imap::check_connection(&settings)).await.unwrap_err();
        assert!(matches!(err, ImapError::Connect(_)), "{err}");
        let err =
            within("imaps append", imap::append(&settings, "INBOX", b"Subject: x\r\n\r\nx\r\n")).await.unwrap_err();
        assert!(matches!(err, ImapError::Connect(_)), "{err}");
    }
}

/// One SMTP reply (all lines of a multi-line one), as text.
async fn read_reply(reader: &mut BufReader<TcpStream>) -> String {
    let mut reply = String::new();
    loop {
        let mut line = String::new();
        let n = within("SMTP reply", reader.read_line(&mut line)).await.unwrap();
        assert!(n > 0, "connection closed; reply so far: {reply:?}");
        reply.push_str(&line);
        // The last line of a reply has a space (or nothing) after the code, others a `-`.
        if line.as_bytes().get(3) != Some(&b'-') {
            return reply;
        }
    }
}

async fn command(reader: &mut BufReader<TcpStream>, line: &str) -> String {
    within("SMTP write", reader.get_mut().write_all(format!("{line}\r\n").as_bytes())).await.unwrap();
    read_reply(reader).await
}

#[tokio::test]
async fn starttls_port_refuses_auth_and_mail_before_starttls() {
    let address = service("RESONANZ_TEST_SMTP_STARTTLS");
    let stream = within("connect", TcpStream::connect(&address)).await.unwrap();
    let mut smtp = BufReader::new(stream);
    let greeting = read_reply(&mut smtp).await;
    assert!(greeting.starts_with("220 "), "{greeting}");

    let ehlo = command(&mut smtp, "EHLO client.resonanz.test").await;
    assert!(ehlo.starts_with("250"), "{ehlo}");
    assert!(ehlo.lines().any(|l| l[4..].trim() == "STARTTLS"), "STARTTLS must be offered: {ehlo}");
    assert!(!ehlo.contains("AUTH"), "AUTH must not be offered before STARTTLS: {ehlo}");

    // AUTH PLAIN with the right credentials (\0resonanz\0secret), still refused in the clear.
    let auth = command(&mut smtp, "AUTH PLAIN AHJlc29uYW56AHNlY3JldA==").await;
    assert!(auth.starts_with("530 "), "AUTH before STARTTLS must be refused: {auth}");
    assert!(auth.contains("STARTTLS"), "{auth}");
    let auth = command(&mut smtp, "AUTH LOGIN").await;
    assert!(auth.starts_with("530 "), "{auth}");
    let mail = command(&mut smtp, "MAIL FROM:<kunde@example.test>").await;
    assert!(mail.starts_with("530 "), "MAIL before STARTTLS must be refused: {mail}");
    let quit = command(&mut smtp, "QUIT").await;
    assert!(quit.starts_with("221"), "{quit}");
}

#[tokio::test]
async fn plain_smtp_against_the_starttls_port_fails_clearly() {
    let address = service("RESONANZ_TEST_SMTP_STARTTLS");
    let to = fresh_address();
    let raw = german_mail(&to, &unique("Klartext"));

    // Without credentials: the server refuses the mail; 5xx, so not worth retrying.
    let anonymous = SmtpSettings::from_url(&format!("smtp://{address}")).unwrap();
    assert_eq!(anonymous.tls, TlsMode::None);
    let err = within("SMTP send", smtp::send_raw(&anonymous, "kunde@example.test", std::slice::from_ref(&to), &raw))
        .await
        .unwrap_err();
    assert!(err.permanent, "{err}");
    assert!(err.message.contains("530") && err.message.contains("STARTTLS"), "{err}");

    // With credentials: the server offers no AUTH in the clear, so the client cannot log in.
    let with_auth = SmtpSettings::from_url(&format!("smtp://resonanz:secret@{address}")).unwrap();
    for result in [
        within("SMTP check", smtp::check_connection(&with_auth)).await,
        within("SMTP send", smtp::send_raw(&with_auth, "kunde@example.test", std::slice::from_ref(&to), &raw)).await,
    ] {
        let err = result.unwrap_err();
        assert!(err.message.to_ascii_lowercase().contains("authentication"), "{err}");
        assert!(!err.message.contains("secret"), "password leaked: {err}");
    }

    assert_nothing_delivered_to(&to).await;
}
