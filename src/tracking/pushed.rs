//! Carrier updates that arrive without being asked for (webhooks, the DPD feed): matched to
//! every shipment tracking the number, and what follows every committed apply.

use carriers::registry::normalize_number;
use carriers::{CarrierId, TrackingSnapshot};
use chrono::Utc;

use super::apply::{ApplyOutcome, ApplyUpdates};
use crate::state::AppState;
use crate::store::{StoreResult, UpdateSource};

/// Merges a pushed snapshot (webhook or feed) into every shipment tracking its number.
/// Returns how many shipments it matched.
pub async fn apply_pushed(state: &AppState, snap: &TrackingSnapshot) -> StoreResult<usize> {
    let number = normalize_number(&snap.tracking_number);
    let ids = state
        .store
        .shipment_ids_for_number(snap.carrier, &number)
        .await?;
    if ids.is_empty() {
        state.metrics.inc(
            "parcelgate_unregistered_updates_total",
            &[("carrier", snap.carrier.as_str())],
        );
        tracing::debug!(carrier = %snap.carrier, tracking_number = %number, "update for an unregistered number dropped");
    }
    let adapter = state.registry.get(snap.carrier).cloned();
    for id in &ids {
        // Carriers whose codes depend on what came before see the stored timeline first.
        let mut remapped;
        let snap = match &adapter {
            Some(a) if a.needs_history() => {
                let history = state.store.events(id).await?;
                remapped = snap.clone();
                a.remap_with_history(&history, &mut remapped);
                &remapped
            }
            _ => snap,
        };
        let applied = state
            .store
            .apply_snapshot(id, snap, UpdateSource::Push, Utc::now())
            .await?;
        after_apply(state, id, snap.carrier, &applied).await;
    }
    Ok(ids.len())
}

/// What follows a committed merge: cache invalidation, metrics, and the unmapped-code log.
pub async fn after_apply(
    state: &AppState,
    shipment_id: &str,
    carrier: CarrierId,
    applied: &ApplyOutcome,
) {
    if applied.changed {
        state.cache.invalidate(shipment_id).await;
    }
    for code in &applied.unmapped_codes {
        state.metrics.inc(
            "parcelgate_unmapped_codes_total",
            &[("carrier", carrier.as_str()), ("code", code)],
        );
        tracing::warn!(%carrier, code = %code, shipment_id, "carrier code not in the mapping table; kept as unknown");
    }
    if let Some(c) = &applied.status_change {
        state.metrics.inc(
            "parcelgate_status_changes_total",
            &[
                ("carrier", carrier.as_str()),
                ("status", c.to_status.as_str()),
            ],
        );
        tracing::info!(%carrier, shipment_id, from = %c.from_status, to = %c.to_status, "status changed");
    }
}
