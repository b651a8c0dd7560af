//! Request extractors whose rejections are problem+json that say what was wrong.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;

/// JSON body; a bad body is a 400 naming the problem (serde says which field and where).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(data_error(&e.body_text())),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::Malformed(
                "expected Content-Type: application/json".into(),
            )),
            Err(e) => Err(ApiError::Malformed(e.body_text())),
        }
    }
}

/// serde's "unknown field `x`" / "missing field `x`" become a validation error on that field.
fn data_error(text: &str) -> ApiError {
    let detail = text
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .or_else(|| text.strip_prefix("Failed to deserialize query string: "))
        .unwrap_or(text)
        .to_string();
    let field = detail
        .split('`')
        .nth(1)
        .filter(|_| detail.contains("field `"))
        .map(str::to_string)
        .or_else(|| {
            detail
                .split(':')
                .next()
                .filter(|p| !p.contains(' '))
                .map(str::to_string)
        });
    match field {
        Some(field) => ApiError::Validation {
            field,
            message: detail,
        },
        None => ApiError::Malformed(detail),
    }
}

/// Query string; a bad one is a 400/422 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(data_error(&e.body_text()))
            }
            Err(e) => Err(ApiError::Malformed(e.body_text())),
        }
    }
}

/// For `Option<Option<T>>` fields: present (even `null`) is `Some`, absent is `None`.
pub fn some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
