//! Stalled and expired shipments: the SQL both dialects share, the
//! [`StaleStore`](crate::store::stale::StaleStore) implementation over it ([`stale_impl!`]),
//! and the statements of the stall step of the update transaction (`sql::update`).

use crate::store::rows::shipments::{event_columns, shipment_columns};

/// Active shipments past a stall cutoff not yet announced since their last change.
pub const STALLED_CANDIDATES: &str = concat!(
    "SELECT ",
    shipment_columns!(),
    " FROM shipments WHERE status NOT IN ('delivered','returned_to_sender','cancelled','expired') \
     AND (stalled_at IS NULL OR stalled_at < updated_at) \
     AND ((status IN ('pending','info_received') AND created_at < $1) \
       OR (status NOT IN ('pending','info_received') AND last_event_at < $2)) \
     ORDER BY created_at LIMIT $3"
);
/// Active shipments with no data since the expiry cutoff.
pub const EXPIRY_CANDIDATES: &str = concat!(
    "SELECT ",
    shipment_columns!(),
    " FROM shipments WHERE status NOT IN ('delivered','returned_to_sender','cancelled','expired') \
     AND COALESCE(last_event_at, created_at) < $1 ORDER BY created_at LIMIT $2"
);
/// Marks a shipment stalled unless it already is since its last change.
pub const MARK: &str = "UPDATE shipments SET stalled_at = $1 WHERE id = $2 \
     AND (stalled_at IS NULL OR stalled_at < updated_at)";
/// The newest event of a shipment.
pub const LATEST_EVENT: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE shipment_id = $1 ORDER BY occurred_at DESC, event_id DESC LIMIT 1"
);

/// Implements [`StaleStore`](crate::store::stale::StaleStore) for a backend type with
/// `read()`.
macro_rules! stale_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::stale::StaleStore for $store {
            async fn stalled_candidates(
                &self,
                c: &$crate::store::stale::StaleCutoffs,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Shipment>> {
                use $crate::store::rows::DbTime;
                let rows = sqlx::query_as($crate::store::sql::stale::STALLED_CANDIDATES)
                    .bind(DbTime(c.no_first_scan_before))
                    .bind(DbTime(c.no_scan_since))
                    .bind(i64::from(limit))
                    .fetch_all(self.read())
                    .await?;
                $crate::store::rows::shipments::shipments(rows)
            }

            async fn expiry_candidates(
                &self,
                c: &$crate::store::stale::StaleCutoffs,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Shipment>> {
                let rows = sqlx::query_as($crate::store::sql::stale::EXPIRY_CANDIDATES)
                    .bind($crate::store::rows::DbTime(c.expire_before))
                    .bind(i64::from(limit))
                    .fetch_all(self.read())
                    .await?;
                $crate::store::rows::shipments::shipments(rows)
            }
        }
    };
}
pub(crate) use stale_impl;
