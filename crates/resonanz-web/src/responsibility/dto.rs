//! Wire shapes of responsibility: the `sla` and `escalation` objects on cases, routing rules and
//! dry runs, SLA policies, escalations, follow-ups, the ownership timeline, surveys.

use resonanz_core::case::Case;
use resonanz_core::responsibility::{Escalation, FollowUp, OwnershipSpan, Survey};
use resonanz_core::routing::RoutingRule;
use resonanz_core::sla::SlaPolicy;
use serde::Serialize;

use crate::dto::{opt_rfc3339 as opt, rfc3339};

/// A case's SLA: `first_response_due`, `resolution_due` and `state`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaDto {
    /// `none`, `ok`, `warning`, `breached`, `paused` or `met`.
    pub state: &'static str,
    pub first_response_due: Option<String>,
    pub resolution_due: Option<String>,
    pub first_responded_at: Option<String>,
    pub resolved_at: Option<String>,
    /// Waiting on the contact since then (the clock stands still).
    pub paused_since: Option<String>,
    pub policy_id: Option<String>,
}

impl From<&Case> for SlaDto {
    fn from(c: &Case) -> Self {
        let s = &c.sla;
        Self {
            state: s.state.as_str(),
            first_response_due: opt(s.first_response_due),
            resolution_due: opt(s.resolution_due),
            first_responded_at: opt(s.first_responded_at),
            resolved_at: opt(s.resolved_at),
            paused_since: opt(s.paused_at),
            policy_id: s.policy_id.map(|p| p.to_string()),
        }
    }
}

/// A case's escalation: level 0 is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationStateDto {
    pub level: i32,
    pub reason: Option<String>,
    pub escalated_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
}

impl From<&Case> for EscalationStateDto {
    fn from(c: &Case) -> Self {
        Self {
            level: c.escalation_level,
            reason: c.escalation_reason.clone(),
            escalated_at: opt(c.escalated_at),
            acknowledged_at: opt(c.escalation_ack_at),
            acknowledged_by: c.escalation_ack_by.map(|u| u.to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationDto {
    pub id: String,
    pub level: i32,
    pub previous_level: i32,
    pub reason: String,
    pub source: &'static str,
    pub created_by: Option<String>,
    pub created_at: String,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
}

impl From<Escalation> for EscalationDto {
    fn from(e: Escalation) -> Self {
        Self {
            id: e.id.to_string(),
            level: e.level,
            previous_level: e.previous_level,
            reason: e.reason,
            source: e.source.as_str(),
            created_by: e.created_by.map(|u| u.to_string()),
            created_at: rfc3339(e.created_at),
            acknowledged_by: e.acknowledged_by.map(|u| u.to_string()),
            acknowledged_at: opt(e.acknowledged_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleDto {
    pub id: String,
    pub ordinal: i64,
    pub name: String,
    pub enabled: bool,
    pub triggers: Vec<&'static str>,
    pub conditions: resonanz_core::routing::Conditions,
    pub actions: resonanz_core::routing::RuleActions,
    pub stop: bool,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: Option<String>,
    pub error_count: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
}

impl From<RoutingRule> for RuleDto {
    fn from(r: RoutingRule) -> Self {
        Self {
            id: r.id.to_string(),
            ordinal: r.ordinal,
            name: r.name,
            enabled: r.enabled,
            triggers: r.triggers.iter().map(|t| t.as_str()).collect(),
            conditions: r.conditions,
            actions: r.actions,
            stop: r.stop,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            updated_by: r.updated_by.map(|u| u.to_string()),
            error_count: r.error_count,
            last_error: r.last_error,
            last_error_at: opt(r.last_error_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyDto {
    pub id: String,
    pub ordinal: i64,
    pub name: String,
    pub enabled: bool,
    pub team_id: Option<String>,
    pub priority: Option<&'static str>,
    pub category: Option<String>,
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
    pub warn_before_minutes: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<SlaPolicy> for PolicyDto {
    fn from(p: SlaPolicy) -> Self {
        Self {
            id: p.id.to_string(),
            ordinal: p.ordinal,
            name: p.name,
            enabled: p.enabled,
            team_id: p.team_id.map(|t| t.to_string()),
            priority: p.priority.map(|p| p.as_str()),
            category: p.category,
            first_response_minutes: p.first_response_minutes,
            resolution_minutes: p.resolution_minutes,
            warn_before_minutes: p.warn_before_minutes,
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUpDto {
    pub id: String,
    pub case_id: String,
    pub user_id: String,
    pub created_by: String,
    pub kind: &'static str,
    pub note: String,
    pub due_at: String,
    pub created_at: String,
    pub notified_at: Option<String>,
    pub done_at: Option<String>,
}

impl From<FollowUp> for FollowUpDto {
    fn from(f: FollowUp) -> Self {
        Self {
            id: f.id.to_string(),
            case_id: f.case_id.to_string(),
            user_id: f.user_id.to_string(),
            created_by: f.created_by.to_string(),
            kind: f.kind.as_str(),
            note: f.note,
            due_at: rfc3339(f.due_at),
            created_at: rfc3339(f.created_at),
            notified_at: opt(f.notified_at),
            done_at: opt(f.done_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnershipDto {
    pub user_id: Option<String>,
    pub from: String,
    pub until: Option<String>,
    pub seconds: i64,
    /// `routing`, `manual` or `take`.
    pub source: String,
    pub by_user_id: Option<String>,
    pub note: String,
}

impl From<OwnershipSpan> for OwnershipDto {
    fn from(s: OwnershipSpan) -> Self {
        Self {
            user_id: s.user_id.map(|u| u.to_string()),
            from: rfc3339(s.from),
            until: opt(s.until),
            seconds: s.seconds,
            source: s.source,
            by_user_id: s.by_user_id.map(|u| u.to_string()),
            note: s.note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyDto {
    pub id: String,
    pub created_at: String,
    pub expires_at: String,
    pub rating: Option<i64>,
    pub comment: Option<String>,
    pub answered_at: Option<String>,
}

impl From<Survey> for SurveyDto {
    fn from(s: Survey) -> Self {
        Self {
            id: s.id.to_string(),
            created_at: rfc3339(s.created_at),
            expires_at: rfc3339(s.expires_at),
            rating: s.rating,
            comment: s.comment,
            answered_at: opt(s.answered_at),
        }
    }
}
