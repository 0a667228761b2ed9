//! Case endpoints: the inbox list, the case detail, replies, notes, status changes, handovers,
//! and full-text search.

use std::collections::HashMap;

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use resonanz_core::FieldError;
use resonanz_core::case::{CaseCursor, CaseFilter, CaseStatus, OwnerFilter, Priority};
use resonanz_core::ids::{CaseId, ContactId, SuggestionId, TeamId, UserId};
use resonanz_core::service::{CasePatch, ReplyInput};
use resonanz_core::user::Actor;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::dto::{CaseDetailDto, CaseDto, PageDto, SearchHitDto};
use crate::error::{ApiError, ApiJson, ApiResult, IdPath};
use crate::{AppState, AuthUser};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// `limit` from a query: default when absent, 1..=MAX_LIMIT otherwise.
pub(crate) fn parse_limit(q: &HashMap<String, String>, errors: &mut Vec<FieldError>) -> u32 {
    match q.get("limit").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => DEFAULT_LIMIT,
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    "out_of_range",
                    format!("expected a whole number from 1 to {MAX_LIMIT}"),
                ));
                DEFAULT_LIMIT
            }
        },
    }
}

pub(crate) fn parse_uuid(
    q: &HashMap<String, String>,
    field: &str,
    code: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Uuid> {
    let raw = q.get(field).map(|s| s.trim()).filter(|s| !s.is_empty())?;
    match Uuid::parse_str(raw) {
        Ok(u) => Some(u),
        Err(_) => {
            errors.push(FieldError::new(field, code, "expected a UUID"));
            None
        }
    }
}

pub(crate) fn non_empty<'a>(q: &'a HashMap<String, String>, field: &str) -> Option<&'a str> {
    q.get(field).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn parse_filter(q: &HashMap<String, String>, me: UserId) -> ApiResult<CaseFilter> {
    let mut errors = Vec::new();
    let status = non_empty(q, "status").map(|raw| {
        let mut out = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match CaseStatus::parse(part) {
                Some(s) if !out.contains(&s) => out.push(s),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    "status",
                    "invalid_status",
                    format!(
                        "'{part}' is not a case status; expected any of {}",
                        CaseStatus::ALL.map(|s| s.as_str()).join(", ")
                    ),
                )),
            }
        }
        out
    });
    let owner = non_empty(q, "owner").and_then(|raw| match raw {
        "me" => Some(OwnerFilter::User(me)),
        "unowned" => Some(OwnerFilter::Unowned),
        other => match UserId::parse(other) {
            Some(id) => Some(OwnerFilter::User(id)),
            None => {
                errors.push(FieldError::new("owner", "invalid_owner", "expected 'me', 'unowned' or a user id"));
                None
            }
        },
    });
    let team_id = parse_uuid(q, "team", "invalid_id", &mut errors).map(TeamId);
    let contact_id = parse_uuid(q, "contact", "invalid_id", &mut errors).map(ContactId);
    let text = non_empty(q, "q").map(str::to_owned);
    let limit = parse_limit(q, &mut errors);
    let cursor = non_empty(q, "cursor").and_then(|raw| {
        let c = CaseCursor::decode(raw);
        if c.is_none() {
            errors.push(FieldError::new("cursor", "invalid_cursor", "use the next_cursor of a previous page"));
        }
        c
    });
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(CaseFilter { status, owner, team_id, contact_id, text, limit, cursor, ..Default::default() })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<PageDto<CaseDto>>> {
    let mut filter = parse_filter(&q, user.id)?;
    filter.visible_to = state.core.visibility_for(&user).await?;
    let page = state.core.list_cases(filter).await?;
    Ok(Json(PageDto { items: page.items.into_iter().map(CaseDto::from).collect(), next_cursor: page.next_cursor }))
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<CaseDetailDto>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let detail = state.core.case_detail(CaseId(id)).await?;
    Ok(Json(CaseDetailDto::load(&state.core, detail).await?))
}

