//! Each signal of automatic mail on its own, and mails that only look similar.

use resonanz_channels::mime::parse_mail;
use resonanz_core::message::AutoKind;

fn kind_of(headers: &str) -> AutoKind {
    let raw = format!("From: Kunde <kunde@example.test>\r\nTo: support@resonanz.test\r\n{headers}\r\n\r\nText.\r\n");
    parse_mail(raw.as_bytes(), &Default::default()).unwrap().auto_kind
}

#[test]
fn auto_reply_headers() {
    for headers in [
        "Subject: Hallo\r\nAuto-Submitted: auto-replied",
        "Subject: Hallo\r\nAuto-Submitted: auto-generated; owner-email=\"x@y.test\"",
        "Subject: Hallo\r\nPrecedence: bulk",
        "Subject: Hallo\r\nPrecedence: junk",
        "Subject: Hallo\r\nPrecedence: list",
        "Subject: Hallo\r\nPrecedence: auto_reply",
        "Subject: Hallo\r\nX-Autoreply: yes",
        "Subject: Hallo\r\nX-Autorespond: Ich bin im Urlaub",
        "Subject: Hallo\r\nX-Auto-Response-Suppress: All",
        "Subject: Hallo\r\nX-Auto-Response-Suppress: DR, OOF",
        "Subject: Hallo\r\nX-Auto-Response-Suppress: AutoReply",
    ] {
        assert_eq!(kind_of(headers), AutoKind::AutoReply, "{headers}");
    }
}

#[test]
fn auto_reply_subjects() {
    for subject in [
        "Automatische Antwort: Ihre Anfrage",
        "Abwesenheitsnotiz: Programmbeschwerde",
        "Out of Office: Your request",
        "Out of office AutoReply: Sendung",
        "Autoreply: Ihre Nachricht",
        "Automatic reply: Programmhinweis",
    ] {
        assert_eq!(kind_of(&format!("Subject: {subject}")), AutoKind::AutoReply, "{subject}");
    }
}

#[test]
fn ordinary_mails_are_not_automatic() {
    for headers in [
        "Subject: Frage zu Ihrem Out-of-Office-Konzept",
        "Subject: Hallo\r\nAuto-Submitted: no",
        "Subject: Hallo\r\nPrecedence: first-class",
        "Subject: Hallo\r\nX-Auto-Response-Suppress: DR, RN, NRN",
        "Subject: Re: Automatische Antworten sind nervig",
        "Subject: Undelivered goods",
    ] {
        assert_eq!(kind_of(headers), AutoKind::None, "{headers}");
    }
}

#[test]
fn plain_text_bounce_from_mailer_daemon_with_exim_header() {
    let raw = "From: Mail Delivery System <Mailer-Daemon@mx.example.test>\r\n\
        To: support@resonanz.test\r\n\
        Subject: Mail delivery failed: returning message to sender\r\n\
        X-Failed-Recipients: weg@example.test, auch.weg@example.test\r\n\
        \r\n\
        This message was created automatically by mail delivery software.\r\n";
    let mail = parse_mail(raw.as_bytes(), &Default::default()).unwrap();
    assert_eq!(mail.auto_kind, AutoKind::Bounce);
    assert_eq!(mail.failed_recipients, vec!["weg@example.test", "auch.weg@example.test"]);
}

#[test]
fn german_bounce_from_postmaster() {
    let raw = "From: postmaster@firma.example.test\r\n\
        To: support@resonanz.test\r\n\
        Subject: Unzustellbar: Ihre Anfrage zur Sendung\r\n\
        \r\n\
        Die Nachricht konnte nicht zugestellt werden.\r\n";
    let mail = parse_mail(raw.as_bytes(), &Default::default()).unwrap();
    assert_eq!(mail.auto_kind, AutoKind::Bounce);
    assert!(mail.failed_recipients.is_empty());
}

#[test]
fn mailer_daemon_without_failure_subject_is_not_a_bounce() {
    let raw = "From: MAILER-DAEMON@mx.example.test\r\nSubject: Wochenstatistik\r\n\r\nOK\r\n";
    let mail = parse_mail(raw.as_bytes(), &Default::default()).unwrap();
    assert_eq!(mail.auto_kind, AutoKind::None);
}

#[test]
fn delayed_dsn_is_a_bounce_without_failed_recipients() {
    let raw = "From: MAILER-DAEMON@mx.resonanz.test\r\n\
        To: support@resonanz.test\r\n\
        Subject: Delayed Mail (still being retried)\r\n\
        Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\
        \r\n\
        --b\r\n\
        Content-Type: text/plain\r\n\
        \r\n\
        Still trying.\r\n\
        --b\r\n\
        Content-Type: message/delivery-status\r\n\
        \r\n\
        Reporting-MTA: dns; mx.resonanz.test\r\n\
        \r\n\
        Final-Recipient: rfc822; langsam@example.test\r\n\
        Action: delayed\r\n\
        Status: 4.4.1\r\n\
        Diagnostic-Code: X-Postfix; connect to mx.example.test: Connection timed out\r\n\
        \r\n\
        --b--\r\n";
    let mail = parse_mail(raw.as_bytes(), &Default::default()).unwrap();
    assert_eq!(mail.auto_kind, AutoKind::Bounce);
    assert!(mail.failed_recipients.is_empty());
    assert_eq!(mail.bounce_reason.as_deref(), Some("4.4.1: connect to mx.example.test: Connection timed out"));
}

