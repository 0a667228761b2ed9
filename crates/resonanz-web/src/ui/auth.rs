//! Sign-in, sign-out, password reset by mail, and one's own account (language, password, sessions).

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use resonanz_core::auth::{LoginRefused, SESSION_MAX};
use resonanz_core::user::Actor;
use serde::Deserialize;

use super::{
    Agent, FormData, FormErrors, Layout, MaybeAgent, PRE_COOKIE, SESSION_COOKIE, Tr, client_ip, error_page, local_path,
    render, see_other, set_cookie,
};
use crate::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    email: String,
    next: String,
    error: String,
}

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    l: Layout,
    sent: bool,
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage {
    l: Layout,
    token: String,
    valid: bool,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    errors: FormErrors,
    prefs: super::account_prefs::AccountPrefs,
}

/// The language for pages before sign-in: the browser's preference, German otherwise.
fn browser_tr(headers: &axum::http::HeaderMap) -> Tr {
    let lang = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("de");
    Tr::new(if lang.trim_start().starts_with("en") { "en" } else { "de" })
}

/// A page shown before sign-in, with a fresh double-submit token in the cookie and the form.
pub(super) fn anonymous_page(state: &AppState, headers: &axum::http::HeaderMap, title_key: &str) -> (Layout, String) {
    let t = browser_tr(headers);
    let token =
        super::cookie(headers, PRE_COOKIE).filter(|c| c.len() == 64).unwrap_or_else(resonanz_core::passwords::secret);
    let _ = state;
    (Layout::anonymous(t, t.get(title_key), token.clone()), token)
}

pub(super) fn with_pre_cookie(state: &AppState, mut res: Response, token: &str) -> Response {
    res.headers_mut().append(header::SET_COOKIE, set_cookie(state, PRE_COOKIE, token, 3600 * 12));
    res
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_page(
    State(state): State<AppState>,
    MaybeAgent(agent): MaybeAgent,
    Query(q): Query<NextQuery>,
    req: Request,
) -> Response {
    if agent.is_some() {
        return see_other(&local_path(&q.next));
    }
    let (l, token) = anonymous_page(&state, req.headers(), "login-title");
    with_pre_cookie(
        &state,
        render(&LoginPage { l, email: String::new(), next: local_path(&q.next), error: String::new() }),
        &token,
    )
}

pub async fn login(State(state): State<AppState>, req: Request) -> Response {
    let ip = client_ip(req.extensions());
    let headers = req.headers().clone();
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let bytes = axum::body::to_bytes(req.into_body(), super::MAX_FORM_BYTES).await.unwrap_or_default();
    let form = FormData::parse(&bytes);
    let (l, token) = anonymous_page(&state, &headers, "login-title");
    let t = l.t;
    let email = form.get("email");
    let next = local_path(&form.get("next"));
    let refuse = |l: Layout, error: String| {
        let mut res = render(&LoginPage { l, email: email.clone(), next: next.clone(), error });
        *res.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        with_pre_cookie(&state, res, &token)
    };
    if !state.ui.limiter.allow(ip, state.core.clock.now()) {
        return refuse(l, t.get("login-rate-limited"));
    }
    match state.core.login(&email, &form.get("password"), &user_agent).await {
        Ok(Ok(new)) => {
            state.ui.limiter.succeeded(&email);
            let mut res = see_other(&next);
            res.headers_mut()
                .append(header::SET_COOKIE, set_cookie(&state, SESSION_COOKIE, &new.secret, SESSION_MAX.num_seconds()));
            res.headers_mut().append(header::SET_COOKIE, set_cookie(&state, PRE_COOKIE, "", 0));
            res
        }
        Ok(Err(LoginRefused::BadCredentials)) => match state.ui.limiter.failed(&email, state.core.clock.now()) {
            // Unknown addresses lock like known ones: the answer reveals nothing.
            Some(until) => {
                let minutes = (until - state.core.clock.now()).num_minutes().max(1);
                refuse(l, t.count("login-locked", minutes))
            }
            None => refuse(l, t.get("login-failed")),
        },
        Ok(Err(LoginRefused::Locked { until })) => {
            let minutes = (until - state.core.clock.now()).num_minutes().max(1);
            refuse(l, t.count("login-locked", minutes))
        }
        Err(e) => error_page(&state, None, &e),
    }
}

pub async fn logout(State(state): State<AppState>, agent: Agent) -> Response {
    if let Err(e) = state.core.logout(&agent.secret).await {
        return error_page(&state, Some(&agent), &e);
    }
    let mut res = see_other("/login");
    res.headers_mut().append(header::SET_COOKIE, set_cookie(&state, SESSION_COOKIE, "", 0));
    res
}

pub async fn forgot_page(State(state): State<AppState>, req: Request) -> Response {
    let (l, token) = anonymous_page(&state, req.headers(), "forgot-title");
    with_pre_cookie(&state, render(&ForgotPage { l, sent: false }), &token)
}

pub async fn forgot(State(state): State<AppState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let ip = client_ip(req.extensions());
    let bytes = axum::body::to_bytes(req.into_body(), super::MAX_FORM_BYTES).await.unwrap_or_default();
    let form = FormData::parse(&bytes);
    let (l, token) = anonymous_page(&state, &headers, "forgot-title");
    // Same limiter as sign-in: no mail bombing through the form.
    if state.ui.limiter.allow(ip, state.core.clock.now())
        && let Err(e) = state.core.request_password_reset(&form.get("email"), &state.ui.public_url).await
    {
        return error_page(&state, None, &e);
    }
    with_pre_cookie(&state, render(&ForgotPage { l, sent: true }), &token)
}

pub async fn reset_page(State(state): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    let (l, pre) = anonymous_page(&state, req.headers(), "reset-title");
    let valid = match state.core.password_reset_valid(&token).await {
        Ok(v) => v,
        Err(e) => return error_page(&state, None, &e),
    };
    with_pre_cookie(&state, render(&ResetPage { l, token, valid, errors: FormErrors::default() }), &pre)
}

pub async fn reset(State(state): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), super::MAX_FORM_BYTES).await.unwrap_or_default();
    let form = FormData::parse(&bytes);
    let (mut l, pre) = anonymous_page(&state, &headers, "reset-title");
    match state.core.reset_password(&token, &form.get("new_password")).await {
        Ok(_) => {
            let t = l.t;
            let mut page = LoginPage { l, email: String::new(), next: "/".into(), error: String::new() };
            page.l.flash = Some((true, t.get("reset-done")));
            with_pre_cookie(&state, render(&page), &pre)
        }
        Err(e) => match FormErrors::from_core(l.t, &e) {
            Some(errors) => {
                let valid = !errors.has("token");
                l.flash = None;
                let mut res = render(&ResetPage { l, token, valid, errors });
                *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                with_pre_cookie(&state, res, &pre)
            }
            None => error_page(&state, None, &e),
        },
    }
}

