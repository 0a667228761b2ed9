//! Assist: what the machine suggests about messages and replies, and what people did with it.
//!
//! The analysis itself (language, sentiment, categories) lives in the `resonanz-assist` crate and
//! reaches core through the [`Analyze`] trait, so core stays free of models and I/O. Core owns the
//! rules around it: analysis as a retried job that never blocks ingestion, the safeguarding
//! protocol, four-eyes approval, automatic replies (off by default, never for sensitive matters)
//! and the AI ledger of every suggestion and its human outcome.

mod analysis;
mod auto_reply;
mod ledger;
mod safeguarding;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{CaseId, MessageId, OutboxId, SuggestionId, TeamId, UserId};

pub(crate) use analysis::queue as queue_analysis;
pub use auto_reply::{AUTO_REPLY_CATEGORIES, AUTO_TAG, AutoReplyRule, AutoReplyRuleInput, disclosure};
pub(crate) use ledger::on_reply;
pub use ledger::{DraftRecord, LedgerBucket, LedgerCount, LedgerRow, edit_distance};
pub(crate) use safeguarding::hold_for_approval;

/// The categories of the analysis, as stored and shown (mirrors `resonanz_assist::Category`).
pub const CATEGORIES: [&str; 9] =
    ["routine", "question", "complaint", "praise", "sensitive", "child", "safeguarding", "threat", "spam"];

/// Categories that never get an automatic reply: a person must read these.
pub const NEVER_AUTOMATIC: [&str; 6] = ["complaint", "sensitive", "child", "safeguarding", "threat", "spam"];

/// Categories that put a case under the safeguarding protocol.
pub const SAFEGUARDING: &str = "safeguarding";

/// The default time the safeguarding team has for a first response.
pub const DEFAULT_SAFEGUARDING_SLA_MINUTES: i64 = 60;

/// Setting keys in the `settings` table.
pub const SETTING_SAFEGUARDING_TEAM: &str = "assist.safeguarding_team";
pub const SETTING_SAFEGUARDING_SLA: &str = "assist.safeguarding_sla_minutes";

/// A category with the confidence the analysis gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredCategory {
    pub name: String,
    pub confidence: f32,
}

/// What an analyser returns, as core needs it: the full result to store and show, and the parts
/// the rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisOutcome {
    /// The complete analysis as JSON (stored and shown as is).
    pub result: serde_json::Value,
    pub categories: Vec<ScoredCategory>,
    pub language: String,
    pub confidence: f32,
}

/// Drafts proposed for a case: up to three, best first, or none with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftProposal {
    pub drafts: Vec<DraftRecord>,
    pub abstained: Option<String>,
}

/// The drafting side (similar resolved cases, text blocks, optionally an LLM), implemented by the
/// binary with `resonanz-drafts`. Web calls it and records the result with [`Core::record_drafts`].
#[async_trait::async_trait]
pub trait ProposeDrafts: Send + Sync {
    async fn propose(
        &self,
        core: &crate::service::Core,
        case_id: CaseId,
        agent: &crate::user::User,
    ) -> crate::error::CoreResult<DraftProposal>;
}

