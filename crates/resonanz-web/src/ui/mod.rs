//! The agent workspace: server-rendered pages (askama), a little plain JavaScript, live updates
//! over server-sent events. Signed in by a session cookie; every state change carries a CSRF
//! token. The JSON API beside it keeps its bearer tokens.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use resonanz_core::CoreError;
use resonanz_core::auth::Session;
use resonanz_core::user::{Role, User};

use crate::AppState;

pub mod account_prefs;
pub mod admin;
pub mod admin_routing;
pub mod admin_sla;
pub mod assets;
pub mod assist_forms;
pub mod assist_pages;
pub mod attachments;
pub mod auth;
pub mod case;
pub mod case_assist;
pub mod case_events;
pub mod case_forms;
pub mod case_responsibility;
pub mod i18n;
pub mod inbox;
pub mod live;
pub mod misc;
pub mod reports;
pub mod survey;
pub mod textblocks;

pub use i18n::Tr;

pub const SESSION_COOKIE: &str = "rz_session";
/// Double-submit token for forms shown before sign-in (login, password reset).
pub const PRE_COOKIE: &str = "rz_pre";
/// Largest form body the UI accepts (replies can be long; uploads come later).
pub const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The signed-in person of a request.
#[derive(Clone, Debug)]
pub struct Agent {
    pub user: User,
    pub session: Session,
    pub secret: String,
}

impl Agent {
    pub fn tr(&self) -> Tr {
        Tr::new(&self.user.locale)
    }
    pub fn is_manager(&self) -> bool {
        self.user.role != Role::Agent
    }
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
}

/// Sign-in attempts per client address, against brute force from one place (the per-account
/// lockout in core covers many places trying one account).
#[derive(Default)]
pub struct LoginLimiter {
    attempts: Mutex<HashMap<IpAddr, Vec<resonanz_core::Timestamp>>>,
    /// Failed sign-ins per typed address, known or not: an unknown address then "locks" like a
    /// real one, so the lockout message does not reveal which addresses have accounts.
    failures: Mutex<HashMap<String, Vec<resonanz_core::Timestamp>>>,
}

pub const LOGIN_ATTEMPTS_PER_WINDOW: usize = 20;
pub const LOGIN_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

impl LoginLimiter {
    /// Records an attempt; false when the address has used up its attempts.
    pub fn allow(&self, ip: IpAddr, now: resonanz_core::Timestamp) -> bool {
        let mut map = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, v| v.last().is_some_and(|t| *t + LOGIN_WINDOW > now));
        }
        let list = map.entry(ip).or_default();
        list.retain(|t| *t + LOGIN_WINDOW > now);
        if list.len() >= LOGIN_ATTEMPTS_PER_WINDOW {
            return false;
        }
        list.push(now);
        true
    }

    /// Records a failed sign-in for an address; returns until when it counts as locked, once the
    /// same number of failures as core's account lockout is reached.
    pub fn failed(&self, email: &str, now: resonanz_core::Timestamp) -> Option<resonanz_core::Timestamp> {
        use resonanz_core::auth::{LOCKOUT, MAX_FAILED_LOGINS};
        // No address is longer (RFC 5321); longer input is not kept, so it cannot fill the memory.
        if email.len() > 254 {
            return None;
        }
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, v| v.last().is_some_and(|t| *t + LOCKOUT > now));
        }
        let list = map.entry(email.trim().to_lowercase()).or_default();
        list.retain(|t| *t + LOCKOUT > now);
        list.push(now);
        (list.len() as i64 >= MAX_FAILED_LOGINS).then(|| list[list.len() - MAX_FAILED_LOGINS as usize] + LOCKOUT)
    }

    pub fn succeeded(&self, email: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(&email.trim().to_lowercase());
    }
}

/// UI settings from the binary's configuration.
#[derive(Clone)]
pub struct UiSettings {
    /// The URL people reach the app at, for links in mails (password reset).
    pub public_url: String,
    /// Mark cookies `Secure` (the app is served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    pub limiter: Arc<LoginLimiter>,
    pub live: live::LiveHub,
    /// Checks a mailbox's IMAP and SMTP settings; the binary injects the channels crate's.
    pub check_mailbox: CheckMailbox,
}

pub type CheckMailbox = Arc<
    dyn Fn(resonanz_core::outbound::Mailbox) -> futures::future::BoxFuture<'static, Vec<(String, Result<(), String>)>>
        + Send
        + Sync,
>;

impl UiSettings {
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_string(),
            secure_cookies: public_url.starts_with("https://"),
            limiter: Arc::new(LoginLimiter::default()),
            live: live::LiveHub::new(),
            check_mailbox: Arc::new(|_| Box::pin(async { vec![("check".to_string(), Err("not available".into()))] })),
        }
    }
}

