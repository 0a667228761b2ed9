//! Wire DTOs of Assist: analyses, approvals, drafts and other suggestions, the ledger, automatic
//! replies and settings. Built from core types, so a change inside the core cannot silently change
//! the API.

use resonanz_core::assist::{Approval, AssistSettings, AutoReplyRule, LedgerRow, MessageAnalysis, Suggestion};
use serde::Serialize;
use serde_json::Value;

use crate::dto::rfc3339;

/// The machine's analysis of one inbound message, with a person's correction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysisDto {
    pub message_id: String,
    /// `pending`, `done` or `failed`.
    pub status: &'static str,
    pub attempts: i32,
    /// Why the last attempt failed.
    pub error: Option<String>,
    pub model_version: Option<String>,
    /// The stored result as the analyser returned it: language, sentiment, emotions, categories
    /// with confidence and signals, urgency, explanation.
    pub result: Option<Value>,
    /// The categories a person set; null while nobody corrected them.
    pub corrected: Option<Vec<String>>,
    pub updated_at: String,
}

impl From<&MessageAnalysis> for AnalysisDto {
    fn from(a: &MessageAnalysis) -> Self {
        Self {
            message_id: a.message_id.to_string(),
            status: a.status.as_str(),
            attempts: a.attempts,
            error: a.error.clone(),
            model_version: a.model_version.clone(),
            result: a.result.clone(),
            corrected: a.corrected.clone(),
            updated_at: rfc3339(a.updated_at),
        }
    }
}

/// A reply held for, or decided by, a second person (four-eyes on safeguarding cases).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalDto {
    pub message_id: String,
    /// `pending`, `approved` or `rejected`.
    pub status: &'static str,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
}

impl From<&Approval> for ApprovalDto {
    fn from(a: &Approval) -> Self {
        Self {
            message_id: a.message_id.to_string(),
            status: a.status.as_str(),
            requested_by: a.requested_by.to_string(),
            requested_at: rfc3339(a.requested_at),
            decided_by: a.decided_by.map(|u| u.to_string()),
            decided_at: a.decided_at.map(rfc3339),
            reason: a.reason.clone(),
        }
    }
}

/// A proposed reply as the composer shows it; `suggestion_id` is the `draft_id` of the reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftDto {
    pub suggestion_id: String,
    pub text: String,
    pub confidence: f32,
    /// `text_block`, `similar_case` or `llm` (as the drafting side names it).
    pub kind: Value,
    /// What the draft was built from: `[{kind, id, label, score}]`.
    pub sources: Value,
    pub explanation: String,
    /// Written by a machine (not chosen from text people wrote): the sent reply must say so.
    pub machine_drafted: bool,
}

impl From<&Suggestion> for DraftDto {
    fn from(s: &Suggestion) -> Self {
        let o = &s.output;
        Self {
            suggestion_id: s.id.to_string(),
            text: o.get("text").and_then(Value::as_str).unwrap_or_default().to_string(),
            confidence: s.confidence,
            kind: o.get("kind").cloned().unwrap_or(Value::Null),
            sources: o.get("sources").filter(|v| v.is_array()).cloned().unwrap_or_else(|| Value::Array(Vec::new())),
            explanation: o.get("explanation").and_then(Value::as_str).unwrap_or_default().to_string(),
            machine_drafted: o
                .get("machine_drafted")
                .and_then(Value::as_bool)
                .unwrap_or_else(|| s.producer.starts_with("llm")),
        }
    }
}

/// One row of the AI ledger, as a person decided on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestionDto {
    pub id: String,
    pub kind: &'static str,
    pub case_id: String,
    pub message_id: Option<String>,
    pub category: Option<String>,
    pub producer: String,
    pub producer_version: String,
    pub confidence: f32,
    pub outcome: &'static str,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
}

impl From<&Suggestion> for SuggestionDto {
    fn from(s: &Suggestion) -> Self {
        Self {
            id: s.id.to_string(),
            kind: s.kind.as_str(),
            case_id: s.case_id.to_string(),
            message_id: s.message_id.map(|m| m.to_string()),
            category: s.category.clone(),
            producer: s.producer.clone(),
            producer_version: s.producer_version.clone(),
            confidence: s.confidence,
            outcome: s.outcome.as_str(),
            decided_by: s.decided_by.map(|u| u.to_string()),
            decided_at: s.decided_at.map(rfc3339),
            created_at: rfc3339(s.created_at),
        }
    }
}

/// One line of the ledger report; rates are shares (0..1) of the decided suggestions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerRowDto {
    pub period: String,
    pub kind: &'static str,
    pub category: Option<String>,
    /// What made the suggestions: `assist`, `drafts-bm25`, `llm:<model>`, …
    pub producer: String,
    pub model_version: String,
    pub total: i64,
    pub pending: i64,
    pub accepted: i64,
    pub edited: i64,
    pub rejected: i64,
    pub overridden: i64,
    pub acceptance_rate: Option<f64>,
    pub edit_rate: Option<f64>,
    pub rejection_rate: Option<f64>,
    pub override_rate: Option<f64>,
    pub mean_edit_distance: Option<f64>,
}

impl From<&LedgerRow> for LedgerRowDto {
    fn from(r: &LedgerRow) -> Self {
        Self {
            period: r.period.clone(),
            kind: r.kind.as_str(),
            category: r.category.clone(),
            producer: r.producer.clone(),
            model_version: r.producer_version.clone(),
            total: r.total,
            pending: r.pending,
            accepted: r.accepted,
            edited: r.edited,
            rejected: r.rejected,
            overridden: r.overridden,
            acceptance_rate: r.acceptance_rate,
            edit_rate: r.edit_rate,
            rejection_rate: r.rejection_rate,
            override_rate: r.override_rate,
            mean_edit_distance: r.mean_edit_distance,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoReplyRuleDto {
    pub category: String,
    pub enabled: bool,
    pub min_confidence: f32,
    /// The name of the text block whose variants are sent.
    pub text_block: String,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
}

impl From<&AutoReplyRule> for AutoReplyRuleDto {
    fn from(r: &AutoReplyRule) -> Self {
        Self {
            category: r.category.clone(),
            enabled: r.enabled,
            min_confidence: r.min_confidence,
            text_block: r.text_block.clone(),
            updated_by: r.updated_by.map(|u| u.to_string()),
            updated_at: Some(rfc3339(r.updated_at)),
        }
    }
}

impl AutoReplyRuleDto {
    /// A category nobody configured yet: off.
    pub fn unset(category: &str) -> Self {
        Self {
            category: category.to_string(),
            enabled: false,
            min_confidence: DEFAULT_MIN_CONFIDENCE,
            text_block: String::new(),
            updated_by: None,
            updated_at: None,
        }
    }
}

/// The minimum confidence shown for a rule nobody set yet.
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.9;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssistSettingsDto {
    pub safeguarding_team: Option<String>,
    pub safeguarding_sla_minutes: i64,
}

impl From<&AssistSettings> for AssistSettingsDto {
    fn from(s: &AssistSettings) -> Self {
        Self {
            safeguarding_team: s.safeguarding_team.map(|t| t.to_string()),
            safeguarding_sla_minutes: s.safeguarding_sla_minutes,
        }
    }
}
