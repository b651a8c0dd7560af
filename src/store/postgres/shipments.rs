//! PostgreSQL side of the shipments store: the shared implementation
//! (`store::sql::shipments`) plus what PostgreSQL does its own way: migrations (sqlx takes
//! an advisory lock, so several processes starting at once migrate once), the poller's claim
//! (`FOR UPDATE SKIP LOCKED`) and the row lock before a delete.

use sqlx::{Postgres, Transaction};

use super::PgStore;
use crate::store::rows::shipments::shipment_columns;
use crate::store::sql::merchants::merchants_impl;
use crate::store::sql::shipments::store_impl;
use crate::store::StoreResult;

merchants_impl!(PgStore);
store_impl!(PgStore, postgres);

impl PgStore {
    /// Applies pending migrations.
    async fn run_migrations(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(self.write())
            .await?;
        Ok(())
    }

    /// The poller's claim: SKIP LOCKED passes over rows another process is claiming right
    /// now; a row claimed and committed meanwhile is re-checked against the lease condition
    /// when locked (READ COMMITTED) and dropped.
    const CLAIM_DUE: &'static str = concat!(
        "UPDATE shipments SET lease_until = $1 WHERE id IN (\
           SELECT id FROM shipments WHERE next_poll_at IS NOT NULL AND next_poll_at <= $2 \
           AND (lease_until IS NULL OR lease_until < $2) ORDER BY ",
        crate::store::poll_priority!(),
        ", next_poll_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING ",
        shipment_columns!()
    );

    /// Locks the merchant's shipment row until commit; false when it is not theirs.
    async fn lock_owned_shipment(
        tx: &mut Transaction<'static, Postgres>,
        merchant_id: &str,
        id: &str,
    ) -> StoreResult<bool> {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT id FROM shipments WHERE id = $1 AND merchant_id = $2 FOR UPDATE",
        )
        .bind(id)
        .bind(merchant_id)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(found.is_some())
    }
}
