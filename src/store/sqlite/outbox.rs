//! SQLite: the callback outbox, the shared implementation of `store::sql::outbox` with what
//! SQLite does its own way: deliveries are claimed with a conditional `UPDATE … RETURNING`
//! lease per subscription inside one `BEGIN IMMEDIATE` transaction (the single writer holds
//! the lock, so no other claim interleaves).

use super::SqliteStore;
use crate::store::callbacks::{Claim, Delivery};
use crate::store::rows::callbacks::{self as rows, delivery_columns};
use crate::store::rows::DbTime;
use crate::store::sql::outbox::outbox_impl;
use crate::store::StoreResult;

outbox_impl!(
    SqliteStore,
    sqlx::Sqlite,
    row_lock: "",
    id_rows: "SELECT value FROM json_each($1)"
);

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
    /// Leases each subscription's share, one statement per subscription, in the claim's
    /// write transaction.
    pub(crate) async fn lease_shares(
        tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        claim: &Claim<'_>,
        shares: Vec<(String, u32)>,
    ) -> StoreResult<Vec<Delivery>> {
        let mut out = Vec::new();
        for (subscription_id, room) in shares {
            let rows: Vec<rows::DeliveryRow> = run!(all &mut **tx,
                CLAIM_ONE, DbTime(claim.lease_until), &subscription_id, DbTime(claim.now),
                i64::from(room)
            );
            out.extend(rows::deliveries(rows)?);
        }
        Ok(out)
    }
}
