//! The stale sweeper: shipments whose carrier has gone quiet are announced as stalled
//! (`shipment.stalled`, once per silence), and after long enough marked `expired` through a
//! gateway event, so expiry is an ordinary status change with ordinary callbacks and a
//! later carrier event revives the shipment.

use std::time::Duration;

use carriers::time::LocalTime;
use carriers::{Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource};
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::state::AppState;
use crate::store::stale::StaleCutoffs;
use crate::store::{Shipment, StoreError, UpdateSource};
use crate::tracking::ApplyUpdates;

use super::step::{idle, Outcome};

/// Raw code of the gateway's own expiry event.
pub const EXPIRED_CODE: &str = "parcelgate.expired";
/// Shipments handled per sweep step.
const BATCH: u32 = 200;

/// Runs until `stop` turns true: one sweep every `stale.check_interval_secs`.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let every = Duration::from_secs(state.config.stale.check_interval_secs.max(1));
    loop {
        match tick(&state).await {
            // A sweep handles a bounded batch; the rest waits for the next interval.
            Outcome::Worked(_) | Outcome::Idle => {}
            Outcome::Stop => break,
        }
        if idle(every, &tokio::sync::Notify::new(), &mut stop).await {
            break;
        }
    }
}

/// One step: one sweep.
pub async fn tick(state: &AppState) -> Outcome {
    match sweep(state).await {
        Ok((0, 0)) => Outcome::Idle,
        Ok((stalled, expired)) => Outcome::Worked(stalled + expired),
        Err(e) => {
            tracing::warn!(error = %e, "stale sweep failed");
            Outcome::Idle
        }
    }
}

/// One sweep: returns (stalled, expired) counts.
pub async fn sweep(state: &AppState) -> Result<(usize, usize), StoreError> {
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
        expire(state, &s, now).await?;
        expired += 1;
    }
    // Shopper contact data is personal data: erased once the shipment has been final for
    // the retention time (notifications.contact_retention_days).
    let retention = days(state.config.notifications.contact_retention_days);
    let erased = state.store.erase_expired_contacts(now - retention).await?;
    if erased > 0 {
        tracing::info!(
            erased,
            "erased shopper contact data past its retention time"
        );
    }
    let mut stalled = 0;
    for s in state.store.stalled_candidates(&cutoffs, BATCH).await? {
        if stall(state, &s, now).await? {
            stalled += 1;
        }
    }
    Ok((stalled, expired))
}

/// Expires one shipment through a gateway event (an ordinary status change).
#[tracing::instrument(name = "expire", skip(state, s, now),
    fields(carrier = %s.carrier, shipment_id = %s.id, tracking_number = %s.tracking_number))]
async fn expire(state: &AppState, s: &Shipment, now: DateTime<Utc>) -> Result<(), StoreError> {
    let expire_days = state.config.stale.expire_days;
    let event = TrackingEvent::new(
        s.carrier,
        &s.tracking_number,
        Mapped::new(Status::Expired, "expired.no_updates"),
        EXPIRED_CODE,
        Some(format!("No carrier update for {expire_days} days")),
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
    Ok(())
}

/// Announces one shipment as stalled (once per silence); true when it was newly marked.
#[tracing::instrument(name = "stall", skip(state, s, now),
    fields(carrier = %s.carrier, shipment_id = %s.id, tracking_number = %s.tracking_number))]
async fn stall(state: &AppState, s: &Shipment, now: DateTime<Utc>) -> Result<bool, StoreError> {
    if !crate::tracking::mark_stalled(state.store.as_ref(), &s.id, now).await? {
        return Ok(false);
    }
    tracing::info!(status = %s.status, "shipment stalled");
    state.metrics.inc(
        "parcelgate_stalled_total",
        &[("carrier", s.carrier.as_str())],
    );
    Ok(true)
}
