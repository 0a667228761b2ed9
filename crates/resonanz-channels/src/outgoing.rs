//! Building the raw RFC 5322 bytes of a mail Resonanz sends: a UTF-8 plain-text reply with
//! the threading headers that let the customer's client and our ingest find the case again.
//!
//! Every mail carries `MIME-Version: 1.0` with its `Content-Type` and `Content-Transfer-Encoding`.
//! The threading ids in `In-Reply-To` and `References` come from the contact's mail, i.e. from
//! outside: one that cannot be written safely is left out (the reply goes out with the rest of
//! its thread), while our own `Message-ID` must be valid or the mail is not built.

use std::time::SystemTime;

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue, MIME_VERSION_1_0};
use lettre::message::{Mailbox, MessageBuilder};
use resonanz_core::mail::MailAddress;

/// Everything needed to write one outgoing mail: core's description of it (ids without angle
/// brackets, references oldest first, extra headers such as `X-Resonanz-Case`).
pub use resonanz_core::delivery::OutgoingSpec as OutgoingMail;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("invalid mail address `{address}`: {reason}")]
    InvalidAddress { address: String, reason: String },
    #[error("invalid message id `{0}`")]
    InvalidMessageId(String),
    #[error("invalid header name `{0}`")]
    InvalidHeaderName(String),
    #[error("the mail has no recipient")]
    NoRecipient,
    #[error("cannot build the mail: {0}")]
    Build(String),
}

/// Writes `mail` as raw bytes, ready for SMTP and for storing as sent.
pub fn build_mail(mail: &OutgoingMail) -> Result<Vec<u8>, BuildError> {
    if mail.to.is_empty() && mail.cc.is_empty() {
        return Err(BuildError::NoRecipient);
    }
    let mut builder = Message::builder()
        .from(mailbox(&mail.from)?)
        .subject(single_line(&mail.subject))
        .date(SystemTime::from(mail.date))
        .message_id(Some(angle(&mail.message_id)?))
        .header(MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN);
    for to in &mail.to {
        builder = builder.to(mailbox(to)?);
    }
    for cc in &mail.cc {
        builder = builder.cc(mailbox(cc)?);
    }
    if let Some(parent) = mail.in_reply_to.as_deref().and_then(foreign_id) {
        builder = builder.in_reply_to(parent);
    }
    let references: Vec<String> = mail.references.iter().filter_map(|id| foreign_id(id)).collect();
    if !references.is_empty() {
        builder = builder.references(references.join(" "));
    }
    builder = extra_headers(builder, &mail.extra_headers)?;
    // Set again after the extra headers: one named `MIME-Version` replaces the value in place
    // (lettre matches header names case-insensitively), and the mail must say 1.0 exactly once.
    builder = builder.header(MIME_VERSION_1_0);
    let message = builder.body(normalize_body(&mail.text_body)).map_err(|e| BuildError::Build(e.to_string()))?;
    let mut raw = message.formatted();
    // A message ends with a line break: SMTP's end-of-data marker then adds nothing to it, so the
    // bytes stored as sent are exactly the bytes the recipient gets.
    if !raw.ends_with(b"\r\n") {
        raw.extend_from_slice(b"\r\n");
    }
    Ok(raw)
}

fn extra_headers(mut builder: MessageBuilder, headers: &[(String, String)]) -> Result<MessageBuilder, BuildError> {
    for (name, value) in headers {
        let header_name =
            HeaderName::new_from_ascii(name.clone()).map_err(|_| BuildError::InvalidHeaderName(name.clone()))?;
        // HeaderValue::new encodes non-ASCII and control characters (RFC 2047), so a value
        // cannot inject further header lines.
        builder = builder.raw_header(HeaderValue::new(header_name, single_line(value)));
    }
    Ok(builder)
}

fn mailbox(address: &MailAddress) -> Result<Mailbox, BuildError> {
    let parsed = address
        .address
        .trim()
        .parse::<lettre::Address>()
        .map_err(|e| BuildError::InvalidAddress { address: address.address.clone(), reason: e.to_string() })?;
    let name = address.name.as_deref().map(single_line).filter(|n| !n.trim().is_empty());
    Ok(Mailbox::new(name, parsed))
}

/// `<id>`, after checking the id cannot break the header it goes into.
fn angle(id: &str) -> Result<String, BuildError> {
    let bare = id.trim().trim_start_matches('<').trim_end_matches('>');
    let valid = !bare.is_empty() && bare.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>'));
    if valid { Ok(format!("<{bare}>")) } else { Err(BuildError::InvalidMessageId(id.to_string())) }
}

/// `<id>` for an id taken from someone else's mail, or `None` (with a warning) when it cannot be
/// written into a header: a bad id in the contact's mail must not make every reply fail.
fn foreign_id(id: &str) -> Option<String> {
    match angle(id) {
        Ok(id) => Some(id),
        Err(_) => {
            tracing::warn!(id = %id.escape_debug(), "leaving an invalid message id out of the threading headers");
            None
        }
    }
}

/// Header text must stay on one line; an agent may paste a subject with a line break.
fn single_line(text: &str) -> String {
    text.split(['\r', '\n']).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Bodies are written with CRLF line ends as RFC 5322 requires, whatever the editor sent.
fn normalize_body(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn message_ids_get_angle_brackets_once() {
        assert_eq!(angle("abc@x.de").unwrap(), "<abc@x.de>");
        assert_eq!(angle("<abc@x.de>").unwrap(), "<abc@x.de>");
        assert!(angle("a b@x").is_err());
        assert!(angle("a\r\nBcc: x@y@x").is_err());
        assert!(angle("").is_err());
    }

    #[test]
    fn single_line_removes_breaks() {
        assert_eq!(single_line("Ihre Anfrage\r\nBcc: boese@x.de"), "Ihre Anfrage Bcc: boese@x.de");
    }
}
