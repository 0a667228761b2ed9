//! Parsing the realistic mails in tests/fixtures, one test per kind of mail.

use chrono::{TimeZone, Utc};
use resonanz_core::mail::MailAddress;
use resonanz_core::message::AutoKind;

use crate::parse_fixture;

fn addr(address: &str, name: Option<&str>) -> MailAddress {
    MailAddress { address: address.into(), name: name.map(Into::into) }
}

#[test]
fn latin1_quoted_printable_complaint() {
    let mail = parse_fixture("latin1-qp-complaint.eml");
    assert_eq!(mail.message_id.as_deref(), Some("20260304081455.GA1234@example.test"));
    assert_eq!(mail.from, Some(addr("juergen.mueller@example.test", Some("Jürgen Müller"))));
    assert_eq!(mail.to, vec![addr("zuschauer@resonanz.test", Some("Zuschauerservice"))]);
    assert_eq!(mail.subject, "Beschwerde über die Sendung vom Dienstag");
    assert_eq!(mail.date, Some(Utc.with_ymd_and_hms(2026, 3, 4, 7, 14, 55).unwrap()));
    // Soft line breaks are joined, CRLF becomes LF, Latin-1 becomes UTF-8.
    assert!(
        mail.text_body.contains("Ihre Sendung \"Kultur am Dienstag\" gesehen. Der Beitrag über die Stadtbücherei"),
        "{}",
        mail.text_body
    );
    assert!(mail.text_body.contains("mit großem Ärger"));
    assert!(mail.text_body.ends_with("Mit freundlichen Grüßen\nJürgen Müller\n"));
    assert!(!mail.text_body.contains('\r'));
    assert_eq!(mail.html_body, None);
    assert!(mail.attachments.is_empty());
    assert_eq!(mail.auto_kind, AutoKind::None);
}

#[test]
fn windows_1252_euro_and_german_quotes() {
    let mail = parse_fixture("windows-1252.eml");
    assert!(
        mail.text_body.contains("49,90 € für das Jahresabo. Ihr Kollege schrieb mir „kostenlos bis Ende März“ – bitte"),
        "{}",
        mail.text_body
    );
    assert!(mail.text_body.contains("Gruß\nSabine Krämer"));
    assert_eq!(mail.subject, "Rechnung Jahresabo");
}

#[test]
fn rfc2047_encoded_subject_and_names() {
    let mail = parse_fixture("encoded-words.eml");
    // Two B-encoded words across a folded line join without the whitespace between them.
    assert_eq!(mail.subject, "Frage zur Kündigung – Vertrag Nr. 4711");
    assert_eq!(mail.from, Some(addr("zoe.weiss@example.test", Some("Zoë Weiß"))));
    assert_eq!(
        mail.to,
        vec![
            addr("service@resonanz.test", Some("Kundenservice Rückfragen")),
            addr("peter.schmidt@example.test", Some("Schmidt, Peter")),
        ]
    );
    assert_eq!(mail.cc, vec![addr("andre.baer@example.test", Some("André Bär"))]);
    assert_eq!(mail.reply_to, Some(addr("zoe.privat@example.test", None)));
    assert_eq!(mail.text_body, "Ich möchte meinen Vertrag zum 31.05. kündigen.\n");
}

#[test]
fn rfc2231_attachment_names_and_fallback_name() {
    let mail = parse_fixture("rfc2231-attachments.eml");
    assert_eq!(mail.text_body, "Anbei die Übersicht für März.");
    let names: Vec<&str> = mail.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(names, vec!["Übersicht März.pdf", "Protokoll Sitzung März.txt", "attachment-3.bin"]);
    let pdf = &mail.attachments[0];
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.data.starts_with(b"%PDF-1.4\n"));
    assert!(pdf.data.ends_with(b"%%EOF\n"));
    assert!(!pdf.inline);
    assert_eq!(pdf.content_id, None);
    assert_eq!(mail.attachments[1].content_type, "text/plain");
    assert_eq!(
        String::from_utf8(mail.attachments[1].data.clone()).unwrap(),
        "Protokoll der Sitzung vom 2. März\n- Programmänderungen besprochen\n"
    );
    let binary = &mail.attachments[2];
    assert_eq!(binary.content_type, "application/octet-stream");
    assert_eq!(binary.data, (0..=255u8).collect::<Vec<_>>());
}

