//! `/admin/routing`: routing rules (list, create, edit, delete), with run-time failures shown to
//! administrators, and the dry run "which rules would match this case?". Conditions are written
//! one per line as `field operator value` (lists comma-separated), e.g. `language equals tr` or
//! `text contains_any kündigung, widerruf`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use resonanz_core::CoreError;
use resonanz_core::case::Priority;
use resonanz_core::ids::{RoutingRuleId, TeamId};
use resonanz_core::routing::{
    Condition, Conditions, DryRun, FIELDS, NotifyTarget, Op, OwnerStrategy, RoutingRule, RuleActions, RuleInput,
    Trigger,
};
use resonanz_core::user::Team;
use serde_json::Value;

use super::{Agent, FormData, FormErrors, Layout, Tr, error_page, parse_uuid, render, see_other};
use crate::AppState;

const OPS: [Op; 12] = [
    Op::Equals,
    Op::NotEquals,
    Op::In,
    Op::NotIn,
    Op::Contains,
    Op::NotContains,
    Op::ContainsAny,
    Op::Matches,
    Op::Gte,
    Op::Lte,
    Op::IsSet,
    Op::IsNotSet,
];

fn op_of(s: &str) -> Option<Op> {
    OPS.into_iter().find(|o| o.as_str() == s)
}

/// `field op value` lines → conditions; errors name the line.
fn parse_lines(t: Tr, raw: &str, field: &str, errors: &mut FormErrors) -> Vec<Condition> {
    let mut out = Vec::new();
    for (i, line) in raw.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, char::is_whitespace);
        let (f, o, rest) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next());
        let Some(op) = op_of(o.trim()) else {
            errors.add(field, t.arg("err-rule-line", "line", i + 1) + " " + &t.arg("err-rule-operator", "op", o));
            continue;
        };
        let rest = rest.unwrap_or_default().trim();
        let value = match op {
            Op::IsSet | Op::IsNotSet => Value::Null,
            Op::In | Op::NotIn | Op::ContainsAny => {
                Value::Array(rest.split(',').map(|v| Value::String(v.trim().to_string())).collect())
            }
            _ => Value::String(rest.to_string()),
        };
        out.push(Condition { field: f.to_string(), op, value });
    }
    out
}