fn parse_status(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<CaseStatus> {
    let raw = raw?;
    let s = CaseStatus::parse(raw);
    if s.is_none() {
        errors.push(FieldError::new(field, "invalid_status", format!("'{raw}' is not a case status")));
    }
    s
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    pub text: String,
    pub to: Option<Vec<String>>,
    #[serde(default)]
    pub cc: Vec<String>,
    pub status: Option<String>,
    /// The Assist draft (`suggestion_id` of `POST /cases/{id}/drafts`) the reply started from.
    pub draft_id: Option<String>,
}

pub async fn reply(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<ReplyBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut errors = Vec::new();
    let status = parse_status("status", body.status.as_deref(), &mut errors);
    let draft = body.draft_id.as_deref().map(str::trim).filter(|d| !d.is_empty()).and_then(|raw| {
        let d = SuggestionId::parse(raw);
        if d.is_none() {
            errors.push(FieldError::new("draft_id", "invalid_id", "expected a suggestion id (a UUID)"));
        }
        d
    });
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = ReplyInput { text: body.text, to: body.to, cc: body.cc, status, draft, ..Default::default() };
    let case = state.core.visible_case(&user, CaseId(id)).await?;
    let (message_id, outbox_id) = state.core.reply(CaseId(id), user.id, input).await?;
    // On a safeguarding case the reply waits for a second person's approval (four-eyes).
    Ok((
        StatusCode::ACCEPTED,
        Json(
            json!({"message_id": message_id.to_string(), "outbox_id": outbox_id.to_string(), "held": case.safeguarding}),
        ),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub text: String,
}

pub async fn note(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let message_id = state.core.add_note(CaseId(id), user.id, &body.text).await?;
    Ok((StatusCode::CREATED, Json(json!({"message_id": message_id.to_string()}))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchCaseBody {
    pub status: Option<String>,
    pub priority: Option<String>,
    pub tags: Option<Vec<String>>,
    /// A team id, or `null` to clear; absent leaves the team as it is.
    #[serde(default, deserialize_with = "crate::contacts::present")]
    pub team_id: Option<Option<String>>,
}

pub async fn update(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<PatchCaseBody>,
) -> ApiResult<Json<CaseDto>> {
    let mut errors = Vec::new();
    let status = parse_status("status", body.status.as_deref(), &mut errors);
    let priority = body.priority.as_deref().and_then(|raw| {
        let p = Priority::parse(raw);
        if p.is_none() {
            errors.push(FieldError::new("priority", "invalid_priority", "expected one of low, normal, high, urgent"));
        }
        p
    });
    if let Some(tags) = &body.tags {
        for (i, t) in tags.iter().enumerate() {
            if t.chars().count() > 64 {
                errors.push(FieldError::new(&format!("tags[{i}]"), "too_long", "at most 64 characters"));
            }
        }
    }
    let team_id = match body.team_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(raw)) => match Uuid::parse_str(&raw) {
            Ok(t) => Some(Some(TeamId(t))),
            Err(_) => {
                errors.push(FieldError::new("team_id", "invalid_id", "expected a team id (a UUID) or null"));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let patch = CasePatch { status, priority, tags: body.tags, team_id };
    state.core.visible_case(&user, CaseId(id)).await?;
    let case = state.core.update_case(CaseId(id), &Actor::User(user.id), patch).await?;
    Ok(Json(CaseDto::from(case)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// `null` to make the case unowned.
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub note: String,
}

pub async fn assign(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<AssignBody>,
) -> ApiResult<Json<CaseDto>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let case = state.core.assign(CaseId(id), user.id, body.owner_id.map(UserId), &body.note).await?;
    Ok(Json(CaseDto::from(case)))
}

pub async fn search(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let limit = parse_limit(&q, &mut errors);
    let text = non_empty(&q, "q");
    if text.is_none() {
        errors.push(FieldError::new("q", "required", "a search text is required"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let hits = state.core.search(text.unwrap_or_default(), limit).await?;
    let mut items: Vec<SearchHitDto> = Vec::with_capacity(hits.len());
    for hit in hits {
        // Only what this person may open.
        if let Some(case) = state.core.store.case(hit.case_id).await?
            && state.core.can_see(&user, &case).await?
        {
            items.push(SearchHitDto::from(hit));
        }
    }
    Ok(Json(json!({ "items": items })))
}
