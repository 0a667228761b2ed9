//! `/admin/sla`: service-level policies, the organisation's business calendar (hours, federal
//! state for public holidays, closures), team leads and team calendars, and the thresholds of the
//! watcher and escalation (responsibility settings).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use resonanz_calendar::{CalendarSpec, Closure};
use resonanz_core::CoreError;
use resonanz_core::case::Priority;
use resonanz_core::ids::{SlaPolicyId, TeamId, UserId};
use resonanz_core::responsibility::ResponsibilitySettings;
use resonanz_core::sla::{PolicyInput, SlaPolicy};
use resonanz_core::user::{Actor, Team, User};

use super::{Agent, FormData, FormErrors, Layout, Tr, error_page, parse_uuid, render, see_other};
use crate::AppState;

/// A team as the page shows it: its lead and its own calendar, if any.
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub lead: String,
    pub members: Vec<(String, String)>,
    pub hours: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "admin_sla.html")]
struct SlaPage {
    l: Layout,
    policies: Vec<SlaPolicy>,
    teams: Vec<Team>,
    team_rows: Vec<TeamRow>,
    calendar: CalendarSpec,
    closures: String,
    states: Vec<(&'static str, &'static str)>,
    settings: ResponsibilitySettings,
    setting_fields: Vec<(&'static str, i64)>,
    /// Each of Assist's categories with the escalation level it calls for (0: none).
    category_levels: Vec<(&'static str, i32)>,
    categories: Vec<&'static str>,
    errors: FormErrors,
    holidays: Vec<String>,
    /// The policy being edited (from `?policy=`), or an empty form.
    edit: PolicyForm,
}

/// The policy form's values.
#[derive(Default)]
pub struct PolicyForm {
    pub id: String,
    pub name: String,
    pub team: String,
    pub priority: String,
    pub category: String,
    pub minutes: Vec<(&'static str, String)>,
    pub enabled: bool,
}

impl PolicyForm {
    fn of(p: Option<&SlaPolicy>) -> Self {
        let n = |f: fn(&SlaPolicy) -> i64| p.map(|p| f(p).to_string()).unwrap_or_default();
        Self {
            id: p.map(|p| p.id.to_string()).unwrap_or_default(),
            name: p.map(|p| p.name.clone()).unwrap_or_default(),
            team: p.and_then(|p| p.team_id).map(|t| t.to_string()).unwrap_or_default(),
            priority: p.and_then(|p| p.priority).map(|x| x.as_str().to_string()).unwrap_or_default(),
            category: p.and_then(|p| p.category.clone()).unwrap_or_default(),
            minutes: vec![
                ("first_response_minutes", n(|p| p.first_response_minutes)),
                ("resolution_minutes", n(|p| p.resolution_minutes)),
                ("warn_before_minutes", n(|p| p.warn_before_minutes)),
            ],
            enabled: p.is_none_or(|p| p.enabled),
        }
    }
}

impl SlaPage {
    fn team_name(&self, id: &Option<TeamId>) -> String {
        id.and_then(|id| self.teams.iter().find(|t| t.id == id)).map(|t| t.name.clone()).unwrap_or_else(|| "—".into())
    }
}

fn closures_text(c: &[Closure]) -> String {
    c.iter().map(|c| format!("{} {} {}", c.from, c.to, c.name)).collect::<Vec<_>>().join("\n")
}

/// `2026-12-24 2026-12-31 Betriebsferien` per line (one date = a single day).
fn parse_closures(t: Tr, raw: &str, errors: &mut FormErrors) -> Vec<Closure> {
    let mut out = Vec::new();
    for (i, line) in raw.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let from = parts.next().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let rest: Vec<&str> = parts.collect();
        let (to, name) = match rest.first().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
            Some(to) => (Some(to), rest[1..].join(" ")),
            None => (from, rest.join(" ")),
        };
        match (from, to) {
            (Some(from), Some(to)) => out.push(Closure { from, to, name }),
            _ => errors.add("closures", t.arg("err-closure-line", "line", i + 1)),
        }
    }
    out
}

async fn page(state: &AppState, agent: &Agent, errors: FormErrors) -> Response {
    page_editing(state, agent, errors, None, None).await
}

/// The page; `typed` is a refused settings form, shown as it was sent instead of the stored settings.
async fn page_editing(
    state: &AppState,
    agent: &Agent,
    errors: FormErrors,
    editing: Option<SlaPolicyId>,
    typed: Option<ResponsibilitySettings>,
) -> Response {
    let t = agent.tr();
    if !agent.is_admin() {
        return error_page(state, Some(agent), &CoreError::Forbidden("administrators only".into()));
    }
    let r = async {
        let policies = state.core.sla_policies().await?;
        let teams = state.core.store.teams().await?;
        let members = state.core.store.team_members().await?;
        let users: Vec<User> = state.core.store.list_users().await?;
        let calendar = state.core.default_calendar_spec().await?;
        let settings = match typed {
            Some(s) => s,
            None => state.core.responsibility_settings().await?,
        };
        Ok::<_, CoreError>((policies, teams, members, users, calendar, settings))
    }
    .await;
    let (policies, teams, members, users, calendar, settings) = match r {
        Ok(x) => x,
        Err(e) => return error_page(state, Some(agent), &e),
    };
    let team_rows = teams
        .iter()
        .map(|tm| {
            let spec: Option<CalendarSpec> = tm.calendar.as_deref().and_then(|c| serde_json::from_str(c).ok());
            TeamRow {
                id: tm.id.to_string(),
                name: tm.name.clone(),
                lead: tm.lead_user_id.map(|u| u.to_string()).unwrap_or_default(),
                members: members
                    .iter()
                    .filter(|(team, _)| *team == tm.id)
                    .filter_map(|(_, u)| users.iter().find(|x| x.id == *u))
                    .map(|u| (u.id.to_string(), u.display_name.clone()))
                    .collect(),
                hours: spec.as_ref().map(|s| s.hours.clone()).unwrap_or_default(),
                state: spec.and_then(|s| s.state).unwrap_or_default(),
            }
        })
        .collect();
    let year = chrono::Datelike::year(&state.core.clock.now().date_naive());
    let holidays =
        resonanz_calendar::holidays(calendar.state.as_deref().and_then(resonanz_calendar::State::parse), year)
            .into_iter()
            .map(|h| format!("{} {}", h.date.format("%d.%m.%Y"), h.name))
            .collect();
    let failed = !errors.is_empty();
    let l = Layout::for_agent(state, agent, "admin", t.get("admin-sla-title")).await;
    let setting_fields = vec![
        ("handover_remind_minutes", settings.handover_remind_minutes),
        ("handover_escalate_minutes", settings.handover_escalate_minutes),
        ("unowned_minutes", settings.unowned_minutes),
        ("inactive_hours", settings.inactive_hours),
        ("distressing_cap", settings.distressing_cap),
        ("csat_valid_days", settings.csat_valid_days),
        ("sla_warning_level", i64::from(settings.sla_warning_level)),
        ("sla_breach_level", i64::from(settings.sla_breach_level)),
        ("asks_for_person_level", i64::from(settings.asks_for_person_level)),
        ("asks_for_manager_level", i64::from(settings.asks_for_manager_level)),
    ];
    let category_levels = resonanz_core::assist::CATEGORIES
        .iter()
        .map(|c| (*c, settings.category_levels.get(*c).copied().unwrap_or(0)))
        .collect();
    let edit = PolicyForm::of(editing.and_then(|id| policies.iter().find(|p| p.id == id)));
    let mut res = render(&SlaPage {
        l,
        edit,
        setting_fields,
        category_levels,
        closures: closures_text(&calendar.closures),
        calendar,
        policies,
        teams,
        team_rows,
        states: resonanz_calendar::State::ALL.iter().map(|s| (s.code(), s.name_de())).collect(),
        settings,
        categories: resonanz_core::assist::CATEGORIES.to_vec(),
        errors,
        holidays,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

pub async fn show(
    State(state): State<AppState>,
    agent: Agent,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let editing = q.get("policy").and_then(|p| parse_uuid(p)).map(SlaPolicyId);
    page_editing(&state, &agent, FormErrors::default(), editing, None).await
}

/// The page again with the refusal's field errors (prefixed), or the error page.
async fn refused(state: &AppState, agent: &Agent, e: CoreError, prefix: &str) -> Response {
    match super::case_forms::refused(agent.tr(), &e, prefix) {
        Some(errors) => page(state, agent, errors).await,
        None => error_page(state, Some(agent), &e),
    }
}

fn minutes(t: Tr, f: &FormData, field: &str, errors: &mut FormErrors) -> i64 {
    f.get(field).trim().parse().unwrap_or_else(|_| {
        errors.add(&format!("policy_{field}"), t.get("err-whole-number"));
        0
    })
}

pub async fn save_policy(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let t = agent.tr();
    let mut errors = FormErrors::default();
    let input = PolicyInput {
        name: form.get("name"),
        enabled: form.get("enabled") == "1",
        team_id: parse_uuid(&form.get("team_id")).map(TeamId),
        priority: Priority::parse(&form.get("priority")),
        category: Some(form.get("category")).filter(|c| !c.is_empty()),
        first_response_minutes: minutes(t, &form, "first_response_minutes", &mut errors),
        resolution_minutes: minutes(t, &form, "resolution_minutes", &mut errors),
        warn_before_minutes: minutes(t, &form, "warn_before_minutes", &mut errors),
        ordinal: None,
    };
    if !errors.is_empty() {
        return page(&state, &agent, errors).await;
    }
    let id = parse_uuid(&form.get("id")).map(SlaPolicyId);
    match state.core.save_sla_policy(agent.user.id, id, input).await {
        Ok(_) => see_other("/admin/sla#policies"),
        Err(e) => refused(&state, &agent, e, "policy_").await,
    }
}

pub async fn delete_policy(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let r = match parse_uuid(&id) {
        Some(u) => state.core.delete_sla_policy(agent.user.id, SlaPolicyId(u)).await,
        None => Err(CoreError::NotFound("SLA policy")),
    };
    match r {
        Ok(()) => see_other("/admin/sla#policies"),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

pub async fn save_calendar(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let t = agent.tr();
    let mut errors = FormErrors::default();
    let closures = parse_closures(t, &form.get("closures"), &mut errors);
    if !errors.is_empty() {
        return page(&state, &agent, errors).await;
    }
    let spec = CalendarSpec {
        time_zone: form.get("time_zone").trim().to_string(),
        hours: form.get("hours").trim().to_string(),
        state: Some(form.get("state")).filter(|s| !s.is_empty()),
        closures,
        holidays: form.get("holidays") == "1",
    };
    match state.core.set_calendar(agent.user.id, None, Some(&spec)).await {
        Ok(()) => see_other("/admin/sla#calendar"),
        Err(e) => refused(&state, &agent, e, "").await,
    }
}

pub async fn save_team(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let Some(team) = parse_uuid(&id).map(TeamId) else {
        return error_page(&state, Some(&agent), &CoreError::NotFound("team"));
    };
    let r = async {
        state.core.set_team_lead(agent.user.id, team, parse_uuid(&form.get("lead_user_id")).map(UserId)).await?;
        let hours = form.get("hours");
        let spec = if hours.trim().is_empty() {
            None
        } else {
            let org = state.core.default_calendar_spec().await?;
            Some(CalendarSpec {
                hours: hours.trim().to_string(),
                state: Some(form.get("state")).filter(|s| !s.is_empty()),
                ..org
            })
        };
        state.core.set_calendar(agent.user.id, Some(team), spec.as_ref()).await
    }
    .await;
    match r {
        Ok(()) => see_other("/admin/sla#teams"),
        Err(e) => refused(&state, &agent, e, "team_").await,
    }
}

pub async fn save_settings(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let t = agent.tr();
    let mut errors = FormErrors::default();
    let mut num = |field: &str| -> i64 {
        form.get(field).trim().parse().unwrap_or_else(|_| {
            errors.add(&format!("settings_{field}"), t.get("err-whole-number"));
            0
        })
    };
    let current = match state.core.responsibility_settings().await {
        Ok(s) => s,
        Err(e) => return error_page(&state, Some(&agent), &e),
    };
    let mut s = ResponsibilitySettings {
        handover_remind_minutes: num("handover_remind_minutes"),
        handover_escalate_minutes: num("handover_escalate_minutes"),
        unowned_minutes: num("unowned_minutes"),
        inactive_hours: num("inactive_hours"),
        distressing_cap: num("distressing_cap"),
        csat_valid_days: num("csat_valid_days"),
        // Out of i32's range is out of the levels' range too: core refuses it with the field.
        sla_warning_level: num("sla_warning_level").try_into().unwrap_or(i32::MAX),
        sla_breach_level: num("sla_breach_level").try_into().unwrap_or(i32::MAX),
        asks_for_person_level: num("asks_for_person_level").try_into().unwrap_or(i32::MAX),
        asks_for_manager_level: num("asks_for_manager_level").try_into().unwrap_or(i32::MAX),
        csat_enabled: form.get("csat_enabled") == "1",
        public_url: form.get("public_url").trim().to_string(),
        ..current
    };
    // One select per category: 0 removes its level; a category the form does not name keeps its own.
    for c in resonanz_core::assist::CATEGORIES {
        let raw = form.get(&format!("category_level_{c}"));
        if raw.is_empty() {
            continue;
        }
        match raw.trim().parse::<i32>() {
            Ok(0) => {
                s.category_levels.remove(c);
            }
            Ok(level) => {
                s.category_levels.insert(c.to_string(), level);
            }
            Err(_) => errors.add("settings_category_levels", t.get("err-whole-number")),
        }
    }

    if !errors.is_empty() {
        return page_editing(&state, &agent, errors, None, Some(s)).await;
    }
    match state.core.set_responsibility_settings(&Actor::User(agent.user.id), &s).await {
        Ok(()) => see_other("/admin/sla#settings"),
        Err(e) => match super::case_forms::refused(t, &e, "settings_") {
            Some(errors) => page_editing(&state, &agent, errors, None, Some(s)).await,
            None => error_page(&state, Some(&agent), &e),
        },
    }
}
