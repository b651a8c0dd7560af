//! Carrier event feeds (DPD Poland's), drained on a schedule: events are committed first, and only
//! then is the batch acknowledged, so a crash in between re-delivers it and the event
//! fingerprints absorb the repeat.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use carriers::{CarrierError, CarrierId, EventFeed, TrackingSnapshot};
use tokio::sync::watch;

use super::ratelimit::Permit;
use super::step::{idle, Outcome};
use crate::state::AppState;
use crate::store::StoreError;

/// Events asked for per feed call.
const FEED_LIMIT: u32 = 200;
/// Retries of a failed acknowledgement before the batch is left to be re-delivered.
const CONFIRM_RETRIES: usize = 2;

/// Runs until `stop` turns true: a full batch is followed at once by the next, an empty
/// one waits `poller.feed_interval_secs`.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let interval = Duration::from_secs(state.config.poller.feed_interval_secs.max(1));
    loop {
        let wait = match tick(&state).await {
            Outcome::Worked(_) => Duration::from_millis(10),
            Outcome::Idle => interval,
            Outcome::Stop => break,
        };
        if idle(wait, &tokio::sync::Notify::new(), &mut stop).await {
            break;
        }
    }
}

/// One step: drains one batch of every feed.
pub async fn tick(state: &AppState) -> Outcome {
    match drain_once(state).await {
        Ok(0) => Outcome::Idle,
        Ok(n) => Outcome::Worked(n),
        Err(e) => {
            tracing::warn!(error = %e, "carrier feed drain failed");
            Outcome::Idle
        }
    }
}

/// Why a feed drain stopped.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The carrier refused or failed (fetch or acknowledgement).
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    /// Storing the events failed; the unacknowledged batch comes again.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A feed event could not be kept in the inbox.
    #[error("feed event could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Drains one batch of every carrier feed; returns the number of parcels in the batches.
pub async fn drain_once(state: &AppState) -> Result<usize, FeedError> {
    let mut parcels = 0;
    for carrier in state.registry.all() {
        if let Some(feed) = carrier.event_feed() {
            parcels += drain_carrier(state, carrier.id(), feed).await?;
        }
    }
    Ok(parcels)
}

/// Fetches one batch of a carrier's feed, applies it, and acknowledges it once everything
/// is committed. Returns the number of parcels in the batch.
#[tracing::instrument(name = "feed_batch", skip(state, feed), fields(carrier = %carrier))]
async fn drain_carrier(
    state: &AppState,
    carrier: CarrierId,
    feed: &dyn EventFeed,
) -> Result<usize, FeedError> {
    if state.limiter.acquire(carrier).await != Permit::Granted {
        return Ok(0);
    }
    let batch = feed.fetch_feed(FEED_LIMIT).await?;
    let keep_unregistered = feed.keep_unregistered();
    for snap in &batch.snapshots {
        apply_one(state, snap, keep_unregistered).await?;
    }
    if let Some(confirm_id) = &batch.confirm_id {
        // Everything is committed. A transient failure of the acknowledgement is retried a
        // few times here, because giving up makes the carrier re-send the whole batch
        // (harmless, the fingerprints absorb it, but wasteful).
        let confirm = || async {
            if state.limiter.acquire(carrier).await != Permit::Granted {
                return Err(CarrierError::RateLimited {
                    carrier,
                    retry_after: None,
                });
            }
            feed.confirm_feed(confirm_id).await
        };
        confirm
            .retry(
                ExponentialBuilder::default()
                    .with_min_delay(Duration::from_millis(100))
                    .with_max_times(CONFIRM_RETRIES),
            )
            .sleep(tokio::time::sleep)
            .when(|e: &CarrierError| e.is_retryable())
            .await?;
    }
    Ok(batch.snapshots.len())
}

/// Merges one parcel's feed events (or keeps them, unmatched, when config asks to).
#[tracing::instrument(name = "feed_parcel", skip(state, snap, keep_unregistered),
    fields(carrier = %snap.carrier, tracking_number = %snap.tracking_number))]
async fn apply_one(
    state: &AppState,
    snap: &TrackingSnapshot,
    keep_unregistered: bool,
) -> Result<(), FeedError> {
    let matched = crate::tracking::apply_pushed(state, snap).await?;
    if matched == 0 && keep_unregistered {
        keep_unmatched(state, snap).await?;
    }
    Ok(())
}

/// Keeps an unregistered parcel's events in the inbox (parked, with the reason) so nothing
/// the carrier told us is lost when config asks to keep them.
async fn keep_unmatched(state: &AppState, snap: &TrackingSnapshot) -> Result<(), FeedError> {
    let body = serde_json::to_vec(snap)?;
    let id = state
        .store
        .inbox_insert(&crate::store::NewInboxItem {
            carrier: snap.carrier,
            body,
            remote_addr: Some(format!("{}-feed", snap.carrier)),
            received_at: chrono::Utc::now(),
        })
        .await?;
    state
        .store
        .inbox_finish(
            id,
            Some("feed event for an unregistered parcel (kept by config)"),
            chrono::Utc::now(),
        )
        .await?;
    Ok(())
}
