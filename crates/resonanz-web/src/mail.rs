//! Mail endpoints: ingesting a raw mail over HTTP, the quarantine of mail that could not be
//! processed, and attachment downloads.

use std::collections::HashMap;

use axum::Extension;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use resonanz_core::ids::{AttachmentId, QuarantineId};
use resonanz_core::ingest::{IngestReport, IngestStatus};
use resonanz_core::mail::{InboundMail, MailSource};
use resonanz_core::user::Actor;

use crate::cases::{parse_limit, parse_uuid};
use crate::dto::{IngestReportDto, PageDto, QuarantineDto};
use crate::error::{ApiError, ApiResult, IdPath, bytes_rejection};
use crate::{AppState, AuthUser};

/// The reason a mail above the size limit is quarantined with (worded as the MIME parser words it,
/// so a mail gets the same reason whichever way it came in).
pub fn too_large_reason(size: usize, limit: usize) -> String {
    format!("message is too large: {size} bytes, the limit is {limit} bytes")
}

/// The injected parser, with the size limit in front of it: large mails are never parsed.
fn parse_with_limit(state: &AppState, raw: &[u8]) -> Result<InboundMail, String> {
    if raw.len() > state.max_mail_bytes {
        Err(too_large_reason(raw.len(), state.max_mail_bytes))
    } else {
        (state.parse_mail)(raw)
    }
}

fn report_status(report: &IngestReport) -> StatusCode {
    match report.status {
        IngestStatus::Created | IngestStatus::Appended => StatusCode::CREATED,
        IngestStatus::Duplicate => StatusCode::OK,
        IngestStatus::Quarantined => StatusCode::ACCEPTED,
    }
}

pub async fn ingest(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<IngestReportDto>)> {
    let raw = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large(format!(
                "the mail is larger than {} bytes, twice the limit of {} bytes",
                state.max_mail_bytes.saturating_mul(2),
                state.max_mail_bytes
            ))
        } else {
            bytes_rejection(rejection)
        }
    })?;
    if raw.is_empty() {
        return Err(ApiError::field("body", "required", "the request body must be one raw RFC 5322 mail"));
    }
    let source = MailSource { label: "http".into(), mailbox_id: None };
    let parsed = parse_with_limit(&state, &raw);
    let report = state.core.ingest_mail(&source, &raw, parsed).await?;
    Ok((report_status(&report), Json(IngestReportDto::from(report))))
}

pub async fn quarantine_list(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<PageDto<QuarantineDto>>> {
    let mut errors = Vec::new();
    let limit = parse_limit(&q, &mut errors);
    let after = parse_uuid(&q, "cursor", "invalid_cursor", &mut errors).map(QuarantineId);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut items = state.core.store.list_quarantine(limit + 1, after).await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|e| e.id.to_string())
    } else {
        None
    };
    Ok(Json(PageDto { items: items.into_iter().map(QuarantineDto::from).collect(), next_cursor }))
}

pub async fn quarantine_detail(State(state): State<AppState>, IdPath(id): IdPath) -> ApiResult<Json<QuarantineDto>> {
    let entry =
        state.core.store.quarantine(QuarantineId(id)).await?.ok_or_else(|| ApiError::not_found("quarantine entry"))?;
    Ok(Json(QuarantineDto::from(entry)))
}

pub async fn quarantine_raw(State(state): State<AppState>, IdPath(id): IdPath) -> ApiResult<Response> {
    let entry =
        state.core.store.quarantine(QuarantineId(id)).await?.ok_or_else(|| ApiError::not_found("quarantine entry"))?;
    let raw = state.core.store.blob(&entry.raw_sha256).await?.ok_or_else(|| ApiError::not_found("quarantined mail"))?;
    let disposition = content_disposition(&format!("quarantine-{}.eml", entry.id));
    Ok(download(raw, HeaderValue::from_static("message/rfc822"), disposition))
}

pub async fn quarantine_reingest(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Json<IngestReportDto>> {
    let parse = |raw: &[u8]| parse_with_limit(&state, raw);
    let report = state.core.reingest_quarantine(QuarantineId(id), &Actor::User(user.id), &parse).await?;
    Ok(Json(IngestReportDto::from(report)))
}

pub async fn attachment(
    State(state): State<AppState>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    IdPath(id): IdPath,
) -> ApiResult<Response> {
    let att = state.core.store.attachment(AttachmentId(id)).await?.ok_or_else(|| ApiError::not_found("attachment"))?;
    let message = state.core.store.message(att.message_id).await?.ok_or_else(|| ApiError::not_found("attachment"))?;
    state.core.visible_case(&user, message.case_id).await.map_err(|_| ApiError::not_found("attachment"))?;
    let data = state.core.store.blob(&att.sha256).await?.ok_or_else(|| ApiError::not_found("attachment data"))?;
    let content_type = HeaderValue::from_str(&safe_content_type(&att.content_type))
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok(download(data, content_type, content_disposition(&att.filename)))
}

/// Bytes served as a file: never sniffed, never cached.
pub(crate) fn download(data: Vec<u8>, content_type: HeaderValue, disposition: HeaderValue) -> Response {
    let mut res = Body::from(data).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(header::CONTENT_DISPOSITION, disposition);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

/// Types a browser may show as what they claim to be; everything else is served as bytes.
const SAFE_TYPES: [&str; 5] = ["image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain"];

pub fn safe_content_type(declared: &str) -> String {
    let mut parts = declared.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    if !SAFE_TYPES.contains(&essence.as_str()) {
        return "application/octet-stream".into();
    }
    if essence == "text/plain" {
        let charset = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
            .map(|(_, v)| v.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        return format!("text/plain; charset={}", charset.unwrap_or_else(|| "utf-8".into()));
    }
    essence
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266 / RFC 5987).
pub fn content_disposition(filename: &str) -> HeaderValue {
    let name = if filename.trim().is_empty() { "attachment" } else { filename.trim() };
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || " -_.,()[]+@=!#$&~'".contains(c) { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_encodes_utf8_and_sanitises_ascii() {
        let v = content_disposition("Rechnung März \"2026\"/x.pdf");
        let s = v.to_str().map(str::to_owned).unwrap_or_default();
        assert_eq!(
            s,
            "attachment; filename=\"Rechnung M_rz _2026__x.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz%20%222026%22%2Fx.pdf"
        );
    }

    #[test]
    fn only_safe_types_pass() {
        assert_eq!(safe_content_type("image/PNG"), "image/png");
        assert_eq!(safe_content_type("text/html"), "application/octet-stream");
        assert_eq!(safe_content_type("image/svg+xml"), "application/octet-stream");
        assert_eq!(safe_content_type("text/plain; charset=\"ISO-8859-1\""), "text/plain; charset=ISO-8859-1");
    }
}
