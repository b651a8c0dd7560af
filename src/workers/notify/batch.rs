//! Sending one claimed batch: concurrently, at most as many sends at once as the SMTP pool
//! has connections, each shipment's messages one after another in the order claimed; the
//! outcomes written as they come, several in one transaction (group commit). No send starts
//! once ¾ of the lease has passed (or later than the lease minus the send timeout, when that
//! is sooner): the rest go back to the queue unattempted, so a slow batch never outlives its
//! lease and no other process sends a message this one is still sending.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::outcome::retry;
use super::send;
use super::senders::Senders;
use crate::domain::notify_plan::Message;
use crate::state::AppState;
use crate::store::notify::MessageOutcome;

/// What became of one claimed message.
enum Done {
    /// Attempted: record this.
    Finished(Box<Message>, MessageOutcome),
    /// Not started in time: back to the queue as it was.
    Released(String),
}

/// The claimed messages grouped by shipment, each group and the groups in claim order.
fn by_shipment(claimed: Vec<Message>) -> Vec<Vec<Message>> {
    let mut groups: Vec<Vec<Message>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for m in claimed {
        let key = m.shipment_id.to_string();
        match index.get(&key) {
            Some(&i) => groups[i].push(m),
            None => {
                index.insert(key, groups.len());
                groups.push(vec![m]);
            }
        }
    }
    groups
}

/// How long after the claim sends may still start: ¾ of the lease, and never so late that a
/// send taking its whole timeout would end after the lease.
pub(super) fn start_window(lease: Duration, send_timeout: Duration) -> Duration {
    (lease * 3 / 4).min(lease.saturating_sub(send_timeout))
}

/// Sends a claimed batch and records every outcome; `now` is the worker's clock at the claim.
pub(super) async fn send_batch(
    state: &AppState,
    senders: &Arc<Senders>,
    claimed: Vec<Message>,
    now: DateTime<Utc>,
) {
    let config = &state.config;
    let lease = Duration::from_secs(config.notifications.lease_secs);
    let send_timeout = Duration::from_secs(config.send_timeout_secs());
    let started = Instant::now();
    let cutoff = started + start_window(lease, send_timeout);
    let permits = Arc::new(Semaphore::new(config.email.pool_size.max(1) as usize));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut tasks = JoinSet::new();
    for group in by_shipment(claimed) {
        let (state, senders, permits, tx) = (
            state.clone(),
            Arc::clone(senders),
            Arc::clone(&permits),
            tx.clone(),
        );
        tasks.spawn(async move {
            let mut group = group.into_iter();
            while let Some(m) = group.next() {
                let Ok(permit) = permits.acquire().await else {
                    return;
                };
                if Instant::now() >= cutoff {
                    // This one and the shipment's later ones wait for the next claim.
                    for m in std::iter::once(m).chain(group) {
                        let _ = tx.send(Done::Released(m.id));
                    }
                    return;
                }
                // The worker's clock runs on from the claim (a test may have set it).
                let at = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
                let outcome = match send::handle(&state, &senders, &m, at).await {
                    Ok(o) => o,
                    Err(e) => retry(&m, format!("storage: {e}"), at),
                };
                drop(permit);
                let _ = tx.send(Done::Finished(Box::new(m), outcome));
            }
        });
    }
    drop(tx);
    // Group commit: what finished while the previous write ran goes into the next one.
    while let Some(first) = rx.recv().await {
        let mut finished = Vec::new();
        let mut released = Vec::new();
        let mut next = Some(first);
        while let Some(done) = next {
            match done {
                Done::Finished(m, outcome) => {
                    state.metrics.inc(
                        "parcelgate_notifications_total",
                        &[
                            ("trigger", m.trigger.as_str()),
                            ("channel", m.channel.as_str()),
                            ("outcome", outcome.status.as_str()),
                        ],
                    );
                    finished.push((m.id, outcome));
                }
                Done::Released(id) => released.push(id),
            }
            next = rx.try_recv().ok();
        }
        if let Err(e) = state.store.finish_messages(&finished).await {
            tracing::warn!(error = %e, count = finished.len(), "recording message outcomes failed");
        }
        if !released.is_empty() {
            tracing::info!(
                count = released.len(),
                "lease running out: messages left for the next step"
            );
            if let Err(e) = state.store.release_messages(&released).await {
                tracing::warn!(error = %e, "releasing messages failed");
            }
        }
    }
    // Every sender has ended (the channel closed); a panicked one only loses its lease.
    while let Some(joined) = tasks.join_next().await {
        if let Err(e) = joined {
            tracing::error!(error = %e, "a notification send task failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_start_within_three_quarters_of_the_lease_and_end_inside_it() {
        let s = Duration::from_secs;
        assert_eq!(start_window(s(120), s(30)), s(90));
        // A timeout longer than a quarter of the lease moves the cut-off forward.
        assert_eq!(start_window(s(40), s(30)), s(10));
        assert_eq!(start_window(s(3), s(2)), s(1));
    }
}