/// The analyser (the `resonanz-assist` model in production, a fake in unit tests).
pub trait Analyze: Send + Sync {
    /// Producer name and version as the ledger records them, e.g. `assist/assist-2026.11-1a2b3c4d`.
    fn version(&self) -> String;
    fn analyze(&self, subject: &str, text: &str) -> AnalysisOutcome;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisStatus {
    /// Waiting for the worker.
    Pending,
    Done,
    /// The last attempt failed; retried with backoff until the job gives up.
    Failed,
}

impl AnalysisStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// The analysis of one inbound message, stored with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageAnalysis {
    pub message_id: MessageId,
    pub case_id: CaseId,
    pub status: AnalysisStatus,
    pub attempts: i32,
    pub error: Option<String>,
    pub result: Option<serde_json::Value>,
    /// The categories the analysis assigned.
    pub categories: Vec<ScoredCategory>,
    /// The categories after a person corrected them; `None` while nobody did.
    pub corrected: Option<Vec<String>>,
    pub model_version: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl MessageAnalysis {
    pub fn pending(message_id: MessageId, case_id: CaseId, now: Timestamp) -> Self {
        Self {
            message_id,
            case_id,
            status: AnalysisStatus::Pending,
            attempts: 0,
            error: None,
            result: None,
            categories: Vec::new(),
            corrected: None,
            model_version: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// The categories that count: a person's correction over the machine's.
    pub fn effective_categories(&self) -> Vec<String> {
        match &self.corrected {
            Some(c) => c.clone(),
            None => self.categories.iter().map(|c| c.name.clone()).collect(),
        }
    }
}

/// What kind of suggestion a ledger row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// "This message is a complaint": one row per assigned (or missed and corrected) category.
    Classification,
    /// A reply draft proposed to an agent.
    Draft,
    /// A routing hint (team, priority); the safeguarding escalation is one.
    Routing,
    /// An automatic reply that was sent.
    AutoReply,
}

impl SuggestionKind {
    pub const ALL: [SuggestionKind; 4] = [Self::Classification, Self::Draft, Self::Routing, Self::AutoReply];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Classification => "classification",
            Self::Draft => "draft",
            Self::Routing => "routing",
            Self::AutoReply => "auto_reply",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a person did with a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Nobody has acted on it yet.
    Pending,
    /// Taken unchanged (a category kept, a draft sent as proposed).
    Accepted,
    /// Taken with changes (a draft edited before sending); the ledger keeps the edit distance.
    Edited,
    /// Discarded.
    Rejected,
    /// Replaced by a person's own judgement (a category corrected).
    Overridden,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [Self::Pending, Self::Accepted, Self::Edited, Self::Rejected, Self::Overridden];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Edited => "edited",
            Self::Rejected => "rejected",
            Self::Overridden => "overridden",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One row of the AI ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub id: SuggestionId,
    pub kind: SuggestionKind,
    pub case_id: CaseId,
    pub message_id: Option<MessageId>,
    /// What the suggestion was computed from, e.g. `message:<id>`.
    pub input_ref: String,
    /// What produced it: `assist` (rules and model), `drafts-bm25`, `llm:<model>`, `person`.
    pub producer: String,
    pub producer_version: String,
    pub category: Option<String>,
    pub output: serde_json::Value,
    pub confidence: f32,
    pub outcome: Outcome,
    pub edit_distance: Option<i64>,
    pub correction: Option<serde_json::Value>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Suggestion {
    /// A pending classification row of the `assist` producer: the message is (`assigned`) or is
    /// not (a miss a person pointed out) of `category`.
    pub(crate) fn classification(
        case_id: CaseId,
        message_id: MessageId,
        version: &str,
        category: &str,
        assigned: bool,
        confidence: f32,
        now: Timestamp,
    ) -> Self {
        Self {
            id: SuggestionId::new(now),
            kind: SuggestionKind::Classification,
            case_id,
            message_id: Some(message_id),
            input_ref: format!("message:{message_id}"),
            producer: "assist".into(),
            producer_version: version.to_string(),
            category: Some(category.to_string()),
            output: serde_json::json!({"category": category, "assigned": assigned}),
            confidence,
            outcome: Outcome::Pending,
            edit_distance: None,
            correction: None,
            decided_by: None,
            decided_at: None,
            created_at: now,
        }
    }
}

/// The state of a reply held for a second person's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            _ => return None,
        })
    }
}

/// A reply on a safeguarding case waiting for (or decided by) a second person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    pub message_id: MessageId,
    pub case_id: CaseId,
    pub outbox_id: OutboxId,
    pub requested_by: UserId,
    pub requested_at: Timestamp,
    pub status: ApprovalStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<Timestamp>,
    pub reason: Option<String>,
}

/// Installation-wide assist settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssistSettings {
    /// The team that takes safeguarding cases; without one, supervisors and admins are told.
    pub safeguarding_team: Option<TeamId>,
    pub safeguarding_sla_minutes: i64,
}

/// A resolved case as the similar-case index reads it: what the contact asked, what answered it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedCaseText {
    pub case_id: CaseId,
    pub number: i64,
    pub subject: String,
    pub question: String,
    pub answer: String,
    pub language: String,
    pub contact_name: String,
    pub categories: Vec<String>,
    pub resolved_at: Timestamp,
}

/// A message whose categories a person corrected: training data for `resonanz assist train`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    pub message_id: MessageId,
    pub subject: String,
    pub text: String,
    pub categories: Vec<String>,
    pub corrected_at: Timestamp,
}

/// Checks a list of category names: known, no duplicates (sorted in the canonical order).
pub fn normalise_categories(names: &[String]) -> crate::error::CoreResult<Vec<String>> {
    let mut out = Vec::new();
    for n in names {
        let n = n.trim();
        if n.is_empty() {
            continue;
        }
        if !CATEGORIES.contains(&n) {
            return Err(crate::error::CoreError::invalid(
                "categories",
                "unknown",
                format!("unknown category {n:?}; known: {}", CATEGORIES.join(", ")),
            ));
        }
        if !out.iter().any(|o: &String| o == n) {
            out.push(n.to_string());
        }
    }
    out.sort_by_key(|n| CATEGORIES.iter().position(|c| c == n));
    Ok(out)
}
