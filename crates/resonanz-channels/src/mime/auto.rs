//! Recognising mail that no person wrote: delivery status notifications (bounces) and
//! auto-replies such as out-of-office notes. Resonanz must never answer them automatically,
//! and a bounce tells which of our recipients failed and why.
//!
//! A bounce also names the mail it bounces: when it has no In-Reply-To of its own, the
//! Message-ID of the returned original (its `message/rfc822` or `text/rfc822-headers` part, or
//! a copy pasted into a plain-text bounce), else the newest of its own References, becomes its
//! In-Reply-To, so that core threads it into the case of the mail that bounced.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use resonanz_core::mail::InboundMail;
use resonanz_core::message::AutoKind;

pub(super) fn classify(message: &Message<'_>, mail: &mut InboundMail) {
    let is_report = is_delivery_report(message);
    if is_report || is_bounce_by_sender(mail) {
        mail.auto_kind = AutoKind::Bounce;
        let report = delivery_status_part(message)
            .map(|text| parse_delivery_status(&text))
            .or_else(|| {
                // Some MTAs paste the status fields into the text body instead of a part.
                let body = &mail.text_body;
                body.contains("Final-Recipient:").then(|| parse_delivery_status(body))
            })
            .unwrap_or_default();
        mail.failed_recipients = report.failed_recipients;
        mail.bounce_reason = report.reason;
        if mail.failed_recipients.is_empty() {
            // Exim names the failed addresses in a header even in its plain-text bounces.
            mail.failed_recipients = header_text(message, "X-Failed-Recipients")
                .map(|value| value.split(',').map(clean_address).filter(|a| !a.is_empty()).collect())
                .unwrap_or_default();
        }
        if mail.in_reply_to.is_empty() {
            let bounced = returned_message_id(message, &mail.text_body).or_else(|| mail.references.last().cloned());
            mail.in_reply_to.extend(bounced);
        }
        return;
    }
    if is_auto_reply(message, &mail.subject) {
        mail.auto_kind = AutoKind::AutoReply;
    }
}

/// `multipart/report; report-type=delivery-status` (RFC 3464).
fn is_delivery_report(message: &Message<'_>) -> bool {
    message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct.attribute("report-type").is_some_and(|t| {
                t.eq_ignore_ascii_case("delivery-status") || t.eq_ignore_ascii_case("global-delivery-status")
            })
    })
}

const BOUNCE_SENDERS: &[&str] = &["mailer-daemon", "postmaster"];

/// Lower-case fragments of subjects that MTAs put on failure notices, in English and German.
const BOUNCE_SUBJECTS: &[&str] = &[
    "undeliver",
    "delivery status notification",
    "delivery failure",
    "delivery failed",
    "delivery has failed",
    "mail delivery failed",
    "failure notice",
    "returned mail",
    "returned to sender",
    "unzustellbar",
    "nicht zustellbar",
    "zustellung fehlgeschlagen",
    "übermittlungsstatus",
    "fehlgeschlagene zustellung",
];

/// A bounce without the RFC 3464 structure: sent by the mail system, about a failed delivery.
fn is_bounce_by_sender(mail: &InboundMail) -> bool {
    let Some(from) = &mail.from else {
        return false;
    };
    let local = from.address.split('@').next().unwrap_or_default().to_ascii_lowercase();
    let subject = mail.subject.to_lowercase();
    BOUNCE_SENDERS.contains(&local.as_str()) && BOUNCE_SUBJECTS.iter().any(|s| subject.contains(s))
}

fn delivery_status_part(message: &Message<'_>) -> Option<String> {
    message
        .parts
        .iter()
        .find(|part| {
            part.is_content_type("message", "delivery-status")
                || part.is_content_type("message", "global-delivery-status")
        })
        // Lossy: an 8-bit byte in a diagnostic text must not cost us the failed addresses.
        .map(|part| String::from_utf8_lossy(part.contents()).into_owned())
}

/// The Message-ID of the original mail a bounce returns, without angle brackets.
fn returned_message_id(message: &Message<'_>, text_body: &str) -> Option<String> {
    let from_parts = message.parts.iter().skip(1).find_map(|part| {
        let returned = ["message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers"]
            .iter()
            .filter_map(|ct| ct.split_once('/'))
            .any(|(ctype, subtype)| part.is_content_type(ctype, subtype));
        if !returned {
            return None;
        }
        match &part.body {
            PartType::Message(original) => original.message_id().and_then(clean_message_id),
            // Headers only (or a part mail-parser did not nest): parse the header block.
            _ => {
                MessageParser::default().parse(part.contents()).and_then(|h| h.message_id().and_then(clean_message_id))
            }
        }
    });
    from_parts.or_else(|| pasted_message_id(text_body))
}

/// Plain-text bounces (Exim, qmail) paste the original's header block into the body.
fn pasted_message_id(text_body: &str) -> Option<String> {
    let mut lines = text_body.lines();
    while let Some(line) = lines.next() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("message-id") {
            continue;
        }
        // The id may be folded onto the next line.
        let value = if value.trim().is_empty() { lines.next().unwrap_or_default() } else { value };
        if let Some(id) = clean_message_id(value) {
            return Some(id);
        }
    }
    None
}

