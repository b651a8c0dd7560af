//! The stale sweeper: shipments whose carrier has gone quiet are announced as stalled
//! (`shipment.stalled`, once per silence), and after long enough marked `expired` through a
//! gateway event, so expiry is an ordinary status change with ordinary callbacks and a
//! later carrier event revives the shipment.

use std::time::Duration;

use carriers::time::LocalTime;
use carriers::{Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource};
use chrono::Utc;
use tokio::sync::watch;

use crate::app::AppState;
use crate::store::stale::StaleCutoffs;
use crate::store::UpdateSource;
use crate::tracking::ApplyUpdates;

/// Raw code of the gateway's own expiry event.
pub const EXPIRED_CODE: &str = "parcelgate.expired";
/// Shipments handled per sweep step.
const BATCH: u32 = 200;

/// Runs until `stop` turns true.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let every = Duration::from_secs(state.config.stale.check_interval_secs.max(1));
    loop {
        if let Err(e) = sweep(&state).await {
            tracing::warn!(error = %e, "stale sweep failed");
        }
        if crate::workers::idle(every, &tokio::sync::Notify::new(), &mut stop).await {
            break;
        }
    }
}

/// One sweep: returns (stalled, expired) counts.
pub async fn sweep(state: &AppState) -> Result<(usize, usize), crate::store::StoreError> {
    let cfg = &state.config.stale;
    let now = Utc::now();
    let days = |d: u32| chrono::Duration::days(i64::from(d));
    let cutoffs = StaleCutoffs {
        no_first_scan_before: now - days(cfg.first_scan_days),
        no_scan_since: now - days(cfg.in_transit_days),
        expire_before: now - days(cfg.expire_days),
    };
    let mut expired = 0;
    for s in state.store.expiry_candidates(&cutoffs, BATCH).await? {
        let event = TrackingEvent::new(
            s.carrier,
            &s.tracking_number,
            Mapped::new(Status::Expired, "expired.no_updates"),
            EXPIRED_CODE,
            Some(format!("No carrier update for {} days", cfg.expire_days)),
            LocalTime {
                utc: now,
                offset_seconds: 0,
                source: TzSource::Carrier,
            },
            Location::default(),
        );
        let mut snap = TrackingSnapshot::new(s.carrier, s.tracking_number.clone());
        snap.events.push(event);
        let applied = state
            .store
            .apply_snapshot(&s.id, &snap, UpdateSource::Poll, now)
            .await?;
        crate::tracking::after_apply(state, &s.id, s.carrier, &applied).await;
        expired += 1;
    }
    let mut stalled = 0;
    for s in state.store.stalled_candidates(&cutoffs, BATCH).await? {
        if crate::tracking::mark_stalled(state.store.as_ref(), &s.id, now).await? {
            tracing::info!(shipment_id = %s.id, carrier = %s.carrier, status = %s.status, "shipment stalled");
            state.metrics.inc(
                "parcelgate_stalled_total",
                &[("carrier", s.carrier.as_str())],
            );
            stalled += 1;
        }
    }
    Ok((stalled, expired))
}
