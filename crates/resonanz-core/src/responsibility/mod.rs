//! Responsibility: who takes care of a case, by when, and what happens when nobody does.
//!
//! - Every save of a case goes through [`save_case`]: the SLA clock is kept (`sla::track`), and a
//!   state that turns to warning or breach is recorded, told and escalated in the same
//!   transaction.
//! - Escalations (`escalation`) raise a case to the team lead or the supervisors, must be
//!   acknowledged, and are recorded with their reason and source, de-escalations too.
//! - Owner changes are logged in `assignments` (the ownership timeline and the daily cap read it).
//! - The watcher (`tick`) runs every minute: SLA warnings and breaches, handover reminders and
//!   their escalation, cases without an owner or without activity, and follow-ups that are due.
//! - Follow-ups (`follow_up`): snoozing and tasks with a due date.
//! - Satisfaction surveys (`survey`): a link after resolution, answered without signing in.

mod escalation;
mod follow_up;
mod survey;
mod tick;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::audit::NewAuditEvent;
use crate::case::Case;
use crate::clock::Timestamp;
use crate::error::CoreResult;
use crate::ids::{AssignmentId, CaseId, RoutingRuleId, UserId};
use crate::service::Core;
use crate::sla::{SlaContext, SlaState};
use crate::store::Tx;
use crate::user::Actor;

pub(crate) use escalation::team_lead;
pub use escalation::{AsksFor, Escalation, EscalationSource, MAX_LEVEL, asks_for_person};
pub use follow_up::{FollowUp, FollowUpKind};
pub use survey::{CsatSummary, Survey, SurveyPage};
pub use tick::TickReport;

/// Thresholds and levels an administrator sets (setting `responsibility`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResponsibilitySettings {
    /// An unacknowledged handover is reminded after this many minutes …
    pub handover_remind_minutes: i64,
    /// … and escalated to the team lead after this many.
    pub handover_escalate_minutes: i64,
    /// The watcher reports open cases without an owner after this many minutes.
    pub unowned_minutes: i64,
    /// … and open cases nobody touched for this many hours.
    pub inactive_hours: i64,
    /// The escalation level an SLA warning raises a case to (0 = none).
    pub sla_warning_level: i32,
    /// The escalation level an SLA breach raises a case to.
    pub sla_breach_level: i32,
    /// Escalation levels by category (complaint, threat, …) when Assist or a person sets it.
    pub category_levels: HashMap<String, i32>,
    /// The level when the contact asks for a person / for a manager.
    pub asks_for_person_level: i32,
    pub asks_for_manager_level: i32,
    /// Daily cap on distressing cases for people without their own.
    pub distressing_cap: i64,
    /// Send a satisfaction survey when a case is resolved.
    pub csat_enabled: bool,
    /// How long a survey link stays valid.
    pub csat_valid_days: i64,
    /// The public address for links in mails to contacts (survey); empty: the server's
    /// `--public-url`.
    pub public_url: String,
}

impl Default for ResponsibilitySettings {
    fn default() -> Self {
        Self {
            handover_remind_minutes: 60,
            handover_escalate_minutes: 240,
            unowned_minutes: 120,
            inactive_hours: 48,
            sla_warning_level: 1,
            sla_breach_level: 2,
            category_levels: HashMap::from([("complaint".into(), 1), ("threat".into(), 2)]),
            asks_for_person_level: 1,
            asks_for_manager_level: 2,
            distressing_cap: crate::routing::DEFAULT_DISTRESSING_CAP,
            csat_enabled: false,
            csat_valid_days: 30,
            public_url: String::new(),
        }
    }
}

/// The setting key.
pub const SETTING_RESPONSIBILITY: &str = "responsibility";

