//! Subscriptions, written once for both backends: the SQL (the same text in both dialects)
//! and [`subscriptions_impl!`], the [`SubscriptionStore`](crate::store::SubscriptionStore)
//! implementation each backend expands. What differs stays in the backend file: the read
//! that locks a subscription for a patch (`SUBSCRIPTION_FOR_PATCH`, `FOR UPDATE` on
//! PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the write lock).

use crate::store::rows::callbacks::subscription_columns;

/// `SELECT <subscription columns> FROM subscriptions WHERE <condition>`.
macro_rules! subscriptions_where {
    ($condition:literal) => {
        concat!(
            "SELECT ",
            subscription_columns!(),
            " FROM subscriptions WHERE ",
            $condition
        )
    };
}

/// A subscription whoever owns it.
pub const BY_ID: &str = subscriptions_where!("id = $1");
/// A merchant's subscription (none for another merchant's).
pub const OWNED: &str = subscriptions_where!("id = $1 AND merchant_id = $2");
/// A merchant's subscriptions, oldest first (ids are time-ordered).
pub const BY_MERCHANT: &str = subscriptions_where!("merchant_id = $1 ORDER BY id");
/// The enabled subscriptions of a merchant (the outbox plan of an update).
pub const ENABLED_FOR_MERCHANT: &str = subscriptions_where!("merchant_id = $1 AND enabled");

/// Inserts a subscription (`$11` is both timestamps).
pub const INSERT: &str = concat!(
    "INSERT INTO subscriptions (id, merchant_id, url, description, event_types, carriers, \
     statuses, enabled, disabled_reason, secret, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING ",
    subscription_columns!()
);

/// Writes back a patched subscription.
pub const PATCH: &str = concat!(
    "UPDATE subscriptions SET url = $1, description = $2, event_types = $3, carriers = $4, \
     statuses = $5, enabled = $6, disabled_reason = $7, failing_since = $8, updated_at = $9 \
     WHERE id = $10 RETURNING ",
    subscription_columns!()
);

/// Deletes a merchant's subscription (its deliveries cascade).
pub const DELETE: &str = "DELETE FROM subscriptions WHERE id = $1 AND merchant_id = $2";

/// Rotates the secret: the current one becomes the previous one until `$1`.
pub const ROTATE: &str = concat!(
    "UPDATE subscriptions SET previous_secret = secret, previous_secret_expires_at = $1, \
     secret = $2, updated_at = $3 WHERE id = $4 AND merchant_id = $5 RETURNING ",
    subscription_columns!()
);

/// Disables a subscription with a reason.
pub const DISABLE: &str =
    "UPDATE subscriptions SET enabled = FALSE, disabled_reason = $1, updated_at = $2 WHERE id = $3";

