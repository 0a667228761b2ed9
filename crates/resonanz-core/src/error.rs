//! Errors at the core boundary. The web crate maps each variant to an HTTP status and a stable code.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("storage error: {0}")]
    Storage(#[source] anyhow::Error),
}

impl CoreError {
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