impl ResponsibilitySettings {
    pub fn validate(&self) -> Vec<crate::FieldError> {
        use crate::FieldError;
        let mut e = Vec::new();
        let range = |e: &mut Vec<FieldError>, f: &str, v: i64, lo: i64, hi: i64| {
            if !(lo..=hi).contains(&v) {
                e.push(FieldError::new(f, "out_of_range", format!("between {lo} and {hi}")));
            }
        };
        range(&mut e, "handover_remind_minutes", self.handover_remind_minutes, 1, 60 * 24 * 14);
        range(&mut e, "handover_escalate_minutes", self.handover_escalate_minutes, 1, 60 * 24 * 30);
        range(&mut e, "unowned_minutes", self.unowned_minutes, 1, 60 * 24 * 30);
        range(&mut e, "inactive_hours", self.inactive_hours, 1, 24 * 365);
        range(&mut e, "distressing_cap", self.distressing_cap, 0, 100);
        range(&mut e, "csat_valid_days", self.csat_valid_days, 1, 365);
        for (f, v) in [
            ("sla_warning_level", self.sla_warning_level),
            ("sla_breach_level", self.sla_breach_level),
            ("asks_for_person_level", self.asks_for_person_level),
            ("asks_for_manager_level", self.asks_for_manager_level),
        ] {
            range(&mut e, f, i64::from(v), 0, i64::from(escalation::MAX_LEVEL));
        }
        for (c, v) in &self.category_levels {
            if !crate::assist::CATEGORIES.contains(&c.as_str()) {
                e.push(FieldError::new("category_levels", "unknown_category", format!("unknown category {c:?}")));
            }
            range(&mut e, "category_levels", i64::from(*v), 0, i64::from(escalation::MAX_LEVEL));
        }
        if self.handover_escalate_minutes < self.handover_remind_minutes {
            e.push(FieldError::new(
                "handover_escalate_minutes",
                "before_reminder",
                "escalate no earlier than the reminder",
            ));
        }
        let url = self.public_url.trim();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            e.push(FieldError::new(
                "public_url",
                "invalid_url",
                "an http(s) address such as https://resonanz.example.org",
            ));
        }
        e
    }
}

/// One change of owner, as the ownership timeline shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentRecord {
    pub id: AssignmentId,
    pub case_id: CaseId,
    /// The new owner; `None` when the case was given back to nobody.
    pub user_id: Option<UserId>,
    /// Who did it; `None` for routing.
    pub by_user_id: Option<UserId>,
    /// `routing`, `manual` or `take`.
    pub source: String,
    pub rule_id: Option<RoutingRuleId>,
    pub note: String,
    pub distressing: bool,
    pub created_at: Timestamp,
}

/// One stretch of ownership: who held the case, from when to when, and why it came to them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnershipSpan {
    pub user_id: Option<UserId>,
    pub from: Timestamp,
    /// `None` while they still hold it.
    pub until: Option<Timestamp>,
    pub seconds: i64,
    pub source: String,
    pub by_user_id: Option<UserId>,
    pub note: String,
}

/// Turns the assignment log into spans (oldest first).
pub fn ownership_spans(log: &[AssignmentRecord], now: Timestamp) -> Vec<OwnershipSpan> {
    let mut out: Vec<OwnershipSpan> = Vec::new();
    for (i, a) in log.iter().enumerate() {
        let until = log.get(i + 1).map(|n| n.created_at);
        out.push(OwnershipSpan {
            user_id: a.user_id,
            from: a.created_at,
            until,
            seconds: (until.unwrap_or(now) - a.created_at).num_seconds().max(0),
            source: a.source.clone(),
            by_user_id: a.by_user_id,
            note: a.note.clone(),
        });
    }
    out
}

/// The settings as `tx` sees them (read once per transaction: the transaction caches settings).
pub(crate) async fn settings_in(tx: &mut dyn Tx) -> CoreResult<ResponsibilitySettings> {
    Ok(parse_settings(tx.setting(SETTING_RESPONSIBILITY).await?))
}

fn parse_settings(raw: Option<String>) -> ResponsibilitySettings {
    raw.and_then(|raw| serde_json::from_str(&raw).ok()).unwrap_or_default()
}

impl Core {
    pub async fn responsibility_settings(&self) -> CoreResult<ResponsibilitySettings> {
        Ok(parse_settings(self.store.setting(SETTING_RESPONSIBILITY).await?))
    }

    pub async fn set_responsibility_settings(&self, actor: &Actor, s: &ResponsibilitySettings) -> CoreResult<()> {
        self.require_role(actor, |r| r == crate::user::Role::Admin, "only administrators change these settings")
            .await?;
        crate::contact::check(s.validate())?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let raw = serde_json::to_string(s).map_err(|e| crate::CoreError::Storage(e.into()))?;
        tx.set_setting(SETTING_RESPONSIBILITY, &raw, now).await?;
        tx.append_audit(
            NewAuditEvent::new(actor, "settings.responsibility_changed", "settings", SETTING_RESPONSIBILITY, now)
                .after(s),
        )
        .await?;
        tx.commit().await
    }

    /// The ownership timeline of a case.
    pub async fn ownership(&self, case: CaseId) -> CoreResult<Vec<OwnershipSpan>> {
        let log = self.store.case_assignments(case).await?;
        Ok(ownership_spans(&log, self.clock.now()))
    }

