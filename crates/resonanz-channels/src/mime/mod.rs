//! Parsing raw RFC 5322/MIME mail into the domain's `InboundMail`: headers, bodies, attachments
//! and the automatic-mail classification.
//!
//! mail-parser does the decoding (charsets, transfer encodings, RFC 2047/2231); this module
//! decides what the domain gets out of it and refuses input that is not a mail at all, so the
//! caller can quarantine it with a readable reason.

mod auto;

use std::panic::{AssertUnwindSafe, catch_unwind};

use mail_parser::{Address, Encoding, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use resonanz_core::clock::Timestamp;
use resonanz_core::mail::{InboundAttachment, InboundMail, MailAddress};

use crate::html::{html_to_text, sanitize_html};

/// Bounds on what the parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    pub max_bytes: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self { max_bytes: 50 * 1024 * 1024 }
    }
}

/// Why a raw mail was refused. The message is shown as the quarantine reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("message is too large: {size} bytes, the limit is {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("not an e-mail message: {0}")]
    Unparseable(String),
    #[error("message has no sender: the From header is missing or has no address")]
    NoSender,
}

/// Parses one raw message.
pub fn parse_mail(raw: &[u8], limits: &ParseLimits) -> Result<InboundMail, ParseError> {
    if raw.len() > limits.max_bytes {
        return Err(ParseError::TooLarge { size: raw.len(), limit: limits.max_bytes });
    }
    let raw = skip_mbox_envelope_line(raw);
    check_looks_like_mail(raw)?;
    // mail-parser promises not to panic, but one bad mail must never take down a worker that
    // is ingesting thousands: a panic becomes a quarantined message instead.
    catch_unwind(AssertUnwindSafe(|| parse_checked(raw)))
        .unwrap_or_else(|_| Err(ParseError::Unparseable("the MIME parser failed on this input".into())))
}

fn parse_checked(raw: &[u8]) -> Result<InboundMail, ParseError> {
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or_else(|| ParseError::Unparseable("no header fields found".into()))?;

    let from = message.from().and_then(first_address).ok_or(ParseError::NoSender)?;

    let (text_body, html_body, has_remote_images) = bodies(&message);
    let mut mail = InboundMail {
        message_id: message.message_id().map(strip_angle_brackets).filter(|id| !id.is_empty()),
        in_reply_to: id_list(message.in_reply_to()),
        references: id_list(message.references()),
        from: Some(from),
        to: message.to().map(all_addresses).unwrap_or_default(),
        cc: message.cc().map(all_addresses).unwrap_or_default(),
        reply_to: message.reply_to().and_then(first_address),
        subject: message.subject().unwrap_or_default().trim().to_string(),
        date: message.date().and_then(to_timestamp),
        text_body,
        html_body,
        has_remote_images,
        attachments: attachments(&message, raw),
        ..InboundMail::default()
    };
    auto::classify(&message, &mut mail);
    Ok(mail)
}

/// A single message saved from an mbox or handed over by an MTA pipe may still carry the
/// `From sender date` envelope line, which is not a header.
fn skip_mbox_envelope_line(raw: &[u8]) -> &[u8] {
    if raw.starts_with(b"From ") {
        match raw.iter().position(|b| *b == b'\n') {
            Some(nl) => &raw[nl + 1..],
            None => &[],
        }
    } else {
        raw
    }
}

/// mail-parser accepts nearly anything as "a message with a body"; the first line decides
/// whether this is a mail at all, so binary junk is reported as such and not as "no sender".
fn check_looks_like_mail(raw: &[u8]) -> Result<(), ParseError> {
    let start = raw
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .ok_or_else(|| ParseError::Unparseable("the input is empty".into()))?;
    let first_line = raw[start..].split(|b| *b == b'\n').next().unwrap_or_default();
    let name_len = first_line
        .iter()
        .position(|b| *b == b':')
        .ok_or_else(|| ParseError::Unparseable("the first line is not a header field".into()))?;
    let name = &first_line[..name_len];
    // RFC 5322 field names are printable US-ASCII without spaces; tolerate one space before
    // the colon, which some broken generators emit.
    let name = name.strip_suffix(b" ").unwrap_or(name);
    if name.is_empty() || !name.iter().all(|b| (33..=126).contains(b)) {
        return Err(ParseError::Unparseable("the first line is not a header field".into()));
    }
    let header_block = &raw[start..];
    let header_end = [&b"\n\n"[..], &b"\r\n\r\n"[..]]
        .iter()
        .filter_map(|sep| header_block.windows(sep.len()).position(|w| w == *sep))
        .min()
        .unwrap_or(header_block.len());
    if header_block[..header_end].contains(&0) {
        return Err(ParseError::Unparseable("the header contains binary data".into()));
    }
    Ok(())
}

