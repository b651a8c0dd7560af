//! API errors as RFC 9457 `application/problem+json`, each with a stable `type`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Base of every problem `type` URI.
pub const PROBLEM_BASE: &str = "https://parcelgate.dev/problems/";

/// A problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// Stable URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short human summary of the kind.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What was wrong this time.
    pub detail: String,
    /// The request field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds to wait before retrying (429).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// What is wrong, item by item, with where in the field's text (a refused template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemItem>>,
}

/// One thing wrong with a request field, and where in its text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemItem {
    /// The request field (`source`).
    pub field: String,
    /// What is wrong, without the position.
    pub message: String,
    /// Where in the field's text, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<TextAt>,
}

/// A place in a text field: 1-based line and, when known, 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct TextAt {
    /// Line.
    pub line: usize,
    /// Column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// Errors the HTTP layer returns; each maps to one problem type.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A request field is invalid.
    #[error("{field}: {message}")]
    Validation {
        /// Field name (dotted path for nested fields).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A template in a request field was refused (does not parse, uses a refused construct,
    /// or fails to render for the sample shipment); the detail starts with the position.
    #[error("{field}: {detail}")]
    Template {
        /// The field (`source`).
        field: String,
        /// The whole message, position first (`line 2, column 7: …`).
        detail: String,
        /// The message without the position.
        message: String,
        /// Where, when known.
        at: Option<TextAt>,
    },
    /// The body is not JSON of the expected shape.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// No or bad API key.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing here (or not yours: the two are indistinguishable on purpose).
    #[error("{0}")]
    NotFound(String),
    /// Conflicts with existing state.
    #[error("{0}")]
    Conflict(String),
    /// Too many requests.
    #[error("too many requests")]
    RateLimited {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The body is larger than allowed.
    #[error("request body too large")]
    PayloadTooLarge,
    /// A carrier failed while serving this request.
    #[error("{0}")]
    Carrier(#[from] carriers::CarrierError),
    /// Storage failed.
    #[error("storage unavailable")]
    Store(#[from] crate::store::StoreError),
    /// Not ready (shutting down, database down).
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// Shorthand for a validation error.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Shorthand for a not-found error.
    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::NotFound(what.into())
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use ApiError::*;
        match self {
            Validation { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid request field",
            ),
            Template { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "template-invalid",
                "Template refused",
            ),
            Malformed(_) => (
                StatusCode::BAD_REQUEST,
                "malformed-request",
                "Malformed request",
            ),
            Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized"),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
            ),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
            ),
            Carrier(e) if e.is_retryable() => (
                StatusCode::BAD_GATEWAY,
                "carrier-unavailable",
                "Carrier unavailable",
            ),
            Carrier(carriers::CarrierError::NotFound { .. }) => (
                StatusCode::NOT_FOUND,
                "carrier-not-found",
                "Carrier has no data",
            ),
            Carrier(_) => (StatusCode::BAD_GATEWAY, "carrier-error", "Carrier error"),
            Store(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage-unavailable",
                "Storage unavailable",
            ),
            Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (status, kind, title) = self.parts();
        Problem {
            kind: format!("{PROBLEM_BASE}{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: self.to_string(),
            field: match self {
                ApiError::Validation { field, .. } | ApiError::Template { field, .. } => {
                    Some(field.clone())
                }
                _ => None,
            },
            retry_after: match self {
                ApiError::RateLimited { retry_after } => Some(*retry_after),
                _ => None,
            },
            errors: match self {
                ApiError::Template {
                    field, message, at, ..
                } => Some(vec![ProblemItem {
                    field: field.clone(),
                    message: message.clone(),
                    at: *at,
                }]),
                _ => None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Store(e) = &self {
            tracing::error!(error = %e, "storage error while serving a request");
        }
        problem_response(&self.problem())
    }
}

/// Renders a problem as a response.
pub fn problem_response(p: &Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(p).unwrap_or_default();
    let mut resp = (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body,
    )
        .into_response();
    if let Some(s) = p.retry_after {
        if let Ok(v) = header::HeaderValue::from_str(&s.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
