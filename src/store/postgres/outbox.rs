//! PostgreSQL: the callback outbox, the shared implementation of `store::sql::outbox` with
//! what PostgreSQL does its own way: rows are written under the shipment's row lock (taken
//! by the update, and by a replay's shipment read), which also serializes `seq`;
//! deliveries are claimed with `FOR UPDATE SKIP LOCKED` leases so several processes share
//! the work.

use super::PgStore;
use crate::store::callbacks::{Claim, Delivery};
use crate::store::rows::callbacks::{self as rows, delivery_columns};
use crate::store::rows::DbTime;
use crate::store::sql::outbox::outbox_impl;
use crate::store::StoreResult;

outbox_impl!(
    PgStore,
    sqlx::Postgres,
    row_lock: " FOR UPDATE",
    id_rows: "SELECT jsonb_array_elements_text($1::jsonb)"
);

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
    /// Leases each subscription's share in one locking statement for all of them.
    pub(crate) async fn lease_shares(
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        claim: &Claim<'_>,
        shares: Vec<(String, u32)>,
    ) -> StoreResult<Vec<Delivery>> {
        let (ids, rooms): (Vec<String>, Vec<i32>) = shares
            .into_iter()
            .map(|(id, n)| (id, i32::try_from(n).unwrap_or(i32::MAX)))
            .unzip();
        let rows: Vec<rows::DeliveryRow> = run!(all &mut **tx,
            CLAIM, DbTime(claim.lease_until), &ids, &rooms, DbTime(claim.now)
        );
        rows::deliveries(rows)
    }
}