fn bodies(message: &Message<'_>) -> (String, Option<String>, bool) {
    let html_source: Vec<&str> = message
        .html_body
        .iter()
        .filter_map(|id| message.parts.get(*id as usize))
        .filter_map(|part| match &part.body {
            PartType::Html(html) => Some(html.as_ref()),
            _ => None,
        })
        .collect();
    let sanitized = (!html_source.is_empty()).then(|| sanitize_html(&html_source.join("\n")));

    let text_parts: Vec<&str> = message
        .text_body
        .iter()
        .filter_map(|id| message.parts.get(*id as usize))
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(text.as_ref()),
            _ => None,
        })
        .collect();
    let text_body = if !text_parts.is_empty() {
        text_parts.join("\n")
    } else if let Some(sanitized) = &sanitized {
        // From the sanitised HTML, so script or style content never becomes "text".
        html_to_text(&sanitized.html)
    } else {
        String::new()
    };
    let text_body = normalize_newlines(&text_body);

    match sanitized {
        Some(s) => (text_body, Some(s.html.trim().to_string()), s.has_remote_images),
        None => (text_body, None, false),
    }
}

fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

fn attachments(message: &Message<'_>, raw: &[u8]) -> Vec<InboundAttachment> {
    message
        .attachments
        .iter()
        .filter_map(|id| message.parts.get(*id as usize))
        .enumerate()
        .map(|(index, part)| attachment(part, index + 1, raw))
        .collect()
}

fn attachment(part: &MessagePart<'_>, number: usize, raw: &[u8]) -> InboundAttachment {
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .map(|ct| ct.trim().to_ascii_lowercase())
        .filter(|ct| ct.contains('/'))
        .unwrap_or_else(|| match part.body {
            PartType::Text(_) => "text/plain".into(),
            PartType::Html(_) => "text/html".into(),
            PartType::Message(_) => "message/rfc822".into(),
            _ => "application/octet-stream".into(),
        });
    let filename = part
        .attachment_name()
        .map(sanitize_filename)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| format!("attachment-{number}.{}", extension_for(&content_type)));
    let content_id = part.content_id().map(strip_angle_brackets).filter(|id| !id.is_empty());
    let explicit_attachment = part.content_disposition().is_some_and(|cd| cd.is_attachment());
    let data = match &part.body {
        // A nested message parsed in place keeps a reference to the whole outer mail; the
        // part's own bytes are the slice between its offsets.
        PartType::Message(_) if part.encoding == Encoding::None => {
            raw.get(part.offset_body as usize..part.offset_end as usize).unwrap_or_default().to_vec()
        }
        _ => part.contents().to_vec(),
    };
    InboundAttachment { filename, inline: content_id.is_some() && !explicit_attachment, content_type, content_id, data }
}

/// Keeps only the last path component and drops control characters: the name is shown to
/// agents and used when they save the file.
fn sanitize_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    last.chars().filter(|c| !c.is_control()).collect::<String>().trim().trim_start_matches('.').to_string()
}

fn extension_for(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/calendar" => "ics",
        "message/rfc822" | "message/global" => "eml",
        "message/delivery-status" | "text/rfc822-headers" => "txt",
        _ => "bin",
    }
}

fn strip_angle_brackets(id: &str) -> String {
    id.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string()
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    let ids: Vec<String> = match value {
        HeaderValue::Text(id) => vec![strip_angle_brackets(id)],
        HeaderValue::TextList(ids) => ids.iter().map(|id| strip_angle_brackets(id)).collect(),
        _ => Vec::new(),
    };
    ids.into_iter().filter(|id| !id.is_empty()).collect()
}

fn first_address(address: &Address<'_>) -> Option<MailAddress> {
    address.iter().find_map(to_mail_address)
}

fn all_addresses(address: &Address<'_>) -> Vec<MailAddress> {
    address.iter().filter_map(to_mail_address).collect()
}

fn to_mail_address(addr: &mail_parser::Addr<'_>) -> Option<MailAddress> {
    let address = addr.address()?.trim();
    if address.is_empty() {
        return None;
    }
    let name = addr
        .name()
        .map(|n| n.trim().trim_matches('"').trim())
        .filter(|n| !n.is_empty() && *n != address)
        .map(str::to_string);
    Some(MailAddress { address: address.to_string(), name })
}

fn to_timestamp(date: &mail_parser::DateTime) -> Option<Timestamp> {
    if !date.is_valid() {
        return None;
    }
    Timestamp::from_timestamp(date.to_timestamp(), 0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn first_line_must_be_a_header() {
        assert!(matches!(check_looks_like_mail(b"Hallo Welt\n\nText"), Err(ParseError::Unparseable(_))));
        assert!(matches!(check_looks_like_mail(b"\r\n\r\n"), Err(ParseError::Unparseable(_))));
        assert!(check_looks_like_mail(b"From: a@b.de\n\nText").is_ok());
    }

    #[test]
    fn filenames_lose_paths_and_control_characters() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\Temp\\Rechnung\u{7}.pdf"), "Rechnung.pdf");
        assert_eq!(sanitize_filename("..."), "");
    }

    #[test]
    fn id_brackets_are_removed() {
        assert_eq!(strip_angle_brackets(" <abc@x.de> "), "abc@x.de");
    }
}