/// A Postfix-style DSN around a returned original; `own_headers` go into the bounce itself.
fn postfix_dsn(own_headers: &str, original_headers: &str) -> String {
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.resonanz.test>\r\n\
        To: support@resonanz.test\r\n\
        Subject: Undelivered Mail Returned to Sender\r\n\
        Message-ID: <bounce.1@mx.resonanz.test>\r\n\
        {own_headers}\
        Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\
        \r\n\
        --b\r\n\
        Content-Type: text/plain\r\n\
        \r\n\
        Your message could not be delivered.\r\n\
        --b\r\n\
        Content-Type: message/delivery-status\r\n\
        \r\n\
        Final-Recipient: rfc822; weg@example.test\r\n\
        Action: failed\r\n\
        Status: 5.1.1\r\n\
        \r\n\
        --b\r\n\
        Content-Type: message/rfc822\r\n\
        \r\n\
        From: support@resonanz.test\r\n\
        To: weg@example.test\r\n\
        Subject: Re: Anfrage\r\n\
        {original_headers}\
        \r\n\
        Text.\r\n\
        --b--\r\n"
    )
}

#[test]
fn dsn_bounce_gets_the_returned_message_id_as_in_reply_to() {
    let raw = postfix_dsn("", "In-Reply-To: <kunde.5@example.test>\r\nMessage-ID: <case-9.msg-2@resonanz.test>\r\n");
    let mail = parse_mail(raw.as_bytes(), &Default::default()).unwrap();
    assert_eq!(mail.auto_kind, AutoKind::Bounce);
    assert_eq!(mail.in_reply_to, vec!["case-9.msg-2@resonanz.test"]);
    assert_eq!(mail.message_id.as_deref(), Some("bounce.1@mx.resonanz.test"));
}

#[test]
fn bounce_with_its_own_in_reply_to_keeps_it() {
    let raw = postfix_dsn("In-Reply-To: <eigene@resonanz.test>\r\n", "Message-ID: <case-9.msg-2@resonanz.test>\r\n");
    let mail = parse_mail(raw.as_bytes(), &Default::default()).unwrap();
    assert_eq!(mail.in_reply_to, vec!["eigene@resonanz.test"]);
}

#[test]
fn bounce_without_returned_id_falls_back_to_its_own_references() {
    let raw = postfix_dsn("References: <wurzel@example.test> <case-9.msg-2@resonanz.test>\r\n", "");
    let mail = parse_mail(raw.as_bytes(), &Default::default()).unwrap();
    assert_eq!(mail.auto_kind, AutoKind::Bounce);
    assert_eq!(mail.in_reply_to, vec!["case-9.msg-2@resonanz.test"]);
    assert_eq!(mail.references, vec!["wurzel@example.test", "case-9.msg-2@resonanz.test"]);

    // Neither a returned id nor references: nothing is made up.
    let mail = parse_mail(postfix_dsn("", "").as_bytes(), &Default::default()).unwrap();
    assert_eq!(mail.auto_kind, AutoKind::Bounce);
    assert!(mail.in_reply_to.is_empty());
}

#[test]
fn exim_plain_text_bounce_names_the_pasted_original() {
    let raw = "From: Mail Delivery System <Mailer-Daemon@mx.example.test>\r\n\
        To: support@resonanz.test\r\n\
        Subject: Mail delivery failed: returning message to sender\r\n\
        X-Failed-Recipients: weg@example.test\r\n\
        \r\n\
        This message was created automatically by mail delivery software.\r\n\
        \r\n\
        A message that you sent could not be delivered to one or more of its\r\n\
        recipients. This is a permanent error.\r\n\
        \r\n\
        \x20 weg@example.test\r\n\
        \x20   Unrouteable address\r\n\
        \r\n\
        ------ This is a copy of the message, including all the headers. ------\r\n\
        \r\n\
        From: support@resonanz.test\r\n\
        To: weg@example.test\r\n\
        Subject: Re: Anfrage\r\n\
        Message-Id: <case-12.msg-1@resonanz.test>\r\n\
        \r\n\
        Text.\r\n";
    let mail = parse_mail(raw.as_bytes(), &Default::default()).unwrap();
    assert_eq!(mail.auto_kind, AutoKind::Bounce);
    assert_eq!(mail.in_reply_to, vec!["case-12.msg-1@resonanz.test"]);
}

#[test]
fn forwarded_mail_in_an_ordinary_message_does_not_set_in_reply_to() {
    let raw = "From: kunde@example.test\r\n\
        To: support@resonanz.test\r\n\
        Subject: Fwd: Ihre Antwort\r\n\
        Content-Type: multipart/mixed; boundary=\"b\"\r\n\
        \r\n\
        --b\r\n\
        Content-Type: text/plain\r\n\
        \r\n\
        Siehe unten.\r\n\
        --b\r\n\
        Content-Type: message/rfc822\r\n\
        \r\n\
        From: support@resonanz.test\r\n\
        Message-ID: <case-9.msg-2@resonanz.test>\r\n\
        \r\n\
        Text.\r\n\
        --b--\r\n";
    let mail = parse_mail(raw.as_bytes(), &Default::default()).unwrap();
    assert_eq!(mail.auto_kind, AutoKind::None);
    assert!(mail.in_reply_to.is_empty());
}
