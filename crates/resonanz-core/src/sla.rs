//! Service levels: first-response and resolution targets in business hours.
//!
//! A policy applies to a case by team, priority and category (the first enabled policy in order
//! whose filters all match). Its targets count business time of the team's calendar (or the
//! organisation's), which knows opening hours, German public holidays by federal state, and
//! closures (`resonanz-calendar`). While the case waits on the contact the clock stands still.
//!
//! The bookkeeping is one function, [`track`], applied whenever a case is saved: it notices
//! pauses, resumptions, resolution and reopening, re-picks the policy when team, priority or
//! categories changed, and recomputes the due instants and the state. Deadlines then follow from
//! a formula, never from accumulated edits: `due = start + (target + paused)` in business time,
//! so a changed policy or calendar recomputes the same way every time.

use std::collections::HashMap;

use chrono::Duration;
use resonanz_calendar::{BusinessCalendar, CalendarSpec};
use serde::{Deserialize, Serialize};

use crate::case::{Case, CaseStatus, Priority};
use crate::clock::Timestamp;
use crate::error::FieldError;
use crate::ids::{CaseId, SlaPolicyId, TeamId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub id: SlaPolicyId,
    pub ordinal: i64,
    pub name: String,
    pub enabled: bool,
    /// Filters; `None` matches any.
    pub team_id: Option<TeamId>,
    pub priority: Option<Priority>,
    pub category: Option<String>,
    /// Targets in business minutes.
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
    /// A warning is raised this many business minutes before a target.
    pub warn_before_minutes: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The longest target: a year of business minutes is far beyond any real service level.
pub const MAX_TARGET_MINUTES: i64 = 60 * 24 * 365;

impl SlaPolicy {
    /// Whether the policy applies to a case of this team, priority and categories.
    pub fn applies(&self, team_id: Option<TeamId>, priority: Priority, categories: &[String]) -> bool {
        self.enabled
            && self.team_id.is_none_or(|t| team_id == Some(t))
            && self.priority.is_none_or(|p| priority == p)
            && self.category.as_ref().is_none_or(|c| categories.iter().any(|x| x == c))
    }

    /// Name, targets and warning are sane.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            errors.push(FieldError::new("name", "required", "a name of 1 to 120 characters"));
        }
        for (field, v) in
            [("first_response_minutes", self.first_response_minutes), ("resolution_minutes", self.resolution_minutes)]
        {
            if !(1..=MAX_TARGET_MINUTES).contains(&v) {
                errors.push(FieldError::new(
                    field,
                    "out_of_range",
                    format!("between 1 and {MAX_TARGET_MINUTES} minutes"),
                ));
            }
        }
        if self.resolution_minutes < self.first_response_minutes {
            errors.push(FieldError::new(
                "resolution_minutes",
                "before_first_response",
                "the resolution target cannot be shorter than the first-response target",
            ));
        }
        if self.warn_before_minutes < 0 || self.warn_before_minutes >= self.first_response_minutes.max(1) {
            errors.push(FieldError::new(
                "warn_before_minutes",
                "out_of_range",
                "at least 0 and less than the first-response target",
            ));
        }
        if let Some(c) = &self.category
            && !crate::assist::CATEGORIES.contains(&c.as_str())
        {
            errors.push(FieldError::new(
                "category",
                "unknown_category",
                format!("one of {}", crate::assist::CATEGORIES.join(", ")),
            ));
        }
        errors
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// No policy applies.
    #[default]
    None,
    Ok,
    /// A target is near.
    Warning,
    /// A target was missed.
    Breached,
    /// Waiting on the contact: the clock stands still.
    Paused,
    /// Every target was met.
    Met,
}

