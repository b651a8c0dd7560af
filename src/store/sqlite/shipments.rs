//! SQLite side of the shipments store: the shared implementation (`store::sql::shipments`)
//! plus what SQLite does its own way: migrations, the poller's claim (a conditional
//! `UPDATE … RETURNING` under `BEGIN IMMEDIATE`) and the delete guard.

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, Transaction};

use super::SqliteStore;
use crate::domain::Shipment;
use crate::store::rows::shipments::{shipment_columns, shipments, ShipmentRow};
use crate::store::rows::DbTime;
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

    /// Claims shipments due for polling, nearest-to-delivery first (out for delivery and
    /// waiting parcels before the rest), along the index of exactly that order.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Shipment>> {
        let mut tx = self.begin().await?;
        let rows: Vec<ShipmentRow> = sqlx::query_as(concat!(
            "UPDATE shipments SET lease_until = $1 WHERE id IN (\
               SELECT id FROM shipments WHERE next_poll_at IS NOT NULL AND next_poll_at <= $2 \
               AND (lease_until IS NULL OR lease_until < $2) \
               ORDER BY ",
            crate::store::poll_priority!(),
            ", next_poll_at LIMIT $3) RETURNING ",
            shipment_columns!()
        ))
        .bind(DbTime(lease_until))
        .bind(DbTime(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        shipments(rows)
    }

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
