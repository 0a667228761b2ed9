//! The case page: one timeline of messages and events, the contact beside it, the composer with
//! text blocks, notes with @mentions, handover with acknowledgement, attributes and escalation;
//! presence; and what Assist adds (analyses, the safeguarding banner, held replies, drafts). Its
//! forms are in `case_forms` and `assist_forms`, attachments in `attachments`, event texts in
//! `case_events`, Assist's views in `case_assist`.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use resonanz_core::CoreError;
use resonanz_core::Timestamp;
use resonanz_core::case::{Case, CaseFilter, CaseStatus};
use resonanz_core::ids::{CaseId, TeamId, UserId};
use resonanz_core::message::{Direction, MessageView};
use resonanz_core::service::CaseDetail;
use resonanz_core::textblocks::TextBlock;
use resonanz_core::user::{Team, User};
use resonanz_core::workspace::PresenceState;
use serde::Deserialize;

use super::case_assist::{AnalysisView, ApprovalView, CaseAssist, DraftsPanel, pending_drafts};
use super::case_events::{Names, describe};
use super::{Agent, FormData, FormErrors, Layout, Tr, error_page, parse_uuid, render};
use crate::AppState;

/// One entry of the timeline: a message, or an event from the audit trail.
pub struct Item {
    pub at: Timestamp,
    pub message: Option<MessageView>,
    /// Sanitised HTML, prepared for display (remote images on request, inline images linked).
    pub html: Option<String>,
    /// Translation key of the author mark: contact, team, machine, note.
    pub mark: &'static str,
    pub mark_class: &'static str,
    pub actor: String,
    pub text: String,
    /// Inbound messages: the machine's analysis.
    pub analysis: Option<AnalysisView>,
    /// Replies on safeguarding cases: the second person's approval.
    pub approval: Option<ApprovalView>,
}

/// Prepares stored (already sanitised) mail HTML for display.
fn display_html(m: &MessageView, show_images: bool) -> Option<String> {
    let mut html = m.message.html_body.clone()?;
    for a in &m.attachments {
        if let Some(cid) = &a.content_id {
            html = html.replace(&format!("src=\"cid:{cid}\""), &format!("src=\"/attachments/{}/preview\"", a.id));
        }
    }
    if show_images {
        html = html.replace(" data-remote-src=\"", " src=\"");
    }
    Some(html)
}

fn timeline(t: Tr, d: &CaseDetail, names: &Names, assist: &CaseAssist, me: UserId, show_images: bool) -> Vec<Item> {
    let mut items: Vec<Item> = d
        .messages
        .iter()
        .map(|m| {
            let (mark, class) = match (m.message.direction.as_str(), m.message.author_kind.as_str()) {
                ("note", _) => ("mark-note", "agent"),
                (_, "contact") => ("mark-contact", "contact"),
                (_, "automation") => ("mark-machine", "automation"),
                _ => ("mark-team", "agent"),
            };
            // Our own messages show the person who wrote them, not the mailbox they left from.
            let actor = m
                .message
                .author_user_id
                .and_then(|u| names.users.get(&u.to_string()).cloned())
                .or_else(|| m.message.from_name.clone().filter(|n| !n.is_empty()))
                .or_else(|| m.message.from_addr.clone())
                .unwrap_or_default();
            let id = m.message.id;
            let analysis = (m.message.direction == Direction::Inbound)
                .then(|| assist.analyses.iter().find(|a| a.message_id == id))
                .flatten()
                .map(|a| AnalysisView::new(t, a));
            let approval =
                assist.approvals.iter().find(|a| a.message_id == id).map(|a| ApprovalView::new(t, names, a, me));
            Item {
                at: m.message.created_at,
                html: display_html(m, show_images),
                message: Some(m.clone()),
                mark,
                mark_class: class,
                actor,
                text: String::new(),
                analysis,
                approval,
            }
        })
        .collect();
    for e in &d.events {
        if let Some((text, mark, class)) = describe(t, names, e) {
            let at = chrono::DateTime::from_timestamp_micros(e.at_micros).unwrap_or_default();
            items.push(Item {
                at,
                message: None,
                html: None,
                mark,
                mark_class: class,
                actor: String::new(),
                text,
                analysis: None,
                approval: None,
            });
        }
    }
    // Stable: a message and the event it caused keep their order.
    items.sort_by_key(|i| i.at);
    items
}

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelineFragment {
    t: Tr,
    csrf: String,
    items: Vec<Item>,
    show_images: bool,
}

