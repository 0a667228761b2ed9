//! The Assist forms of the case page: analyse again, correct categories, start and end the
//! safeguarding protocol, approve or refuse a held reply, ask for drafts and discard one. Plain
//! form posts that come back to the case; the drafts also as a fragment for the script.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use resonanz_core::CoreError;
use resonanz_core::ids::{MessageId, SuggestionId};
use resonanz_core::message::Message;
use resonanz_core::user::Actor;
use serde::Deserialize;

use super::case::{Kept, load, render_case};
use super::case_assist::DraftsPanel;
use super::case_forms::after_form;
use super::{Agent, FormData, Tr, error_page, parse_uuid, render, see_other};
use crate::AppState;
use crate::assist::drafts::{ProposeError, propose_and_record, reject_visible};

#[derive(Debug, Default, Deserialize)]
pub struct FragmentParams {
    #[serde(default)]
    fragment: String,
}

impl FragmentParams {
    fn wanted(&self) -> bool {
        self.fragment == "1"
    }
}

#[derive(Template)]
#[template(path = "drafts.html")]
struct DraftsFragment {
    t: Tr,
    csrf: String,
    drafts: DraftsPanel,
}

/// The message, when the agent may see its case; otherwise "not found".
async fn visible_message(state: &AppState, agent: &Agent, id: &str) -> Result<Message, CoreError> {
    let id = parse_uuid(id).map(MessageId).ok_or(CoreError::NotFound("message"))?;
    let m = state.core.store.message(id).await?.ok_or(CoreError::NotFound("message"))?;
    state.core.visible_case(&agent.user, m.case_id).await.map_err(|e| match e {
        CoreError::NotFound(_) => CoreError::NotFound("message"),
        e => e,
    })?;
    Ok(m)
}

/// Back to the message on its case page.
fn back_to(m: &Message) -> Response {
    see_other(&format!("/cases/{}#m-{}", m.case_id, m.id))
}

/// The case page again with a message on top (a refusal that has no field of its own).
async fn refused_on_page(state: &AppState, agent: &Agent, m: &Message, e: &CoreError) -> Response {
    match e {
        CoreError::Invalid(_) => {
            let msg = super::refusal_text(agent.tr(), e);
            let kept = Kept { flash: Some((false, msg)), ..Default::default() };
            let mut res = render_case(state, agent, &m.case_id.to_string(), false, kept).await;
            if res.status() == StatusCode::OK {
                *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            res
        }
        e => error_page(state, Some(agent), e),
    }
}

pub async fn retry_analysis(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let r = async {
        let m = visible_message(&state, &agent, &id).await?;
        state.core.retry_analysis(m.id, &Actor::User(agent.user.id)).await?;
        Ok::<_, CoreError>(m)
    }
    .await;
    match r {
        Ok(m) => back_to(&m),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

pub async fn correct_categories(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let m = match visible_message(&state, &agent, &id).await {
        Ok(m) => m,
        Err(e) => return error_page(&state, Some(&agent), &e),
    };
    match state.core.correct_categories(m.id, agent.user.id, &form.all("categories")).await {
        Ok(_) => back_to(&m),
        Err(e) => refused_on_page(&state, &agent, &m, &e).await,
    }
}

pub async fn mark_safeguarding(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let r = async {
        let d = load(&state, &agent, &id).await?;
        state.core.mark_safeguarding(d.case.id, agent.user.id, &form.get("reason")).await
    }
    .await;
    after_form(&state, &agent, &id, r, "safeguarding_", |errors| Kept { errors, ..Default::default() }).await
}

pub async fn lift_safeguarding(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let r = async {
        let d = load(&state, &agent, &id).await?;
        state.core.lift_safeguarding(d.case.id, agent.user.id, &form.get("reason")).await
    }
    .await;
    after_form(&state, &agent, &id, r, "lift_", |errors| Kept { errors, ..Default::default() }).await
}

pub async fn approve(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let m = match visible_message(&state, &agent, &id).await {
        Ok(m) => m,
        Err(e) => return error_page(&state, Some(&agent), &e),
    };
    match state.core.approve_message(m.id, &agent.user).await {
        Ok(_) => back_to(&m),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

pub async fn reject(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, form: FormData) -> Response {
    let m = match visible_message(&state, &agent, &id).await {
        Ok(m) => m,
        Err(e) => return error_page(&state, Some(&agent), &e),
    };
    match state.core.reject_message(m.id, &agent.user, &form.get("reason")).await {
        Ok(_) => back_to(&m),
        Err(e) => refused_on_page(&state, &agent, &m, &e).await,
    }
}

/// Asks for drafts. Without the script the case page comes back with them; the script asks for
/// the panel alone (`?fragment=1`) and shows it in place.
pub async fn propose_drafts(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(p): Query<FragmentParams>,
) -> Response {
    let t = agent.tr();
    let case = match parse_uuid(&id).map(resonanz_core::ids::CaseId) {
        Some(cid) => state.core.visible_case(&agent.user, cid).await,
        None => Err(CoreError::NotFound("case")),
    };
    let case = match case {
        Ok(c) => c,
        Err(e) => return error_page(&state, Some(&agent), &e),
    };
    let panel = match propose_and_record(&state, &case, &agent.user).await {
        Ok(p) => DraftsPanel::new(t, true, &p.drafts, p.abstained),
        Err(ProposeError::NotConfigured) => {
            DraftsPanel { enabled: false, drafts: Vec::new(), abstained: Some(t.get("drafts-unavailable")) }
        }
        Err(ProposeError::Core(e)) => return error_page(&state, Some(&agent), &e),
    };
    if p.wanted() {
        return render(&DraftsFragment { t, csrf: agent.session.csrf_token.clone(), drafts: panel });
    }
    render_case(&state, &agent, &id, false, Kept { drafts: Some(panel), ..Default::default() }).await
}

/// Discards a draft: back to the case, or nothing for the script.
pub async fn reject_suggestion(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(p): Query<FragmentParams>,
) -> Response {
    let r = match parse_uuid(&id).map(SuggestionId) {
        Some(sid) => reject_visible(&state, &agent.user, sid).await,
        None => Err(CoreError::NotFound("suggestion")),
    };
    match r {
        Ok(_) if p.wanted() => StatusCode::NO_CONTENT.into_response(),
        Ok(s) => see_other(&format!("/cases/{}#drafts-heading", s.case_id)),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}
