//! An inbound e-mail as the domain sees it, after the channels crate has parsed the wire format.

use crate::clock::Timestamp;
use crate::message::AutoKind;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MailAddress {
    pub address: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct InboundAttachment {
    pub filename: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub inline: bool,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct InboundMail {
    /// Without angle brackets. `None` when the mail has none; idempotency then uses the raw hash.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: Option<MailAddress>,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    pub reply_to: Option<MailAddress>,
    pub subject: String,
    pub date: Option<Timestamp>,
    pub text_body: String,
    /// Already sanitised by the channels crate.
    pub html_body: Option<String>,
    pub has_remote_images: bool,
    pub attachments: Vec<InboundAttachment>,
    pub auto_kind: AutoKind,
    /// For bounces: the addresses that failed, and why.
    pub failed_recipients: Vec<String>,
    pub bounce_reason: Option<String>,
}

/// Where a mail came from, for the ingest report and the quarantine.
#[derive(Debug, Clone, PartialEq)]
pub struct MailSource {
    /// `file:PATH`, `mbox:PATH#N`, `stdin`, `imap:MAILBOX/UID`, `http`.
    pub label: String,
    pub mailbox_id: Option<crate::ids::MailboxId>,
}
