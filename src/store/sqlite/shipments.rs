//! SQLite side of the shipments store: the shared implementation (`store::sql::shipments`)
//! plus what SQLite does its own way: migrations, the poller's claim (a conditional
//! `UPDATE … RETURNING` under `BEGIN IMMEDIATE`) and the delete guard.

use sqlx::{Sqlite, Transaction};

use super::SqliteStore;
use crate::store::rows::shipments::shipment_columns;
use crate::store::sql::merchants::merchants_impl;
use crate::store::sql::shipments::store_impl;
use crate::store::StoreResult;

merchants_impl!(SqliteStore);
store_impl!(SqliteStore, sqlite);

impl SqliteStore {
    /// Applies pending migrations.
    async fn run_migrations(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(self.write())
            .await?;
        Ok(())
    }

    /// The poller's claim: a conditional `UPDATE … RETURNING` under `BEGIN IMMEDIATE`, so
    /// no other writer can claim the same rows.
    const CLAIM_DUE: &'static str = concat!(
        "UPDATE shipments SET lease_until = $1 WHERE id IN (\
           SELECT id FROM shipments WHERE next_poll_at IS NOT NULL AND next_poll_at <= $2 \
           AND (lease_until IS NULL OR lease_until < $2) ORDER BY ",
        crate::store::poll_priority!(),
        ", next_poll_at LIMIT $3) RETURNING ",
        shipment_columns!()
    );

    /// Whether the merchant owns the shipment (the writer lock already guards it).
    async fn lock_owned_shipment(
        tx: &mut Transaction<'static, Sqlite>,
        merchant_id: &str,
        id: &str,
    ) -> StoreResult<bool> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM shipments WHERE id = $1 AND merchant_id = $2")
                .bind(id)
                .bind(merchant_id)
                .fetch_optional(&mut **tx)
                .await?;
        Ok(found.is_some())
    }
}
