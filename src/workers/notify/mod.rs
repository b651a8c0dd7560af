//! The notification worker: claims due messages from the outbox under a lease
//! (`notifications.lease_secs`), sends the batch concurrently ([`batch`]: bounded by the SMTP
//! pool, one shipment's messages in order, no send started too late for its lease), decides
//! and sends each message ([`send`], [`deliver`]; the merchant's switches, quiet hours and
//! send rate in [`gate`]) and records the outcomes ([`outcome`]).
//!
//! A crash mid-send leaves the message queued and leased; once the lease expires another
//! step (of this process after a restart, or of another) sends it again, with the same
//! Message-ID, which is derived from the outbox row.

mod batch;
mod deliver;
mod gate;
mod outcome;
mod send;
mod senders;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::step::{idle, Outcome};
use crate::state::AppState;

pub use senders::Senders;

/// Messages claimed per step.
const BATCH: u32 = 100;

/// Runs until `stop` turns true, a step every second (sooner when a step had work).
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let senders = Arc::new(Senders::from_state(&state));
    loop {
        let busy = matches!(tick(&state, &senders).await, Outcome::Worked(_));
        let wait = if busy {
            Duration::from_millis(10)
        } else {
            Duration::from_secs(1)
        };
        if idle(wait, &tokio::sync::Notify::new(), &mut stop).await {
            break;
        }
    }
}

/// One step now: claims due messages and sends them.
pub async fn tick(state: &AppState, senders: &Arc<Senders>) -> Outcome {
    tick_at(state, senders, Utc::now()).await
}

/// One step with the worker's clock at `now`: claims the messages due by then, leased until
/// `now` plus the lease, and sends them (times recorded run on from `now`). The tests of
/// quiet hours drive the worker through this with the clock set to the evening or morning.
pub async fn tick_at(state: &AppState, senders: &Arc<Senders>, now: DateTime<Utc>) -> Outcome {
    let lease = Duration::from_secs(state.config.notifications.lease_secs);
    let lease_until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    let claimed = match state.store.claim_messages(now, lease_until, BATCH).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "claiming shopper messages failed");
            return Outcome::Idle;
        }
    };
    if claimed.is_empty() {
        return Outcome::Idle;
    }
    let n = claimed.len();
    batch::send_batch(state, senders, claimed, now).await;
    Outcome::Worked(n)
}