pub async fn account_page(State(state): State<AppState>, agent: Agent) -> Response {
    let l = Layout::for_agent(&state, &agent, "account", agent.tr().get("account-title")).await;
    let prefs = super::account_prefs::AccountPrefs::of(agent.tr(), &agent.user);
    render(&AccountPage { l, errors: FormErrors::default(), prefs })
}

/// The account page with a form's errors.
pub(super) async fn account_with_errors(state: &AppState, agent: &Agent, errors: FormErrors) -> Response {
    let l = Layout::for_agent(state, agent, "account", agent.tr().get("account-title")).await;
    let prefs = super::account_prefs::AccountPrefs::of(agent.tr(), &agent.user);
    let mut res = render(&AccountPage { l, errors, prefs });
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    res
}

pub async fn change_password(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let t = agent.tr();
    let result = state
        .core
        .change_password(agent.user.id, &form.get("current_password"), &form.get("new_password"), Some(&agent.secret))
        .await;
    let mut l = Layout::for_agent(&state, &agent, "account", t.get("account-title")).await;
    match result {
        Ok(()) => {
            l.flash = Some((true, t.get("account-password-changed")));
            render(&AccountPage {
                l,
                errors: FormErrors::default(),
                prefs: super::account_prefs::AccountPrefs::of(t, &agent.user),
            })
        }
        Err(e) => match FormErrors::from_core(t, &e) {
            Some(errors) => {
                let mut res =
                    render(&AccountPage { l, errors, prefs: super::account_prefs::AccountPrefs::of(t, &agent.user) });
                *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                res
            }
            None => error_page(&state, Some(&agent), &e),
        },
    }
}

pub async fn set_locale(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let locale = form.get("locale");
    if let Err(e) = state.core.set_locale(&Actor::User(agent.user.id), agent.user.id, &locale).await {
        return error_page(&state, Some(&agent), &e);
    }
    see_other("/account")
}

pub async fn logout_all(State(state): State<AppState>, agent: Agent) -> Response {
    if let Err(e) = state.core.logout_everywhere(agent.user.id, None).await {
        return error_page(&state, Some(&agent), &e);
    }
    let mut res = see_other("/login");
    res.headers_mut().append(header::SET_COOKIE, set_cookie(&state, SESSION_COOKIE, "", 0));
    res.into_response()
}
