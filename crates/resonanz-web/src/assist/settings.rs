//! The AI ledger report (supervisors and administrators), automatic replies and the safeguarding
//! settings (changed by administrators; core enforces the role).

use std::collections::HashMap;

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use chrono::Datelike;
use chrono::{Duration, NaiveDate};
use resonanz_core::assist::{
    AUTO_REPLY_CATEGORIES, AssistSettings, AutoReplyRuleInput, LedgerBucket, LedgerRow, NEVER_AUTOMATIC,
};
use resonanz_core::error::CoreResult;
use resonanz_core::ids::TeamId;
use resonanz_core::user::{Actor, Role, User};
use resonanz_core::{CoreError, FieldError, Timestamp};
use serde::{Deserialize, Serialize};

use super::dto::{AssistSettingsDto, AutoReplyRuleDto, LedgerRowDto};
use crate::cases::non_empty;
use crate::dto::rfc3339;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::{AppState, AuthUser};

/// The ledger period when none is given: the last 90 days.
pub const DEFAULT_LEDGER_DAYS: i64 = 90;

/// A ledger query: `[from, to)` and the bucket size.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerQuery {
    pub from: Timestamp,
    pub to: Timestamp,
    pub bucket: LedgerBucket,
}

/// A point in time from `2026-03-02` (that day's start, UTC, or the next day's for an end) or
/// RFC 3339.
fn parse_time(raw: &str, end: bool) -> Option<Timestamp> {
    let t = if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let d = if end { d.succ_opt()? } else { d };
        d.and_hms_opt(0, 0, 0)?.and_utc()
    } else {
        chrono::DateTime::parse_from_rfc3339(raw).ok()?.to_utc()
    };
    // Years far outside the ledger's life would overflow date arithmetic: refused as invalid.
    (1970..=9999).contains(&t.year()).then_some(t)
}

/// Reads `from`, `to` (dates are inclusive days; by default the 90 days up to the end of today)
/// and `bucket` (`day`, `week`, `month`).
pub fn parse_ledger_query(q: &HashMap<String, String>, now: Timestamp) -> Result<LedgerQuery, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut time = |field: &str, end: bool, default: Timestamp| match non_empty(q, field) {
        None => default,
        Some(raw) => parse_time(raw, end).unwrap_or_else(|| {
            errors.push(FieldError::new(field, "invalid_date", "expected a date (2026-03-02) or an RFC 3339 time"));
            default
        }),
    };
    // By default until the end of today (UTC), so that what happened today counts.
    let end_of_today = now.date_naive().succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc());
    let to = time("to", true, end_of_today.unwrap_or(now));
    let from = time("from", false, to.checked_sub_signed(Duration::days(DEFAULT_LEDGER_DAYS)).unwrap_or(to));
    let bucket = match non_empty(q, "bucket") {
        None => LedgerBucket::default(),
        Some(raw) => LedgerBucket::parse(raw).unwrap_or_else(|| {
            errors.push(FieldError::new("bucket", "invalid_bucket", "expected day, week or month"));
            LedgerBucket::default()
        }),
    };
    if errors.is_empty() && from >= to {
        errors.push(FieldError::new("to", "before_from", "the end must come after the start"));
    }
    if errors.is_empty() { Ok(LedgerQuery { from, to, bucket }) } else { Err(errors) }
}

/// Supervisors and administrators see the ledger, as in the workspace.
pub(crate) fn require_manager(user: &User) -> CoreResult<()> {
    if user.role == Role::Agent {
        return Err(CoreError::Forbidden("only supervisors and administrators see the AI ledger".into()));
    }
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct LedgerDto {
    pub from: String,
    pub to: String,
    pub bucket: LedgerBucket,
    pub items: Vec<LedgerRowDto>,
}

pub async fn ledger(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<LedgerDto>> {
    require_manager(&user)?;
    let lq = parse_ledger_query(&q, state.core.clock.now()).map_err(ApiError::validation)?;
    let rows: Vec<LedgerRow> = state.core.ledger_stats(lq.from, lq.to, lq.bucket).await?;
    Ok(Json(LedgerDto {
        from: rfc3339(lq.from),
        to: rfc3339(lq.to),
        bucket: lq.bucket,
        items: rows.iter().map(LedgerRowDto::from).collect(),
    }))
}

/// The rule of every category that can be answered automatically (off where nobody set one).
pub(crate) async fn rules_of_all(state: &AppState) -> CoreResult<Vec<AutoReplyRuleDto>> {
    let rules = state.core.auto_reply_rules().await?;
    Ok(AUTO_REPLY_CATEGORIES
        .iter()
        .map(|c| {
            rules
                .iter()
                .find(|r| r.category == *c)
                .map(AutoReplyRuleDto::from)
                .unwrap_or_else(|| AutoReplyRuleDto::unset(c))
        })
        .collect())
}

#[derive(Debug, Serialize)]
pub struct AutoRepliesDto {
    pub items: Vec<AutoReplyRuleDto>,
    /// Categories that are never answered automatically, whatever the rules say.
    pub never_automatic: Vec<&'static str>,
}

pub async fn auto_replies(State(state): State<AppState>) -> ApiResult<Json<AutoRepliesDto>> {
    Ok(Json(AutoRepliesDto { items: rules_of_all(&state).await?, never_automatic: NEVER_AUTOMATIC.to_vec() }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoReplyBody {
    pub category: String,
    pub enabled: bool,
    pub min_confidence: f32,
    #[serde(default)]
    pub text_block: String,
}

pub async fn set_auto_reply(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<AutoReplyBody>,
) -> ApiResult<Json<AutoReplyRuleDto>> {
    let input = AutoReplyRuleInput {
        category: body.category,
        enabled: body.enabled,
        min_confidence: body.min_confidence,
        text_block: body.text_block,
    };
    let rule = state.core.set_auto_reply_rule(&Actor::User(user.id), input).await?;
    Ok(Json(AutoReplyRuleDto::from(&rule)))
}

pub async fn settings(State(state): State<AppState>) -> ApiResult<Json<AssistSettingsDto>> {
    Ok(Json(AssistSettingsDto::from(&state.core.assist_settings().await?)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// A team id, or null for none (then supervisors and administrators are told).
    pub safeguarding_team: Option<String>,
    pub safeguarding_sla_minutes: i64,
}

pub async fn set_settings(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<SettingsBody>,
) -> ApiResult<Json<AssistSettingsDto>> {
    let team = match body.safeguarding_team.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(raw) => Some(TeamId::parse(raw).ok_or_else(|| {
            ApiError::field("safeguarding_team", "invalid_id", "expected a team id (a UUID) or null")
        })?),
    };
    let settings = AssistSettings { safeguarding_team: team, safeguarding_sla_minutes: body.safeguarding_sla_minutes };
    state.core.set_assist_settings(&Actor::User(user.id), &settings).await?;
    Ok(Json(AssistSettingsDto::from(&state.core.assist_settings().await?)))
}
