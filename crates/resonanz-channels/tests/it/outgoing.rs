//! Built mail must parse back to what was put in.

use chrono::{TimeZone, Utc};
use resonanz_channels::mime::parse_mail;
use resonanz_channels::outgoing::{BuildError, OutgoingMail, build_mail};
use resonanz_core::mail::MailAddress;
use resonanz_core::message::AutoKind;

fn addr(address: &str, name: Option<&str>) -> MailAddress {
    MailAddress { address: address.into(), name: name.map(Into::into) }
}

fn reply() -> OutgoingMail {
    OutgoingMail {
        from: addr("zuschauer@resonanz.test", Some("Zuschauerservice Müller & Söhne")),
        to: vec![addr("juergen.mueller@example.test", Some("Jürgen Müller"))],
        cc: vec![addr("redaktion@resonanz.test", None)],
        subject: "Re: Beschwerde über die Sendung vom Dienstag – Ihr Anliegen [#1042]".into(),
        text_body: "Sehr geehrter Herr Müller,\n\nvielen Dank für Ihre Nachricht. Wir haben sie an die Redaktion weitergeleitet.\n\nMit freundlichen Grüßen\nIhr Zuschauerservice\n".into(),
        message_id: "case-1042.msg-7@resonanz.test".into(),
        in_reply_to: Some("20260304081455.GA1234@example.test".into()),
        references: vec![
            "20260304081455.GA1234@example.test".into(),
            "antwort.1@resonanz.test".into(),
        ],
        date: Utc.with_ymd_and_hms(2026, 3, 4, 10, 30, 0).unwrap(),
        extra_headers: vec![
            ("X-Resonanz-Case".into(), "1042".into()),
            ("Auto-Submitted".into(), "auto-replied".into()),
        ],
    }
}

#[test]
fn built_mail_parses_back() {
    let mail = reply();
    let raw = build_mail(&mail).unwrap();
    let text = String::from_utf8(raw.clone()).unwrap();
    assert!(text.is_ascii(), "umlauts must be encoded: {text}");
    assert!(text.contains("Content-Type: text/plain; charset=utf-8"), "{text}");
    assert!(text.contains("Message-ID: <case-1042.msg-7@resonanz.test>"));
    assert!(text.contains("In-Reply-To: <20260304081455.GA1234@example.test>"));
    assert!(text.contains("References: <20260304081455.GA1234@example.test> <antwort.1@resonanz.test>"));
    assert!(text.contains("X-Resonanz-Case: 1042"));
    assert!(text.contains("Date: Wed, 04 Mar 2026 10:30:00 +0000"), "{text}");
    assert!(!text.contains("\n\n"), "line ends must be CRLF");

    let parsed = parse_mail(&raw, &Default::default()).unwrap();
    assert_eq!(parsed.subject, mail.subject);
    assert_eq!(parsed.text_body, mail.text_body);
    assert_eq!(parsed.message_id.as_deref(), Some(mail.message_id.as_str()));
    assert_eq!(parsed.in_reply_to, vec![mail.in_reply_to.clone().unwrap()]);
    assert_eq!(parsed.references, mail.references);
    assert_eq!(parsed.from, Some(mail.from.clone()));
    assert_eq!(parsed.to, mail.to);
    assert_eq!(parsed.cc, mail.cc);
    assert_eq!(parsed.date, Some(mail.date));
    assert_eq!(parsed.html_body, None);
    // Our own Auto-Submitted header marks the mail as automatic for any receiver.
    assert_eq!(parsed.auto_kind, AutoKind::AutoReply);
}

#[test]
fn minimal_mail_without_threading() {
    let mut mail = reply();
    mail.cc.clear();
    mail.in_reply_to = None;
    mail.references.clear();
    mail.extra_headers.clear();
    mail.subject = "Ihre Anfrage".into();
    let raw = build_mail(&mail).unwrap();
    let text = String::from_utf8(raw.clone()).unwrap();
    assert!(!text.contains("In-Reply-To"));
    assert!(!text.contains("References"));
    assert!(!text.contains("Cc:"));
    let parsed = parse_mail(&raw, &Default::default()).unwrap();
    assert_eq!(parsed.subject, "Ihre Anfrage");
    assert_eq!(parsed.auto_kind, AutoKind::None);
}

#[test]
fn header_injection_is_impossible() {
    let mut mail = reply();
    mail.subject = "Hallo\r\nBcc: opfer@example.test".into();
    mail.extra_headers = vec![("X-Resonanz-Case".into(), "1\r\nBcc: opfer@example.test".into())];
    let raw = String::from_utf8(build_mail(&mail).unwrap()).unwrap();
    assert!(!raw.contains("\r\nBcc:"), "{raw}");

    // A foreign id that would break the header is left out, the mail is still built.
    let mut mail = reply();
    mail.in_reply_to = Some("x@y>\r\nBcc: <opfer@example.test".into());
    mail.references = vec!["a@b>\r\nBcc: <opfer@example.test".into()];
    let raw = String::from_utf8(build_mail(&mail).unwrap()).unwrap();
    assert!(!raw.contains("Bcc:"), "{raw}");
    assert!(!raw.contains("In-Reply-To:") && !raw.contains("References:"), "{raw}");

    // Our own Message-ID stays strict.
    let mut mail = reply();
    mail.message_id = "x@y>\r\nBcc: <opfer@example.test".into();
    assert!(matches!(build_mail(&mail), Err(BuildError::InvalidMessageId(_))));

    let mut mail = reply();
    mail.extra_headers = vec![("X-Böse Header".into(), "1".into())];
    assert!(matches!(build_mail(&mail), Err(BuildError::InvalidHeaderName(_))));
}

