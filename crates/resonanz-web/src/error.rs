//! The one error type of the HTTP API: every failure becomes a status and a stable machine code,
//! rendered as `{"error": {"code", "message", "fields"}}`. Causes of internal errors are logged,
//! never sent.

use axum::Json;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use resonanz_core::{CoreError, FieldError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// An API failure with its HTTP status and machine-readable code.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorInner<'a>,
}

#[derive(Serialize)]
struct ErrorInner<'a> {
    code: &'a str,
    message: &'a str,
    fields: &'a [FieldError],
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), fields: Vec::new() }
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "a valid API token is required (Authorization: Bearer …)")
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    /// 422 with the given field errors.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message: "the request has invalid fields".into(),
            fields,
        }
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "an internal error occurred")
    }

    /// The JSON body, also used by `/readyz`.
    pub fn body(&self) -> serde_json::Value {
        serde_json::to_value(ErrorBody {
            error: ErrorInner { code: self.code, message: &self.message, fields: &self.fields },
        })
        .unwrap_or_else(|_| serde_json::json!({"error": {"code": "internal", "message": "", "fields": []}}))
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound(what) => Self::not_found(what),
            CoreError::Invalid(fields) => Self::validation(fields),
            CoreError::Conflict(msg) => Self::new(StatusCode::CONFLICT, "conflict", msg),
            CoreError::Forbidden(msg) => Self::new(StatusCode::FORBIDDEN, "forbidden", msg),
            CoreError::Storage(cause) => {
                tracing::error!(error = ?cause, "storage error while handling a request");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// `axum::Json`, but a body that is not JSON, or not the expected shape, is a 422 `invalid_json`
/// (or 415 `unsupported_media_type`) in the API's error format.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected a request body with Content-Type: application/json",
        ),
        JsonRejection::BytesRejection(b) => bytes_rejection(b),
        other => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_json", other.body_text()),
    }
}

/// A body that could not be read: too large (413) or broken off (400).
pub fn bytes_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::payload_too_large("the request body is too large")
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", rejection.body_text())
    }
}

/// A UUID path parameter; anything else is a 404 `invalid_id` (no such resource can exist).
#[derive(Debug, Clone, Copy)]
pub struct IdPath(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "invalid_id", "the id in the path is missing"))?;
        Uuid::parse_str(&raw)
            .map(Self)
            .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "invalid_id", "the id in the path is not a valid UUID"))
    }
}