/// Every page and form of the workspace. (The JSON API is in [`crate::routes`].)
pub fn router(state: AppState) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/", get(inbox::page))
        .route("/inbox/rows", get(inbox::rows))
        .route("/cases/bulk", post(inbox::bulk))
        .route("/views", post(inbox::save_view))
        .route("/views/{id}/delete", post(inbox::delete_view))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/password/forgot", get(auth::forgot_page).post(auth::forgot))
        .route("/umfrage/{token}", get(survey::page).post(survey::answer))
        .route("/password/reset/{token}", get(auth::reset_page).post(auth::reset))
        .route("/account", get(auth::account_page))
        .route("/account/password", post(auth::change_password))
        .route("/account/locale", post(auth::set_locale))
        .route("/account/logout-all", post(auth::logout_all))
        .route("/account/availability", post(account_prefs::save_availability))
        .route("/account/notifications", post(account_prefs::save_notifications))
        .route("/cases/{id}", get(case::page))
        .route("/cases/{id}/timeline", get(case::timeline_fragment))
        .route("/cases/{id}/presence", get(case::presence_get).post(case::presence_post))
        .route("/cases/{id}/presence/leave", post(case::presence_leave))
        .route("/cases/{id}/reply", post(case_forms::reply))
        .route("/cases/{id}/notes", post(case_forms::note))
        .route("/cases/{id}/assign", post(case_forms::assign))
        .route("/cases/{id}/acknowledge", post(case_forms::acknowledge))
        .route("/cases/{id}/update", post(case_forms::update))
        .route("/cases/{id}/escalate", post(case_forms::escalate))
        .route("/cases/{id}/escalation/acknowledge", post(case_responsibility::acknowledge_escalation))
        .route("/cases/{id}/follow-ups", post(case_responsibility::add_follow_up))
        .route("/follow-ups/{id}/done", post(case_responsibility::complete_follow_up))
        .route("/cases/{id}/contact", post(case_forms::contact))
        .route("/cases/{id}/text-blocks", get(case_forms::text_blocks))
        .route("/cases/{id}/safeguarding", post(assist_forms::mark_safeguarding))
        .route("/cases/{id}/safeguarding/lift", post(assist_forms::lift_safeguarding))
        .route("/cases/{id}/drafts", post(assist_forms::propose_drafts))
        .route("/suggestions/{id}/reject", post(assist_forms::reject_suggestion))
        .route("/messages/{id}/analysis/retry", post(assist_forms::retry_analysis))
        .route("/messages/{id}/categories", post(assist_forms::correct_categories))
        .route("/messages/{id}/approve", post(assist_forms::approve))
        .route("/messages/{id}/reject", post(assist_forms::reject))
        .route("/assist", get(assist_pages::ledger))
        .route("/reports/satisfaction", get(reports::satisfaction))
        .route("/admin/assist", get(assist_pages::admin))
        .route("/admin/assist/settings", post(assist_pages::save_settings))
        .route("/admin/assist/auto-replies", post(assist_pages::save_auto_reply))
        .route("/attachments/{id}", get(attachments::attachment))
        .route("/attachments/{id}/preview", get(attachments::attachment_preview))
        .route("/text-blocks", get(textblocks::list).post(textblocks::create))
        .route("/text-blocks/{id}", get(textblocks::edit).post(textblocks::update))
        .route("/text-blocks/{id}/delete", post(textblocks::delete))
        .route("/search", get(misc::search))
        .route("/notifications", get(misc::notifications))
        .route("/notifications/read", post(misc::mark_read))
        .route("/events", get(live::events))
        .route("/admin", get(admin::index))
        .route("/admin/routing", get(admin_routing::list).post(admin_routing::save))
        .route("/admin/routing/dry-run", post(admin_routing::dry_run))
        .route("/admin/routing/{id}", get(admin_routing::edit))
        .route("/admin/routing/{id}/delete", post(admin_routing::delete))
        .route("/admin/sla", get(admin_sla::show))
        .route("/admin/sla/policies", post(admin_sla::save_policy))
        .route("/admin/sla/policies/{id}/delete", post(admin_sla::delete_policy))
        .route("/admin/sla/calendar", post(admin_sla::save_calendar))
        .route("/admin/sla/teams/{id}", post(admin_sla::save_team))
        .route("/admin/sla/settings", post(admin_sla::save_settings))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/users/{id}", get(admin::user).post(admin::update_user))
        .route("/admin/users/{id}/password", post(admin::set_password))
        .route("/admin/users/{id}/availability", post(admin::set_user_availability))
        .route("/admin/teams", post(admin::create_team))
        .route("/admin/mailboxes", post(admin::create_mailbox))
        .route("/admin/mailboxes/{id}", get(admin::mailbox).post(admin::save_mailbox))
        .route("/admin/mailboxes/{id}/check", post(admin::check_mailbox))
        .route_layer(axum::middleware::from_fn_with_state(state, session_layer))
        .route("/assets/{file}", get(assets::serve))
        .route("/favicon.ico", get(|| async { Redirect::permanent(&assets::url("favicon.svg")) }))
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.ui.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Resolves the session of every UI request and guards every state change: the request must come
/// from our own pages (Origin) and carry the session's CSRF token (form field `_csrf` or header
/// `X-CSRF-Token`); before sign-in the token is the double-submit cookie's.
pub async fn session_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let agent = match cookie(&parts.headers, SESSION_COOKIE) {
        Some(secret) => match state.core.session_user(&secret).await {
            Ok(Some((user, session))) => Some(Agent { user, session, secret }),
            Ok(None) => None,
            Err(e) => return error_page(&state, None, &e),
        },
        None => None,
    };
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let req = if safe {
        Request::from_parts(parts, body)
    } else {
        if let Some(origin) = parts.headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            let host = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
            let origin_host = origin.split("://").nth(1).unwrap_or_default();
            if origin == "null" || origin_host != host {
                return forbidden("cross-origin request refused");
            }
        }
        let expected = match &agent {
            Some(a) => Some(a.session.csrf_token.clone()),
            None => cookie(&parts.headers, PRE_COOKIE),
        };
        let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
            Ok(b) => b,
            Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response(),
        };
        let given =
            parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string).or_else(|| {
                url::form_urlencoded::parse(&bytes).find(|(k, _)| k == "_csrf").map(|(_, v)| v.into_owned())
            });
        match (expected, given) {
            (Some(e), Some(g)) if !e.is_empty() && constant_time_eq(&e, &g) => {}
            _ => return forbidden("the form has expired or did not come from this site; reload the page"),
        }
        parts.extensions.insert(agent.clone());
        Request::from_parts(parts, axum::body::Body::from(bytes))
    };
    let mut req = req;
    req.extensions_mut().insert(agent);
    let mut res = next.run(req).await;
    // Pages show personal data: never cache them anywhere.
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    res
}

