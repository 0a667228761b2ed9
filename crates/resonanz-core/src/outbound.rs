//! Mailboxes (an organisation's sending and receiving addresses) and the outbox of mail to send.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{MailboxId, MessageId, OutboxId};

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Mailbox {
    pub id: MailboxId,
    pub name: String,
    /// The sender address of replies, e.g. `zuschauerservice@sender.example`.
    pub address: String,
    pub display_name: String,
    pub signature: String,
    /// `imap://user:pass@host:port/INBOX` or `imaps://…`; `None` when mail arrives another way.
    #[serde(skip_serializing)]
    pub imap_url: Option<String>,
    /// `smtp://…`, `smtp+starttls://…` or `smtps://…`.
    #[serde(skip_serializing)]
    pub smtp_url: Option<String>,
    pub is_default: bool,
    pub created_at: Timestamp,
}

/// The server URLs carry passwords: they never appear in logs.
impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("address", &self.address)
            .field("imap_url", &self.imap_url.as_ref().map(|_| "[redacted]"))
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "[redacted]"))
            .field("is_default", &self.is_default)
            .finish_non_exhaustive()
    }
}

impl Mailbox {
    /// The domain used in generated Message-IDs.
    pub fn domain(&self) -> &str {
        self.address.rsplit_once('@').map(|(_, d)| d).unwrap_or("resonanz.invalid")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Pending,
    Sent,
    Failed,
    /// Waiting for a second person's approval (four-eyes, on safeguarding cases); never sent as is.
    Held,
    /// Not sent: the approval was refused.
    Cancelled,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Held => "held",
            Self::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "held" => Self::Held,
            "cancelled" => Self::Cancelled,
            _ => Self::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub id: OutboxId,
    pub message_id: MessageId,
    pub mailbox_id: Option<MailboxId>,
    pub status: OutboxStatus,
    /// The exact bytes handed to SMTP, stored before the first attempt and reused by every retry.
    pub raw_sha256: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

impl OutboxEntry {
    /// A new entry for a message, never attempted, in the given status.
    pub fn new(message_id: MessageId, mailbox_id: MailboxId, status: OutboxStatus, now: Timestamp) -> Self {
        Self {
            id: OutboxId::new(now),
            message_id,
            mailbox_id: Some(mailbox_id),
            status,
            raw_sha256: None,
            attempts: 0,
            last_error: None,
            created_at: now,
            sent_at: None,
        }
    }
}

/// A failure to hand a mail to the transport.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// 5xx answers: retrying cannot help.
    pub permanent: bool,
    pub message: String,
}

/// Sends raw RFC 5322 bytes. The SMTP implementation lives with the binary and the channels crate.
#[async_trait::async_trait]
pub trait MailTransport: Send + Sync {
    async fn send(
        &self,
        mailbox: &Mailbox,
        envelope_from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<(), TransportError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_server_passwords() {
        let now = chrono::Utc::now();
        let mb = Mailbox {
            id: MailboxId::new(now),
            name: "Service".into(),
            address: "service@example.org".into(),
            display_name: String::new(),
            signature: String::new(),
            imap_url: Some("imaps://service:geheim123@imap.example.org/INBOX".into()),
            smtp_url: Some("smtps://service:geheim123@smtp.example.org".into()),
            is_default: true,
            created_at: now,
        };
        let shown = format!("{mb:?}");
        assert!(!shown.contains("geheim123"), "{shown}");
        assert!(shown.contains("service@example.org"));
    }
}
