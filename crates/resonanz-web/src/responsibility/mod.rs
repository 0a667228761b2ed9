//! Responsibility over the API: routing rules and their dry run, SLA policies and calendars,
//! escalation and its acknowledgement, handover acknowledgement, the ownership timeline,
//! follow-ups, the watcher, availability, notifications and their preferences, satisfaction.
//! Rules and roles are core's; these handlers parse, check visibility and shape the answers.

use std::collections::{BTreeMap, HashMap};

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use resonanz_calendar::CalendarSpec;
use resonanz_core::case::Priority;
use resonanz_core::ids::{CaseId, FollowUpId, NotificationId, RoutingRuleId, SlaPolicyId, TeamId, UserId};
use resonanz_core::notify::{Delivery, KINDS};
use resonanz_core::responsibility::{FollowUpKind, ResponsibilitySettings};
use resonanz_core::routing::{Availability, Conditions, RuleActions, RuleInput, Trigger};
use resonanz_core::sla::PolicyInput;
use resonanz_core::user::{Actor, Role};
use resonanz_core::{FieldError, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::dto::{CaseDto, ItemsDto, rfc3339};
use crate::error::{ApiError, ApiJson, ApiResult, IdPath};
use crate::{AppState, AuthUser};

pub mod dto;

use dto::{EscalationDto, FollowUpDto, OwnershipDto, PolicyDto, RuleDto, SurveyDto};

fn parse_uuid(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<uuid::Uuid> {
    match uuid::Uuid::parse_str(raw.trim()) {
        Ok(u) => Some(u),
        Err(_) => {
            errors.push(FieldError::new(field, "invalid_id", "expected an id (UUID)"));
            None
        }
    }
}

fn parse_time(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<Timestamp> {
    match chrono::DateTime::parse_from_rfc3339(raw.trim()) {
        Ok(t) => Some(t.to_utc()),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "invalid_time",
                "expected an RFC 3339 time such as 2026-03-02T09:00:00Z",
            ));
            None
        }
    }
}

fn check(errors: Vec<FieldError>) -> ApiResult<()> {
    if errors.is_empty() { Ok(()) } else { Err(ApiError::validation(errors)) }
}

// ---- Routing rules ------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub triggers: Option<Vec<String>>,
    #[serde(default)]
    pub conditions: Conditions,
    #[serde(default)]
    pub actions: RuleActions,
    #[serde(default)]
    pub stop: bool,
    #[serde(default)]
    pub ordinal: Option<i64>,
}

fn yes() -> bool {
    true
}

fn rule_input(body: RuleBody) -> ApiResult<RuleInput> {
    let mut errors = Vec::new();
    let triggers = body.triggers.map(|ts| {
        ts.iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let parsed = Trigger::parse(t.trim());
                if parsed.is_none() {
                    errors.push(FieldError::new(
                        &format!("triggers[{i}]"),
                        "unknown_trigger",
                        format!("{t:?}: expected created, message, analysed or updated"),
                    ));
                }
                parsed
            })
            .collect()
    });
    check(errors)?;
    Ok(RuleInput {
        name: body.name,
        enabled: body.enabled,
        triggers,
        conditions: body.conditions,
        actions: body.actions,
        stop: body.stop,
        ordinal: body.ordinal,
    })
}

pub async fn rules(State(state): State<AppState>) -> ApiResult<Json<ItemsDto<RuleDto>>> {
    let rules = state.core.routing_rules().await?;
    Ok(Json(ItemsDto { items: rules.into_iter().map(RuleDto::from).collect() }))
}

pub async fn rule(State(state): State<AppState>, IdPath(id): IdPath) -> ApiResult<Json<RuleDto>> {
    let rules = state.core.routing_rules().await?;
    let r = rules.into_iter().find(|r| r.id == RoutingRuleId(id)).ok_or_else(|| ApiError::not_found("routing rule"))?;
    Ok(Json(RuleDto::from(r)))
}

pub async fn create_rule(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<RuleBody>,
) -> ApiResult<(StatusCode, Json<RuleDto>)> {
    let r = state.core.create_routing_rule(&user, rule_input(body)?).await?;
    Ok((StatusCode::CREATED, Json(RuleDto::from(r))))
}

pub async fn update_rule(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<RuleBody>,
) -> ApiResult<Json<RuleDto>> {
    let r = state.core.update_routing_rule(&user, RoutingRuleId(id), rule_input(body)?).await?;
    Ok(Json(RuleDto::from(r)))
}

