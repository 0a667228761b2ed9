//! Messages (inbound, outbound, internal notes) and their attachments.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{AttachmentId, CaseId, ContactId, MessageId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
    Note,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
            Self::Note => "note",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "inbound" => Self::Inbound,
            "outbound" => Self::Outbound,
            "note" => Self::Note,
            _ => return None,
        })
    }
}

/// Who wrote a message. Always recorded, so that machine involvement stays visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    Contact,
    Agent,
    Automation,
}

impl AuthorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Agent => "agent",
            Self::Automation => "automation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "contact" => Self::Contact,
            "agent" => Self::Agent,
            "automation" => Self::Automation,
            _ => return None,
        })
    }
}

/// What an inbound mail is, beyond a person writing: auto-replies and bounces are never answered
/// automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AutoKind {
    #[default]
    None,
    AutoReply,
    Bounce,
}

impl AutoKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::AutoReply => "auto_reply",
            Self::Bounce => "bounce",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "auto_reply" => Self::AutoReply,
            "bounce" => Self::Bounce,
            _ => Self::None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub case_id: CaseId,
    pub direction: Direction,
    pub author_kind: AuthorKind,
    pub author_user_id: Option<UserId>,
    pub author_contact_id: Option<ContactId>,
    /// RFC 5322 Message-ID without angle brackets.
    pub message_id_header: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    /// The date the sender claims (Date header); `created_at` is when Resonanz stored it.
    pub date: Option<Timestamp>,
    pub text_body: String,
    /// Sanitised HTML, safe to show; remote images are rewritten so they load only on request.
    pub html_body: Option<String>,
    pub has_remote_images: bool,
    pub auto_kind: AutoKind,
    /// SHA-256 of the raw message as received or as sent (stored in the blob table).
    pub raw_sha256: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub message_id: MessageId,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// For inline images: the Content-ID the HTML refers to.
    pub content_id: Option<String>,
    pub inline: bool,
}

/// A message with its attachments, as the case timeline shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageView {
    #[serde(flatten)]
    pub message: Message,
    pub attachments: Vec<Attachment>,
    /// For outbound mail: `pending`, `sent` or `failed`.
    pub delivery: Option<String>,
}
