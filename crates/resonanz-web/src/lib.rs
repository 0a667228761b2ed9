//! The only crate that knows HTTP: the JSON API under `/api/v1`, its OpenAPI document and HTML
//! reference, and the health endpoints.
//!
//! Every route is declared once, in [`routes`]; the router, the OpenAPI coverage test and the docs
//! page all read that table.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use resonanz_core::mail::InboundMail;
use resonanz_core::service::Core;
use resonanz_core::user::User;

mod assist;
mod cases;
mod contacts;
pub mod docs;
pub mod dto;
pub mod error;
mod mail;
pub mod openapi;
mod organisations;
pub mod responsibility;
mod teams;
pub mod ui;

pub use dto::{CaseDetailDto, CaseDto, case_detail_json};
pub use error::{ApiError, ApiJson, ApiResult};

/// Parses raw RFC 5322 bytes; the binary injects the channels crate's MIME parser.
pub type ParseMail = Arc<dyn Fn(&[u8]) -> Result<InboundMail, String> + Send + Sync>;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub parse_mail: ParseMail,
    /// Mails larger than this are quarantined without parsing; bodies above twice this are refused.
    pub max_mail_bytes: usize,
    /// The agent workspace's settings and shared parts (login limiter, live hub).
    pub ui: ui::UiSettings,
    /// The drafting side of Assist (reply proposals); `None` when it is not configured, and then
    /// `POST /cases/{id}/drafts` answers 503 `drafts_unavailable`.
    pub drafts: Option<Arc<dyn resonanz_core::assist::ProposeDrafts>>,
}

/// The user a bearer token belongs to, put into the request by the auth layer.
#[derive(Debug, Clone)]
pub struct AuthUser(pub User);

pub const API_PREFIX: &str = "/api/v1";

/// The headers every response carries: one place owns them.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; object-src 'none'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// One route of the application.
pub struct RouteSpec {
    pub method: &'static str,
    /// The full path in axum syntax, which is also the OpenAPI syntax (`/api/v1/cases/{id}`).
    pub path: &'static str,
    /// Whether a bearer token is required.
    pub auth: bool,
    handler: MethodRouter<AppState>,
}

fn r(method: &'static str, path: &'static str, auth: bool, handler: MethodRouter<AppState>) -> RouteSpec {
    RouteSpec { method, path, auth, handler }
}

