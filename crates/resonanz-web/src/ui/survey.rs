//! The public satisfaction survey (`/umfrage/{token}`): 1 to 5 and a comment, no sign-in. The
//! page shows the case reference and nothing personal; the token in the link is the only key.

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use resonanz_core::CoreError;
use resonanz_core::responsibility::SurveyPage;

use super::auth::{anonymous_page, with_pre_cookie};
use super::{FormData, Layout, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyTemplate {
    l: Layout,
    token: String,
    page: Option<SurveyPage>,
    /// Just answered.
    thanks: bool,
    error: String,
    rating: String,
    comment: String,
}

fn respond(state: &AppState, tpl: SurveyTemplate, csrf: &str, status: StatusCode) -> Response {
    let mut res = render(&tpl);
    *res.status_mut() = status;
    with_pre_cookie(state, res, csrf)
}

pub async fn page(State(state): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    let (l, csrf) = anonymous_page(&state, req.headers(), "survey-title");
    let rating = req.uri().query().and_then(|q| q.strip_prefix("bewertung=")).unwrap_or_default().to_string();
    match state.core.survey_page(&token).await {
        Ok(p) => {
            let tpl = SurveyTemplate {
                l,
                token,
                page: Some(p),
                thanks: false,
                error: String::new(),
                rating,
                comment: String::new(),
            };
            respond(&state, tpl, &csrf, StatusCode::OK)
        }
        Err(_) => {
            let error = l.t.get("survey-unknown");
            let tpl = SurveyTemplate { l, token, page: None, thanks: false, error, rating, comment: String::new() };
            respond(&state, tpl, &csrf, StatusCode::NOT_FOUND)
        }
    }
}

pub async fn answer(State(state): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    let headers = req.headers().clone();
    let bytes = axum::body::to_bytes(req.into_body(), super::MAX_FORM_BYTES).await.unwrap_or_default();
    let form = FormData::parse(&bytes);
    let (l, csrf) = anonymous_page(&state, &headers, "survey-title");
    let t = l.t;
    let rating_raw = form.get("rating");
    let comment = form.get("comment");
    let result = match rating_raw.trim().parse::<i64>() {
        Ok(r) => state.core.answer_survey(&token, r, &comment).await,
        Err(_) => Err(CoreError::invalid("rating", "required", "choose 1 to 5")),
    };
    let page = state.core.survey_page(&token).await.ok();
    let (thanks, error, status) = match result {
        Ok(()) => (true, String::new(), StatusCode::OK),
        Err(CoreError::Invalid(_)) => (false, t.get("survey-choose"), StatusCode::UNPROCESSABLE_ENTITY),
        Err(CoreError::NotFound(_)) => (false, t.get("survey-unknown"), StatusCode::NOT_FOUND),
        Err(CoreError::Conflict(_)) => (false, t.get("survey-closed"), StatusCode::CONFLICT),
        Err(_) => (false, t.get("error-internal"), StatusCode::INTERNAL_SERVER_ERROR),
    };
    let tpl = SurveyTemplate { l, token, page, thanks, error, rating: rating_raw, comment };
    respond(&state, tpl, &csrf, status)
}
