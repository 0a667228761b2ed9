//! Contact endpoints: list and search, detail with the contact's organisation and cases, create,
//! update.

use std::collections::HashMap;

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use resonanz_core::case::CaseFilter;
use resonanz_core::contact::{ContactPatch, NewContact};
use resonanz_core::ids::{ContactId, OrganisationId};
use resonanz_core::user::Actor;
use serde::{Deserialize, Deserializer};

use crate::cases::{non_empty, parse_limit, parse_uuid};
use crate::dto::{CaseDto, ContactDto, OrganisationRefDto, PageDto};
use crate::error::{ApiError, ApiJson, ApiResult, IdPath};
use crate::{AppState, AuthUser};

/// How many of a contact's cases its detail shows (the newest waiting first, like the inbox).
pub const CONTACT_CASES_LIMIT: u32 = 50;

pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<PageDto<ContactDto>>> {
    let mut errors = Vec::new();
    let limit = parse_limit(&q, &mut errors);
    let after = parse_uuid(&q, "cursor", "invalid_cursor", &mut errors).map(ContactId);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let page = state.core.list_contacts(non_empty(&q, "q"), limit, after).await?;
    Ok(Json(PageDto { items: page.items.into_iter().map(ContactDto::from).collect(), next_cursor: page.next_cursor }))
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<ContactDto>> {
    let id = ContactId(id);
    let view = state.core.store.contact(id).await?.ok_or_else(|| ApiError::not_found("contact"))?;
    let cases = state
        .core
        .list_cases(CaseFilter {
            contact_id: Some(id),
            limit: CONTACT_CASES_LIMIT,
            // An agent sees only the cases they may open.
            visible_to: state.core.visibility_for(&user).await?,
            ..Default::default()
        })
        .await?;
    let organisation = match view.contact.organisation_id {
        Some(oid) => state.core.store.organisation(oid).await?.map(OrganisationRefDto::from),
        None => None,
    };
    let mut dto = ContactDto::from(view);
    dto.organisation = Some(organisation);
    dto.cases = Some(cases.items.into_iter().map(CaseDto::from).collect());
    Ok(Json(dto))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateContactBody {
    pub display_name: String,
    #[serde(default)]
    pub emails: Vec<String>,
    pub address_form: Option<String>,
    pub language: Option<String>,
    pub notes: Option<String>,
    pub organisation_id: Option<String>,
    /// Free attributes routing rules can read (`{"vip": "ja"}`).
    #[serde(default)]
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// An `organisation_id` from a body: a UUID, or a field error (a malformed id names nothing).
fn parse_organisation_id(raw: Option<String>) -> ApiResult<Option<OrganisationId>> {
    raw.map(|r| {
        uuid::Uuid::parse_str(r.trim())
            .map(OrganisationId)
            .map_err(|_| ApiError::field("organisation_id", "invalid_id", "expected an organisation id (a UUID)"))
    })
    .transpose()
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

pub async fn create(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<CreateContactBody>,
) -> ApiResult<(StatusCode, Json<ContactDto>)> {
    let input = NewContact {
        display_name: body.display_name,
        emails: body.emails,
        address_form: body.address_form,
        language: body.language,
        notes: body.notes,
        organisation_id: parse_organisation_id(body.organisation_id)?,
        attributes: body.attributes,
    };
    let view = state.core.create_contact(&Actor::User(user.id), input).await?;
    Ok((StatusCode::CREATED, Json(ContactDto::from(view))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchContactBody {
    pub display_name: Option<String>,
    #[serde(default)]
    pub add_emails: Vec<String>,
    pub address_form: Option<String>,
    pub language: Option<String>,
    pub notes: Option<String>,
    /// Replaces every attribute (`{"vip": "ja", "age_group": "kind"}`).
    pub attributes: Option<std::collections::BTreeMap<String, String>>,
    /// `null` removes the contact from its organisation.
    #[serde(default, deserialize_with = "present")]
    pub organisation_id: Option<Option<String>>,
}

pub async fn update(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<PatchContactBody>,
) -> ApiResult<Json<ContactDto>> {
    let patch = ContactPatch {
        display_name: body.display_name,
        add_emails: body.add_emails,
        address_form: body.address_form,
        language: body.language,
        notes: body.notes,
        attributes: body.attributes,
        organisation_id: body.organisation_id.map(parse_organisation_id).transpose()?,
    };
    let view = state.core.update_contact(&Actor::User(user.id), ContactId(id), patch).await?;
    Ok(Json(ContactDto::from(view)))
}