fn forbidden(msg: &str) -> Response {
    (StatusCode::FORBIDDEN, Html(format!("<!doctype html><title>403</title><p>{}</p>", crate::docs::escape(msg))))
        .into_response()
}

/// Rejection of the [`Agent`] extractor: pages redirect to the login, fetches get 401.
pub struct NeedLogin {
    next: String,
    fetch: bool,
}

impl IntoResponse for NeedLogin {
    fn into_response(self) -> Response {
        if self.fetch {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let next: String = url::form_urlencoded::byte_serialize(self.next.as_bytes()).collect();
        Redirect::to(&format!("/login?next={next}")).into_response()
    }
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = NeedLogin;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Option<Agent>>() {
            Some(Some(a)) => Ok(a.clone()),
            _ => Err(NeedLogin {
                next: parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into()),
                fetch: parts.headers.get("x-csrf-token").is_some()
                    || parts
                        .headers
                        .get(header::ACCEPT)
                        .is_some_and(|a| a.as_bytes().starts_with(b"text/event-stream"))
                    || parts.uri.path().ends_with("/rows")
                    || parts.uri.path().ends_with("/timeline")
                    || parts.uri.path().ends_with("/presence"),
            }),
        }
    }
}

/// The optional signed-in person (for pages shown to both).
pub struct MaybeAgent(pub Option<Agent>);

impl FromRequestParts<AppState> for MaybeAgent {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<Option<Agent>>().cloned().flatten()))
    }
}

/// The client's address, when the server knows it.
pub fn client_ip(parts: &axum::http::Extensions) -> IpAddr {
    parts.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED))
}

/// What every page's frame shows.
pub struct Layout {
    pub t: Tr,
    pub title: String,
    pub nav: &'static str,
    pub user: Option<User>,
    pub csrf: String,
    pub unread: i64,
    pub live_url: Option<String>,
    pub css: String,
    pub js: String,
    /// Assist's style sheet and script (analysis boxes, drafts), kept apart from the main ones.
    pub assist_css: String,
    pub assist_js: String,
    pub favicon: String,
    pub flash: Option<(bool, String)>,
}

impl Layout {
    pub async fn for_agent(state: &AppState, agent: &Agent, nav: &'static str, title: String) -> Self {
        let unread = state.core.store.unread_notifications(agent.user.id).await.unwrap_or(0);
        Self {
            t: agent.tr(),
            title,
            nav,
            user: Some(agent.user.clone()),
            csrf: agent.session.csrf_token.clone(),
            unread,
            live_url: Some("/events".into()),
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            assist_css: assets::url("assist.css"),
            assist_js: assets::url("assist.js"),
            favicon: assets::url("favicon.svg"),
            flash: None,
        }
    }