/// Implements [`SubscriptionStore`](crate::store::SubscriptionStore) for a backend
/// (`subscriptions_impl!(SqliteStore, sqlx::Sqlite)`), plus `enabled_for_merchant`, which
/// the backend's `update.rs` calls inside the update's transaction. The store supplies
/// `read()`, `write()`, `begin()` and the associated constant `SUBSCRIPTION_FOR_PATCH`.
macro_rules! subscriptions_impl {
    ($store:ty, $db:ty) => {
        /// The enabled subscriptions of a merchant, inside a write transaction.
        pub(super) async fn enabled_for_merchant(
            tx: &mut sqlx::Transaction<'static, $db>,
            merchant_id: &str,
        ) -> $crate::store::StoreResult<Vec<$crate::store::Subscription>> {
            let sql = $crate::store::sql::subscriptions::ENABLED_FOR_MERCHANT;
            let rows: Vec<$crate::store::rows::callbacks::SubscriptionRow> =
                $crate::store::sql::run!(all &mut **tx, sql, merchant_id);
            $crate::store::rows::callbacks::subscriptions(rows)
        }

        const _: () = {
            use chrono::{DateTime, Utc};
            use $crate::store::callbacks::{
                NewSubscription, Subscription, SubscriptionPatch, SubscriptionStore,
                DISABLED_BY_MERCHANT,
            };
            use $crate::store::rows::callbacks::{self as rows, SubscriptionRow};
            use $crate::store::rows::DbTime;
            use $crate::store::sql::subscriptions as sql;
            use $crate::store::{codec, StoreResult};

            #[async_trait::async_trait]
            impl SubscriptionStore for $store {
                async fn create_subscription(
                    &self,
                    new: &NewSubscription,
                    now: DateTime<Utc>,
                ) -> StoreResult<Subscription> {
                    let row: SubscriptionRow = run!(one self.write(), sql::INSERT,
                        $crate::store::new_id("sub"), &new.merchant_id, &new.url,
                        &new.description, codec::to_json(&new.event_types),
                        codec::to_json(&new.carriers), codec::to_json(&new.statuses),
                        new.enabled, (!new.enabled).then_some(DISABLED_BY_MERCHANT),
                        &new.secret, DbTime(now));
                    row.try_into()
                }

                async fn subscription(
                    &self,
                    merchant_id: &$crate::domain::MerchantId,
                    id: &$crate::domain::SubscriptionId,
                ) -> StoreResult<Option<Subscription>> {
                    let row: Option<SubscriptionRow> =
                        run!(opt self.read(), sql::OWNED, id, merchant_id);
                    rows::subscription(row)
                }

                async fn subscription_by_id(&self, id: &str) -> StoreResult<Option<Subscription>> {
                    let row: Option<SubscriptionRow> = run!(opt self.read(), sql::BY_ID, id);
                    rows::subscription(row)
                }

                async fn list_subscriptions(
                    &self,
                    merchant_id: &$crate::domain::MerchantId,
                ) -> StoreResult<Vec<Subscription>> {
                    let rows: Vec<SubscriptionRow> =
                        run!(all self.read(), sql::BY_MERCHANT, merchant_id);
                    rows::subscriptions(rows)
                }

                async fn update_subscription(
                    &self,
                    merchant_id: &$crate::domain::MerchantId,
                    id: &$crate::domain::SubscriptionId,
                    patch: &SubscriptionPatch,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<Subscription>> {
                    // Read, change and write in one transaction that holds the row.
                    let mut tx = self.begin().await?;
                    let row: Option<SubscriptionRow> =
                        run!(opt &mut *tx, Self::SUBSCRIPTION_FOR_PATCH, id, merchant_id);
                    let Some(mut sub) = rows::subscription(row)? else {
                        return Ok(None);
                    };
                    patch.apply_to(&mut sub, now);
                    let row: SubscriptionRow = run!(one &mut *tx, sql::PATCH, &sub.url,
                        &sub.description, codec::to_json(&sub.event_types),
                        codec::to_json(&sub.carriers), codec::to_json(&sub.statuses),
                        sub.enabled, &sub.disabled_reason, DbTime::opt(sub.failing_since),
                        DbTime(now), id);
                    tx.commit().await?;
                    Ok(Some(row.try_into()?))
                }

                async fn delete_subscription(
                    &self,
                    merchant_id: &$crate::domain::MerchantId,
                    id: &$crate::domain::SubscriptionId,
                ) -> StoreResult<bool> {
                    Ok(run!(exec self.write(), sql::DELETE, id, merchant_id) == 1)
                }

                async fn rotate_subscription_secret(
                    &self,
                    merchant_id: &$crate::domain::MerchantId,
                    id: &$crate::domain::SubscriptionId,
                    new_secret: &str,
                    previous_valid_until: DateTime<Utc>,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<Subscription>> {
                    let row: Option<SubscriptionRow> = run!(opt self.write(), sql::ROTATE,
                        DbTime(previous_valid_until), new_secret, DbTime(now), id, merchant_id);
                    rows::subscription(row)
                }

                async fn disable_subscription(
                    &self,
                    id: &str,
                    reason: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<()> {
                    run!(exec self.write(), sql::DISABLE, reason, DbTime(now), id);
                    Ok(())
                }
            }
        };
    };
}
pub(crate) use subscriptions_impl;