#[derive(Template)]
#[template(path = "presence.html")]
struct PresenceFragment {
    t: Tr,
    others: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    l: Layout,
    t: Tr,
    d: CaseDetail,
    items: Vec<Item>,
    show_images: bool,
    users: Vec<User>,
    teams: Vec<Team>,
    statuses: Vec<&'static str>,
    priorities: Vec<&'static str>,
    other_cases: Vec<Case>,
    resp: super::case_responsibility::ResponsibilityBox,
    blocks: Vec<TextBlock>,
    pending_handover: Option<(String, String)>,
    waiting_handover: Option<String>,
    presence: Vec<(String, bool)>,
    errors: FormErrors,
    reply_text: String,
    reply_to: String,
    used_blocks: String,
    seen_message_id: String,
    note_text: String,
    assign_note: String,
    assign_owner: Option<String>,
    collision: String,
    /// The contact form's fields: the stored contact's, or as sent in a refused form.
    contact_form: ContactForm,
    /// The session's CSRF token, for the forms in the timeline and the drafts panel.
    csrf: String,
    drafts: DraftsPanel,
    /// The draft the reply text started from (kept after a refusal).
    draft_id: String,
}

impl CasePage {
    /// The owner the form shows: the one chosen in a refused form, else the case's.
    fn owner_is(&self, id: &UserId) -> bool {
        match &self.assign_owner {
            Some(chosen) => *chosen == id.to_string(),
            None => self.d.case.owner_id.as_ref() == Some(id),
        }
    }
    fn team_is(&self, id: &TeamId) -> bool {
        self.d.case.team_id.as_ref() == Some(id)
    }
    /// When the first response is due, in the organisation's time zone.
    fn sla_due(&self) -> String {
        self.d.case.safeguarding_due_at.map(|t| self.t.datetime(t)).unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CaseParams {
    #[serde(default)]
    images: String,
}

/// The contact form's fields as text: attributes as one `key: value` line each.
#[derive(Debug, Default, Clone)]
pub(super) struct ContactForm {
    pub(super) address_form: String,
    pub(super) language: String,
    pub(super) notes: String,
    pub(super) attributes: String,
}

impl ContactForm {
    fn of(c: &resonanz_core::contact::Contact) -> Self {
        Self {
            address_form: c.address_form.as_str().to_string(),
            language: c.language.clone(),
            notes: c.notes.clone(),
            attributes: attribute_lines(&c.attributes),
        }
    }
}

/// A contact's attributes as the contact form edits them: one `key: value` line each.
pub(super) fn attribute_lines(attributes: &BTreeMap<String, String>) -> String {
    attributes.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
}

/// The attribute lines of the contact form: `key: value`, blank lines skipped, a later line for the
/// same key wins. Keys and values are checked by core.
pub(super) fn parse_attribute_lines(text: &str) -> Result<BTreeMap<String, String>, CoreError> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let Some((key, value)) = line.split_once(':') else {
            return Err(CoreError::invalid(
                "attributes",
                "attribute_line",
                format!("line {}: expected 'key: value'", n + 1),
            ));
        };
        // Keys are lower-cased here as core stores them, so that of two spellings the later line wins.
        out.insert(key.trim().to_lowercase(), value.trim().to_string());
    }
    Ok(out)
}

/// What the forms on the page held, to show again after a refusal.
#[derive(Default)]
pub(super) struct Kept {
    pub(super) errors: FormErrors,
    pub(super) reply_text: String,
    pub(super) reply_to: Option<String>,
    pub(super) used_blocks: String,
    pub(super) note_text: String,
    pub(super) assign_note: String,
    /// The owner chosen in a refused handover form (`""` for nobody).
    pub(super) assign_owner: Option<String>,
    /// A refused contact form as it was sent.
    pub(super) contact_form: Option<ContactForm>,
    pub(super) collision: String,
    pub(super) flash: Option<(bool, String)>,
    /// Drafts just proposed (with the reason when there are none); otherwise the pending ones.
    pub(super) drafts: Option<DraftsPanel>,
    pub(super) draft_id: String,
}