    /// The SLA context inside a transaction: policies, the case team's calendar and the
    /// organisation's.
    pub(crate) async fn sla_context(
        &self,
        tx: &mut dyn Tx,
        team: Option<crate::ids::TeamId>,
    ) -> CoreResult<SlaContext> {
        let policies = tx.sla_policies().await?;
        let org_raw = tx.setting(crate::sla::SETTING_CALENDAR).await?;
        let default_calendar = self.calendar_from(org_raw.as_deref(), None);
        let mut team_calendars = HashMap::new();
        if let Some(t) = team
            && let Some(team) = tx.team(t).await?
            && team.calendar.is_some()
        {
            team_calendars.insert(t, self.calendar_from(team.calendar.as_deref(), Some(&default_calendar)));
        }
        Ok(SlaContext { policies, team_calendars, default_calendar })
    }

    /// A calendar from its stored JSON; a broken or missing one falls back to `fallback` (or the
    /// built-in default) and is logged, never fatal: deadlines must still be computed.
    pub(crate) fn calendar_from(
        &self,
        raw: Option<&str>,
        fallback: Option<&resonanz_calendar::BusinessCalendar>,
    ) -> resonanz_calendar::BusinessCalendar {
        let fallback = || {
            fallback.cloned().unwrap_or_else(|| {
                let spec = crate::sla::default_calendar_spec(self.settings.time_zone.name());
                let raw = serde_json::to_string(&spec).unwrap_or_default();
                self.compiled_calendar(&raw)
                    .unwrap_or_else(|| resonanz_calendar::BusinessCalendar::always(self.settings.time_zone))
            })
        };
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => self.compiled_calendar(r).unwrap_or_else(fallback),
            None => fallback(),
        }
    }

    /// A stored calendar compiled once per process and shared (clones share the calendar's caches
    /// of closed days), so saving a case does not parse and rebuild it; `None` when it does not
    /// compile (logged once).
    fn compiled_calendar(&self, raw: &str) -> Option<resonanz_calendar::BusinessCalendar> {
        let mut cache = self.calendar_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.get(raw) {
            return c.clone();
        }
        let compiled = serde_json::from_str::<resonanz_calendar::CalendarSpec>(raw)
            .map_err(|e| format!("calendar is not valid JSON: {e}"))
            .and_then(|spec| spec.compile().map_err(|e| e.to_string()));
        let c = match compiled {
            Ok(c) => Some(c),
            Err(e) => {
                tracing_free_log(&format!("calendar ignored: {e}"));
                None
            }
        };
        // Calendars are few; a long-running process that saw many edits starts afresh.
        if cache.len() > 256 {
            cache.clear();
        }
        cache.insert(raw.to_string(), c.clone());
        c
    }
}

/// Core has no logging crate; errors worth an operator's eye go to stderr.
fn tracing_free_log(msg: &str) {
    eprintln!("resonanz-core: {msg}");
}

/// Saves a case (insert when `before` is `None`) after keeping its SLA clock, and records,
/// tells and escalates an SLA state that turned to warning or breach — all in `tx`.
pub(crate) async fn save_case(
    core: &Core,
    tx: &mut dyn Tx,
    before: Option<&Case>,
    case: &mut Case,
    now: Timestamp,
) -> CoreResult<()> {
    let ctx = core.sla_context(tx, case.team_id).await?;
    crate::sla::track(&ctx, before, case, now);
    let was = before.map_or(SlaState::None, |b| b.sla.state);
    // The watcher reports an unowned case once per spell without an owner, and an owned case once
    // per stall: a change of owner, or activity on an owned case, lets it report the case again.
    if before
        .is_some_and(|b| b.owner_id != case.owner_id || (case.owner_id.is_some() && b.updated_at != case.updated_at))
    {
        case.watch_flagged_at = None;
    }
    if before.is_some_and(|b| b.status.is_open()) && !case.status.is_open() {
        survey::maybe_send(core, tx, case, now).await?;
    }
    match before {
        None => tx.insert_case(case).await?,
        Some(_) => {
            sla_transition(core, tx, was, case, now).await?;
            tx.update_case(case).await?
        }
    }
    Ok(())
}

/// The audit event of an SLA state change worth recording (`case.sla_warning`, `…_breached`,
/// `…_met`, `…_paused`, `…_resumed`), if this is one.
fn sla_transition_event(
    case: CaseId,
    was: SlaState,
    sla: &crate::sla::CaseSla,
    now: Timestamp,
) -> Option<NewAuditEvent> {
    let action = match sla.state {
        is if is == was => return None,
        SlaState::Warning => "case.sla_warning",
        SlaState::Breached => "case.sla_breached",
        SlaState::Met => "case.sla_met",
        SlaState::Paused => "case.sla_paused",
        SlaState::Ok if was == SlaState::Paused => "case.sla_resumed",
        _ => return None,
    };
    let after = serde_json::json!({
        "state": sla.state,
        "first_response_due": sla.first_response_due,
        "resolution_due": sla.resolution_due,
    });
    Some(
        NewAuditEvent::new(&Actor::System, action, "case", case, now)
            .before(serde_json::json!({"state": was}))
            .after(after),
    )
}