/// Every route of the application, in the order the docs show them.
pub fn routes(max_mail_bytes: usize) -> Vec<RouteSpec> {
    let mail_limit = max_mail_bytes.saturating_mul(2).max(1);
    vec![
        r("get", "/healthz", false, get(healthz)),
        r("get", "/readyz", false, get(readyz)),
        r("get", "/api/v1/openapi.json", false, get(openapi::serve)),
        r("get", "/api/v1/docs", false, get(docs::page)),
        r("get", "/api/v1/docs.css", false, get(docs::css)),
        r("get", "/api/v1/cases", true, get(cases::list)),
        r("get", "/api/v1/cases/{id}", true, get(cases::detail)),
        r("patch", "/api/v1/cases/{id}", true, patch(cases::update)),
        r("post", "/api/v1/cases/{id}/reply", true, post(cases::reply)),
        r("post", "/api/v1/cases/{id}/notes", true, post(cases::note)),
        r("post", "/api/v1/cases/{id}/assign", true, post(cases::assign)),
        r("get", "/api/v1/contacts", true, get(contacts::list)),
        r("post", "/api/v1/contacts", true, post(contacts::create)),
        r("get", "/api/v1/contacts/{id}", true, get(contacts::detail)),
        r("patch", "/api/v1/contacts/{id}", true, patch(contacts::update)),
        r("get", "/api/v1/organisations", true, get(organisations::list)),
        r("post", "/api/v1/organisations", true, post(organisations::create)),
        r("get", "/api/v1/organisations/{id}", true, get(organisations::detail)),
        r("get", "/api/v1/users", true, get(teams::users)),
        r("get", "/api/v1/teams", true, get(teams::list)),
        r("post", "/api/v1/teams", true, post(teams::create)),
        r("get", "/api/v1/search", true, get(cases::search)),
        r("post", "/api/v1/mail", true, post(mail::ingest).layer(DefaultBodyLimit::max(mail_limit))),
        r("get", "/api/v1/quarantine", true, get(mail::quarantine_list)),
        r("get", "/api/v1/quarantine/{id}", true, get(mail::quarantine_detail)),
        r("get", "/api/v1/quarantine/{id}/raw", true, get(mail::quarantine_raw)),
        r("post", "/api/v1/quarantine/{id}/reingest", true, post(mail::quarantine_reingest)),
        r("get", "/api/v1/attachments/{id}", true, get(mail::attachment)),
        r("get", "/api/v1/messages/{id}/analysis", true, get(assist::analysis)),
        r("post", "/api/v1/messages/{id}/analysis/retry", true, post(assist::retry_analysis)),
        r("put", "/api/v1/messages/{id}/categories", true, put(assist::correct_categories)),
        r("post", "/api/v1/cases/{id}/safeguarding", true, post(assist::mark_safeguarding)),
        r("delete", "/api/v1/cases/{id}/safeguarding", true, delete(assist::lift_safeguarding)),
        r("get", "/api/v1/cases/{id}/approvals", true, get(assist::approvals)),
        r("post", "/api/v1/messages/{id}/approve", true, post(assist::approve)),
        r("post", "/api/v1/messages/{id}/reject", true, post(assist::reject)),
        r("post", "/api/v1/cases/{id}/drafts", true, post(assist::drafts::propose)),
        r("post", "/api/v1/suggestions/{id}/reject", true, post(assist::drafts::reject_suggestion)),
        r("get", "/api/v1/assist/ledger", true, get(assist::settings::ledger)),
        r("get", "/api/v1/assist/auto-replies", true, get(assist::settings::auto_replies)),
        r("put", "/api/v1/assist/auto-replies", true, put(assist::settings::set_auto_reply)),
        r("get", "/api/v1/assist/settings", true, get(assist::settings::settings)),
        r("put", "/api/v1/assist/settings", true, put(assist::settings::set_settings)),
        r("get", "/api/v1/routing-rules", true, get(responsibility::rules)),
        r("post", "/api/v1/routing-rules", true, post(responsibility::create_rule)),
        r("post", "/api/v1/routing-rules/dry-run", true, post(responsibility::dry_run)),
        r("get", "/api/v1/routing-rules/{id}", true, get(responsibility::rule)),
        r("put", "/api/v1/routing-rules/{id}", true, put(responsibility::update_rule)),
        r("delete", "/api/v1/routing-rules/{id}", true, delete(responsibility::delete_rule)),
        r("get", "/api/v1/sla-policies", true, get(responsibility::policies)),
        r("post", "/api/v1/sla-policies", true, post(responsibility::create_policy)),
        r("put", "/api/v1/sla-policies/{id}", true, put(responsibility::update_policy)),
        r("delete", "/api/v1/sla-policies/{id}", true, delete(responsibility::delete_policy)),
        r("post", "/api/v1/sla/recompute", true, post(responsibility::recompute)),
        r("get", "/api/v1/calendar", true, get(responsibility::calendar)),
        r("put", "/api/v1/calendar", true, put(responsibility::set_calendar)),
        r("get", "/api/v1/holidays", true, get(responsibility::holidays)),
        r("patch", "/api/v1/teams/{id}", true, patch(responsibility::update_team)),
        r("put", "/api/v1/users/{id}/availability", true, put(responsibility::set_availability)),
        r("post", "/api/v1/cases/{id}/escalation", true, post(responsibility::escalate)),
        r("post", "/api/v1/cases/{id}/escalation/acknowledge", true, post(responsibility::acknowledge_escalation)),
        r("get", "/api/v1/cases/{id}/escalations", true, get(responsibility::escalations)),
        r("post", "/api/v1/cases/{id}/handover/acknowledge", true, post(responsibility::acknowledge_handover)),
        r("get", "/api/v1/cases/{id}/ownership", true, get(responsibility::ownership)),
        r("get", "/api/v1/cases/{id}/follow-ups", true, get(responsibility::case_follow_ups)),
        r("post", "/api/v1/cases/{id}/follow-ups", true, post(responsibility::add_follow_up)),
        r("get", "/api/v1/follow-ups", true, get(responsibility::my_follow_ups)),
        r("post", "/api/v1/follow-ups/{id}/done", true, post(responsibility::complete_follow_up)),
        r("get", "/api/v1/watch", true, get(responsibility::watch)),
        r("get", "/api/v1/responsibility/settings", true, get(responsibility::settings)),
        r("put", "/api/v1/responsibility/settings", true, put(responsibility::set_settings)),
        r("get", "/api/v1/notifications", true, get(responsibility::notifications)),
        r("post", "/api/v1/notifications/read", true, post(responsibility::read_notifications)),
        r("get", "/api/v1/me/notification-preferences", true, get(responsibility::notification_prefs)),
        r("put", "/api/v1/me/notification-preferences", true, put(responsibility::set_notification_prefs)),
        r("get", "/api/v1/cases/{id}/surveys", true, get(responsibility::case_surveys)),
        r("get", "/api/v1/reports/csat", true, get(responsibility::csat_report)),
    ]
}

/// `(method, path)` of every route, for documentation and tests.
pub fn route_list() -> Vec<(&'static str, &'static str)> {
    routes(1).into_iter().map(|r| (r.method, r.path)).collect()
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let mut public = Router::new();
    let mut protected = Router::new();
    for spec in routes(state.max_mail_bytes) {
        if spec.auth {
            protected = protected.route(spec.path, spec.handler);
        } else {
            public = public.route(spec.path, spec.handler);
        }
    }
    // `route_layer`: unknown paths fall through to the JSON 404 instead of asking for a token.
    let protected = protected.route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    public
        .merge(protected)
        .merge(ui::router(state.clone()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::map_response(security_headers))
        // Pages, scripts and JSON compress well; event streams and images are left alone.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

async fn require_token(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let secret = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let Some(secret) = secret else {
        return ApiError::unauthorized().into_response();
    };
    match state.core.user_for_token(&secret).await {
        Ok(Some(user)) => {
            req.extensions_mut().insert(AuthUser(user));
            next.run(req).await
        }
        Ok(None) => ApiError::unauthorized().into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // A handler may narrow or widen the policy (remote images on request, attachment previews).
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    // `same-origin`: other sites learn nothing, and our own form posts carry a real Origin (with
    // `no-referrer` browsers send `Origin: null`, which the CSRF check must refuse).
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this method is not allowed here")
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.core.store.ready().await {
        Ok(()) => axum::Json(serde_json::json!({"status": "ready"})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            // One code for every reason (database down, migrations pending); the message says which.
            let message = match e {
                resonanz_core::CoreError::Conflict(m) => m,
                _ => "the database is not reachable".into(),
            };
            let mut err = ApiError::from(resonanz_core::CoreError::Conflict(message));
            err.status = StatusCode::SERVICE_UNAVAILABLE;
            err.code = "not_ready";
            err.into_response()
        }
    }
}