pub async fn delete_rule(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    state.core.delete_routing_rule(&user, RoutingRuleId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DryRunBody {
    pub case_id: String,
    #[serde(default)]
    pub trigger: Option<String>,
    /// A rule not yet saved, tried alone.
    #[serde(default)]
    pub rule: Option<RuleBody>,
}

pub async fn dry_run(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<DryRunBody>,
) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let case = parse_uuid("case_id", &body.case_id, &mut errors);
    let trigger = match body.trigger.as_deref().map(str::trim) {
        None | Some("") => Trigger::Created,
        Some(t) => Trigger::parse(t).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "trigger",
                "unknown_trigger",
                "expected created, message, analysed or updated",
            ));
            Trigger::Created
        }),
    };
    check(errors)?;
    let draft = body.rule.map(rule_input).transpose()?;
    let run = state.core.dry_run(&user, CaseId(case.unwrap_or_default()), trigger, draft).await?;
    Ok(Json(json!({
        "case_id": run.case_id,
        "trigger": run.trigger,
        "matches": run.matches,
        "actions": run.actions,
        "assignment": run.assignment,
        "failed": run.failed.iter().map(|(id, e)| json!({"rule_id": id, "error": e})).collect::<Vec<_>>(),
    })))
}

// ---- SLA policies and calendars -------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
    #[serde(default)]
    pub warn_before_minutes: i64,
    #[serde(default)]
    pub ordinal: Option<i64>,
}

fn policy_input(b: PolicyBody) -> ApiResult<PolicyInput> {
    let mut errors = Vec::new();
    let team_id =
        b.team_id.as_deref().filter(|t| !t.trim().is_empty()).and_then(|t| parse_uuid("team_id", t, &mut errors));
    let priority = b.priority.as_deref().filter(|p| !p.trim().is_empty()).and_then(|p| {
        let parsed = Priority::parse(p.trim());
        if parsed.is_none() {
            errors.push(FieldError::new("priority", "invalid_priority", "expected low, normal, high or urgent"));
        }
        parsed
    });
    check(errors)?;
    Ok(PolicyInput {
        name: b.name,
        enabled: b.enabled,
        team_id: team_id.map(TeamId),
        priority,
        category: b.category,
        first_response_minutes: b.first_response_minutes,
        resolution_minutes: b.resolution_minutes,
        warn_before_minutes: b.warn_before_minutes,
        ordinal: b.ordinal,
    })
}

pub async fn policies(State(state): State<AppState>) -> ApiResult<Json<ItemsDto<PolicyDto>>> {
    let p = state.core.sla_policies().await?;
    Ok(Json(ItemsDto { items: p.into_iter().map(PolicyDto::from).collect() }))
}

pub async fn create_policy(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<PolicyBody>,
) -> ApiResult<(StatusCode, Json<PolicyDto>)> {
    let p = state.core.save_sla_policy(user.id, None, policy_input(body)?).await?;
    Ok((StatusCode::CREATED, Json(PolicyDto::from(p))))
}

pub async fn update_policy(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<PolicyBody>,
) -> ApiResult<Json<PolicyDto>> {
    let p = state.core.save_sla_policy(user.id, Some(SlaPolicyId(id)), policy_input(body)?).await?;
    Ok(Json(PolicyDto::from(p)))
}

