//! Live updates. Every server process tails the audit log and the presence table (the database
//! is the message bus, so several processes on one PostgreSQL see each other's changes) and fans
//! the changes out to its browsers over server-sent events. On PostgreSQL a LISTEN/NOTIFY
//! trigger wakes the tail at once; otherwise it polls.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use resonanz_core::ids::{CaseId, TeamId, UserId};
use resonanz_core::service::Core;
use resonanz_core::user::Role;
use resonanz_core::workspace::PresenceState;
use tokio::sync::{Notify, broadcast, watch};

use super::Agent;
use crate::AppState;

#[derive(Debug, Clone, PartialEq)]
pub enum LiveKind {
    Case,
    Presence,
    /// Only notification counts changed (routing, escalation, SLA warnings, follow-ups …).
    Notification,
}

/// One change, as the tail saw it.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    pub kind: LiveKind,
    pub case_id: CaseId,
    pub reference: String,
    pub team_id: Option<TeamId>,
    pub owner_id: Option<UserId>,
    pub action: String,
    /// People whose notification count changed.
    pub notify: Vec<UserId>,
}

#[derive(Clone)]
pub struct LiveHub {
    tx: broadcast::Sender<LiveEvent>,
    wake: Arc<Notify>,
    /// Turns true at shutdown: open event streams end, so a graceful shutdown does not wait for
    /// browsers that would never hang up.
    closed: Arc<watch::Sender<bool>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveHub {
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
            wake: Arc::new(Notify::new()),
            closed: Arc::new(watch::channel(false).0),
        }
    }
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }
    /// Wakes the tail now (a database notification arrived).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}

fn ids_in(raw: &Option<String>, key: &str) -> Vec<UserId> {
    let v = raw.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
    let Some(v) = v.and_then(|v| v.get(key).cloned()) else { return Vec::new() };
    let list = if let Some(a) = v.as_array() { a.clone() } else { vec![v] };
    list.iter().filter_map(|x| x.as_str()).filter_map(|s| uuid::Uuid::parse_str(s).ok()).map(UserId).collect()
}

/// Tails the database until `shutdown`, publishing what changed. `every` is the polling interval
/// when nothing wakes it.
pub async fn run_tail(core: Core, hub: LiveHub, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut seq = match core.store.audit_head().await {
        Ok((s, _)) => s,
        Err(e) => {
            tracing::error!(error = %e, "live updates: cannot read the audit head");
            0
        }
    };
    let mut presence_seen: HashMap<(CaseId, UserId), (i64, PresenceState)> = HashMap::new();
    let mut last_notification = core.store.notifications_after(None, 1).await.ok().and_then(|(_, n)| n);
    loop {
        tokio::select! {
            _ = hub.wake.notified() => {}
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            hub.closed.send_replace(true);
            break;
        }
        if let Err(e) = tail_notifications(&core, &hub, &mut last_notification).await {
            tracing::warn!(error = %e, "live updates: reading notifications failed, retrying");
        }
        if let Err(e) = tail_once(&core, &hub, &mut seq, &mut presence_seen).await {
            tracing::warn!(error = %e, "live updates: tail failed, retrying");
        }
    }
}

/// Tells the people who got new notifications, whatever made them.
async fn tail_notifications(
    core: &Core,
    hub: &LiveHub,
    last: &mut Option<resonanz_core::ids::NotificationId>,
) -> resonanz_core::error::CoreResult<()> {
    let (found, newest) = core
        .store
        .notifications_after(last.or(Some(resonanz_core::ids::NotificationId(uuid::Uuid::nil()))), 500)
        .await?;
    *last = newest.or(*last);
    let mut people: Vec<UserId> = found.iter().map(|n| n.user_id).collect();
    people.sort();
    people.dedup();
    if !people.is_empty() {
        let _ = hub.tx.send(LiveEvent {
            kind: LiveKind::Notification,
            case_id: CaseId(uuid::Uuid::nil()),
            reference: String::new(),
            team_id: None,
            owner_id: None,
            action: "notification".into(),
            notify: people,
        });
    }
    Ok(())
}

