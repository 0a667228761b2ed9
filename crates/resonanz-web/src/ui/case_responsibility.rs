//! The responsibility box of the case page: the SLA (due instants and state), the escalation and
//! its acknowledgement, follow-ups (Wiedervorlage), and the ownership history (who held the case,
//! how long, why it moved). Plus the forms behind it.

use axum::extract::{Path, State};
use axum::response::Response;
use resonanz_core::CoreError;
use resonanz_core::case::Case;
use resonanz_core::ids::FollowUpId;
use resonanz_core::responsibility::{FollowUp, FollowUpKind};
use resonanz_core::user::Role;
use resonanz_core::workspace::Handover;

use super::case::{Kept, load};
use super::case_events::Names;
use super::case_forms::after_form;
use super::{Agent, FormData, Tr, parse_uuid, see_other};
use crate::AppState;

/// One follow-up as the box lists it.
pub struct FollowUpRow {
    pub id: String,
    pub kind: &'static str,
    pub note: String,
    pub due: String,
    pub overdue: bool,
}

/// What the responsibility box shows.
pub struct ResponsibilityBox {
    pub sla_state: &'static str,
    pub first_response_due: String,
    pub resolution_due: String,
    pub paused_since: String,
    pub escalation_level: i32,
    pub escalation_reason: String,
    pub escalation_acknowledged: String,
    /// The person on the page may acknowledge the open escalation.
    pub can_acknowledge: bool,
    pub snoozed_until: String,
    pub follow_ups: Vec<FollowUpRow>,
    pub history: Vec<String>,
}

impl ResponsibilityBox {
    pub async fn load(
        state: &AppState,
        agent: &Agent,
        case: &Case,
        names: &Names,
        handovers: &[Handover],
    ) -> Result<Self, CoreError> {
        let t = agent.tr();
        let now = state.core.clock.now();
        let dt = |x: Option<resonanz_core::Timestamp>| x.map(|x| t.datetime(x)).unwrap_or_default();
        let lead = match case.team_id {
            Some(team) => {
                state.core.store.teams().await?.into_iter().find(|x| x.id == team).and_then(|x| x.lead_user_id)
            }
            None => None,
        };
        let can_acknowledge = case.escalation_level > 0
            && case.escalation_ack_at.is_none()
            && (agent.user.role != Role::Agent || (case.escalation_level == 1 && lead == Some(agent.user.id)));
        let follow_ups = state
            .core
            .case_follow_ups(case.id)
            .await?
            .into_iter()
            .filter(|f: &FollowUp| f.done_at.is_none())
            .map(|f| FollowUpRow {
                id: f.id.to_string(),
                kind: f.kind.as_str(),
                note: f.note.clone(),
                due: t.datetime(f.due_at),
                overdue: f.due_at <= now,
            })
            .collect();
        let spans = state.core.ownership(case.id).await?;
        let history = spans
            .iter()
            .map(|s| {
                let to = names.user(t, s.user_id.map(|u| u.to_string()).as_deref());
                let until = s.until.unwrap_or(now);
                let why = match (s.source.as_str(), s.by_user_id) {
                    ("routing", _) => format!("{} {}", t.get("owner-by-rule"), s.note),
                    (_, Some(by)) => format!("{} {}", t.get("by"), names.user(t, Some(&by.to_string()))),
                    _ => String::new(),
                };
                let mut line = format!("{} · {to} ({}) · {why}", t.datetime(s.from), t.age(s.from, until));
                if s.source != "routing" && !s.note.is_empty() {
                    line.push_str(&format!(" — „{}“", s.note));
                }
                // A handover made at the same instant tells whether it was acknowledged.
                if let Some(h) = handovers.iter().find(|h| h.created_at == s.from && h.to_user_id == s.user_id) {
                    // Taking a case oneself or giving it back needs no acknowledgement.
                    let handed_to_someone = h.to_user_id.is_some_and(|to| to != h.by_user_id);
                    match h.acknowledged_at {
                        Some(a) if handed_to_someone => {
                            line.push_str(&format!(" · {} {}", t.get("acknowledged"), t.datetime(a)))
                        }
                        Some(_) => {}
                        None if h.to_user_id.is_some() => line.push_str(&format!(" · {}", t.get("not-acknowledged"))),
                        None => {}
                    }
                }
                line
            })
            .collect();
        Ok(Self {
            sla_state: case.sla.state.as_str(),
            first_response_due: dt(case.sla.first_response_due),
            resolution_due: dt(case.sla.resolution_due),
            paused_since: dt(case.sla.paused_at),
            escalation_level: case.escalation_level,
            escalation_reason: case.escalation_reason.clone().unwrap_or_default(),
            escalation_acknowledged: match (case.escalation_ack_at, case.escalation_ack_by) {
                (Some(at), by) => {
                    format!("{} {}", names.user(t, by.map(|b| b.to_string()).as_deref()), t.datetime(at))
                }
                _ => String::new(),
            },
            can_acknowledge,
            snoozed_until: case.snoozed_until.filter(|s| *s > now).map(|s| t.datetime(s)).unwrap_or_default(),
            follow_ups,
            history,
        })
    }
}

pub async fn acknowledge_escalation(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let r = async {
        let d = load(&state, &agent, &id).await?;
        state.core.acknowledge_escalation(d.case.id, &agent.user).await
    }
    .await;
    after_form(&state, &agent, &id, r, "", |errors| Kept { errors, ..Default::default() }).await
}

pub async fn add_follow_up(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let t: Tr = agent.tr();
    let r = async {
        let d = load(&state, &agent, &id).await?;
        let kind = FollowUpKind::parse(&form.get("kind")).unwrap_or(FollowUpKind::Snooze);
        let due = super::i18n::local_input(&form.get("due_at"))
            .ok_or_else(|| CoreError::invalid("due_at", "invalid_time", t.get("err-invalid-time")))?;
        state.core.add_follow_up(d.case.id, agent.user.id, kind, due, &form.get("note")).await
    }
    .await;
    after_form(&state, &agent, &id, r, "follow_", |errors| Kept { errors, ..Default::default() }).await
}

pub async fn complete_follow_up(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let r = async {
        let fid = parse_uuid(&id).map(FollowUpId).ok_or(CoreError::NotFound("follow-up"))?;
        state.core.complete_follow_up(fid, &agent.user).await
    }
    .await;
    match r {
        Ok(f) => see_other(&format!("/cases/{}", f.case_id)),
        Err(e) => super::error_page(&state, Some(&agent), &e),
    }
}
