//! Carrier webhooks after they are stored: the inbox worker parses each body and merges its
//! updates. A body that cannot be processed is parked with its error, never lost, never
//! blocking the rest; a storage failure leaves it pending so its lease expires and it retries.

use std::time::Duration;

use carriers::{CarrierError, CarrierId};
use chrono::Utc;
use tokio::sync::watch;

use crate::state::AppState;
use crate::store::{InboxItem, StoreError};
use crate::workers::step::{idle, Outcome};

/// Attempts before a body that keeps hitting storage errors is parked.
const MAX_ATTEMPTS: u32 = 10;
/// Bodies claimed per step.
const BATCH: u32 = 100;

/// Runs until `stop` turns true.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            break;
        }
        match tick(&state).await {
            Outcome::Worked(_) => {}
            Outcome::Idle => {
                if idle(Duration::from_secs(1), &state.wake_inbox, &mut stop).await {
                    break;
                }
            }
            Outcome::Stop => break,
        }
    }
}

/// One step: claims a batch of stored bodies, processes each, and marks them in one write.
pub async fn tick(state: &AppState) -> Outcome {
    let now = Utc::now();
    let items = match state
        .store
        .inbox_claim(now, now + chrono::Duration::seconds(60), BATCH)
        .await
    {
        Ok(items) => items,
        Err(e) => {
            tracing::error!(error = %e, "inbox claim failed");
            Vec::new()
        }
    };
    if items.is_empty() {
        return Outcome::Idle;
    }
    let mut done = Vec::with_capacity(items.len());
    for item in &items {
        if let Some(outcome) = process_item(state, item).await {
            done.push(outcome);
        }
    }
    if !done.is_empty() {
        if let Err(e) = state.store.inbox_finish_batch(&done, Utc::now()).await {
            // Unmarked rows are claimed again when their lease expires; processing is idempotent.
            tracing::error!(error = %e, batch = done.len(), "could not mark inbox items");
        }
    }
    Outcome::Worked(items.len())
}

/// Why one inbox body failed.
#[derive(Debug, thiserror::Error)]
pub enum ItemError {
    /// The body's carrier is not enabled here: park it.
    #[error("carrier {0} is not enabled")]
    NotEnabled(CarrierId),
    /// The body is bad: park it with this error.
    #[error(transparent)]
    Payload(#[from] CarrierError),
    /// Storage failed: retry later.
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// Processes one stored body; returns how to mark it (`None` in the error slot = done,
/// `Some` = parked with that error), or `None` to leave it for a retry after its lease.
#[tracing::instrument(name = "inbox_item", skip(state, item),
    fields(carrier = %item.carrier, inbox_id = item.id))]
pub async fn process_item(state: &AppState, item: &InboxItem) -> Option<(i64, Option<String>)> {
    let carrier = item.carrier.as_str();
    let (outcome, error) = match process_body(state, item).await {
        Ok(()) => ("ok", None),
        Err(ItemError::Storage(e)) if item.attempts >= MAX_ATTEMPTS => (
            "parked",
            Some(format!("gave up after {} attempts: {e}", item.attempts)),
        ),
        Err(ItemError::Storage(e)) => {
            tracing::warn!(error = %e, "inbox item will be retried");
            state.metrics.inc(
                "parcelgate_inbox_processed_total",
                &[("carrier", carrier), ("outcome", "retry")],
            );
            return None;
        }
        Err(e) => ("parked", Some(e.to_string())),
    };
    if let Some(e) = &error {
        tracing::warn!(error = %e, "webhook body parked");
    }
    state.metrics.inc(
        "parcelgate_inbox_processed_total",
        &[("carrier", carrier), ("outcome", outcome)],
    );
    Some((item.id, error))
}

/// Parses one body with its carrier's adapter and merges every update in it.
async fn process_body(state: &AppState, item: &InboxItem) -> Result<(), ItemError> {
    let adapter = state
        .registry
        .get(item.carrier)
        .ok_or(ItemError::NotEnabled(item.carrier))?;
    let payload = adapter.parse_webhook(&item.body)?;
    for notice in &payload.notices {
        tracing::info!("{notice}");
    }
    for snap in &payload.snapshots {
        crate::tracking::apply_pushed(state, snap).await?;
    }
    Ok(())
}
