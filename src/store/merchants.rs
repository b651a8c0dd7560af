//! Merchants and their API keys (stored by hash only): the tenants every other row belongs to.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{Merchant, MerchantSettings};

/// Merchant storage, implemented by both backends (a supertrait of [`Store`](super::Store)).
#[async_trait]
pub trait MerchantStore: Send + Sync {
    /// Creates a merchant.
    async fn create_merchant(&self, name: &str, now: DateTime<Utc>) -> StoreResult<Merchant>;
    /// Stores an API key by its hash (the key itself is never stored).
    async fn add_api_key(
        &self,
        merchant_id: &str,
        key_hash: &str,
        prefix: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Finds the merchant owning an unrevoked key hash.
    async fn merchant_by_key_hash(&self, key_hash: &str) -> StoreResult<Option<Merchant>>;
    /// A merchant by id.
    async fn merchant(&self, id: &str) -> StoreResult<Option<Merchant>>;
    /// Replaces a merchant's settings.
    async fn update_merchant_settings(
        &self,
        id: &str,
        settings: &MerchantSettings,
    ) -> StoreResult<()>;
}
