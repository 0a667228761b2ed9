//! Attachments in the workspace: downloads (always as a file) and previews of safe types.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use resonanz_core::CoreError;
use resonanz_core::ids::AttachmentId;

use super::{Agent, error_page, parse_uuid};
use crate::AppState;

/// Attachment types shown in the browser; all others only download.
pub fn previewable(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "text/plain" | "application/pdf"
    )
}

async fn visible_attachment(
    state: &AppState,
    agent: &Agent,
    id: &str,
) -> Result<(resonanz_core::message::Attachment, Vec<u8>), CoreError> {
    let id = parse_uuid(id).map(AttachmentId).ok_or(CoreError::NotFound("attachment"))?;
    let att = state.core.store.attachment(id).await?.ok_or(CoreError::NotFound("attachment"))?;
    let msg = state.core.store.message(att.message_id).await?.ok_or(CoreError::NotFound("attachment"))?;
    state.core.visible_case(&agent.user, msg.case_id).await?;
    let data = state.core.store.blob(&att.sha256).await?.ok_or(CoreError::NotFound("attachment"))?;
    Ok((att, data))
}

/// Download: always as a file, never rendered.
pub async fn attachment(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    match visible_attachment(&state, &agent, &id).await {
        Ok((att, data)) => {
            let ct = HeaderValue::from_static("application/octet-stream");
            crate::mail::download(data, ct, crate::mail::content_disposition(&att.filename))
        }
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}

/// Preview of safe types in the browser, in a sandbox (no scripts, even in a PDF viewer's page).
pub async fn attachment_preview(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    match visible_attachment(&state, &agent, &id).await {
        Ok((att, data)) if previewable(&att.content_type) => {
            let essence = att.content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            let ct = if essence == "text/plain" { "text/plain; charset=utf-8".to_string() } else { essence };
            let ct =
                HeaderValue::from_str(&ct).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
            let mut res = crate::mail::download(data, ct, HeaderValue::from_static("inline"));
            res.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"),
            );
            res
        }
        Ok(_) => error_page(&state, Some(&agent), &CoreError::NotFound("preview")),
        Err(e) => error_page(&state, Some(&agent), &e),
    }
}
