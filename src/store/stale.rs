//! Stalled and expired shipments: which ones have heard nothing from their carrier for too
//! long, and marking a stall (with its `shipment.stalled` callbacks, in one transaction).
//! A supertrait of [`Store`](super::Store); marking goes through `tracking::mark_stalled`, expiry
//! through `tracking::apply_update`
//! with a gateway event, so it is an ordinary status change with ordinary callbacks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Shipment, StoreResult};

/// The instants before which silence counts as a stall or expiry.
#[derive(Debug, Clone, Copy)]
pub struct StaleCutoffs {
    /// Registered (or label only) before this and still no carrier scan: stalled.
    pub no_first_scan_before: DateTime<Utc>,
    /// Last carrier event before this while moving: stalled.
    pub no_scan_since: DateTime<Utc>,
    /// Nothing at all since this: expired.
    pub expire_before: DateTime<Utc>,
}

/// Stall and expiry storage.
#[async_trait]
pub trait StaleStore: Send + Sync {
    /// Active shipments past a stall cutoff that have not been announced as stalled since
    /// their last event.
    async fn stalled_candidates(
        &self,
        cutoffs: &StaleCutoffs,
        limit: u32,
    ) -> StoreResult<Vec<Shipment>>;
    /// Active shipments with no data since `cutoffs.expire_before`.
    async fn expiry_candidates(
        &self,
        cutoffs: &StaleCutoffs,
        limit: u32,
    ) -> StoreResult<Vec<Shipment>>;
}
