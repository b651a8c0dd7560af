//! The bearer-token extractor that resolves the merchant of an API request (keys are
//! generated and hashed in `domain::merchant_rules`). Lookups by hash are cached briefly,
//! so a request costs no database read.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::domain::merchant_rules::hash_key;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Merchant;

/// The authenticated merchant of a request (shared with the key cache: a cache hit costs a
/// reference count, not a copy of the merchant's settings).
#[derive(Debug, Clone)]
pub struct AuthMerchant(pub std::sync::Arc<Merchant>);

impl FromRequestParts<AppState> for AuthMerchant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::Unauthorized("missing Authorization: Bearer <api key>".into())
            })?;
        let key = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthorized("Authorization must be `Bearer <api key>`".into())
            })?;
        let hash = hash_key(key);
        if let Some(found) = state.auth_cache.get(&hash).await {
            return found
                .map(AuthMerchant)
                .ok_or_else(|| ApiError::Unauthorized("unknown or revoked API key".into()));
        }
        let found = state
            .store
            .merchant_by_key_hash(&hash)
            .await?
            .map(std::sync::Arc::new);
        state.auth_cache.insert(hash, found.clone()).await;
        found
            .map(AuthMerchant)
            .ok_or_else(|| ApiError::Unauthorized("unknown or revoked API key".into()))
    }
}
