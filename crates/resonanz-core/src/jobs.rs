//! Background jobs: a typed job trait on top of the job table. Jobs are idempotent and retried with
//! exponential backoff; the queue lives in the database, so any number of workers can share it.

use chrono::Duration;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::clock::Timestamp;
use crate::ids::{JobId, OutboxId};

pub trait Job: Serialize + DeserializeOwned + Send + Sync {
    /// Stable name stored in the table; the worker dispatches on it.
    const NAME: &'static str;
    const QUEUE: &'static str = "default";
    const MAX_ATTEMPTS: i32 = 12;
    const PRIORITY: i32 = 0;

    /// Jobs with the same key are enqueued once (while an earlier one is not finished).
    fn idempotency_key(&self) -> Option<String>;
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub id: JobId,
    pub name: String,
    pub queue: String,
    pub payload: String,
    pub priority: i32,
    pub idempotency_key: Option<String>,
    pub run_at: Timestamp,
    pub max_attempts: i32,
}

impl NewJob {
    pub fn of<J: Job>(job: &J, now: Timestamp) -> Self {
        Self {
            id: JobId::new(now),
            name: J::NAME.into(),
            queue: J::QUEUE.into(),
            // Serialising plain structs of ids and strings cannot fail.
            payload: serde_json::to_string(job).unwrap_or_else(|_| "null".into()),
            priority: J::PRIORITY,
            idempotency_key: job.idempotency_key(),
            run_at: now,
            max_attempts: J::MAX_ATTEMPTS,
        }
    }
}

/// A mail from Resonanz itself to a user (password reset, notification), sent from the default
/// mailbox. Not part of any case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendSystemMail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

impl Job for SendSystemMail {
    const NAME: &'static str = "send_system_mail";
    const MAX_ATTEMPTS: i32 = 8;

    fn idempotency_key(&self) -> Option<String> {
        None
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub id: JobId,
    pub name: String,
    pub payload: String,
    /// Attempts including this one.
    pub attempts: i32,
    pub max_attempts: i32,
}

impl ClaimedJob {
    pub fn decode<J: Job>(&self) -> Result<J, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }
}

/// What happened to a job after a run.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    Done,
    /// Try again later (if attempts remain).
    Retry(String),
    /// Give up now: retrying cannot help.
    Fail(String),
}

/// Delay before attempt `attempts + 1`: 10 s, 20 s, 40 s, … capped at one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) - 1;
    let secs = 10i64.saturating_mul(1i64 << exp).min(3600);
    Duration::seconds(secs)
}

/// How long a claimed job may run before another worker may take it over (its worker died).
pub fn lease() -> Duration {
    Duration::minutes(5)
}

/// Send one outbound e-mail from the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendMail {
    pub outbox_id: OutboxId,
}

impl Job for SendMail {
    const NAME: &'static str = "send_mail";
    const QUEUE: &'static str = "mail";
    fn idempotency_key(&self) -> Option<String> {
        Some(format!("send_mail:{}", self.outbox_id))
    }
}

/// Analyse one inbound message (language, sentiment, categories) and apply what follows from it:
/// the safeguarding protocol, an automatic reply where allowed. Runs before mail sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzeMessage {
    pub message_id: crate::ids::MessageId,
}

impl Job for AnalyzeMessage {
    const NAME: &'static str = "analyze_message";
    const QUEUE: &'static str = "assist";
    const MAX_ATTEMPTS: i32 = 6;
    /// A safeguarding message must not wait behind a queue of mail.
    const PRIORITY: i32 = 10;
    fn idempotency_key(&self) -> Option<String> {
        Some(format!("analyze_message:{}", self.message_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::seconds(10));
        assert_eq!(backoff(2), Duration::seconds(20));
        assert_eq!(backoff(4), Duration::seconds(80));
        assert_eq!(backoff(30), Duration::seconds(3600));
    }
}