pub async fn delete_policy(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    state.core.delete_sla_policy(user.id, SlaPolicyId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn calendar(State(state): State<AppState>) -> ApiResult<Json<CalendarSpec>> {
    Ok(Json(state.core.default_calendar_spec().await?))
}

pub async fn set_calendar(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<CalendarSpec>,
) -> ApiResult<Json<CalendarSpec>> {
    state.core.set_calendar(user.id, None, Some(&body)).await?;
    Ok(Json(body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamBody {
    /// Absent: unchanged; null: no lead.
    #[serde(default, deserialize_with = "crate::contacts::present")]
    pub lead_user_id: Option<Option<String>>,
    /// Absent: unchanged; null: the organisation's calendar.
    #[serde(default, deserialize_with = "crate::contacts::present")]
    pub calendar: Option<Option<CalendarSpec>>,
}

pub async fn update_team(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<TeamBody>,
) -> ApiResult<Json<Value>> {
    let team = TeamId(id);
    // The calendar is checked before anything is saved, so a refusal changes nothing.
    if let Some(Some(cal)) = &body.calendar
        && let Err(e) = cal.compile()
    {
        return Err(ApiError::validation(vec![FieldError::new(
            &format!("calendar.{}", e.field),
            "invalid_calendar",
            e.message,
        )]));
    }
    if let Some(lead) = body.lead_user_id {
        let mut errors = Vec::new();
        let lead = lead.as_deref().and_then(|l| parse_uuid("lead_user_id", l, &mut errors)).map(UserId);
        check(errors)?;
        state.core.set_team_lead(user.id, team, lead).await?;
    }
    if let Some(cal) = body.calendar {
        state.core.set_calendar(user.id, Some(team), cal.as_ref()).await?;
    }
    let t = state
        .core
        .store
        .teams()
        .await?
        .into_iter()
        .find(|t| t.id == team)
        .ok_or_else(|| ApiError::not_found("team"))?;
    let calendar: Option<Value> = t.calendar.as_deref().and_then(|c| serde_json::from_str(c).ok());
    Ok(Json(json!({"id": t.id, "name": t.name, "lead_user_id": t.lead_user_id, "calendar": calendar})))
}

pub async fn holidays(Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let state = match q.get("state").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let parsed = resonanz_calendar::State::parse(s);
            if parsed.is_none() {
                errors.push(FieldError::new("state", "unknown_state", "a federal state code such as NW, BY, BE"));
            }
            parsed
        }
    };
    let year = match q.get("year").map(|y| y.trim()) {
        None | Some("") => chrono::Datelike::year(&chrono::Utc::now().date_naive()),
        Some(y) => y.parse().ok().filter(|y| (1995..=2200).contains(y)).unwrap_or_else(|| {
            errors.push(FieldError::new("year", "invalid_year", "a year from 1995 to 2200"));
            2000
        }),
    };
    check(errors)?;
    let items: Vec<Value> = resonanz_calendar::holidays(state, year)
        .into_iter()
        .map(|h| json!({"date": h.date.to_string(), "name": h.name}))
        .collect();
    Ok(Json(json!({"state": state.map(|s| s.code()), "year": year, "items": items})))
}

pub async fn recompute(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
) -> ApiResult<Json<Value>> {
    if user.role != Role::Admin {
        return Err(resonanz_core::CoreError::Forbidden("only administrators recompute SLAs".into()).into());
    }
    let n = state.core.recompute_sla().await?;
    Ok(Json(json!({"cases": n})))
}

// ---- Escalation, handover, ownership ----------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    pub level: i32,
    pub reason: String,
}

pub async fn escalate(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<EscalateBody>,
) -> ApiResult<Json<CaseDto>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let case = state.core.set_escalation(CaseId(id), user.id, body.level, &body.reason).await?;
    Ok(Json(CaseDto::from(case)))
}

pub async fn acknowledge_escalation(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<CaseDto>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let case = state.core.acknowledge_escalation(CaseId(id), &user).await?;
    Ok(Json(CaseDto::from(case)))
}

pub async fn escalations(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<ItemsDto<EscalationDto>>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let items = state.core.case_escalations(CaseId(id)).await?;
    Ok(Json(ItemsDto { items: items.into_iter().map(EscalationDto::from).collect() }))
}

pub async fn acknowledge_handover(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    state.core.visible_case(&user, CaseId(id)).await?;
    state.core.acknowledge_handover(CaseId(id), user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn ownership(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<ItemsDto<OwnershipDto>>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let spans = state.core.ownership(CaseId(id)).await?;
    Ok(Json(ItemsDto { items: spans.into_iter().map(OwnershipDto::from).collect() }))
}

// ---- Follow-ups ------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    /// `snooze` or `task`.
    pub kind: String,
    pub due_at: String,
    #[serde(default)]
    pub note: String,
}

pub async fn add_follow_up(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<FollowUpBody>,
) -> ApiResult<(StatusCode, Json<FollowUpDto>)> {
    let mut errors = Vec::new();
    let kind = FollowUpKind::parse(body.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new("kind", "invalid_kind", "expected snooze or task"));
    }
    let due = parse_time("due_at", &body.due_at, &mut errors);
    check(errors)?;
    state.core.visible_case(&user, CaseId(id)).await?;
    let (Some(kind), Some(due)) = (kind, due) else { return Err(ApiError::internal()) };
    let f = state.core.add_follow_up(CaseId(id), user.id, kind, due, &body.note).await?;
    Ok((StatusCode::CREATED, Json(FollowUpDto::from(f))))
}

pub async fn case_follow_ups(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<ItemsDto<FollowUpDto>>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let items = state.core.case_follow_ups(CaseId(id)).await?;
    Ok(Json(ItemsDto { items: items.into_iter().map(FollowUpDto::from).collect() }))
}

pub async fn my_follow_ups(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
) -> ApiResult<Json<ItemsDto<FollowUpDto>>> {
    let items = state.core.my_follow_ups(user.id).await?;
    Ok(Json(ItemsDto { items: items.into_iter().map(FollowUpDto::from).collect() }))
}

pub async fn complete_follow_up(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<FollowUpDto>> {
    let fid = FollowUpId(id);
    let f = state.core.complete_follow_up(fid, &user).await?;
    Ok(Json(FollowUpDto::from(f)))
}

// ---- The watcher, availability, settings ------------------------------------------------------

pub async fn watch(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
) -> ApiResult<Json<Value>> {
    let (unowned, inactive) = state.core.watch_lists(&user).await?;
    Ok(Json(json!({
        "unowned": unowned.into_iter().map(CaseDto::from).collect::<Vec<_>>(),
        "inactive": inactive.into_iter().map(CaseDto::from).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityBody {
    pub availability: String,
    #[serde(default)]
    pub absent_until: Option<String>,
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::contacts::present")]
    pub distressing_cap: Option<Option<i64>>,
}

pub async fn set_availability(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<AvailabilityBody>,
) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let availability = Availability::parse(body.availability.trim());
    if availability.is_none() {
        errors.push(FieldError::new("availability", "invalid_availability", "expected present, away or absent"));
    }
    let until = body
        .absent_until
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| parse_time("absent_until", s, &mut errors));
    check(errors)?;
    let u = state
        .core
        .set_availability(
            &user,
            UserId(id),
            availability.unwrap_or_default(),
            until,
            body.languages,
            body.distressing_cap,
        )
        .await?;
    Ok(Json(json!({
        "id": u.id, "availability": u.availability, "absent_until": u.absent_until.map(rfc3339),
        "languages": u.languages, "distressing_cap": u.distressing_cap,
    })))
}

pub async fn settings(State(state): State<AppState>) -> ApiResult<Json<ResponsibilitySettings>> {
    Ok(Json(state.core.responsibility_settings().await?))
}

pub async fn set_settings(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<ResponsibilitySettings>,
) -> ApiResult<Json<ResponsibilitySettings>> {
    state.core.set_responsibility_settings(&Actor::User(user.id), &body).await?;
    Ok(Json(body))
}

// ---- Notifications ----------------------------------------------------------------------------

pub async fn notifications(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
) -> ApiResult<Json<Value>> {
    let items = state.core.store.notifications(user.id, 100).await?;
    let unread = state.core.store.unread_notifications(user.id).await?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|n| {
            json!({
                "id": n.id, "kind": n.kind, "case_id": n.case_id, "actor_user_id": n.actor_user_id, "body": n.body,
                "created_at": rfc3339(n.created_at), "read_at": n.read_at.map(rfc3339),
            })
        })
        .collect();
    Ok(Json(json!({"unread": unread, "items": items})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    /// The notifications to mark read; all when absent.
    #[serde(default)]
    pub ids: Option<Vec<String>>,
}

pub async fn read_notifications(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<ReadBody>,
) -> ApiResult<StatusCode> {
    let mut errors = Vec::new();
    let ids: Option<Vec<NotificationId>> = body.ids.map(|ids| {
        ids.iter()
            .enumerate()
            .filter_map(|(i, raw)| parse_uuid(&format!("ids[{i}]"), raw, &mut errors).map(NotificationId))
            .collect()
    });
    check(errors)?;
    state.core.store.mark_notifications_read(user.id, ids.as_deref(), state.core.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn prefs_json(prefs: &resonanz_core::notify::NotificationPrefs) -> Value {
    let kinds: Vec<Value> = KINDS
        .iter()
        .map(|(k, default, optional)| {
            json!({"kind": k, "delivery": prefs.delivery(k).as_str(), "default": default.as_str(), "can_turn_off": optional})
        })
        .collect();
    json!({"items": kinds})
}

pub async fn notification_prefs(Extension(AuthUser(user)): Extension<AuthUser>) -> ApiResult<Json<Value>> {
    Ok(Json(prefs_json(&user.notification_prefs)))
}

pub async fn set_notification_prefs(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    ApiJson(body): ApiJson<BTreeMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let mut prefs = BTreeMap::new();
    for (k, v) in body {
        match Delivery::parse(v.trim()) {
            Some(d) => {
                prefs.insert(k, d);
            }
            None => errors.push(FieldError::new(&k, "invalid_delivery", "expected off, app or email")),
        }
    }
    check(errors)?;
    let p = state.core.set_notification_prefs(user.id, prefs).await?;
    Ok(Json(prefs_json(&p)))
}

// ---- Satisfaction -----------------------------------------------------------------------------

pub async fn case_surveys(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<ItemsDto<SurveyDto>>> {
    state.core.visible_case(&user, CaseId(id)).await?;
    let items = state.core.case_surveys(CaseId(id)).await?;
    Ok(Json(ItemsDto { items: items.into_iter().map(SurveyDto::from).collect() }))
}

pub async fn csat_report(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    if user.role == Role::Agent {
        return Err(resonanz_core::CoreError::Forbidden("reports are for supervisors and administrators".into()).into());
    }
    let now = state.core.clock.now();
    let period = crate::assist::settings::parse_ledger_query(&q, now).map_err(ApiError::validation)?;
    let rows = state.core.csat_report(period.from, period.to).await?;
    Ok(Json(
        json!({"from": rfc3339(period.from), "to": rfc3339(period.to), "overall": rows.first(), "teams": rows.get(1..)}),
    ))
}