/// What a change of SLA state means: an audit event; for a warning or a breach, notices to the
/// owner (or the team lead) and an escalation to the configured level.
async fn sla_transition(
    core: &Core,
    tx: &mut dyn Tx,
    was: SlaState,
    case: &mut Case,
    now: Timestamp,
) -> CoreResult<()> {
    let is = case.sla.state;
    let Some(event) = sla_transition_event(case.id, was, &case.sla, now) else { return Ok(()) };
    tx.append_audit(event).await?;
    if !matches!(is, SlaState::Warning | SlaState::Breached) {
        return Ok(());
    }
    let settings = settings_in(tx).await?;
    let (kind, level, reason) = if is == SlaState::Warning {
        ("sla_warning", settings.sla_warning_level, "Frist läuft bald ab")
    } else {
        ("sla_breach", settings.sla_breach_level, "Frist überschritten")
    };
    let due = match (case.sla.first_responded_at, case.sla.first_response_due) {
        (None, Some(d)) => d,
        _ => case.sla.resolution_due.unwrap_or(now),
    };
    let local = due.with_timezone(&core.settings.time_zone);
    let body = format!("{} „{}“: {reason} (fällig {})", case.reference(), case.subject, local.format("%d.%m.%Y %H:%M"));
    let mut told = Vec::new();
    if let Some(owner) = case.owner_id {
        told.push(owner);
    } else if let Some(lead) = escalation::team_lead(tx, case.team_id).await? {
        told.push(lead);
    }
    for user in told {
        crate::notify::notify(
            tx,
            crate::notify::Notice {
                user,
                kind,
                case_id: Some(case.id),
                reference: Some(case.reference()),
                actor: None,
                body: body.clone(),
                now,
            },
        )
        .await?;
    }
    if level > case.escalation_level {
        escalation::raise(core, tx, case, level, reason, EscalationSource::Sla, None, now).await?;
    }
    Ok(())
}

/// Raises a case to the level its categories call for (settings `category_levels`), if higher.
pub(crate) async fn escalate_for_categories(
    core: &Core,
    tx: &mut dyn Tx,
    case: &mut Case,
    now: Timestamp,
) -> CoreResult<()> {
    let settings = settings_in(tx).await?;
    let top = case
        .categories
        .iter()
        .filter_map(|c| settings.category_levels.get(c).map(|l| (*l, c.clone())))
        .max_by_key(|(l, _)| *l);
    if let Some((level, category)) = top
        && level > case.escalation_level
    {
        let reason = format!("Kategorie: {}", category_de(&category));
        escalation::raise(core, tx, case, level, &reason, EscalationSource::Category, None, now).await?;
    }
    Ok(())
}

/// Raises a case whose contact asked for a person or a manager (settings decide the levels).
pub(crate) async fn escalate_for_request(
    core: &Core,
    tx: &mut dyn Tx,
    case: &mut Case,
    asks: AsksFor,
    now: Timestamp,
) -> CoreResult<()> {
    let settings = settings_in(tx).await?;
    let (level, reason) = match asks {
        AsksFor::Person => (settings.asks_for_person_level, "Kontakt möchte mit einem Menschen sprechen"),
        AsksFor::Manager => {
            (settings.asks_for_manager_level, "Kontakt verlangt eine Vorgesetzte oder einen Vorgesetzten")
        }
    };
    if level > case.escalation_level {
        escalation::raise(core, tx, case, level, reason, EscalationSource::Contact, None, now).await?;
    }
    Ok(())
}

/// German names of Assist's categories, for reasons and notices.
pub fn category_de(c: &str) -> &'static str {
    match c {
        "routine" => "Routine",
        "question" => "Frage",
        "complaint" => "Beschwerde",
        "praise" => "Lob",
        "sensitive" => "Sensibel",
        "child" => "Kind",
        "safeguarding" => "Kinderschutz",
        "threat" => "Bedrohung",
        "spam" => "Spam",
        _ => "Sonstiges",
    }
}

/// Records a change of owner in the assignment log.
pub(crate) async fn log_assignment(
    tx: &mut dyn Tx,
    case: &Case,
    by: Option<UserId>,
    source: &str,
    rule: Option<RoutingRuleId>,
    note: &str,
    now: Timestamp,
) -> CoreResult<()> {
    tx.insert_assignment(&AssignmentRecord {
        id: AssignmentId::new(now),
        case_id: case.id,
        user_id: case.owner_id,
        by_user_id: by,
        source: source.into(),
        rule_id: rule,
        note: note.chars().take(crate::workspace::MAX_NOTE_CHARS).collect(),
        distressing: crate::routing::is_distressing(case),
        created_at: now,
    })
    .await
}
