//! The DPD Poland event feed, drained on a schedule: events are committed first, and only
//! then is the batch acknowledged, so a crash in between re-delivers it and the event
//! fingerprints absorb the repeat.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use carriers::{CarrierError, CarrierId};
use tokio::sync::watch;

use crate::app::AppState;
use crate::ratelimit::Permit;

/// Events asked for per feed call.
const FEED_LIMIT: u32 = 200;
/// Retries of a failed acknowledgement before the batch is left to be re-delivered.
const CONFIRM_RETRIES: usize = 2;

/// Runs until `stop` turns true.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        let drained_something = match drain_once(&state).await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::warn!(error = %e, "DPD feed drain failed");
                false
            }
        };
        let wait = if drained_something {
            Duration::from_millis(10)
        } else {
            Duration::from_secs(state.config.poller.feed_interval_secs.max(1))
        };
        if crate::workers::idle(wait, &tokio::sync::Notify::new(), &mut stop).await {
            break;
        }
    }
}

/// Fetches one batch, applies it, and acknowledges it once everything is committed.
/// Returns the number of parcels in the batch.
pub async fn drain_once(state: &AppState) -> Result<usize, String> {
    let Some(dpd) = state.dpd.clone() else {
        return Ok(0);
    };
    if state.limiter.acquire(CarrierId::Dpd).await != Permit::Granted {
        return Ok(0);
    }
    let batch = dpd
        .fetch_feed(FEED_LIMIT)
        .await
        .map_err(|e| e.to_string())?;
    let keep_unregistered = state
        .config
        .carriers
        .dpd
        .adapter
        .keep_unregistered_feed_events;
    for snap in &batch.snapshots {
        let matched = crate::tracking::apply_pushed(state, snap)
            .await
            .map_err(|e| e.to_string())?;
        if matched == 0 && keep_unregistered {
            keep_unmatched(state, snap).await?;
        }
    }
    if let Some(confirm_id) = &batch.confirm_id {
        // Everything is committed. A transient failure of the acknowledgement is retried a
        // few times here, because giving up makes DPD re-send the whole batch (harmless,
        // the fingerprints absorb it, but wasteful).
        let confirm = || async {
            if state.limiter.acquire(CarrierId::Dpd).await != Permit::Granted {
                return Err(CarrierError::RateLimited {
                    carrier: CarrierId::Dpd,
                    retry_after: None,
                });
            }
            dpd.confirm_feed(confirm_id).await
        };
        confirm
            .retry(
                ExponentialBuilder::default()
                    .with_min_delay(Duration::from_millis(100))
                    .with_max_times(CONFIRM_RETRIES),
            )
            .sleep(tokio::time::sleep)
            .when(|e: &CarrierError| e.is_retryable())
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(batch.snapshots.len())
}

/// Keeps an unregistered parcel's events in the inbox (parked, with the reason) so nothing
/// the carrier told us is lost when config asks to keep them.
async fn keep_unmatched(state: &AppState, snap: &carriers::TrackingSnapshot) -> Result<(), String> {
    let body = serde_json::to_vec(snap).map_err(|e| e.to_string())?;
    let id = state
        .store
        .inbox_insert(&crate::store::NewInboxItem {
            carrier: snap.carrier,
            body,
            remote_addr: Some("dpd-feed".into()),
            received_at: chrono::Utc::now(),
        })
        .await
        .map_err(|e| e.to_string())?;
    state
        .store
        .inbox_finish(
            id,
            Some("feed event for an unregistered parcel (kept by config)"),
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| e.to_string())
}
