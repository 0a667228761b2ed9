//! Assist over the API: the analysis of a message and its correction, the safeguarding protocol,
//! four-eyes approval of held replies; drafts in `drafts`, the ledger, automatic replies and
//! settings in `settings`. Every handler reaches a case only through `Core::visible_case`, so an
//! agent gets 404 for cases they may not see; the rules themselves are core's.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use resonanz_core::CoreError;
use resonanz_core::FieldError;
use resonanz_core::assist::CATEGORIES;
use resonanz_core::ids::{CaseId, MessageId};
use resonanz_core::message::Message;
use resonanz_core::user::{Actor, User};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::dto::CaseDto;
use crate::error::{ApiError, ApiJson, ApiResult, IdPath};
use crate::{AppState, AuthUser};

pub mod drafts;
pub mod dto;
pub mod settings;

use dto::{AnalysisDto, ApprovalDto};

/// The message, when its case is visible to `user`; otherwise 404 as if it did not exist.
pub(crate) async fn visible_message(state: &AppState, user: &User, id: MessageId) -> ApiResult<Message> {
    let message = state.core.store.message(id).await?.ok_or_else(|| ApiError::not_found("message"))?;
    match state.core.visible_case(user, message.case_id).await {
        Ok(_) => Ok(message),
        Err(CoreError::NotFound(_)) => Err(ApiError::not_found("message")),
        Err(e) => Err(e.into()),
    }
}

pub async fn analysis(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<AnalysisDto>> {
    let m = visible_message(&state, &user, MessageId(id)).await?;
    let a = state.core.store.message_analysis(m.id).await?.ok_or_else(|| ApiError::not_found("analysis"))?;
    Ok(Json(AnalysisDto::from(&a)))
}

pub async fn retry_analysis(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<(StatusCode, Json<AnalysisDto>)> {
    let m = visible_message(&state, &user, MessageId(id)).await?;
    let a = state.core.retry_analysis(m.id, &Actor::User(user.id)).await?;
    Ok((StatusCode::ACCEPTED, Json(AnalysisDto::from(&a))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoriesBody {
    pub categories: Vec<String>,
}

/// Field errors for unknown category names, one per position (`categories[2]`).
pub(crate) fn check_categories(names: &[String]) -> Vec<FieldError> {
    names
        .iter()
        .enumerate()
        .filter(|(_, n)| !CATEGORIES.contains(&n.trim()))
        .map(|(i, n)| {
            FieldError::new(
                &format!("categories[{i}]"),
                "unknown_category",
                format!("{n:?} is not a category; expected any of {}", CATEGORIES.join(", ")),
            )
        })
        .collect()
}

pub async fn correct_categories(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<CategoriesBody>,
) -> ApiResult<Json<AnalysisDto>> {
    let errors = check_categories(&body.categories);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let m = visible_message(&state, &user, MessageId(id)).await?;
    let a = state.core.correct_categories(m.id, user.id, &body.categories).await?;
    Ok(Json(AnalysisDto::from(&a)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: String,
}

pub async fn mark_safeguarding(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<Json<CaseDto>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let case = state.core.mark_safeguarding(CaseId(id), user.id, &body.reason).await?;
    Ok(Json(CaseDto::from(case)))
}

pub async fn lift_safeguarding(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<Json<CaseDto>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let case = state.core.lift_safeguarding(CaseId(id), user.id, &body.reason).await?;
    Ok(Json(CaseDto::from(case)))
}

pub async fn approvals(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<Value>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let items: Vec<ApprovalDto> = state.core.case_approvals(CaseId(id)).await?.iter().map(ApprovalDto::from).collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn approve(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<ApprovalDto>> {
    let m = visible_message(&state, &user, MessageId(id)).await?;
    let a = state.core.approve_message(m.id, &user).await?;
    Ok(Json(ApprovalDto::from(&a)))
}

pub async fn reject(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<Json<ApprovalDto>> {
    let m = visible_message(&state, &user, MessageId(id)).await?;
    let a = state.core.reject_message(m.id, &user, &body.reason).await?;
    Ok(Json(ApprovalDto::from(&a)))
}