impl SlaState {
    pub const ALL: [SlaState; 6] = [Self::None, Self::Ok, Self::Warning, Self::Breached, Self::Paused, Self::Met];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Breached => "breached",
            Self::Paused => "paused",
            Self::Met => "met",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A case's SLA clock, stored with the case.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaseSla {
    pub policy_id: Option<SlaPolicyId>,
    /// When the resolution clock started: the case's creation, or its reopening.
    pub started_at: Option<Timestamp>,
    pub first_response_due: Option<Timestamp>,
    pub first_responded_at: Option<Timestamp>,
    pub resolution_due: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// Set while the case waits on the contact.
    pub paused_at: Option<Timestamp>,
    /// Business seconds the clock stood still since `started_at` (pauses that ended).
    pub paused_secs: i64,
    pub state: SlaState,
    /// When the state changes next if nothing happens (a warning or a due instant): the watcher
    /// looks at the case then.
    pub next_check_at: Option<Timestamp>,
}

/// Setting key of the organisation's calendar (a `CalendarSpec` as JSON).
pub const SETTING_CALENDAR: &str = "sla.calendar";

/// The calendar when nobody configured one: Monday to Friday 08:00–18:00, nationwide holidays.
pub fn default_calendar_spec(time_zone: &str) -> CalendarSpec {
    CalendarSpec {
        time_zone: time_zone.into(),
        hours: "Mo-Fr 08:00-18:00".into(),
        state: None,
        closures: Vec::new(),
        holidays: true,
    }
}

/// What SLA bookkeeping needs: the policies and the calendars.
#[derive(Debug, Clone)]
pub struct SlaContext {
    pub policies: Vec<SlaPolicy>,
    pub team_calendars: HashMap<TeamId, BusinessCalendar>,
    pub default_calendar: BusinessCalendar,
}

/// How long before the safeguarding deadline its warning comes.
pub const SAFEGUARDING_WARN_MINUTES: i64 = 15;

impl SlaContext {
    pub fn calendar(&self, team: Option<TeamId>) -> &BusinessCalendar {
        team.and_then(|t| self.team_calendars.get(&t)).unwrap_or(&self.default_calendar)
    }

    pub fn policy_for(&self, case: &Case) -> Option<&SlaPolicy> {
        self.policy_matching(case.team_id, case.priority, &case.categories)
    }

    /// The first policy that applies to a case of this team, priority and categories.
    pub fn policy_matching(
        &self,
        team_id: Option<TeamId>,
        priority: Priority,
        categories: &[String],
    ) -> Option<&SlaPolicy> {
        self.policies.iter().find(|p| p.applies(team_id, priority, categories))
    }

    fn policy(&self, id: Option<SlaPolicyId>) -> Option<&SlaPolicy> {
        id.and_then(|id| self.policies.iter().find(|p| p.id == id))
    }
}

fn secs(d: Duration) -> i64 {
    d.num_seconds()
}

/// One target's state at `now`. `paused_at` is when the current pause began: while it lasts the
/// target is paused, unless it was already missed before the pause (the due instant does not yet
/// include the current pause, so `now` is not compared with it).
fn target_state(
    due: Option<Timestamp>,
    warn_at: Option<Timestamp>,
    done_at: Option<Timestamp>,
    paused_at: Option<Timestamp>,
    now: Timestamp,
) -> (SlaState, Option<Timestamp>) {
    let Some(due) = due else { return (SlaState::None, None) };
    if let Some(done) = done_at {
        return (if done <= due { SlaState::Met } else { SlaState::Breached }, None);
    }
    if let Some(p) = paused_at {
        return (if due <= p { SlaState::Breached } else { SlaState::Paused }, None);
    }
    if now >= due {
        return (SlaState::Breached, None);
    }
    match warn_at {
        Some(w) if now >= w => (SlaState::Warning, Some(due)),
        Some(w) => (SlaState::Ok, Some(w)),
        None => (SlaState::Ok, Some(due)),
    }
}

fn combine(a: SlaState, b: SlaState) -> SlaState {
    use SlaState::*;
    let rank = |s: SlaState| match s {
        None => 0,
        Met => 1,
        Ok => 2,
        Paused => 3,
        Warning => 4,
        Breached => 5,
    };
    // Met only when both are met (or one has no target).
    match (a, b) {
        (None, x) | (x, None) => x,
        (Met, Met) => Met,
        (Met, x) | (x, Met) => x,
        (x, y) => {
            if rank(x) >= rank(y) {
                x
            } else {
                y
            }
        }
    }
}

