//! SQLite: the callback outbox, the shared implementation of `store::sql::outbox` with what
//! SQLite does its own way: deliveries are claimed with a conditional `UPDATE … RETURNING`
//! lease per subscription inside one `BEGIN IMMEDIATE` transaction (the single writer holds
//! the lock, so no other claim interleaves), and a list of ids travels as JSON.

use super::SqliteStore;
use crate::store::callbacks::{Claim, Delivery};
use crate::store::rows::callbacks::{self as rows, attempt_columns, delivery_columns};
use crate::store::rows::shipments::shipment_columns;
use crate::store::rows::DbTime;
use crate::store::sql::outbox::{outbox_impl, DUE};
use crate::store::{codec, StoreResult};

outbox_impl!(SqliteStore, sqlx::Sqlite);

/// Leases up to `$4` claimable deliveries of one subscription (`$2`) until `$1`: due at
/// `$3`, not leased, and the first pending one of their (shipment, subscription), walked
/// along the subscription's due index.
const CLAIM_ONE: &str = concat!(
    "UPDATE deliveries SET locked_until = $1 WHERE id IN (\
       SELECT d.id FROM deliveries d WHERE d.subscription_id = $2 \
       AND d.state = 'pending' AND d.next_attempt_at <= $3 \
       AND (d.locked_until IS NULL OR d.locked_until < $3) \
       AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription_id = $2 \
         AND e.shipment_id = d.shipment_id AND e.state = 'pending' AND e.seq < d.seq) \
       ORDER BY d.next_attempt_at, d.id LIMIT $4) \
     RETURNING ",
    delivery_columns!()
);

impl SqliteStore {
    /// The shipment read of a replay: no row lock in SQLite, whose `BEGIN IMMEDIATE`
    /// already holds the database's write lock.
    pub(crate) const SHIPMENT_FOR_REPLAY: &'static str = concat!(
        "SELECT ",
        shipment_columns!(),
        " FROM shipments WHERE id = $1"
    );

    /// The attempts of a list of deliveries, oldest first: the ids travel as one JSON array.
    pub(crate) const ATTEMPTS_OF: &'static str = concat!(
        "SELECT ",
        attempt_columns!(),
        " FROM delivery_attempts WHERE delivery_id IN (SELECT value FROM json_each($1)) \
         ORDER BY id"
    );

    /// Delivery ids as [`Self::ATTEMPTS_OF`] binds them.
    pub(crate) fn delivery_id_list(ids: &[String]) -> String {
        codec::to_json(&ids)
    }

    /// Leases what a claim asks for: the share of each subscription, then one lease
    /// statement per subscription, all in one write transaction.
    pub(crate) async fn claim_deliveries_locked(
        &self,
        claim: &Claim<'_>,
    ) -> StoreResult<Vec<Delivery>> {
        let mut tx = self.begin().await?;
        let due: Vec<rows::DueRow> = sqlx::query_as(DUE)
            .bind(DbTime(claim.now))
            .fetch_all(&mut *tx)
            .await?;
        let mut out = Vec::new();
        for (subscription_id, room) in claim.share(rows::due_subscriptions(due, claim.now)) {
            let rows: Vec<rows::DeliveryRow> = sqlx::query_as(CLAIM_ONE)
                .bind(DbTime(claim.lease_until))
                .bind(&subscription_id)
                .bind(DbTime(claim.now))
                .bind(i64::from(room))
                .fetch_all(&mut *tx)
                .await?;
            out.extend(rows::deliveries(rows)?);
        }
        tx.commit().await?;
        Ok(out)
    }
}