/// `<id@host>` (with anything around it) → `id@host`; `None` for an empty id or one with
/// white space inside, which is not a Message-ID.
fn clean_message_id(value: &str) -> Option<String> {
    let value = value.trim();
    let id = match (value.find('<'), value.rfind('>')) {
        (Some(start), Some(end)) if start < end => &value[start + 1..end],
        _ => value,
    };
    let id = id.trim();
    (!id.is_empty() && !id.contains(char::is_whitespace) && !id.contains(['<', '>'])).then(|| id.to_string())
}

#[derive(Debug, Default, PartialEq)]
struct DeliveryReport {
    failed_recipients: Vec<String>,
    reason: Option<String>,
}

/// Reads the per-recipient blocks of a `message/delivery-status` body. Only recipients whose
/// action is `failed` (or not given) count as failed; `delayed` means the MTA still tries.
fn parse_delivery_status(text: &str) -> DeliveryReport {
    let mut report = DeliveryReport::default();
    let mut first_delay_reason = None;
    for block in field_blocks(text) {
        let field = |name: &str| block.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
        let recipients: Vec<String> = ["Final-Recipient", "Original-Recipient"]
            .iter()
            .filter_map(|name| field(name))
            .map(|value| clean_address(after_type(value)))
            .filter(|a| !a.is_empty())
            .collect();
        if recipients.is_empty() {
            continue; // the per-message block
        }
        let reason = match (field("Status"), field("Diagnostic-Code").map(after_type)) {
            (Some(status), Some(diag)) => Some(format!("{status}: {diag}")),
            (Some(status), None) => Some(status.to_string()),
            (None, Some(diag)) => Some(diag.to_string()),
            (None, None) => None,
        };
        let failed = field("Action").is_none_or(|a| a.eq_ignore_ascii_case("failed"));
        if !failed {
            first_delay_reason = first_delay_reason.or(reason);
            continue;
        }
        for recipient in recipients {
            if !report.failed_recipients.iter().any(|r| r.eq_ignore_ascii_case(&recipient)) {
                report.failed_recipients.push(recipient);
            }
        }
        report.reason = report.reason.or(reason);
    }
    report.reason = report.reason.or(first_delay_reason);
    report
}

/// Splits `Name: value` fields (folded lines joined) into blank-line separated blocks.
fn field_blocks(text: &str) -> Vec<Vec<(String, String)>> {
    let mut blocks = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            current.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

/// `rfc822; user@example.com` → `user@example.com`, `smtp; 550 …` → `550 …`.
fn after_type(value: &str) -> &str {
    value.split_once(';').map_or(value, |(_, rest)| rest).trim()
}

fn clean_address(value: &str) -> String {
    value.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string()
}

/// Lower-case starts of subjects that auto-responders use, in German and English.
const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "automatische antwort",
    "abwesenheitsnotiz",
    "abwesenheit:",
    "out of office",
    "out-of-office",
    "autoreply",
    "auto-reply",
    "auto reply",
    "automatic reply",
    "auto:",
];

fn is_auto_reply(message: &Message<'_>, subject: &str) -> bool {
    let header = |name: &str| header_text(message, name).map(|v| v.to_ascii_lowercase());
    // RFC 3834: anything but `no` means a machine sent it.
    if header("Auto-Submitted").is_some_and(|v| v.split(';').next().unwrap_or_default().trim() != "no") {
        return true;
    }
    if header("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply")) {
        return true;
    }
    if header("X-Autoreply").is_some() || header("X-Autorespond").is_some() {
        return true;
    }
    if header("X-Auto-Response-Suppress")
        .is_some_and(|v| v.split(',').any(|token| matches!(token.trim(), "all" | "oof" | "autoreply")))
    {
        return true;
    }
    let subject = subject.trim_start_matches(['[', ' ']).to_lowercase();
    AUTO_REPLY_SUBJECTS.iter().any(|p| subject.starts_with(p))
}

/// The trimmed text of a header, whatever mail-parser parsed it as.
fn header_text(message: &Message<'_>, name: &str) -> Option<String> {
    message
        .header(name)
        .and_then(|v| v.as_text().map(str::to_string))
        .or_else(|| message.header_raw(name).map(str::to_string))
        .map(|v| v.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_status_with_folded_diagnostic() {
        let text = "Reporting-MTA: dns; mx.resonanz.test\r\n\r\n\
            Final-Recipient: rfc822; <weg@example.test>\r\n\
            Action: failed\r\n\
            Status: 5.1.1\r\n\
            Diagnostic-Code: smtp; 550 5.1.1 <weg@example.test>:\r\n\
            \x20Recipient address rejected: User unknown\r\n\r\n\
            Final-Recipient: rfc822; spaeter@example.test\r\n\
            Action: delayed\r\n\
            Status: 4.4.1\r\n";
        let report = parse_delivery_status(text);
        assert_eq!(report.failed_recipients, vec!["weg@example.test"]);
        assert_eq!(
            report.reason.as_deref(),
            Some("5.1.1: 550 5.1.1 <weg@example.test>: Recipient address rejected: User unknown")
        );
    }

    #[test]
    fn only_delayed_gives_reason_but_no_failed_recipient() {
        let report = parse_delivery_status("Final-Recipient: rfc822; a@b.test\nAction: delayed\nStatus: 4.4.7\n");
        assert!(report.failed_recipients.is_empty());
        assert_eq!(report.reason.as_deref(), Some("4.4.7"));
    }
}