#[test]
fn alternative_inside_mixed_with_inline_image_and_pdf() {
    let mail = parse_fixture("mixed-alternative-inline.eml");
    assert_eq!(
        mail.text_body,
        "Liebe Kulturredaktion,\n\nwir laden Sie herzlich zur Premiere von „Die Räuber“ ein.\n\nTheater am Markt"
    );
    let html = mail.html_body.as_deref().unwrap();
    assert!(html.contains("<b>„Die Räuber“</b>"), "{html}");
    assert!(html.contains(r#"<img src="cid:logo@theater.example.test" alt="Logo">"#), "{html}");
    assert!(!mail.has_remote_images);
    assert_eq!(mail.attachments.len(), 2);
    let logo = &mail.attachments[0];
    assert_eq!(logo.filename, "logo.png");
    assert_eq!(logo.content_type, "image/png");
    assert_eq!(logo.content_id.as_deref(), Some("logo@theater.example.test"));
    assert!(logo.inline);
    assert!(logo.data.starts_with(b"\x89PNG\r\n\x1a\n"));
    let pdf = &mail.attachments[1];
    assert_eq!(pdf.filename, "Programmheft.pdf");
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(!pdf.inline);
    assert!(pdf.data.starts_with(b"%PDF"));
}

#[test]
fn html_only_mail_is_sanitised_and_gets_a_text_body() {
    let mail = parse_fixture("html-only-script.eml");
    let html = mail.html_body.as_deref().unwrap();
    for forbidden in
        ["<script", "document.cookie", "onload", "onerror", "<style", "bg.png", "target=", "<title", " src=\"https"]
    {
        assert!(!html.contains(forbidden), "{forbidden} survived in {html}");
    }
    assert!(html.contains("<h1>Guten Tag!</h1>"));
    assert!(
        html.contains(
            r#"<a href="https://shop.example.test/umfrage" rel="noopener noreferrer nofollow">Zur Umfrage</a>"#
        )
    );
    assert!(html.contains(r#"data-remote-src="https://tracker.example.test/open.gif?id=42""#));
    assert!(mail.has_remote_images);
    // The text comes from the sanitised HTML, so neither script nor title leaks into it.
    assert!(mail.text_body.contains("Guten Tag!"), "{}", mail.text_body);
    assert!(mail.text_body.contains("Wie hat Ihnen unsere Sendung gefallen?"));
    assert!(mail.text_body.contains("Viele Grüße"));
    assert!(!mail.text_body.contains("document"));
    assert!(!mail.text_body.contains("Umfrage</"));
    assert!(!mail.text_body.contains("background"));
}

#[test]
fn dsn_bounce_names_failed_recipient_and_reason() {
    let mail = parse_fixture("dsn-bounce.eml");
    assert_eq!(mail.auto_kind, AutoKind::Bounce);
    assert_eq!(mail.failed_recipients, vec!["gibt.es.nicht@example.test"]);
    assert_eq!(
        mail.bounce_reason.as_deref(),
        Some("5.1.1: 550 5.1.1 <gibt.es.nicht@example.test>: Recipient address rejected: User unknown")
    );
    assert!(mail.text_body.starts_with("This is the mail system"));
    // The returned original is kept as an attachment with exactly its own bytes.
    let original = mail.attachments.iter().find(|a| a.content_type == "message/rfc822").unwrap();
    assert_eq!(original.filename, "attachment-2.eml");
    assert!(original.data.starts_with(b"From: Zuschauerservice <support@resonanz.test>"));
    assert!(original.data.ends_with("Vielen Dank für Ihre Nachricht.\r\n".as_bytes()));
    let nested = resonanz_channels::mime::parse_mail(&original.data, &Default::default()).unwrap();
    assert_eq!(nested.message_id.as_deref(), Some("antwort.77@resonanz.test"));
    // The bounce names the mail it returns, so core threads it into that mail's case.
    assert_eq!(mail.in_reply_to, vec!["antwort.77@resonanz.test"]);
    assert!(mail.references.is_empty());
    assert_eq!(mail.message_id.as_deref(), Some("20260312102031.7C1A2@mx.resonanz.test"));
}

#[test]
fn dsn_with_returned_headers_only_names_the_bounced_mail() {
    let mail = parse_fixture("dsn-rfc822-headers.eml");
    assert_eq!(mail.auto_kind, AutoKind::Bounce);
    assert_eq!(mail.failed_recipients, vec!["voll@example.test"]);
    assert_eq!(mail.bounce_reason.as_deref(), Some("5.2.2: 552 5.2.2 Mailbox full"));
    // The Message-ID (folded onto its own line) of the returned header block, not the
    // In-Reply-To of the returned mail and not the bounce's own Message-Id.
    assert_eq!(mail.in_reply_to, vec!["case-2077.msg-3@resonanz.test"]);
    assert!(mail.references.is_empty());
    assert_eq!(mail.message_id.as_deref(), Some("202603121105.62C9S1aB012345@relay.example.test"));
}

#[test]
fn out_of_office_is_an_auto_reply() {
    let mail = parse_fixture("out-of-office.eml");
    assert_eq!(mail.auto_kind, AutoKind::AutoReply);
    assert_eq!(mail.subject, "Automatische Antwort: Ihre Anfrage zur Sendung [#1042]");
    assert_eq!(mail.in_reply_to, vec!["antwort.1042@resonanz.test"]);
    assert!(mail.failed_recipients.is_empty());
    assert_eq!(mail.bounce_reason, None);
}

#[test]
fn reply_keeps_threading_ids_without_brackets() {
    let mail = parse_fixture("reply-with-references.eml");
    assert_eq!(mail.message_id.as_deref(), Some("reply.2@example.test"));
    assert_eq!(mail.in_reply_to, vec!["antwort.1@resonanz.test"]);
    assert_eq!(mail.references, vec!["20260304081455.GA1234@example.test", "antwort.1@resonanz.test"]);
    assert_eq!(mail.subject, "Re: Beschwerde über die Sendung vom Dienstag");
    // An unencoded UTF-8 display name (RFC 6532) is accepted as it is.
    assert_eq!(mail.from.unwrap().name.as_deref(), Some("Jürgen Müller"));
    assert_eq!(mail.auto_kind, AutoKind::None);
}

#[test]
fn mail_without_message_id_and_date() {
    let mail = parse_fixture("no-message-id.eml");
    assert_eq!(mail.message_id, None);
    assert_eq!(mail.date, None);
    assert_eq!(mail.subject, "Frage ohne Kennung");
    assert_eq!(mail.text_body, "Wann läuft die Wiederholung?\n");
    assert_eq!(mail.from, Some(addr("alte.software@example.test", None)));
}