/// Keeps a case's SLA clock up to date when it is saved. `before` is the case as it was (`None`
/// for a new case). Pure: the caller stores the result.
pub fn track(ctx: &SlaContext, before: Option<&Case>, case: &mut Case, now: Timestamp) {
    let cal = ctx.calendar(case.team_id).clone();
    let sla = &mut case.sla;
    if sla.started_at.is_none() {
        sla.started_at = Some(case.created_at);
    }
    // Resolution and reopening.
    if !case.status.is_open() {
        if sla.resolved_at.is_none() {
            sla.resolved_at = Some(now);
        }
    } else if sla.resolved_at.is_some() {
        // Reopened: a new resolution clock from now. The first response stays as it was.
        sla.resolved_at = None;
        sla.started_at = Some(now);
        sla.paused_secs = 0;
        sla.paused_at = None;
    }
    // Pausing while waiting on the contact.
    let waiting = case.status == CaseStatus::WaitingOnContact;
    match (waiting, sla.paused_at) {
        (true, None) => sla.paused_at = Some(now),
        (false, Some(p)) => {
            sla.paused_secs += secs(cal.business_time_between(p, now));
            sla.paused_at = None;
        }
        _ => {}
    }
    // The policy: re-picked when what it depends on changed (or never picked).
    let relevant_change = before
        .is_none_or(|b| b.team_id != case.team_id || b.priority != case.priority || b.categories != case.categories);
    let stale = sla.policy_id.is_some() && ctx.policy(sla.policy_id).is_none();
    if relevant_change || stale {
        case.sla.policy_id = ctx.policy_for(case).map(|p| p.id);
    }
    evaluate(ctx, case, now);
}

/// Recomputes due instants, state and next check of a case at `now` (nothing else changes).
pub fn evaluate(ctx: &SlaContext, case: &mut Case, now: Timestamp) {
    evaluate_clock(ctx, case.team_id, case.created_at, case.safeguarding_due_at, &mut case.sla, now);
}

/// What an SLA recompute reads of an open case: what the policy and the due instants depend on,
/// and the clock. Reading only these (not the whole case) is most of what makes recomputing
/// 100,000 cases fast.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaRow {
    pub case_id: CaseId,
    pub team_id: Option<TeamId>,
    pub priority: Priority,
    pub categories: Vec<String>,
    pub created_at: Timestamp,
    pub safeguarding_due_at: Option<Timestamp>,
    pub sla: CaseSla,
}

impl SlaRow {
    /// Re-picks the policy (it may be the one that changed) and recomputes the clock at `now`.
    pub fn recompute(&mut self, ctx: &SlaContext, now: Timestamp) {
        self.sla.policy_id = ctx.policy_matching(self.team_id, self.priority, &self.categories).map(|p| p.id);
        evaluate_clock(ctx, self.team_id, self.created_at, self.safeguarding_due_at, &mut self.sla, now);
    }
}

