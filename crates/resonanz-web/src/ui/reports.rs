//! `/reports/satisfaction` (supervisors and administrators): the satisfaction surveys of a period,
//! overall and per team — sent, answered, the ratings, the mean and the share of 4 and 5.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Duration;
use resonanz_core::CoreError;

use super::{Agent, FormErrors, Layout, error_page, render};
use crate::AppState;
use crate::assist::settings::{parse_ledger_query, require_manager};

pub struct CsatLine {
    pub team: String,
    pub sent: i64,
    pub answered: i64,
    pub ratings: String,
    pub average: String,
    pub satisfied: String,
}

#[derive(Template)]
#[template(path = "report_csat.html")]
struct CsatPage {
    l: Layout,
    from: String,
    to: String,
    rows: Vec<CsatLine>,
    errors: FormErrors,
}

pub async fn satisfaction(
    State(state): State<AppState>,
    agent: Agent,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let t = agent.tr();
    if let Err(e) = require_manager(&agent.user) {
        return error_page(&state, Some(&agent), &e);
    }
    let now = state.core.clock.now();
    let (period, mut errors) = match parse_ledger_query(&q, now) {
        Ok(p) => (p, FormErrors::default()),
        Err(fields) => {
            let e = FormErrors::from_core(t, &CoreError::Invalid(fields)).unwrap_or_default();
            let mut fallback = HashMap::new();
            fallback.insert("bucket".to_string(), "day".to_string());
            match parse_ledger_query(&fallback, now) {
                Ok(p) => (p, e),
                Err(_) => return error_page(&state, Some(&agent), &CoreError::NotFound("period")),
            }
        }
    };
    let result = async {
        let rows = state.core.csat_report(period.from, period.to).await?;
        let teams = state.core.store.teams().await?;
        Ok::<_, CoreError>((rows, teams))
    }
    .await;
    let (rows, teams) = match result {
        Ok(x) => x,
        Err(e) => return error_page(&state, Some(&agent), &e),
    };
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| CsatLine {
            team: if i == 0 {
                t.get("csat-overall")
            } else {
                r.team_id
                    .and_then(|id| teams.iter().find(|x| x.id == id).map(|x| x.name.clone()))
                    .unwrap_or_else(|| t.get("csat-no-team"))
            },
            sent: r.sent,
            answered: r.answered,
            ratings: r.ratings.iter().map(i64::to_string).collect::<Vec<_>>().join(" · "),
            average: r.average.map(|a| format!("{a:.1}")).unwrap_or_else(|| "—".into()),
            satisfied: r.satisfied_share.map(|s| format!("{:.0} %", s * 100.0)).unwrap_or_else(|| "—".into()),
        })
        .collect();
    let failed = !errors.is_empty();
    if failed {
        errors.0.retain(|k, _| k == "from" || k == "to");
    }
    let l = Layout::for_agent(&state, &agent, "assist", t.get("csat-title")).await;
    let from = period.from.format("%Y-%m-%d").to_string();
    let to = (period.to - Duration::microseconds(1)).format("%Y-%m-%d").to_string();
    let mut res = render(&CsatPage { l, from, to, rows, errors });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}
