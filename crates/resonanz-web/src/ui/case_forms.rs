//! The forms of the case page: reply (with the collision check), note, handover and its
//! acknowledgement, attributes, escalation, contact preferences; and the text blocks for the
//! composer. A refusal shows the page again with the errors beside their fields and what was typed.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use resonanz_core::CoreError;
use resonanz_core::case::{CaseStatus, Priority};
use resonanz_core::ids::{SuggestionId, TeamId, TextBlockId, UserId};
use resonanz_core::message::MessageView;
use resonanz_core::service::{CasePatch, ReplyInput};
use resonanz_core::user::Actor;
use resonanz_core::workspace::PresenceState;
use serde::Deserialize;

use super::case::{Kept, load, render_case};
use super::{Agent, FormData, FormErrors, Tr, error_page, parse_uuid, see_other};
use crate::AppState;

/// After a form on the case page: back to the case when it worked; on a refusal the page again with
/// the errors beside their fields and what was typed (`kept`); other errors as an error page.
pub(super) async fn after_form<T>(
    state: &AppState,
    agent: &Agent,
    id: &str,
    result: Result<T, CoreError>,
    field_prefix: &str,
    kept: impl FnOnce(FormErrors) -> Kept,
) -> Response {
    match result {
        Ok(_) => see_other(&format!("/cases/{id}")),
        Err(e) => match refused(agent.tr(), &e, field_prefix) {
            Some(errors) => render_case(state, agent, id, false, kept(errors)).await,
            None => error_page(state, Some(agent), &e),
        },
    }
}

pub(super) fn refused(t: Tr, e: &CoreError, field_prefix: &str) -> Option<FormErrors> {
    let mut errs = FormErrors::from_core(t, e)?;
    if !field_prefix.is_empty() {
        errs.0 = errs.0.into_iter().map(|(k, v)| (format!("{field_prefix}{k}"), v)).collect();
    }
    Some(errs)
}

pub async fn reply(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, form: FormData) -> Response {
    let t = agent.tr();
    let text = form.get("text");
    let used: Vec<TextBlockId> = form.get("used_blocks").split(',').filter_map(parse_uuid).map(TextBlockId).collect();
    let keep = |errors: FormErrors, collision: String| Kept {
        errors,
        reply_text: text.clone(),
        reply_to: Some(form.get("to")),
        used_blocks: form.get("used_blocks"),
        collision,
        draft_id: form.get("draft_id"),
        ..Default::default()
    };
    let cid = match load(&state, &agent, &id).await {
        Ok(d) => {
            // Collision: something arrived or was answered since the page was loaded.
            let seen = form.get("seen_message_id");
            let newer: Vec<&MessageView> = d
                .messages
                .iter()
                .rev()
                .take_while(|m| m.message.id.to_string() != seen)
                .filter(|m| m.message.author_user_id != Some(agent.user.id))
                .collect();
            if !seen.is_empty() && !newer.is_empty() && form.get("confirm_collision") != "1" {
                // A colleague's reply is named by its author (not the mailbox it left from);
                // otherwise the newest message's sender.
                let msg = match newer.iter().find(|m| m.message.direction.as_str() == "outbound") {
                    Some(m) => {
                        let users = state.core.store.list_users().await.unwrap_or_default();
                        let who = users
                            .iter()
                            .find(|u| Some(u.id) == m.message.author_user_id)
                            .map(|u| u.display_name.clone())
                            .or_else(|| m.message.from_name.clone())
                            .unwrap_or_default();
                        t.arg("collision-replied", "name", who)
                    }
                    None => t.arg("collision-new", "name", newer[0].message.from_name.clone().unwrap_or_default()),
                };
                return render_case(&state, &agent, &id, false, keep(FormErrors::default(), msg)).await;
            }
            d.case.id
        }
        Err(e) => return error_page(&state, Some(&agent), &e),
    };
    let to: Vec<String> = form.get("to").split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let input = ReplyInput {
        text: text.clone(),
        to: (!to.is_empty()).then_some(to),
        status: CaseStatus::parse(&form.get("status")),
        text_blocks: used,
        draft: parse_uuid(&form.get("draft_id")).map(SuggestionId),
        ..Default::default()
    };
    match state.core.reply(cid, agent.user.id, input).await {
        Ok(_) => {
            let _ = state.core.heartbeat(cid, agent.user.id, PresenceState::Viewing).await;
            see_other(&format!("/cases/{cid}"))
        }
        Err(e) => match refused(t, &e, "") {
            Some(mut errs) => {
                // `to[0]` and the like belong to the one recipients field; the draft to the text.
                errs.0 = errs
                    .0
                    .into_iter()
                    .map(|(k, v)| match k.as_str() {
                        k if k.starts_with("to") => ("to".into(), v),
                        "draft_id" => ("text".into(), v),
                        _ => (k, v),
                    })
                    .collect();
                render_case(&state, &agent, &id, false, keep(errs, String::new())).await
            }
            None => error_page(&state, Some(&agent), &e),
        },
    }
}