/// [`evaluate`] on the parts of a case it reads.
fn evaluate_clock(
    ctx: &SlaContext,
    team_id: Option<TeamId>,
    created_at: Timestamp,
    safeguarding_due_at: Option<Timestamp>,
    sla: &mut CaseSla,
    now: Timestamp,
) {
    let cal = ctx.calendar(team_id);
    let policy = ctx.policy(sla.policy_id);
    let started = sla.started_at.unwrap_or(created_at);
    let minutes = |m: i64| Duration::minutes(m);
    let paused_d = Duration::seconds(sla.paused_secs);
    // First response: counted from creation; frozen once answered.
    let (mut fr_due, mut fr_warn) = (None, None);
    if let Some(p) = policy {
        if sla.first_responded_at.is_none() {
            fr_due = cal.add_business_time(created_at, minutes(p.first_response_minutes) + paused_d);
            fr_warn = (p.warn_before_minutes > 0).then(|| {
                cal.add_business_time(created_at, minutes(p.first_response_minutes - p.warn_before_minutes) + paused_d)
            });
        } else {
            fr_due = sla.first_response_due;
        }
    }
    // The safeguarding deadline runs around the clock and is never paused.
    if let Some(sg) = safeguarding_due_at
        && sla.first_responded_at.is_none()
        && fr_due.is_none_or(|d| sg < d)
    {
        fr_due = Some(sg);
        fr_warn = Some(Some(sg - minutes(SAFEGUARDING_WARN_MINUTES)));
    }
    let (fr_state, fr_next) = target_state(
        fr_due,
        fr_warn.flatten(),
        sla.first_responded_at,
        sla.paused_at.filter(|_| safeguarding_due_at.is_none()),
        now,
    );
    let (mut res_due, mut res_warn) = (None, None);
    if let Some(p) = policy {
        res_due = cal.add_business_time(started, minutes(p.resolution_minutes) + paused_d);
        res_warn = (p.warn_before_minutes > 0)
            .then(|| cal.add_business_time(started, minutes(p.resolution_minutes - p.warn_before_minutes) + paused_d));
    }
    let (res_state, res_next) = target_state(res_due, res_warn.flatten(), sla.resolved_at, sla.paused_at, now);
    sla.first_response_due = fr_due;
    sla.resolution_due = res_due;
    sla.state = combine(fr_state, res_state);
    sla.next_check_at = match (fr_next, res_next) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}

/// What a person sends to create or change a policy.
#[derive(Debug, Clone, Default)]
pub struct PolicyInput {
    pub name: String,
    pub enabled: bool,
    pub team_id: Option<TeamId>,
    pub priority: Option<Priority>,
    pub category: Option<String>,
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
    pub warn_before_minutes: i64,
    pub ordinal: Option<i64>,
}

use crate::audit::NewAuditEvent;
use crate::error::{CoreError, CoreResult};
use crate::ids::UserId;
use crate::service::Core;
use crate::user::{Actor, Role};

impl Core {
    async fn require_admin_user(&self, actor: UserId, what: &str) -> CoreResult<()> {
        self.require_role(&Actor::User(actor), |r| r == Role::Admin, what).await
    }

    pub async fn sla_policies(&self) -> CoreResult<Vec<SlaPolicy>> {
        self.store.sla_policies().await
    }

    /// Creates (`id` None) or changes a policy; open cases are recomputed afterwards.
    pub async fn save_sla_policy(
        &self,
        actor: UserId,
        id: Option<SlaPolicyId>,
        input: PolicyInput,
    ) -> CoreResult<SlaPolicy> {
        self.require_admin_user(actor, "only administrators manage SLA policies").await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let existing = tx.sla_policies().await?;
        let before = match id {
            Some(id) => Some(existing.iter().find(|p| p.id == id).cloned().ok_or(CoreError::NotFound("SLA policy"))?),
            None => None,
        };
        let policy = SlaPolicy {
            id: before.as_ref().map_or_else(|| SlaPolicyId::new(now), |b| b.id),
            ordinal: input
                .ordinal
                .or(before.as_ref().map(|b| b.ordinal))
                .unwrap_or_else(|| existing.iter().map(|p| p.ordinal).max().unwrap_or(0) + 10),
            name: input.name.trim().to_string(),
            enabled: input.enabled,
            team_id: input.team_id,
            priority: input.priority,
            category: input.category.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
            first_response_minutes: input.first_response_minutes,
            resolution_minutes: input.resolution_minutes,
            warn_before_minutes: input.warn_before_minutes,
            created_at: before.as_ref().map_or(now, |b| b.created_at),
            updated_at: now,
        };
        let mut errors = policy.validate();
        if let Some(t) = policy.team_id
            && tx.team(t).await?.is_none()
        {
            errors.push(FieldError::new("team_id", "unknown_team", "no such team"));
        }
        crate::contact::check(errors)?;
        let actor_ = Actor::User(actor);
        match &before {
            None => {
                tx.insert_sla_policy(&policy).await?;
                tx.append_audit(
                    NewAuditEvent::new(&actor_, "sla_policy.created", "sla_policy", policy.id, now).after(&policy),
                )
                .await?;
            }
            Some(b) => {
                tx.update_sla_policy(&policy).await?;
                tx.append_audit(
                    NewAuditEvent::new(&actor_, "sla_policy.updated", "sla_policy", policy.id, now)
                        .before(b)
                        .after(&policy),
                )
                .await?;
            }
        }
        tx.commit().await?;
        self.recompute_sla().await?;
        Ok(policy)
    }

