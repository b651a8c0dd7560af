//! API keys: generation, hashing, and the bearer-token extractor that resolves the merchant.
//!
//! Keys are 256 random bits, so a single SHA-256 is enough to store them safely (a slow
//! password hash protects low-entropy secrets; it would only slow every request here).
//! Lookups by hash are cached briefly, so a request costs no database read.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::domain::Merchant;
use crate::error::ApiError;

/// Prefix of every API key, so leaked keys are recognisable by secret scanners.
pub const KEY_PREFIX: &str = "pgk_";

/// A new API key: `pgk_` + 64 hex characters.
pub fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

/// The stored form of a key.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The first characters of a key, stored to help people tell their keys apart.
pub fn key_display_prefix(key: &str) -> String {
    key.chars().take(KEY_PREFIX.len() + 6).collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_hashes_stable() {
        let a = generate_key();
        assert!(a.starts_with(KEY_PREFIX) && a.len() == 68);
        assert_ne!(a, generate_key());
        assert_eq!(hash_key(&a), hash_key(&a));
        assert_ne!(hash_key(&a), a);
        assert_eq!(key_display_prefix(&a).len(), 10);
    }
}
