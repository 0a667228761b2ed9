//! The append-only audit trail. Each event carries the hash of the one before it, so that editing or
//! deleting a past event breaks the chain and `resonanz audit verify` finds where.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::Timestamp;
use crate::user::Actor;

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event to append. The store assigns the sequence number and the hashes inside the
/// transaction that makes the change, so a change and its audit event commit together.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    pub actor: Actor,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub at: Timestamp,
}

impl NewAuditEvent {
    pub fn new(actor: &Actor, action: &str, subject_type: &str, subject_id: impl ToString, at: Timestamp) -> Self {
        Self {
            actor: actor.clone(),
            action: action.into(),
            subject_type: subject_type.into(),
            subject_id: subject_id.to_string(),
            before: None,
            after: None,
            at,
        }
    }

    pub fn before(mut self, value: impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub actor: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub at_micros: i64,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    /// The hash this event must carry: SHA-256 over its length-prefixed fields and the previous
    /// hash (the `hash` field itself is not part of it). Length prefixes make the encoding
    /// unambiguous: no field can bleed into the next.
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        };
        field(self.prev_hash.as_bytes());
        field(&self.seq.to_be_bytes());
        field(self.actor.as_bytes());
        field(self.action.as_bytes());
        field(self.subject_type.as_bytes());
        field(self.subject_id.as_bytes());
        field(self.before.as_deref().unwrap_or("\u{0}none").as_bytes());
        field(self.after.as_deref().unwrap_or("\u{0}none").as_bytes());
        field(&self.at_micros.to_be_bytes());
        hex::encode(h.finalize())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("event {seq}: sequence gap (expected {expected})")]
    Gap { seq: i64, expected: i64 },
    #[error("event {seq}: previous hash does not match the event before it")]
    BrokenLink { seq: i64 },
    #[error("event {seq}: content does not match its hash (edited)")]
    Tampered { seq: i64 },
    #[error("the chain ends at event {last} but the head records event {head}: events were removed")]
    Truncated { last: i64, head: i64 },
    #[error("the last event's hash differs from the hash the head records")]
    HeadMismatch,
}

/// Checks events in sequence order, one at a time, so a chain of any length is verified in
/// constant memory.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_seq: 1, prev_hash: GENESIS_HASH.into(), checked: 0 }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, event: &AuditEvent) -> Result<(), ChainError> {
        if event.seq != self.expected_seq {
            return Err(ChainError::Gap { seq: event.seq, expected: self.expected_seq });
        }
        if event.prev_hash != self.prev_hash {
            return Err(ChainError::BrokenLink { seq: event.seq });
        }
        if event.expected_hash() != event.hash {
            return Err(ChainError::Tampered { seq: event.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = event.hash.clone();
        self.checked += 1;
        Ok(())
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// After the last event: the chain must end where the head (kept with every write) says it
    /// does, or events were cut off the end (or the whole log emptied).
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<u64, ChainError> {
        let last = self.expected_seq - 1;
        if last != head_seq {
            return Err(ChainError::Truncated { last, head: head_seq });
        }
        if self.prev_hash != head_hash {
            return Err(ChainError::HeadMismatch);
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, prev: &str, action: &str) -> AuditEvent {
        let mut e = AuditEvent {
            seq,
            actor: "system".into(),
            action: action.into(),
            subject_type: "case".into(),
            subject_id: "c1".into(),
            before: None,
            after: Some("{\"status\":\"open\"}".into()),
            at_micros: 1_000 * seq,
            prev_hash: prev.into(),
            hash: String::new(),
        };
        e.hash = e.expected_hash();
        e
    }

    #[test]
    fn intact_chain_verifies_and_edits_are_found() {
        let a = event(1, GENESIS_HASH, "case.created");
        let b = event(2, &a.hash, "case.status_changed");
        let c = event(3, &b.hash, "case.closed");
        let mut v = ChainVerifier::default();
        for e in [&a, &b, &c] {
            v.check(e).unwrap();
        }
        assert_eq!(v.checked(), 3);

        let mut edited = b.clone();
        edited.after = Some("{\"status\":\"closed\"}".into());
        let mut v = ChainVerifier::default();
        v.check(&a).unwrap();
        assert_eq!(v.check(&edited), Err(ChainError::Tampered { seq: 2 }));

        let mut v = ChainVerifier::default();
        v.check(&a).unwrap();
        assert_eq!(v.check(&c), Err(ChainError::Gap { seq: 3, expected: 2 }));

        // A chain cut at its end is only visible against the head.
        let mut v = ChainVerifier::default();
        v.check(&a).unwrap();
        v.check(&b).unwrap();
        assert_eq!(v.finish(3, &c.hash), Err(ChainError::Truncated { last: 2, head: 3 }));
        assert_eq!(v.finish(2, &b.hash), Ok(2));
        assert_eq!(ChainVerifier::default().finish(0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn none_and_empty_fields_hash_differently() {
        let x = event(1, GENESIS_HASH, "a");
        let mut y = x.clone();
        y.before = Some(String::new());
        assert_ne!(x.expected_hash(), y.expected_hash());
    }
}