async fn tail_once(
    core: &Core,
    hub: &LiveHub,
    seq: &mut i64,
    presence_seen: &mut HashMap<(CaseId, UserId), (i64, PresenceState)>,
) -> resonanz_core::error::CoreResult<()> {
    let mut cases = HashMap::new();
    loop {
        let events = core.store.audit_events(*seq, 500).await?;
        let n = events.len();
        for e in events {
            *seq = e.seq;
            if e.subject_type != "case" {
                continue;
            }
            let Some(id) = uuid::Uuid::parse_str(&e.subject_id).ok().map(CaseId) else { continue };
            if let std::collections::hash_map::Entry::Vacant(v) = cases.entry(id) {
                v.insert(core.store.case(id).await?);
            }
            let Some(Some(case)) = cases.get(&id) else { continue };
            let mut notify = ids_in(&e.after, "mentions");
            if e.action == "case.assigned" {
                notify.extend(ids_in(&e.after, "owner_id"));
            }
            // No receivers is fine: nobody is looking.
            let _ = hub.tx.send(LiveEvent {
                kind: LiveKind::Case,
                case_id: id,
                reference: case.reference(),
                team_id: case.team_id,
                owner_id: case.owner_id,
                action: e.action.clone(),
                notify,
            });
        }
        if n < 500 {
            break;
        }
    }
    let since = core.clock.now() - chrono::Duration::seconds(90);
    let rows = core.store.presence_changed_since(since).await?;
    presence_seen.retain(|_, (at, _)| *at >= since.timestamp_micros());
    for p in rows {
        let key = (p.case_id, p.user_id);
        let val = (p.seen_at.timestamp_micros(), p.state);
        if presence_seen.get(&key) == Some(&val) {
            continue;
        }
        let changed_state = presence_seen.get(&key).is_none_or(|(_, s)| *s != p.state);
        presence_seen.insert(key, val);
        // A heartbeat that changes nothing visible is not worth a message.
        if !changed_state {
            continue;
        }
        if let Some(case) = core.store.case(p.case_id).await? {
            let _ = hub.tx.send(LiveEvent {
                kind: LiveKind::Presence,
                case_id: p.case_id,
                reference: case.reference(),
                team_id: case.team_id,
                owner_id: case.owner_id,
                action: "presence".into(),
                notify: Vec::new(),
            });
        }
    }
    Ok(())
}

/// How often an open event stream checks that its session is still valid and re-reads the teams.
const RECHECK: Duration = Duration::from_secs(30);

/// `GET /events`: the signed-in person's stream of changes they may see.
pub async fn events(
    State(state): State<AppState>,
    agent: Agent,
) -> Sse<impl futures::Stream<Item = Result<Event, Infallible>>> {
    let teams = state.core.teams_of(agent.user.id).await.unwrap_or_default();
    let rx = state.ui.live.subscribe();
    let t = agent.tr();
    let me = agent.user.id;
    let sees_all = agent.user.role != Role::Agent;
    let core = state.core.clone();
    let closed = state.ui.live.closed.subscribe();
    let secret = agent.secret.clone();
    let first_check = tokio::time::Instant::now() + RECHECK;
    let state0 = (rx, closed, teams, first_check);
    let stream = futures::stream::unfold(state0, move |(mut rx, mut closed, mut teams, mut check_at)| {
        let core = core.clone();
        let secret = secret.clone();
        async move {
            loop {
                if *closed.borrow() {
                    return None;
                }
                let e = tokio::select! {
                    r = rx.recv() => match r {
                        Ok(e) => e,
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = closed.changed() => return None,
                    // A stream outlives no sign-out, deactivation or change of teams for long.
                    _ = tokio::time::sleep_until(check_at) => {
                        check_at = tokio::time::Instant::now() + RECHECK;
                        match core.session_user(&secret).await {
                            Ok(Some(_)) => teams = core.teams_of(me).await.unwrap_or_default(),
                            _ => return None,
                        }
                        continue;
                    }
                };
                let visible = sees_all
                    || e.owner_id == Some(me)
                    || e.team_id.is_none()
                    || e.team_id.is_some_and(|t| teams.contains(&t));
                let mut out = Vec::new();
                if e.notify.contains(&me) {
                    let unread = core.store.unread_notifications(me).await.unwrap_or(0);
                    out.push(
                        Event::default().event("notification").data(serde_json::json!({"unread": unread}).to_string()),
                    );
                }
                if visible && e.kind != LiveKind::Notification {
                    let data = match e.kind {
                        LiveKind::Case => {
                            let key = format!("live-{}", e.action.replace(['.', '_'], "-"));
                            let text = t.get(&key);
                            let text = if text == key { t.get("live-changed") } else { text };
                            let summary = format!("{}: {text}", e.reference);
                            ("case", serde_json::json!({"case_id": e.case_id, "action": e.action, "summary": summary}))
                        }
                        LiveKind::Presence | LiveKind::Notification => {
                            ("presence", serde_json::json!({"case_id": e.case_id}))
                        }
                    };
                    out.push(Event::default().event(data.0).data(data.1.to_string()));
                }
                if !out.is_empty() {
                    return Some((futures::stream::iter(out.into_iter().map(Ok)), (rx, closed, teams, check_at)));
                }
            }
        }
    });
    use futures::StreamExt;
    Sse::new(stream.flatten()).keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}
