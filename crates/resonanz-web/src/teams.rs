//! Users and teams for API clients: who can be assigned, which teams exist, and creating a team
//! (admins and supervisors only; core decides).

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use resonanz_core::FieldError;
use resonanz_core::ids::UserId;
use resonanz_core::user::Actor;
use serde::Deserialize;

use crate::dto::{ItemsDto, TeamDto, UserDto};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::{AppState, AuthUser};

pub async fn users(State(state): State<AppState>) -> ApiResult<Json<ItemsDto<UserDto>>> {
    let users = state.core.list_users().await?;
    Ok(Json(ItemsDto { items: users.into_iter().map(UserDto::from).collect() }))
}

pub async fn list(State(state): State<AppState>) -> ApiResult<Json<ItemsDto<TeamDto>>> {
    let teams = state.core.list_teams().await?;
    Ok(Json(ItemsDto { items: teams.into_iter().map(TeamDto::from).collect() }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamBody {
    pub name: String,
    #[serde(default)]
    pub member_ids: Vec<String>,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<CreateTeamBody>,
) -> ApiResult<(StatusCode, Json<TeamDto>)> {
    let mut errors = Vec::new();
    let mut members = Vec::with_capacity(body.member_ids.len());
    for (i, raw) in body.member_ids.iter().enumerate() {
        match uuid::Uuid::parse_str(raw.trim()) {
            Ok(u) => members.push(UserId(u)),
            Err(_) => errors.push(FieldError::new(&format!("member_ids[{i}]"), "invalid_id", "expected a user id")),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let team = state.core.create_team(&Actor::User(user.id), &body.name, &members).await?;
    Ok((StatusCode::CREATED, Json(TeamDto::from(team))))
}