    pub fn anonymous(t: Tr, title: String, csrf: String) -> Self {
        Self {
            t,
            title,
            nav: "",
            user: None,
            csrf,
            unread: 0,
            live_url: None,
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            assist_css: assets::url("assist.css"),
            assist_js: assets::url("assist.js"),
            favicon: assets::url("favicon.svg"),
            flash: None,
        }
    }

    pub fn is_manager(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role != Role::Agent)
    }
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }
    pub fn current(&self, nav: &str) -> &'static str {
        if self.nav == nav { "page" } else { "false" }
    }
}

/// Renders a template into a response (500 with a log line if the template fails).
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    status: u16,
    message: String,
}

/// An error as a page: not found, forbidden, conflict, or an internal error (logged, not shown).
pub fn error_page(state: &AppState, agent: Option<&Agent>, e: &CoreError) -> Response {
    let _ = state;
    let t = agent.map(Agent::tr).unwrap_or(Tr::new("de"));
    let (status, message) = match e {
        CoreError::NotFound(_) => (StatusCode::NOT_FOUND, t.get("error-not-found")),
        CoreError::Forbidden(_) => (StatusCode::FORBIDDEN, t.get("error-forbidden")),
        CoreError::Conflict(_) => (StatusCode::CONFLICT, refusal_text(t, e)),
        CoreError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, refusal_text(t, e)),
        CoreError::Storage(err) => {
            tracing::error!(error = %format!("{err:#}"), "storage error on a page");
            (StatusCode::INTERNAL_SERVER_ERROR, refusal_text(t, e))
        }
    };
    let mut l = Layout::anonymous(t, t.get("error-title"), String::new());
    if let Some(a) = agent {
        l.user = Some(a.user.clone());
        l.csrf = a.session.csrf_token.clone();
    }
    let mut res = render(&ErrorPage { l, status: status.as_u16(), message });
    *res.status_mut() = status;
    res
}

/// A core error as text in the user's language, for a message on top of a page or the error page:
/// each refused field's text ([`FormErrors::core_message`]), or the page's words for not found,
/// forbidden and internal errors (the database's words stay in the log).
pub fn refusal_text(t: Tr, e: &CoreError) -> String {
    match e {
        CoreError::Invalid(fields) => {
            fields.iter().map(|f| FormErrors::core_message(t, f)).collect::<Vec<_>>().join(" ")
        }
        CoreError::NotFound(_) => t.get("error-not-found"),
        CoreError::Forbidden(_) => t.get("error-forbidden"),
        CoreError::Conflict(m) => m.clone(),
        CoreError::Storage(_) => t.get("error-internal"),
    }
}

/// Field errors of a form, by field name, as messages in the user's language.
#[derive(Default, Debug)]
pub struct FormErrors(pub HashMap<String, String>);

impl FormErrors {
    pub fn from_core(t: Tr, e: &CoreError) -> Option<Self> {
        match e {
            CoreError::Invalid(fields) => {
                Some(Self(fields.iter().map(|f| (f.field.clone(), Self::core_message(t, f))).collect()))
            }
            _ => None,
        }
    }

    /// A core refusal in the user's language: the text for this field and code
    /// (`err-<field>-<code>`, for refusals whose limit depends on the field), else the one for the
    /// code (`err-<code>`), else core's English message.
    pub fn core_message(t: Tr, f: &resonanz_core::FieldError) -> String {
        let code = f.code.replace('_', "-");
        let field = f.field.replace('_', "-");
        [format!("err-{field}-{code}"), format!("err-{code}")]
            .into_iter()
            .map(|key| (t.get(&key), key))
            .find(|(msg, key)| msg != key)
            .map_or_else(|| f.message.clone(), |(msg, _)| msg)
    }
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn add(&mut self, field: &str, message: String) {
        self.0.insert(field.into(), message);
    }
}

/// A submitted form with repeated keys kept (checkbox lists).
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(bytes: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(bytes).into_owned().collect())
    }
    pub fn get(&self, key: &str) -> String {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    }
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormData {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        Ok(Self::parse(&bytes))
    }
}

/// Redirect after a successful POST (the browser then GETs the page: no resubmission on reload).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A safe local redirect target (no scheme, no `//host`).
pub fn local_path(next: &str) -> String {
    // Browsers drop tabs and newlines inside URLs and read `\` as `/`: `/\t/evil.example` would
    // become `//evil.example`. Only plain paths pass.
    let plain = !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if plain && next.starts_with('/') && !next.starts_with("//") { next.to_string() } else { "/".into() }
}

pub fn parse_uuid(s: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(s.trim()).ok()
}
