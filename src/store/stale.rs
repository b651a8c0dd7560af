//! Stalled and expired shipments: which ones have heard nothing from their carrier for too
//! long, and marking a stall (with its `shipment.stalled` callbacks, in one transaction).
//! A supertrait of [`Store`](super::Store); expiry itself goes through `apply_snapshot`
//! with a gateway event, so it is an ordinary status change with ordinary callbacks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::callbacks::OutboxRow;
use super::callbacks::Subscription;
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
    /// Marks one stalled and writes its `shipment.stalled` deliveries in the same
    /// transaction; false when it was already marked (another process got there first).
    async fn mark_stalled(&self, shipment_id: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Active shipments with no data since `cutoffs.expire_before`.
    async fn expiry_candidates(
        &self,
        cutoffs: &StaleCutoffs,
        limit: u32,
    ) -> StoreResult<Vec<Shipment>>;
}

/// The outbox rows announcing a stall to the subscriptions that want it.
pub fn plan_stalled(
    subs: &[Subscription],
    shipment: &Shipment,
    latest: Option<&carriers::TrackingEvent>,
    now: DateTime<Utc>,
) -> Vec<OutboxRow> {
    use crate::dispatch::payload::{build, PayloadInput, STALLED};
    let status = shipment.status;
    let wanted: Vec<_> = subs
        .iter()
        .filter(|s| s.enabled && s.wants(STALLED, shipment.carrier.as_str(), status.as_str()))
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let input = PayloadInput {
        shipment,
        status,
        substatus: &shipment.substatus,
        previous: None,
        eta: shipment.eta,
        previous_eta: None,
        event: latest,
        occurred_at: shipment.last_event_at,
    };
    let payload = build(STALLED, &input, now);
    wanted
        .into_iter()
        .map(|s| OutboxRow {
            subscription_id: s.id.clone(),
            event_type: STALLED,
            payload: payload.clone(),
            status_change_id: None,
        })
        .collect()
}