/// Conditions back to lines, for the edit form.
fn lines_of(conds: &[Condition]) -> String {
    conds
        .iter()
        .map(|c| {
            let v = match &c.value {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            format!("{} {} {v}", c.field, c.op.as_str()).trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rule form as shown (after a refusal: as sent).
#[derive(Default)]
pub struct RuleFormView {
    pub id: String,
    pub name: String,
    pub ordinal: String,
    pub enabled: bool,
    pub triggers: Vec<String>,
    pub all: String,
    pub any: String,
    pub team: String,
    pub priority: String,
    pub tags: String,
    pub owner: String,
    pub notify: Vec<String>,
    pub stop: bool,
}

impl RuleFormView {
    fn of(r: &RoutingRule) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name.clone(),
            ordinal: r.ordinal.to_string(),
            enabled: r.enabled,
            triggers: r.triggers.iter().map(|t| t.as_str().to_string()).collect(),
            all: lines_of(&r.conditions.all),
            any: lines_of(&r.conditions.any),
            team: r.actions.team_id.map(|t| t.to_string()).unwrap_or_default(),
            priority: r.actions.priority.map(|p| p.as_str().to_string()).unwrap_or_default(),
            tags: r.actions.add_tags.join(", "),
            owner: r.actions.owner.map(|o| o.as_str().to_string()).unwrap_or_default(),
            notify: r.actions.notify.iter().map(notify_key).collect(),
            stop: r.stop,
        }
    }
    fn from_form(f: &FormData) -> Self {
        Self {
            id: f.get("id"),
            name: f.get("name"),
            ordinal: f.get("ordinal"),
            enabled: f.get("enabled") == "1",
            triggers: f.all("triggers"),
            all: f.get("conditions_all"),
            any: f.get("conditions_any"),
            team: f.get("team_id"),
            priority: f.get("priority"),
            tags: f.get("tags"),
            owner: f.get("owner"),
            notify: f.all("notify"),
            stop: f.get("stop") == "1",
        }
    }
    /// An empty form for a new rule: active, on new cases and after the analysis.
    fn blank() -> Self {
        Self { enabled: true, triggers: vec!["created".into(), "analysed".into()], ..Default::default() }
    }
    pub fn has_trigger(&self, t: &str) -> bool {
        self.triggers.iter().any(|x| x == t)
    }
    pub fn notifies(&self, n: &str) -> bool {
        self.notify.iter().any(|x| x == n)
    }
}

fn notify_key(n: &NotifyTarget) -> String {
    match n {
        NotifyTarget::Owner => "owner".into(),
        NotifyTarget::TeamLead => "team_lead".into(),
        NotifyTarget::Team => "team".into(),
        NotifyTarget::Supervisors => "supervisors".into(),
        NotifyTarget::User(u) => u.to_string(),
    }
}

/// One rule in the list.
pub struct RuleLine {
    pub id: String,
    pub ordinal: i64,
    pub name: String,
    pub enabled: bool,
    pub triggers: String,
    pub conditions: String,
    pub actions: String,
    pub errors: String,
}

#[derive(Template)]
#[template(path = "admin_routing.html")]
struct RoutingPage {
    l: Layout,
    rules: Vec<RuleLine>,
    form: RuleFormView,
    teams: Vec<Team>,
    fields: Vec<&'static str>,
    ops: Vec<&'static str>,
    triggers: Vec<&'static str>,
    errors: FormErrors,
    dry_reference: String,
    dry: Option<Vec<String>>,
}

fn actions_text(t: Tr, a: &RuleActions, teams: &[Team]) -> String {
    let mut parts = Vec::new();
    if let Some(team) = a.team_id {
        let name = teams.iter().find(|x| x.id == team).map_or_else(|| team.to_string(), |x| x.name.clone());
        parts.push(format!("{}: {name}", t.get("field-team")));
    }
    if let Some(p) = a.priority {
        parts.push(format!("{}: {}", t.get("field-priority"), t.key("priority", p.as_str())));
    }
    if !a.add_tags.is_empty() {
        parts.push(format!("{}: {}", t.get("field-tags"), a.add_tags.join(", ")));
    }
    if let Some(o) = a.owner {
        parts.push(format!("{}: {}", t.get("field-owner"), t.key("owner-strategy", o.as_str())));
    }
    if !a.notify.is_empty() {
        let who: Vec<String> = a.notify.iter().map(|n| t.key("notify", notify_key(n))).collect();
        parts.push(format!("{}: {}", t.get("rule-notify"), who.join(", ")));
    }
    parts.join(" · ")
}

async fn page(
    state: &AppState,
    agent: &Agent,
    form: RuleFormView,
    errors: FormErrors,
    dry: Option<(String, Vec<String>)>,
) -> Response {
    let t = agent.tr();
    if !agent.is_admin() {
        return error_page(state, Some(agent), &CoreError::Forbidden("administrators only".into()));
    }
    let r = async {
        let rules = state.core.routing_rules().await?;
        let teams = state.core.store.teams().await?;
        Ok::<_, CoreError>((rules, teams))
    }
    .await;
    let (rules, teams) = match r {
        Ok(x) => x,
        Err(e) => return error_page(state, Some(agent), &e),
    };
    let rules = rules
        .iter()
        .map(|r| {
            let mut conditions = lines_of(&r.conditions.all).replace('\n', "; ");
            if !r.conditions.any.is_empty() {
                conditions.push_str(&format!(
                    " | {} {}",
                    t.get("rule-any"),
                    lines_of(&r.conditions.any).replace('\n', "; ")
                ));
            }
            RuleLine {
                id: r.id.to_string(),
                ordinal: r.ordinal,
                name: r.name.clone(),
                enabled: r.enabled,
                triggers: r.triggers.iter().map(|x| t.key("trigger", x.as_str())).collect::<Vec<_>>().join(", "),
                conditions,
                actions: actions_text(t, &r.actions, &teams),
                errors: match (&r.last_error, r.last_error_at) {
                    (Some(e), Some(at)) => {
                        t.arg("rule-failed", "count", r.error_count) + &format!(" ({}): {e}", t.datetime(at))
                    }
                    (Some(e), None) => e.clone(),
                    _ => String::new(),
                },
            }
        })
        .collect();
    let failed = !errors.is_empty();
    let (dry_reference, dry) = match dry {
        Some((r, lines)) => (r, Some(lines)),
        None => (String::new(), None),
    };
    let l = Layout::for_agent(state, agent, "admin", t.get("admin-routing-title")).await;
    let mut res = render(&RoutingPage {
        l,
        rules,
        form,
        teams,
        fields: FIELDS.to_vec(),
        ops: OPS.iter().map(|o| o.as_str()).collect(),
        triggers: Trigger::ALL.iter().map(|t| t.as_str()).collect(),
        errors,
        dry_reference,
        dry,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

pub async fn list(State(state): State<AppState>, agent: Agent) -> Response {
    page(&state, &agent, RuleFormView::blank(), FormErrors::default(), None).await
}

pub async fn edit(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let rules = match state.core.routing_rules().await {
        Ok(r) => r,
        Err(e) => return error_page(&state, Some(&agent), &e),
    };
    match parse_uuid(&id).and_then(|u| rules.iter().find(|r| r.id == RoutingRuleId(u))) {
        Some(r) => page(&state, &agent, RuleFormView::of(r), FormErrors::default(), None).await,
        None => error_page(&state, Some(&agent), &CoreError::NotFound("routing rule")),
    }
}

/// The input from the form, or the form's own errors (lines that are not conditions).
fn input_of(t: Tr, f: &FormData) -> Result<RuleInput, FormErrors> {
    let mut errors = FormErrors::default();
    let all = parse_lines(t, &f.get("conditions_all"), "conditions_all", &mut errors);
    let any = parse_lines(t, &f.get("conditions_any"), "conditions_any", &mut errors);
    let ordinal = match f.get("ordinal").trim() {
        "" => None,
        o => match o.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.add("ordinal", t.get("err-whole-number"));
                None
            }
        },
    };
    let notify = f
        .all("notify")
        .iter()
        .filter_map(|n| match n.as_str() {
            "owner" => Some(NotifyTarget::Owner),
            "team_lead" => Some(NotifyTarget::TeamLead),
            "team" => Some(NotifyTarget::Team),
            "supervisors" => Some(NotifyTarget::Supervisors),
            _ => None,
        })
        .collect();
    let owner = match f.get("owner").as_str() {
        "round_robin" => Some(OwnerStrategy::RoundRobin),
        "fewest_open" => Some(OwnerStrategy::FewestOpen),
        "previous_owner" => Some(OwnerStrategy::PreviousOwner),
        _ => None,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RuleInput {
        name: f.get("name"),
        enabled: f.get("enabled") == "1",
        triggers: Some(f.all("triggers").iter().filter_map(|x| Trigger::parse(x)).collect()),
        conditions: Conditions { all, any },
        actions: RuleActions {
            team_id: parse_uuid(&f.get("team_id")).map(TeamId),
            priority: Priority::parse(&f.get("priority")),
            add_tags: f.get("tags").split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect(),
            owner,
            notify,
        },
        stop: f.get("stop") == "1",
        ordinal,
    })
}

/// Core's refusal in the page's language, by its code; the condition it is about, if any, gives
/// the field and operator. Other codes get the texts every page uses (`FormErrors::core_message`).
fn refusal(t: Tr, f: &resonanz_core::FieldError, condition: Option<&Condition>) -> String {
    let field = condition.map(|c| c.field.trim().to_string()).unwrap_or_default();
    let op = condition.map(|c| c.op.as_str()).unwrap_or_default();
    match (f.code.as_str(), f.field.as_str()) {
        ("unknown_field", _) => {
            t.arg("err-rule-unknown-field", "field", field)
                + " "
                + &t.arg("err-rule-fields", "fields", FIELDS.join(", "))
        }
        ("unsupported_operator", _) => {
            t.arg("err-rule-unsupported", "op", op) + " " + &t.arg("err-rule-field", "field", field)
        }
        ("invalid_value", _) => t.arg("err-rule-value", "condition", format!("{field} {op}")),
        ("invalid_regex", _) => {
            let detail = f.message.strip_prefix("not a valid regular expression: ").unwrap_or(&f.message);
            t.arg("err-rule-regex", "detail", detail)
        }
        ("too_many", _) => t.get("err-rule-too-many"),
        ("required", "name") => t.get("err-rule-name"),
        ("required", "triggers") => t.get("err-rule-triggers"),
        ("required", "actions") => t.get("err-rule-actions"),
        _ => FormErrors::core_message(t, f),
    }
}

/// Core's field paths (`conditions.all[1].value`) → the form's fields, with the line number and the
/// message in the page's language; `sent` are the conditions the refused rule had.
fn form_errors(t: Tr, e: &CoreError, sent: &Conditions) -> Option<FormErrors> {
    let CoreError::Invalid(fields) = e else { return None };
    let mut out = FormErrors::default();
    for f in fields {
        let (field, line, list) = if let Some(rest) = f.field.strip_prefix("conditions.all[") {
            ("conditions_all", rest.split(']').next().and_then(|n| n.parse::<usize>().ok()), &sent.all)
        } else if let Some(rest) = f.field.strip_prefix("conditions.any[") {
            ("conditions_any", rest.split(']').next().and_then(|n| n.parse::<usize>().ok()), &sent.any)
        } else if f.field.starts_with("actions") {
            ("actions", None, &sent.all)
        } else {
            (f.field.as_str(), None, &sent.all)
        };
        let text = refusal(t, f, line.and_then(|n| list.get(n)));
        let msg = match line {
            Some(n) => format!("{} {text}", t.arg("err-rule-condition", "n", n + 1)),
            None => text,
        };
        let joined = match out.0.get(field) {
            Some(prev) => format!("{prev} {msg}"),
            None => msg,
        };
        out.0.insert(field.to_string(), joined);
    }
    Some(out)
}

pub async fn save(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let t = agent.tr();
    let view = RuleFormView::from_form(&form);
    let input = match input_of(t, &form) {
        Ok(i) => i,
        Err(errors) => return page(&state, &agent, view, errors, None).await,
    };
    let sent = input.conditions.clone();
    let result = match parse_uuid(&form.get("id")) {
        Some(id) => state.core.update_routing_rule(&agent.user, RoutingRuleId(id), input).await,
        None => state.core.create_routing_rule(&agent.user, input).await,
    };
    match result {
        Ok(_) => see_other("/admin/routing"),
        Err(e) => match form_errors(t, &e, &sent) {
            Some(errors) => page(&state, &agent, view, errors, None).await,
            None => error_page(&state, Some(&agent), &e),
        },
    }
}

pub async fn delete(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let r = match parse_uuid(&id) {
        Some(u) => state.core.delete_routing_rule(&agent.user, RoutingRuleId(u)).await,
        None => Err(CoreError::NotFound("routing rule")),
    };
    match r {
        Ok(()) => see_other("/admin/routing"),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

/// "Which rules would match this case?" for a case reference (`R-12` or `12`).
pub async fn dry_run(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let t = agent.tr();
    let reference = form.get("reference").trim().to_string();
    let number = reference.trim_start_matches(['R', 'r']).trim_start_matches('-').parse::<i64>().ok();
    let case = match number {
        Some(n) => state.core.store.case_by_number(n).await.ok().flatten(),
        None => None,
    };
    let Some(case) = case else {
        let mut errors = FormErrors::default();
        errors.add("reference", t.get("err-unknown-case"));
        return page(&state, &agent, RuleFormView::blank(), errors, Some((reference, Vec::new()))).await;
    };
    let trigger = Trigger::parse(&form.get("trigger")).unwrap_or(Trigger::Created);
    let run: Result<DryRun, CoreError> = state.core.dry_run(&agent.user, case.id, trigger, None).await;
    let lines = match run {
        Ok(run) => {
            let teams = state.core.store.teams().await.unwrap_or_default();
            let mut lines: Vec<String> = run
                .matches
                .iter()
                .map(|m| format!("„{}“ — {} {}", m.name, t.get("ev-because"), m.because.join("; ")))
                .collect();
            if lines.is_empty() {
                lines.push(t.get("dry-run-none"));
            } else {
                lines.push(format!("{}: {}", t.get("dry-run-together"), actions_text(t, &run.actions, &teams)));
            }
            if let Some(a) = &run.assignment {
                let users = state.core.store.list_users().await.unwrap_or_default();
                let name = a
                    .chosen
                    .and_then(|c| users.iter().find(|u| u.id == c).map(|u| u.display_name.clone()))
                    .unwrap_or_else(|| t.get("dry-run-no-one"));
                lines.push(format!("{}: {name}", t.get("dry-run-owner")));
            }
            for (id, e) in &run.failed {
                lines.push(format!("{} {id}: {e}", t.get("dry-run-failed")));
            }
            lines
        }
        Err(e) => return error_page(&state, Some(&agent), &e),
    };
    page(&state, &agent, RuleFormView::blank(), FormErrors::default(), Some((reference, lines))).await
}
