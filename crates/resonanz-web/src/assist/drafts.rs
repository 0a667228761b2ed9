//! Reply drafts: asked from the drafting side (`AppState::drafts`), recorded in the AI ledger, and
//! discarded by a person. Shared by the API and the case page.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use resonanz_core::CoreError;
use resonanz_core::assist::Suggestion;
use resonanz_core::case::Case;
use resonanz_core::ids::{CaseId, SuggestionId};
use resonanz_core::message::Direction;
use resonanz_core::user::User;
use serde::Serialize;

use super::dto::{DraftDto, SuggestionDto};
use crate::error::{ApiError, ApiResult, IdPath};
use crate::{AppState, AuthUser};

/// Drafts as recorded in the ledger (best first), or the reason there are none.
pub(crate) struct Proposed {
    pub drafts: Vec<Suggestion>,
    pub abstained: Option<String>,
}

/// Why no drafts could be asked for.
pub(crate) enum ProposeError {
    /// The server runs without a drafting side.
    NotConfigured,
    Core(CoreError),
}

impl From<CoreError> for ProposeError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

impl From<ProposeError> for ApiError {
    fn from(e: ProposeError) -> Self {
        match e {
            ProposeError::NotConfigured => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "drafts_unavailable",
                "reply drafts are not configured on this server",
            ),
            ProposeError::Core(e) => e.into(),
        }
    }
}

/// Asks for drafts for a case the caller may see and records each in the ledger against the
/// contact's latest message, so that the reply can name the one it started from.
pub(crate) async fn propose_and_record(state: &AppState, case: &Case, user: &User) -> Result<Proposed, ProposeError> {
    let drafter = state.drafts.as_ref().ok_or(ProposeError::NotConfigured)?;
    let proposal = drafter.propose(&state.core, case.id, user).await?;
    let last_inbound = state
        .core
        .store
        .case_messages(case.id)
        .await?
        .iter()
        .rev()
        .find(|m| m.message.direction == Direction::Inbound)
        .map(|m| m.message.id);
    let records = proposal
        .drafts
        .into_iter()
        .map(|mut d| {
            // The ledger measures edits against `output.text`: make sure it is there.
            if let Some(o) = d.output.as_object_mut() {
                o.entry("text").or_insert_with(|| d.text.clone().into());
            } else {
                d.output = serde_json::json!({"text": d.text});
            }
            d
        })
        .collect();
    let drafts = state.core.record_drafts(case.id, last_inbound, records).await?;
    let abstained = match (&proposal.abstained, drafts.is_empty()) {
        (Some(r), _) => Some(r.clone()),
        (None, true) => Some("no draft fits this message".into()),
        (None, false) => None,
    };
    Ok(Proposed { drafts, abstained })
}

#[derive(Debug, Serialize)]
pub struct ProposalDto {
    pub drafts: Vec<DraftDto>,
    /// Why there is no draft (set when `drafts` is empty).
    pub abstained: Option<String>,
}

pub async fn propose(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<ProposalDto>> {
    let case = state.core.visible_case(&user, CaseId(id)).await?;
    let p = propose_and_record(&state, &case, &user).await?;
    Ok(Json(ProposalDto { drafts: p.drafts.iter().map(DraftDto::from).collect(), abstained: p.abstained }))
}

/// Discards a suggestion of a case the caller may see.
pub(crate) async fn reject_visible(state: &AppState, user: &User, id: SuggestionId) -> Result<Suggestion, CoreError> {
    let s = state.core.suggestion(id).await?;
    state.core.visible_case(user, s.case_id).await.map_err(|e| match e {
        CoreError::NotFound(_) => CoreError::NotFound("suggestion"),
        e => e,
    })?;
    state.core.reject_suggestion(id, user.id).await
}

pub async fn reject_suggestion(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<SuggestionDto>> {
    let s = reject_visible(&state, &user, SuggestionId(id)).await?;
    Ok(Json(SuggestionDto::from(&s)))
}