    pub async fn delete_sla_policy(&self, actor: UserId, id: SlaPolicyId) -> CoreResult<()> {
        self.require_admin_user(actor, "only administrators manage SLA policies").await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let before = tx.sla_policy(id).await?.ok_or(CoreError::NotFound("SLA policy"))?;
        tx.delete_sla_policy(id).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(actor), "sla_policy.deleted", "sla_policy", id, now).before(&before),
        )
        .await?;
        tx.commit().await?;
        self.recompute_sla().await?;
        Ok(())
    }

    /// The organisation's calendar (the built-in default when none is set).
    pub async fn default_calendar_spec(&self) -> CoreResult<CalendarSpec> {
        Ok(match self.store.setting(SETTING_CALENDAR).await? {
            Some(raw) => {
                serde_json::from_str(&raw).unwrap_or_else(|_| default_calendar_spec(self.settings.time_zone.name()))
            }
            None => default_calendar_spec(self.settings.time_zone.name()),
        })
    }

    /// Sets the organisation's calendar (`team` None) or a team's (`spec` None: the team uses the
    /// organisation's). Refused with field errors when the calendar does not compile.
    pub async fn set_calendar(
        &self,
        actor: UserId,
        team: Option<TeamId>,
        spec: Option<&CalendarSpec>,
    ) -> CoreResult<()> {
        self.require_admin_user(actor, "only administrators set business calendars").await?;
        if let Some(s) = spec
            && let Err(e) = s.compile()
        {
            return Err(CoreError::invalid(&format!("calendar.{}", e.field), "invalid_calendar", e.message));
        }
        let raw = spec.map(|s| serde_json::to_string(s).unwrap_or_default());
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        match team {
            None => {
                let raw =
                    raw.ok_or_else(|| CoreError::invalid("calendar", "required", "the organisation needs a calendar"))?;
                tx.set_setting(SETTING_CALENDAR, &raw, now).await?;
            }
            Some(t) => {
                let mut team = tx.team(t).await?.ok_or(CoreError::NotFound("team"))?;
                team.calendar = raw;
                tx.update_team(&team).await?;
            }
        }
        tx.append_audit(
            NewAuditEvent::new(
                &Actor::User(actor),
                "calendar.changed",
                "team",
                team.map_or("organisation".to_string(), |t| t.to_string()),
                now,
            )
            .after(serde_json::json!({"calendar": spec})),
        )
        .await?;
        tx.commit().await?;
        self.recompute_sla().await?;
        Ok(())
    }

    /// Sets a team's lead (an active member of the team, or nobody).
    pub async fn set_team_lead(&self, actor: UserId, team: TeamId, lead: Option<UserId>) -> CoreResult<()> {
        self.require_role(
            &Actor::User(actor),
            |r| r != Role::Agent,
            "only supervisors and administrators name team leads",
        )
        .await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut t = tx.team(team).await?.ok_or(CoreError::NotFound("team"))?;
        if let Some(l) = lead
            && !tx.team_member_ids(team).await?.contains(&l)
        {
            return Err(CoreError::invalid(
                "lead_user_id",
                "not_a_member",
                "the team lead must be a member of the team",
            ));
        }
        let before = t.lead_user_id;
        t.lead_user_id = lead;
        tx.update_team(&t).await?;
        tx.append_audit(
            NewAuditEvent::new(&Actor::User(actor), "team.lead_changed", "team", team, now)
                .before(serde_json::json!({"lead_user_id": before}))
                .after(serde_json::json!({"lead_user_id": lead})),
        )
        .await?;
        tx.commit().await
    }
}
