//! Organisation endpoints: list and search, create, detail with the organisation's contacts.

use std::collections::HashMap;

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use resonanz_core::ids::OrganisationId;
use resonanz_core::user::Actor;
use serde::Deserialize;

use crate::cases::{non_empty, parse_limit, parse_uuid};
use crate::dto::{ContactDto, OrganisationDto, PageDto};
use crate::error::{ApiError, ApiJson, ApiResult, IdPath};
use crate::{AppState, AuthUser};

/// How many of an organisation's contacts its detail shows (the first created first).
pub const ORGANISATION_CONTACTS_LIMIT: u32 = 50;

pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<PageDto<OrganisationDto>>> {
    let mut errors = Vec::new();
    let limit = parse_limit(&q, &mut errors);
    let after = parse_uuid(&q, "cursor", "invalid_cursor", &mut errors).map(OrganisationId);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let page = state.core.list_organisations(non_empty(&q, "q"), limit, after).await?;
    Ok(Json(PageDto {
        items: page.items.into_iter().map(OrganisationDto::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

pub async fn detail(State(state): State<AppState>, IdPath(id): IdPath) -> ApiResult<Json<OrganisationDto>> {
    let id = OrganisationId(id);
    let organisation = state.core.organisation(id).await?;
    let contacts = state.core.organisation_contacts(id, ORGANISATION_CONTACTS_LIMIT).await?;
    let mut dto = OrganisationDto::from(organisation);
    dto.contacts = Some(contacts.into_iter().map(ContactDto::from).collect());
    Ok(Json(dto))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisationBody {
    pub name: String,
    pub domain: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<CreateOrganisationBody>,
) -> ApiResult<(StatusCode, Json<OrganisationDto>)> {
    let organisation = state.core.create_organisation(&Actor::User(user.id), &body.name, body.domain).await?;
    Ok((StatusCode::CREATED, Json(OrganisationDto::from(organisation))))
}
