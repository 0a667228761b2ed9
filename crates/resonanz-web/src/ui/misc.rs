//! Global search and the notification centre.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use resonanz_core::CoreError;
use resonanz_core::case::{Case, find_reference_token};
use resonanz_core::contact::ContactView;
use resonanz_core::workspace::Notification;
use serde::Deserialize;

use super::{Agent, Layout, error_page, render, see_other};
use crate::AppState;

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    cases: Vec<(Case, String)>,
    contacts: Vec<ContactView>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

/// Cases (by reference, subject and message text, German-aware) and contacts (name, address);
/// only what the person may see.
pub async fn search(State(state): State<AppState>, agent: Agent, Query(p): Query<SearchParams>) -> Response {
    let q = p.q.trim().to_string();
    let r = async {
        let mut cases: Vec<(Case, String)> = Vec::new();
        if q.is_empty() {
            return Ok::<_, CoreError>((cases, Vec::new()));
        }
        // A reference such as R-1234 (with or without the brackets) puts that case first.
        let token =
            find_reference_token(&format!("[#{}]", q.trim_start_matches("[#").trim_end_matches(']'))).or_else(|| {
                q.trim_start_matches(['R', 'r'])
                    .trim_start_matches('-')
                    .parse()
                    .ok()
                    .filter(|_| q.to_lowercase().starts_with("r-"))
            });
        if let Some(n) = token
            && let Some(c) = state.core.store.case_by_number(n).await?
            && state.core.can_see(&agent.user, &c).await?
        {
            cases.push((c, String::new()));
        }
        for hit in state.core.search(&q, 50).await? {
            if cases.iter().any(|(c, _)| c.id == hit.case_id) {
                continue;
            }
            if let Some(c) = state.core.store.case(hit.case_id).await?
                && state.core.can_see(&agent.user, &c).await?
            {
                let preview = state
                    .core
                    .store
                    .message(hit.message_id)
                    .await?
                    .map(|m| resonanz_core::case::preview_of(&m.text_body))
                    .unwrap_or_default();
                cases.push((c, preview));
            }
            if cases.len() >= 25 {
                break;
            }
        }
        let contacts = state.core.store.list_contacts(Some(&q), 25, None).await?;
        Ok((cases, contacts))
    }
    .await;
    match r {
        Ok((cases, contacts)) => {
            let l = Layout::for_agent(&state, &agent, "search", agent.tr().get("search-title")).await;
            render(&SearchPage { l, q, cases, contacts })
        }
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    l: Layout,
    items: Vec<Notification>,
}

pub async fn notifications(State(state): State<AppState>, agent: Agent) -> Response {
    match state.core.store.notifications(agent.user.id, 100).await {
        Ok(items) => {
            let l = Layout::for_agent(&state, &agent, "notifications", agent.tr().get("nav-notifications")).await;
            render(&NotificationsPage { l, items })
        }
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

pub async fn mark_read(State(state): State<AppState>, agent: Agent) -> Response {
    match state.core.store.mark_notifications_read(agent.user.id, None, state.core.clock.now()).await {
        Ok(()) => see_other("/notifications"),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}
