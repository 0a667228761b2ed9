//! The inbox: views by role, filters, saved views, bulk actions, and the rows fragment the live
//! updates reload.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use resonanz_core::case::{CaseCursor, CaseStatus};
use resonanz_core::ids::{CaseId, SavedViewId, TeamId, UserId};
use resonanz_core::user::{Team, User};
use resonanz_core::workspace::{BulkAction, InboxQuery, InboxRow, InboxView, SavedView};
use resonanz_core::{CoreError, Timestamp};
use serde::Deserialize;

use super::{Agent, FormData, Layout, Tr, error_page, parse_uuid, render, see_other};
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct InboxParams {
    #[serde(default)]
    pub view: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub cursor: String,
}

impl InboxParams {
    fn query(&self) -> InboxQuery {
        InboxQuery {
            view: InboxView::parse(&self.view),
            status: CaseStatus::parse(&self.status),
            team_id: parse_uuid(&self.team).map(TeamId),
            text: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
            cursor: CaseCursor::decode(&self.cursor),
            limit: 50,
        }
    }
    /// The query string of this view without the cursor (for links, refresh and saving).
    fn encode(&self, view: &str) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("view", view);
        for (k, v) in [("status", &self.status), ("team", &self.team), ("q", &self.q)] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

#[derive(Template)]
#[template(path = "inbox_rows.html")]
struct RowsFragment {
    t: Tr,
    rows: Vec<InboxRow>,
    now: Timestamp,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    l: Layout,
    t: Tr,
    rows: Vec<InboxRow>,
    now: Timestamp,
    views: Vec<&'static str>,
    view: &'static str,
    statuses: Vec<&'static str>,
    all_statuses: Vec<&'static str>,
    status: String,
    teams: Vec<Team>,
    team: String,
    q: String,
    query: String,
    next_cursor: Option<String>,
    saved: Vec<SavedView>,
    users: Vec<User>,
}

pub async fn page(State(state): State<AppState>, agent: Agent, Query(p): Query<InboxParams>) -> Response {
    render_inbox(&state, &agent, &p, None).await
}

/// The inbox page, with a message on top after an action. Every role has every view: "all" is
/// everything for supervisors and admins, and everything an agent may see for agents.
async fn render_inbox(state: &AppState, agent: &Agent, p: &InboxParams, flash: Option<(bool, String)>) -> Response {
    let t = agent.tr();
    let q = p.query();
    let view = q.view.unwrap_or(InboxView::Mine).as_str();
    let result = async {
        let page = state.core.inbox(&agent.user, &q).await?;
        let teams = state.core.store.teams().await?;
        let saved = state.core.store.saved_views(agent.user.id).await?;
        let users = state.core.store.list_users().await?.into_iter().filter(|u| u.active).collect();
        Ok::<_, resonanz_core::CoreError>((page, teams, saved, users))
    }
    .await;
    let (page, teams, saved, users) = match result {
        Ok(x) => x,
        Err(e) => return error_page(state, Some(agent), &e),
    };
    let mut l = Layout::for_agent(state, agent, "inbox", t.get(&format!("view-{view}"))).await;
    let failed = flash.as_ref().is_some_and(|(ok, _)| !ok);
    l.flash = flash;
    let mut res = render(&InboxPage {
        l,
        t,
        rows: page.items,
        now: state.core.clock.now(),
        views: InboxView::ALL.iter().map(|v| v.as_str()).collect(),
        view,
        statuses: CaseStatus::ALL.iter().map(|s| s.as_str()).collect(),
        all_statuses: CaseStatus::ALL.iter().map(|s| s.as_str()).collect(),
        status: p.status.clone(),
        teams,
        team: p.team.clone(),
        q: p.q.clone(),
        query: p.encode(view),
        next_cursor: page.next_cursor,
        saved,
        users,
    });
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// The rows alone, for live refresh.
pub async fn rows(State(state): State<AppState>, agent: Agent, Query(p): Query<InboxParams>) -> Response {
    match state.core.inbox(&agent.user, &p.query()).await {
        Ok(page) => render(&RowsFragment { t: agent.tr(), rows: page.items, now: state.core.clock.now() }),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

pub async fn bulk(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let t = agent.tr();
    let ids: Vec<CaseId> = form.all("case_ids").iter().filter_map(|s| parse_uuid(s)).map(CaseId).collect();
    let back = super::local_path(&form.get("back"));
    let action = match form.get("action").as_str() {
        "take" => BulkAction::Assign { owner: Some(agent.user.id), note: form.get("note") },
        "assign" => BulkAction::Assign { owner: parse_uuid(&form.get("owner_id")).map(UserId), note: form.get("note") },
        "tag" if !form.get("tag").trim().is_empty() => BulkAction::AddTag(form.get("tag")),
        "status" => match CaseStatus::parse(&form.get("status")) {
            Some(s) => BulkAction::Status(s),
            None => return flash_back(&state, &agent, &back, false, t.get("bulk-invalid")).await,
        },
        _ => return flash_back(&state, &agent, &back, false, t.get("bulk-invalid")).await,
    };
    if ids.is_empty() {
        return flash_back(&state, &agent, &back, false, t.get("bulk-none-selected")).await;
    }
    match state.core.bulk(&agent.user, &ids, &action).await {
        Ok(out) if out.failed.is_empty() => {
            flash_back(&state, &agent, &back, true, t.count("bulk-done", out.changed as i64)).await
        }
        Ok(out) => {
            let reasons: Vec<String> = out.failed.iter().map(|(_, e)| super::refusal_text(t, e)).collect();
            let msg = format!("{} {}", t.count("bulk-failed", out.failed.len() as i64), reasons.join("; "));
            flash_back(&state, &agent, &back, false, msg).await
        }
        Err(e @ CoreError::Invalid(_)) => flash_back(&state, &agent, &back, false, super::refusal_text(t, &e)).await,
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

/// The inbox again with a message on top (the page that did the action, with its filters).
async fn flash_back(state: &AppState, agent: &Agent, back: &str, ok: bool, msg: String) -> Response {
    let query = back.split_once('?').map(|(_, q)| q).unwrap_or_default();
    render_inbox(state, agent, &params_of(query), Some((ok, msg))).await
}

fn params_of(query: &str) -> InboxParams {
    let pairs = super::FormData::parse(query.as_bytes());
    InboxParams {
        view: pairs.get("view"),
        status: pairs.get("status"),
        team: pairs.get("team"),
        q: pairs.get("q"),
        cursor: String::new(),
    }
}

pub async fn save_view(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    match state.core.save_view(agent.user.id, &form.get("name"), &form.get("query")).await {
        Ok(v) => see_other(&format!("/?{}", v.query)),
        Err(e) => {
            let msg = super::refusal_text(agent.tr(), &e);
            flash_back(&state, &agent, &format!("/?{}", form.get("query")), false, msg).await
        }
    }
}

pub async fn delete_view(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    if let Some(id) = parse_uuid(&id)
        && let Err(e) = state.core.store.delete_saved_view(agent.user.id, SavedViewId(id)).await
    {
        return error_page(&state, Some(&agent), &e);
    }
    see_other("/")
}
