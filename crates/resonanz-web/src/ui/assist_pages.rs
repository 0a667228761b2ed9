//! Assist's own pages: the AI ledger (`/assist`, supervisors and administrators) and its
//! administration (`/admin/assist`: the safeguarding team and deadline, automatic replies).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Duration;
use resonanz_core::CoreError;
use resonanz_core::assist::{AssistSettings, AutoReplyRuleInput, LedgerBucket, LedgerRow, NEVER_AUTOMATIC};
use resonanz_core::ids::TeamId;
use resonanz_core::user::{Actor, Team};

use super::{Agent, FormData, FormErrors, Layout, Tr, error_page, parse_uuid, render, see_other};
use crate::AppState;
use crate::assist::settings::{parse_ledger_query, require_manager, rules_of_all};

/// One line of the ledger table, formatted.
pub struct LedgerLine {
    pub period: String,
    pub kind: String,
    pub category: String,
    pub producer: String,
    pub model_version: String,
    pub total: i64,
    pub pending: i64,
    pub accepted: i64,
    pub edited: i64,
    pub rejected: i64,
    pub overridden: i64,
    pub acceptance: String,
    pub edit: String,
    pub rejection: String,
    pub override_rate: String,
    pub distance: String,
}

fn rate(v: Option<f64>) -> String {
    v.map(|r| format!("{:.0} %", r * 100.0)).unwrap_or_else(|| "—".into())
}

impl LedgerLine {
    fn new(t: Tr, r: &LedgerRow) -> Self {
        Self {
            period: r.period.clone(),
            kind: t.key("ledger-kind", r.kind.as_str()),
            category: r.category.as_deref().map(|c| t.key("category", c)).unwrap_or_else(|| "—".into()),
            producer: r.producer.clone(),
            model_version: r.producer_version.clone(),
            total: r.total,
            pending: r.pending,
            accepted: r.accepted,
            edited: r.edited,
            rejected: r.rejected,
            overridden: r.overridden,
            acceptance: rate(r.acceptance_rate),
            edit: rate(r.edit_rate),
            rejection: rate(r.rejection_rate),
            override_rate: rate(r.override_rate),
            distance: r.mean_edit_distance.map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into()),
        }
    }
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    l: Layout,
    from: String,
    to: String,
    bucket: String,
    rows: Vec<LedgerLine>,
    errors: FormErrors,
}