fn case_id(s: &str) -> Result<CaseId, CoreError> {
    parse_uuid(s).map(CaseId).ok_or(CoreError::NotFound("case"))
}

pub(super) async fn load(state: &AppState, agent: &Agent, id: &str) -> Result<CaseDetail, CoreError> {
    let id = case_id(id)?;
    state.core.visible_case(&agent.user, id).await?;
    state.core.case_detail(id).await
}

async fn names(state: &AppState, d: &CaseDetail) -> Result<(Names, Vec<User>), CoreError> {
    let users = state.core.store.list_users().await?;
    let names = Names::new(
        users.iter().map(|u| (u.id.to_string(), u.display_name.clone())).collect(),
        d.contact.as_ref().map(|c| c.contact.display_name.clone()).unwrap_or_default(),
    );
    Ok((names, users))
}

/// Who else is on the case (name, writing a reply), named from `users`.
async fn presence_of(
    state: &AppState,
    agent: &Agent,
    case: CaseId,
    users: &[User],
) -> Result<Vec<(String, bool)>, CoreError> {
    Ok(state
        .core
        .present_on(case)
        .await?
        .into_iter()
        .filter(|p| p.user_id != agent.user.id)
        .filter_map(|p| {
            users
                .iter()
                .find(|u| u.id == p.user_id)
                .map(|u| (u.display_name.clone(), p.state == PresenceState::Composing))
        })
        .collect())
}

pub(super) async fn render_case(state: &AppState, agent: &Agent, id: &str, show_images: bool, kept: Kept) -> Response {
    let t = agent.tr();
    let result = async {
        let d = load(state, agent, id).await?;
        let (names, users) = names(state, &d).await?;
        let teams = state.core.store.teams().await?;
        let teams_of = state.core.teams_of(agent.user.id).await?;
        let other_cases = state
            .core
            .list_cases(CaseFilter {
                contact_id: Some(d.case.contact_id),
                limit: 11,
                // Agents see only the other cases they may open.
                visible_to: (!agent.is_manager())
                    .then(|| resonanz_core::case::Visibility { user_id: agent.user.id, team_ids: teams_of.clone() }),
                ..Default::default()
            })
            .await?
            .items
            .into_iter()
            .filter(|c| c.id != d.case.id)
            .take(10)
            .collect();
        let handovers = state.core.store.case_handovers(d.case.id).await?;
        let resp =
            super::case_responsibility::ResponsibilityBox::load(state, agent, &d.case, &names, &handovers).await?;
        let open = handovers.iter().rev().find(|h| h.acknowledged_at.is_none() && h.to_user_id.is_some());
        let pending_handover = open
            .filter(|h| h.to_user_id == Some(agent.user.id))
            .map(|h| (names.user(t, Some(&h.by_user_id.to_string())), h.note.clone()));
        let waiting_handover = open
            .filter(|h| h.to_user_id != Some(agent.user.id))
            .map(|h| names.user(t, h.to_user_id.map(|u| u.to_string()).as_deref()));
        let blocks = state.core.text_blocks_for_case(d.case.id, &agent.user, "", 200).await?;
        let presence = presence_of(state, agent, d.case.id, &users).await?;
        let assist = CaseAssist::load(&state.core, d.case.id).await?;
        let pending = if kept.drafts.is_none() { pending_drafts(&state.core, &d).await? } else { Vec::new() };
        Ok::<_, CoreError>((
            d,
            (names, assist, pending),
            users,
            teams,
            other_cases,
            resp,
            pending_handover,
            waiting_handover,
            blocks,
            presence,
        ))
    }
    .await;
    let (
        d,
        (names, assist, pending),
        users,
        teams,
        other_cases,
        resp,
        pending_handover,
        waiting_handover,
        blocks,
        presence,
    ) = match result {
        Ok(x) => x,
        Err(e) => return error_page(state, Some(agent), &e),
    };
    let items = timeline(t, &d, &names, &assist, agent.user.id, show_images);
    let drafts = kept.drafts.unwrap_or_else(|| DraftsPanel::new(t, state.drafts.is_some(), &pending, None));
    let seen_message_id = d.messages.last().map(|m| m.message.id.to_string()).unwrap_or_default();
    let reply_to = kept.reply_to.clone().unwrap_or_else(|| {
        d.messages
            .iter()
            .rev()
            .find(|m| m.message.direction.as_str() == "inbound")
            .and_then(|m| m.message.from_addr.clone())
            .unwrap_or_default()
    });
    let mut l = Layout::for_agent(state, agent, "inbox", format!("{} {}", d.reference, d.case.subject)).await;
    let failed = !kept.errors.is_empty() || !kept.collision.is_empty();
    l.flash = kept.flash;
    let mut res = render(&CasePage {
        l,
        t,
        items,
        show_images,
        users: users.into_iter().filter(|u| u.active).collect(),
        teams,
        statuses: CaseStatus::ALL.iter().map(|s| s.as_str()).collect(),
        priorities: ["low", "normal", "high", "urgent"].to_vec(),
        other_cases,
        resp,
        blocks,
        pending_handover,
        waiting_handover,
        presence,
        errors: kept.errors,
        reply_text: kept.reply_text,
        reply_to,
        used_blocks: kept.used_blocks,
        seen_message_id,
        note_text: kept.note_text,
        assign_note: kept.assign_note,
        assign_owner: kept.assign_owner,
        collision: kept.collision,
        contact_form: kept
            .contact_form
            .unwrap_or_else(|| d.contact.as_ref().map(|cv| ContactForm::of(&cv.contact)).unwrap_or_default()),
        csrf: agent.session.csrf_token.clone(),
        drafts,
        draft_id: kept.draft_id,
        d,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    if show_images {
        // The agent asked for remote images: this page may load them.
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; img-src 'self' https: http:; object-src 'none'; \
                 frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ),
        );
    }
    res
}