pub async fn note(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, form: FormData) -> Response {
    let r = async {
        let d = load(&state, &agent, &id).await?;
        state.core.add_note(d.case.id, agent.user.id, &form.get("text")).await
    }
    .await;
    after_form(&state, &agent, &id, r, "note_", |errors| Kept {
        errors,
        note_text: form.get("text"),
        ..Default::default()
    })
    .await
}

pub async fn assign(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, form: FormData) -> Response {
    let owner = parse_uuid(&form.get("owner_id")).map(UserId);
    let r = async {
        let d = load(&state, &agent, &id).await?;
        state.core.assign(d.case.id, agent.user.id, owner, &form.get("note")).await
    }
    .await;
    after_form(&state, &agent, &id, r, "", |errors| Kept {
        errors,
        assign_note: form.get("note"),
        assign_owner: Some(form.get("owner_id")),
        ..Default::default()
    })
    .await
}

pub async fn acknowledge(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let r = async {
        let d = load(&state, &agent, &id).await?;
        state.core.acknowledge_handover(d.case.id, agent.user.id).await
    }
    .await;
    match r {
        Ok(()) => see_other(&format!("/cases/{id}")),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

pub async fn update(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, form: FormData) -> Response {
    let tags: Vec<String> =
        form.get("tags").split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let patch = CasePatch {
        status: CaseStatus::parse(&form.get("status")),
        priority: Priority::parse(&form.get("priority")),
        tags: Some(tags),
        team_id: Some(parse_uuid(&form.get("team_id")).map(TeamId)),
    };
    let r = async {
        let d = load(&state, &agent, &id).await?;
        state.core.update_case(d.case.id, &Actor::User(agent.user.id), patch).await
    }
    .await;
    after_form(&state, &agent, &id, r, "", |errors| Kept { errors, ..Default::default() }).await
}

pub async fn escalate(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, form: FormData) -> Response {
    let level: i32 = form.get("level").parse().unwrap_or(1);
    let r = async {
        let d = load(&state, &agent, &id).await?;
        state.core.set_escalation(d.case.id, agent.user.id, level, &form.get("reason")).await
    }
    .await;
    after_form(&state, &agent, &id, r, "", |errors| Kept { errors, ..Default::default() }).await
}

/// The contact's preferences from the sidebar: formal or informal address, language, notes, attributes.
/// (The attribute field is `contact_attributes`: a control named `attributes` would hide the form's DOM
/// property of that name from scripts.)
pub async fn contact(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, form: FormData) -> Response {
    let sent = super::case::ContactForm {
        address_form: form.get("address_form"),
        language: form.get("language"),
        notes: form.get("notes"),
        attributes: form.get("contact_attributes"),
    };
    let r = async {
        let d = load(&state, &agent, &id).await?;
        let patch = resonanz_core::contact::ContactPatch {
            address_form: Some(sent.address_form.clone()),
            language: Some(sent.language.clone()),
            notes: Some(sent.notes.clone()),
            attributes: Some(super::case::parse_attribute_lines(&sent.attributes)?),
            ..Default::default()
        };
        state.core.update_contact(&Actor::User(agent.user.id), d.case.contact_id, patch).await
    }
    .await;
    let kept = |errors| Kept { errors, contact_form: Some(sent), ..Default::default() };
    after_form(&state, &agent, &id, r, "", kept).await
}

#[derive(Debug, Default, Deserialize)]
pub struct BlockParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    id: String,
}

/// Text blocks for the composer (`::` and the picker), filled with this case's values.
pub async fn text_blocks(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(p): Query<BlockParams>,
) -> Response {
    let r = async {
        let d = load(&state, &agent, &id).await?;
        let mut blocks = state.core.text_blocks_for_case(d.case.id, &agent.user, &p.q, 200).await?;
        if let Some(want) = parse_uuid(&p.id) {
            // The picker names one variant; the variant fitting this contact is returned under its name.
            let name = state.core.store.text_block(TextBlockId(want)).await?.map(|b| b.name);
            blocks.retain(|b| Some(&b.name) == name.as_ref());
        }
        blocks.truncate(if p.id.is_empty() { 8 } else { 1 });
        Ok::<_, CoreError>(blocks)
    }
    .await;
    match r {
        Ok(blocks) => Json(
            blocks
                .into_iter()
                .map(|b| {
                    serde_json::json!({"id": b.id, "name": b.name, "category": b.category, "language": b.language,
                        "tone": b.tone.as_str(), "body": b.body})
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}
