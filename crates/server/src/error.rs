//! The one error type of the API: a stable code, an HTTP status and a message that never
//! carries internals (database errors are logged, not returned).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use vigil_cases::CaseError;

/// An API error, rendered as `{"error": {"code": ..., "message": ...}}`.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    /// Stable, documented in the OpenAPI document (`ErrorCode`).
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u32>,
}

/// Every code the API returns.
pub const ERROR_CODES: &[&str] = &[
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "malformed_json",
    "invalid_request",
    "unsupported_media_type",
    "payload_too_large",
    "too_many_requests",
    "timeout",
    "claimed",
    "already_decided",
    "wrong_state",
    "conflict",
    "internal",
];

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

impl From<CaseError> for AppError {
    fn from(e: CaseError) -> Self {
        match &e {
            CaseError::NotFound(_) => AppError::not_found(e.to_string()),
            CaseError::Claimed { .. } => {
                AppError::new(StatusCode::CONFLICT, "claimed", e.to_string())
            }
            CaseError::AlreadyDecided(_) => {
                AppError::new(StatusCode::CONFLICT, "already_decided", e.to_string())
            }
            CaseError::WrongState { .. } => {
                AppError::new(StatusCode::CONFLICT, "wrong_state", e.to_string())
            }
            CaseError::UserExists(_) => {
                AppError::new(StatusCode::CONFLICT, "conflict", e.to_string())
            }
            CaseError::Invalid(_) => AppError::invalid(e.to_string()),
            CaseError::Store(_) | CaseError::Io(_) | CaseError::EvidenceCorrupt { .. } => {
                eprintln!("vigil-server: {e}");
                AppError::internal()
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

/// Turn a serde error on a request body into a 400 (syntax) or 422 (types, fields).
pub fn json_error(e: serde_json::Error) -> AppError {
    let msg = vigil_model::truncate_for_message(&e.to_string(), 300);
    match e.classify() {
        serde_json::error::Category::Data => AppError::invalid(msg),
        _ => AppError::bad("malformed_json", format!("malformed json: {msg}")),
    }
}