pub async fn page(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(p): Query<CaseParams>,
) -> Response {
    render_case(&state, &agent, &id, p.images == "1", Kept::default()).await
}

pub async fn timeline_fragment(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(p): Query<CaseParams>,
) -> Response {
    let t = agent.tr();
    let show_images = p.images == "1";
    match async {
        let d = load(&state, &agent, &id).await?;
        let (names, _) = names(&state, &d).await?;
        let assist = CaseAssist::load(&state.core, d.case.id).await?;
        Ok::<_, CoreError>(timeline(t, &d, &names, &assist, agent.user.id, show_images))
    }
    .await
    {
        Ok(items) => render(&TimelineFragment { t, csrf: agent.session.csrf_token.clone(), items, show_images }),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

pub async fn presence_get(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let r = async {
        let id = case_id(&id)?;
        state.core.visible_case(&agent.user, id).await?;
        presence_of(&state, &agent, id, &state.core.store.list_users().await?).await
    }
    .await;
    match r {
        Ok(others) => render(&PresenceFragment { t: agent.tr(), others }),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

pub async fn presence_post(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let r = async {
        let id = case_id(&id)?;
        state.core.visible_case(&agent.user, id).await?;
        let st = if form.get("composing") == "1" { PresenceState::Composing } else { PresenceState::Viewing };
        state.core.heartbeat(id, agent.user.id, st).await?;
        presence_of(&state, &agent, id, &state.core.store.list_users().await?).await
    }
    .await;
    match r {
        Ok(others) => render(&PresenceFragment { t: agent.tr(), others }),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

pub async fn presence_leave(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    if let Ok(id) = case_id(&id)
        && state.core.visible_case(&agent.user, id).await.is_ok()
    {
        let _ = state.core.heartbeat(id, agent.user.id, PresenceState::Left).await;
    }
    StatusCode::NO_CONTENT.into_response()
}