/// The ledger with its filters; dates are whole days in the form.
pub async fn ledger(State(state): State<AppState>, agent: Agent, Query(q): Query<HashMap<String, String>>) -> Response {
    let t = agent.tr();
    if let Err(e) = require_manager(&agent.user) {
        return error_page(&state, Some(&agent), &e);
    }
    let now = state.core.clock.now();
    let mut errors = FormErrors::default();
    let value = |k: &str| q.get(k).cloned().unwrap_or_default();
    let (mut from, mut to, mut bucket) = (value("from"), value("to"), value("bucket"));
    let (rows, failed) = match parse_ledger_query(&q, now) {
        Ok(lq) => {
            // The form shows the period as the whole days it covers.
            from = lq.from.format("%Y-%m-%d").to_string();
            to = (lq.to - Duration::microseconds(1)).format("%Y-%m-%d").to_string();
            bucket = match lq.bucket {
                LedgerBucket::Day => "day",
                LedgerBucket::Week => "week",
                LedgerBucket::Month => "month",
            }
            .into();
            match state.core.ledger_stats(lq.from, lq.to, lq.bucket).await {
                Ok(rows) => (rows, false),
                Err(e) => return error_page(&state, Some(&agent), &e),
            }
        }
        Err(fields) => {
            if let Some(e) = FormErrors::from_core(t, &CoreError::Invalid(fields)) {
                errors = e;
            }
            (Vec::new(), true)
        }
    };
    let l = Layout::for_agent(&state, &agent, "assist", t.get("ledger-title")).await;
    let rows = rows.iter().map(|r| LedgerLine::new(t, r)).collect();
    let mut res = render(&LedgerPage { l, from, to, bucket, rows, errors });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// One automatic-reply rule in the admin form.
pub struct RuleForm {
    pub category: String,
    pub label: String,
    pub enabled: bool,
    /// Minimum confidence in percent.
    pub min_percent: String,
    pub text_block: String,
}

#[derive(Template)]
#[template(path = "admin_assist.html")]
struct AdminAssistPage {
    l: Layout,
    teams: Vec<Team>,
    team: String,
    sla: String,
    rules: Vec<RuleForm>,
    block_names: Vec<String>,
    never: Vec<String>,
    errors: FormErrors,
}

fn require_admin(agent: &Agent) -> Result<(), CoreError> {
    if agent.is_admin() { Ok(()) } else { Err(CoreError::Forbidden("administrators only".into())) }
}

/// The admin page; `submitted` holds what a refused form sent, to show it again.
async fn admin_page(state: &AppState, agent: &Agent, errors: FormErrors, submitted: Option<&FormData>) -> Response {
    let t = agent.tr();
    let r = async {
        require_admin(agent)?;
        let settings = state.core.assist_settings().await?;
        let rules = rules_of_all(state).await?;
        let teams = state.core.store.teams().await?;
        let mut names: Vec<String> =
            state.core.store.text_blocks(None, None).await?.into_iter().map(|b| b.name).collect();
        names.sort();
        names.dedup();
        Ok::<_, CoreError>((settings, rules, teams, names))
    }
    .await;
    let (settings, rules, teams, block_names) = match r {
        Ok(x) => x,
        Err(e) => return error_page(state, Some(agent), &e),
    };
    let mut rules: Vec<RuleForm> = rules
        .into_iter()
        .map(|r| RuleForm {
            label: t.key("category", &r.category),
            enabled: r.enabled,
            min_percent: format!("{:.0}", r.min_confidence * 100.0),
            text_block: r.text_block,
            category: r.category,
        })
        .collect();
    let mut team = settings.safeguarding_team.map(|t| t.to_string()).unwrap_or_default();
    let mut sla = settings.safeguarding_sla_minutes.to_string();
    if let Some(f) = submitted {
        let category = f.get("category");
        if let Some(rule) = rules.iter_mut().find(|r| r.category == category) {
            rule.enabled = f.get("enabled") == "1";
            rule.min_percent = f.get("min_confidence");
            rule.text_block = f.get("text_block");
        } else {
            team = f.get("safeguarding_team");
            sla = f.get("safeguarding_sla_minutes");
        }
    }
    let failed = !errors.is_empty();
    let l = Layout::for_agent(state, agent, "admin", t.get("admin-assist-title")).await;
    let never = NEVER_AUTOMATIC.iter().map(|c| t.key("category", c)).collect();
    let mut res = render(&AdminAssistPage { l, teams, team, sla, rules, block_names, never, errors });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

pub async fn admin(State(state): State<AppState>, agent: Agent) -> Response {
    admin_page(&state, &agent, FormErrors::default(), None).await
}

pub async fn save_settings(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let t = agent.tr();
    let mut errors = FormErrors::default();
    let minutes = form.get("safeguarding_sla_minutes").trim().parse::<i64>().unwrap_or_else(|_| {
        errors.add("safeguarding_sla_minutes", t.get("err-whole-number"));
        0
    });
    if !errors.is_empty() {
        return admin_page(&state, &agent, errors, Some(&form)).await;
    }
    let settings = AssistSettings {
        safeguarding_team: parse_uuid(&form.get("safeguarding_team")).map(TeamId),
        safeguarding_sla_minutes: minutes,
    };
    match state.core.set_assist_settings(&Actor::User(agent.user.id), &settings).await {
        Ok(()) => see_other("/admin/assist#safeguarding"),
        Err(e) => match FormErrors::from_core(t, &e) {
            Some(errors) => admin_page(&state, &agent, errors, Some(&form)).await,
            None => error_page(&state, Some(&agent), &e),
        },
    }
}

/// Percent as typed (`90`, `92,5`) as a share.
fn share(raw: &str) -> Option<f32> {
    raw.trim().trim_end_matches('%').trim().replace(',', ".").parse::<f32>().ok().map(|p| p / 100.0)
}

pub async fn save_auto_reply(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let t = agent.tr();
    let category = form.get("category");
    let prefix = |field: &str| format!("{category}_{field}");
    let Some(min_confidence) = share(&form.get("min_confidence")) else {
        let mut errors = FormErrors::default();
        errors.add(&prefix("min_confidence"), t.get("err-percent"));
        return admin_page(&state, &agent, errors, Some(&form)).await;
    };
    let input = AutoReplyRuleInput {
        category: category.clone(),
        enabled: form.get("enabled") == "1",
        min_confidence,
        text_block: form.get("text_block"),
    };
    match state.core.set_auto_reply_rule(&Actor::User(agent.user.id), input).await {
        Ok(_) => see_other(&format!("/admin/assist#rule-{category}")),
        Err(e) => match FormErrors::from_core(t, &e) {
            Some(mut errors) => {
                errors.0 = errors.0.into_iter().map(|(k, v)| (prefix(&k), v)).collect();
                admin_page(&state, &agent, errors, Some(&form)).await
            }
            None => error_page(&state, Some(&agent), &e),
        },
    }
}
