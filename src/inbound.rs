//! Carrier webhooks after they are stored: the inbox worker parses each body and merges its
//! updates. A body that cannot be processed is parked with its error, never lost, never
//! blocking the rest; a storage failure leaves it pending so its lease expires and it retries.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use crate::app::AppState;
use crate::store::InboxItem;

/// Attempts before a body that keeps hitting storage errors is parked.
const MAX_ATTEMPTS: u32 = 10;

/// Runs until `stop` turns true.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            break;
        }
        let now = Utc::now();
        let items = match state
            .store
            .inbox_claim(now, now + chrono::Duration::seconds(60), 100)
            .await
        {
            Ok(items) => items,
            Err(e) => {
                tracing::error!(error = %e, "inbox claim failed");
                Vec::new()
            }
        };
        if items.is_empty() {
            if crate::workers::idle(Duration::from_secs(1), &state.wake_inbox, &mut stop).await {
                break;
            }
            continue;
        }
        let mut done = Vec::with_capacity(items.len());
        for item in &items {
            if let Some(outcome) = process_item(&state, item).await {
                done.push(outcome);
            }
        }
        if !done.is_empty() {
            if let Err(e) = state.store.inbox_finish_batch(&done, Utc::now()).await {
                // Unmarked rows are claimed again when their lease expires; processing is idempotent.
                tracing::error!(error = %e, batch = done.len(), "could not mark inbox items");
            }
        }
    }
}

/// Why one inbox body failed.
enum ItemError {
    /// The body is bad: park it with this message.
    Payload(String),
    /// Storage failed: retry later.
    Storage(String),
}

/// Processes one stored body; returns how to mark it (`None` in the error slot = done,
/// `Some` = parked with that error), or `None` to leave it for a retry after its lease.
pub async fn process_item(state: &AppState, item: &InboxItem) -> Option<(i64, Option<String>)> {
    let carrier = item.carrier.as_str();
    let result = process_body(state, item).await;
    let (outcome, error) = match &result {
        Ok(()) => ("ok", None),
        Err(ItemError::Payload(e)) => ("parked", Some(e.clone())),
        Err(ItemError::Storage(e)) if item.attempts >= MAX_ATTEMPTS => (
            "parked",
            Some(format!("gave up after {} attempts: {e}", item.attempts)),
        ),
        Err(ItemError::Storage(e)) => {
            tracing::warn!(inbox_id = item.id, error = %e, "inbox item will be retried");
            state.metrics.inc(
                "parcelgate_inbox_processed_total",
                &[("carrier", carrier), ("outcome", "retry")],
            );
            return None;
        }
    };
    if let Some(e) = &error {
        tracing::warn!(inbox_id = item.id, carrier, error = %e, "webhook body parked");
    }
    state.metrics.inc(
        "parcelgate_inbox_processed_total",
        &[("carrier", carrier), ("outcome", outcome)],
    );
    Some((item.id, error))
}

async fn process_body(state: &AppState, item: &InboxItem) -> Result<(), ItemError> {
    let adapter = state
        .registry
        .get(item.carrier)
        .ok_or_else(|| ItemError::Payload(format!("carrier {} is not enabled", item.carrier)))?;
    let payload = adapter
        .parse_webhook(&item.body)
        .map_err(|e| ItemError::Payload(e.to_string()))?;
    for notice in &payload.notices {
        tracing::info!(carrier = %item.carrier, inbox_id = item.id, "{notice}");
    }
    for snap in &payload.snapshots {
        crate::tracking::apply_pushed(state, snap)
            .await
            .map_err(|e| ItemError::Storage(e.to_string()))?;
    }
    Ok(())
}
