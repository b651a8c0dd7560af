//! PostgreSQL: the callback outbox, the shared implementation of `store::sql::outbox` with
//! what PostgreSQL does its own way: rows are written under the shipment's row lock (taken
//! by the update, and by a replay's `SHIPMENT_FOR_REPLAY`), which also serializes `seq`;
//! deliveries are claimed with `FOR UPDATE SKIP LOCKED` leases so several processes share
//! the work; lists travel as arrays.

use chrono::{DateTime, Utc};

use super::PgStore;
use crate::store::callbacks::{share_claim, Delivery, DeliveryAttempt};
use crate::store::rows::callbacks::{self as rows, delivery_columns, AttemptRow, DeliveryRow};
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

    /// [`OutboxStore::claim_deliveries`](crate::store::OutboxStore::claim_deliveries): the
    /// share of each subscription (`share_claim`), then one locking statement for all.
    pub(crate) async fn claim_deliveries_locked(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        per_subscription: u32,
        in_flight: &[(String, u32)],
    ) -> StoreResult<Vec<Delivery>> {
        let due: Vec<rows::DueRow> = sqlx::query_as(DUE)
            .bind(DbTime(now))
            .fetch_all(&self.pool)
            .await?;
        let plan = share_claim(
            rows::due_subscriptions(due, now),
            in_flight,
            per_subscription,
            limit,
        );
        if plan.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, rooms): (Vec<String>, Vec<i32>) = plan
            .into_iter()
            .map(|(id, n)| (id, i32::try_from(n).unwrap_or(i32::MAX)))
            .unzip();
        let rows: Vec<DeliveryRow> = sqlx::query_as(CLAIM)
            .bind(DbTime(lease_until))
            .bind(&ids)
            .bind(&rooms)
            .bind(DbTime(now))
            .fetch_all(&self.pool)
            .await?;
        let mut out = rows::deliveries(rows)?;
        out.sort_by_key(|d| d.next_attempt_at);
        Ok(out)
    }

    /// [`OutboxStore::delivery_attempts`](crate::store::OutboxStore::delivery_attempts): the
    /// ids bound as one array.
    pub(crate) async fn attempts_of(
        &self,
        delivery_ids: &[String],
    ) -> StoreResult<Vec<DeliveryAttempt>> {
        let rows: Vec<AttemptRow> = sqlx::query_as(
            "SELECT delivery_id, attempted_at, status_code, latency_ms, error FROM delivery_attempts \
             WHERE delivery_id = ANY($1) ORDER BY id",
        )
        .bind(delivery_ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows::attempts(rows))
    }
}