#[test]
fn invalid_addresses_and_missing_recipients_are_errors() {
    let mut mail = reply();
    mail.to = vec![addr("kein-at-zeichen", None)];
    assert!(matches!(build_mail(&mail), Err(BuildError::InvalidAddress { .. })));
    let mut mail = reply();
    mail.to.clear();
    mail.cc.clear();
    assert!(matches!(build_mail(&mail), Err(BuildError::NoRecipient)));
}

#[test]
fn long_body_lines_survive_the_transfer_encoding() {
    let mut mail = reply();
    mail.text_body = format!("{}\nZweite Zeile mit Umlauten: äöüß\n", "Sehr lange Zeile ".repeat(40));
    let raw = build_mail(&mail).unwrap();
    assert!(String::from_utf8_lossy(&raw).lines().all(|l| l.len() <= 998), "no line may exceed the SMTP limit");
    let parsed = parse_mail(&raw, &Default::default()).unwrap();
    assert_eq!(parsed.text_body, mail.text_body);
}

fn header_block(raw: &[u8]) -> String {
    let text = String::from_utf8(raw.to_vec()).unwrap();
    let end = text.find("\r\n\r\n").expect("header and body are separated by an empty line");
    text[..end + 2].to_string()
}

#[test]
fn every_mail_says_mime_version_once() {
    let mut minimal = reply();
    minimal.cc.clear();
    minimal.in_reply_to = None;
    minimal.references.clear();
    minimal.extra_headers.clear();
    minimal.text_body = "Plain ASCII.\n".into();
    // An extra header cannot add a second MIME-Version or change it.
    let mut overriding = reply();
    overriding.extra_headers.push(("mime-version".into(), "2.0".into()));
    for mail in [reply(), minimal, overriding] {
        let raw = build_mail(&mail).unwrap();
        let headers = header_block(&raw);
        let lines: Vec<&str> =
            headers.split("\r\n").filter(|l| l.to_ascii_lowercase().starts_with("mime-version:")).collect();
        assert_eq!(lines, vec!["MIME-Version: 1.0"], "{headers}");
        assert!(raw.ends_with(b"\r\n"));
    }
}

/// The composed header of a German reply, byte for byte: a change in the order, folding or
/// encoding of any header shows up here.
#[test]
fn german_reply_headers_snapshot() {
    let raw = build_mail(&reply()).unwrap();
    let expected = concat!(
        "From: =?utf-8?b?WnVzY2hhdWVyc2VydmljZSBNw7xsbGVyICYgU8O2aG5l?= <zuschauer@resonanz.test>\r\n",
        "Subject: Re: Beschwerde =?utf-8?b?w7xiZXI=?= die Sendung vom Dienstag\r\n",
        " =?utf-8?b?4oCT?= Ihr Anliegen [#1042]\r\n",
        "Date: Wed, 04 Mar 2026 10:30:00 +0000\r\n",
        "Message-ID: <case-1042.msg-7@resonanz.test>\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "To: =?utf-8?b?SsO8cmdlbiBNw7xsbGVy?= <juergen.mueller@example.test>\r\n",
        "Cc: redaktion@resonanz.test\r\n",
        "In-Reply-To: <20260304081455.GA1234@example.test>\r\n",
        "References: <20260304081455.GA1234@example.test> <antwort.1@resonanz.test>\r\n",
        "X-Resonanz-Case: 1042\r\n",
        "Auto-Submitted: auto-replied\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
    );
    assert_eq!(header_block(&raw), expected);
}

#[test]
fn invalid_foreign_ids_are_left_out_of_the_threading_headers() {
    let mut mail = reply();
    mail.in_reply_to = Some("kaputte id mit leerzeichen@example.test".into());
    mail.references = vec![
        "wurzel@example.test".into(),
        "ümlaut@example.test".into(),
        "".into(),
        "mit leerzeichen@example.test".into(),
        "<antwort.1@resonanz.test>".into(),
    ];
    let raw = build_mail(&mail).unwrap();
    let headers = header_block(&raw);
    assert!(!headers.contains("In-Reply-To:"), "{headers}");
    assert!(headers.contains("\r\nReferences: <wurzel@example.test> <antwort.1@resonanz.test>\r\n"), "{headers}");
    let parsed = parse_mail(&raw, &Default::default()).unwrap();
    assert!(parsed.in_reply_to.is_empty());
    assert_eq!(parsed.references, vec!["wurzel@example.test", "antwort.1@resonanz.test"]);

    // A valid In-Reply-To stays when only references are bad; all-bad references mean no header.
    let mut mail = reply();
    mail.references = vec!["a b@x".into(), "ä@x".into()];
    let headers = header_block(&build_mail(&mail).unwrap());
    assert!(headers.contains("\r\nIn-Reply-To: <20260304081455.GA1234@example.test>\r\n"), "{headers}");
    assert!(!headers.contains("References:"), "{headers}");
}
