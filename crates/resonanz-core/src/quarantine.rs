//! What could not be processed is kept, never dropped: the raw input and the reason.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{MailboxId, QuarantineId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    pub id: QuarantineId,
    /// Where it came from (`file:…`, `imap:…`, `http`, …).
    pub source: String,
    pub reason: String,
    pub raw_sha256: String,
    pub size: i64,
    pub mailbox_id: Option<MailboxId>,
    /// `held` until re-ingested successfully, then `released`.
    pub status: String,
    pub created_at: Timestamp,
    pub released_at: Option<Timestamp>,
}
