//! The text block library: search by text and category, and editing for supervisors and admins.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use resonanz_core::ids::TextBlockId;
use resonanz_core::textblocks::{PLACEHOLDERS, TextBlock, TextBlockInput, Tone};
use resonanz_core::user::Actor;
use serde::Deserialize;

use super::{Agent, FormData, FormErrors, Layout, error_page, parse_uuid, render, see_other};
use crate::AppState;

#[derive(Template)]
#[template(path = "text_blocks.html")]
struct Page {
    l: Layout,
    blocks: Vec<TextBlock>,
    categories: Vec<String>,
    q: String,
    category: String,
    tones: Vec<&'static str>,
    form: TextBlockInput,
    editing: String,
    errors: FormErrors,
    placeholders: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
}

async fn render_page(
    state: &AppState,
    agent: &Agent,
    p: &Params,
    form: TextBlockInput,
    editing: String,
    errors: FormErrors,
) -> Response {
    let r = async {
        let all = state.core.store.text_blocks(None, None).await?;
        let blocks = state.core.store.text_blocks(Some(&p.q), Some(&p.category)).await?;
        Ok::<_, resonanz_core::CoreError>((all, blocks))
    }
    .await;
    let (all, blocks) = match r {
        Ok(x) => x,
        Err(e) => return error_page(state, Some(agent), &e),
    };
    let mut categories: Vec<String> = all.iter().map(|b| b.category.clone()).collect();
    categories.sort();
    categories.dedup();
    let failed = !errors.is_empty();
    let l = Layout::for_agent(state, agent, "text-blocks", agent.tr().get("nav-text-blocks")).await;
    let mut res = render(&Page {
        l,
        blocks,
        categories,
        q: p.q.clone(),
        category: p.category.clone(),
        tones: Tone::ALL.iter().map(|t| t.as_str()).collect(),
        form,
        editing,
        errors,
        placeholders: PLACEHOLDERS.iter().map(|p| format!("{{{{{p}}}}}")).collect::<Vec<_>>().join(" "),
    });
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

fn blank() -> TextBlockInput {
    TextBlockInput { language: "de".into(), tone: "sie".into(), ..Default::default() }
}

fn input_of(form: &FormData) -> TextBlockInput {
    TextBlockInput {
        name: form.get("name"),
        category: form.get("category"),
        language: form.get("language"),
        tone: form.get("tone"),
        body: form.get("body"),
    }
}

pub async fn list(State(state): State<AppState>, agent: Agent, Query(p): Query<Params>) -> Response {
    render_page(&state, &agent, &p, blank(), String::new(), FormErrors::default()).await
}

pub async fn edit(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let block = match parse_uuid(&id) {
        Some(u) => state.core.store.text_block(TextBlockId(u)).await,
        None => Ok(None),
    };
    match block {
        Ok(Some(b)) => {
            let form = TextBlockInput {
                name: b.name,
                category: b.category,
                language: b.language,
                tone: b.tone.as_str().into(),
                body: b.body,
            };
            render_page(&state, &agent, &Params::default(), form, id, FormErrors::default()).await
        }
        Ok(None) => error_page(&state, Some(&agent), &resonanz_core::CoreError::NotFound("text block")),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

pub async fn create(State(state): State<AppState>, agent: Agent, form: FormData) -> Response {
    let input = input_of(&form);
    match state.core.create_text_block(&Actor::User(agent.user.id), &input).await {
        Ok(_) => see_other("/text-blocks"),
        Err(e) => match FormErrors::from_core(agent.tr(), &e) {
            Some(errors) => render_page(&state, &agent, &Params::default(), input, String::new(), errors).await,
            None => error_page(&state, Some(&agent), &e),
        },
    }
}

pub async fn update(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, form: FormData) -> Response {
    let input = input_of(&form);
    let Some(uid) = parse_uuid(&id) else {
        return error_page(&state, Some(&agent), &resonanz_core::CoreError::NotFound("text block"));
    };
    match state.core.update_text_block(&Actor::User(agent.user.id), TextBlockId(uid), &input).await {
        Ok(_) => see_other("/text-blocks"),
        Err(e) => match FormErrors::from_core(agent.tr(), &e) {
            Some(errors) => render_page(&state, &agent, &Params::default(), input, id, errors).await,
            None => error_page(&state, Some(&agent), &e),
        },
    }
}

pub async fn delete(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let Some(uid) = parse_uuid(&id) else {
        return error_page(&state, Some(&agent), &resonanz_core::CoreError::NotFound("text block"));
    };
    match state.core.delete_text_block(&Actor::User(agent.user.id), TextBlockId(uid)).await {
        Ok(()) => see_other("/text-blocks"),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}
