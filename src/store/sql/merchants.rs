//! Merchants and API keys: the SQL both dialects share and the
//! [`MerchantStore`](crate::store::MerchantStore) implementation over it, written once
//! ([`merchants_impl!`]) and expanded into each backend.

/// Inserts a merchant.
pub const INSERT_MERCHANT: &str =
    "INSERT INTO merchants (id, name, settings, created_at) VALUES ($1, $2, $3, $4)";
/// Stores an API key by its hash.
pub const INSERT_API_KEY: &str =
    "INSERT INTO api_keys (key_hash, merchant_id, prefix, created_at) VALUES ($1, $2, $3, $4)";
/// The merchant owning an unrevoked key hash.
pub const MERCHANT_BY_KEY_HASH: &str = "SELECT m.id, m.name, m.settings, m.created_at \
     FROM api_keys k JOIN merchants m ON m.id = k.merchant_id \
     WHERE k.key_hash = $1 AND k.revoked_at IS NULL";
/// A merchant by id.
pub const MERCHANT_BY_ID: &str =
    "SELECT id, name, settings, created_at FROM merchants WHERE id = $1";
/// A merchant's settings alone (read in the apply transaction to plan shopper messages).
pub const MERCHANT_SETTINGS: &str = "SELECT settings FROM merchants WHERE id = $1";
/// Replaces a merchant's settings.
pub const UPDATE_MERCHANT_SETTINGS: &str = "UPDATE merchants SET settings = $1 WHERE id = $2";

/// Implements [`MerchantStore`](crate::store::MerchantStore) for a backend type with
/// `read()` and `write()`.
macro_rules! merchants_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::MerchantStore for $store {
            async fn create_merchant(
                &self,
                name: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<$crate::domain::Merchant> {
                use $crate::store::rows::DbTime;
                let m = $crate::domain::Merchant {
                    id: $crate::store::new_id("mer").into(),
                    name: name.to_string(),
                    settings: Default::default(),
                    created_at: now,
                };
                let settings = $crate::store::codec::to_json(&m.settings);
                let sql = $crate::store::sql::merchants::INSERT_MERCHANT;
                run!(exec self.write(), sql, &m.id, &m.name, settings, DbTime(now));
                Ok(m)
            }

            async fn add_api_key(
                &self,
                merchant_id: &str,
                key_hash: &str,
                prefix: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                let (sql, now) = ($crate::store::sql::merchants::INSERT_API_KEY, $crate::store::rows::DbTime(now));
                run!(exec self.write(), sql, key_hash, merchant_id, prefix, now);
                Ok(())
            }

            async fn merchant_by_key_hash(
                &self,
                key_hash: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Merchant>> {
                let sql = $crate::store::sql::merchants::MERCHANT_BY_KEY_HASH;
                self.merchant_where(sql, key_hash).await
            }

            async fn merchant(
                &self,
                id: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Merchant>> {
                let sql = $crate::store::sql::merchants::MERCHANT_BY_ID;
                self.merchant_where(sql, id).await
            }

            async fn update_merchant_settings(
                &self,
                id: &str,
                settings: &$crate::domain::MerchantSettings,
            ) -> $crate::store::StoreResult<()> {
                let sql = $crate::store::sql::merchants::UPDATE_MERCHANT_SETTINGS;
                let settings = $crate::store::codec::to_json(settings);
                if run!(exec self.write(), sql, settings, id) == 0 {
                    return Err($crate::store::StoreError::NotFound);
                }
                Ok(())
            }
        }

        impl $store {
            /// One merchant by a single key.
            async fn merchant_where(
                &self,
                sql: &'static str,
                key: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Merchant>> {
                use $crate::store::rows::shipments::MerchantRow;
                let row: Option<MerchantRow> = run!(opt self.read(), sql, key);
                row.map(TryFrom::try_from).transpose()
            }
        }
    };
}
pub(crate) use merchants_impl;
