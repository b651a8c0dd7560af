//! PostgreSQL: the callback outbox, the shared implementation of `store::sql::outbox` with
//! what PostgreSQL does its own way: rows are written under the shipment's row lock (taken
//! by the update, and by a replay's `SHIPMENT_FOR_REPLAY`), which also serializes `seq`;
//! deliveries are claimed with `FOR UPDATE SKIP LOCKED` leases so several processes share
//! the work; lists travel as arrays.

use super::PgStore;
use crate::store::callbacks::{Claim, Delivery};
use crate::store::rows::callbacks::{self as rows, attempt_columns, delivery_columns};
use crate::store::rows::shipments::shipment_columns;
use crate::store::rows::DbTime;
use crate::store::sql::outbox::{outbox_impl, DUE};
use crate::store::StoreResult;

outbox_impl!(PgStore, sqlx::Postgres);

/// One statement for every subscription: a LATERAL walk of each one's due index up to its
/// room, locking (and skipping rows another process holds) as it goes.
const CLAIM: &str = concat!(
    "WITH picked AS (SELECT x.id AS pick_id FROM UNNEST($2::text[], $3::int[]) AS p(sub, room), \
       LATERAL (SELECT d.id FROM deliveries d WHERE d.subscription_id = p.sub \
         AND d.state = 'pending' AND d.next_attempt_at <= $4 \
         AND (d.locked_until IS NULL OR d.locked_until < $4) \
         AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription_id = p.sub \
           AND e.shipment_id = d.shipment_id AND e.state = 'pending' AND e.seq < d.seq) \
         ORDER BY d.next_attempt_at, d.id LIMIT p.room FOR UPDATE SKIP LOCKED) x) \
     UPDATE deliveries SET locked_until = $1 FROM picked WHERE deliveries.id = picked.pick_id \
     RETURNING ",
    delivery_columns!()
);

impl PgStore {
    /// The shipment read of a replay, locking the row as an update does, so the replayed
    /// rows' `seq` cannot collide with a concurrent update's.
    pub(crate) const SHIPMENT_FOR_REPLAY: &'static str = concat!(
        "SELECT ",
        shipment_columns!(),
        " FROM shipments WHERE id = $1 FOR UPDATE"
    );

    /// The attempts of a list of deliveries, oldest first: the ids travel as one array.
    pub(crate) const ATTEMPTS_OF: &'static str = concat!(
        "SELECT ",
        attempt_columns!(),
        " FROM delivery_attempts WHERE delivery_id = ANY($1) ORDER BY id"
    );

    /// Delivery ids as [`Self::ATTEMPTS_OF`] binds them.
    pub(crate) fn delivery_id_list(ids: &[String]) -> &[String] {
        ids
    }

    /// Leases what a claim asks for: the share of each subscription, then one locking
    /// statement for all of them.
    pub(crate) async fn claim_deliveries_locked(
        &self,
        claim: &Claim<'_>,
    ) -> StoreResult<Vec<Delivery>> {
        let due: Vec<rows::DueRow> = sqlx::query_as(DUE)
            .bind(DbTime(claim.now))
            .fetch_all(&self.pool)
            .await?;
        let plan = claim.share(rows::due_subscriptions(due, claim.now));
        if plan.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, rooms): (Vec<String>, Vec<i32>) = plan
            .into_iter()
            .map(|(id, n)| (id, i32::try_from(n).unwrap_or(i32::MAX)))
            .unzip();
        let rows: Vec<rows::DeliveryRow> = sqlx::query_as(CLAIM)
            .bind(DbTime(claim.lease_until))
            .bind(&ids)
            .bind(&rooms)
            .bind(DbTime(claim.now))
            .fetch_all(&self.pool)
            .await?;
        rows::deliveries(rows)
    }
}
