//! When to poll a shipment next: the one rule every path uses (an apply that changes the
//! status, a successful poll, a poll the carrier answered "not found", a failed poll).
//!
//! The intervals per status and the backoff live in `engine::schedule`; this adds what only
//! the shipment row knows: whether the carrier's push channel feeds it (then polling is a
//! fallback, [`PUSH_FRESH`]) and the carrier's shortest gap between two fetches.

use std::time::Duration;

use carriers::Status;
use chrono::{DateTime, Utc};

use crate::engine::schedule::next_delay;
use crate::store::PollRecord;

/// A shipment counts as push-fed while its carrier pushed an update for it within this long.
/// One definition for every path: a push older than this no longer slows polling down.
pub const PUSH_FRESH: chrono::Duration = chrono::Duration::days(2);

/// Whether the carrier's push channel feeds this shipment at `now`.
pub fn push_fed(last_push_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_push_at.is_some_and(|t| now - t < PUSH_FRESH)
}

/// What decides the next poll of one shipment.
#[derive(Debug, Clone, Copy)]
pub struct PollInput {
    /// Status after this step.
    pub status: Status,
    /// Last carrier push for the shipment (including one being applied now).
    pub last_push_at: Option<DateTime<Utc>>,
    /// Consecutive retryable failures after this step (0 after a success).
    pub failures: u32,
    /// The carrier's Retry-After, if it sent one.
    pub retry_after: Option<Duration>,
    /// The carrier's shortest gap between two fetches of one shipment.
    pub min_gap: Duration,
    /// Now.
    pub now: DateTime<Utc>,
}

/// The next poll; `None` after a terminal status (never poll again).
pub fn next_poll_at(p: PollInput) -> Option<DateTime<Utc>> {
    next_delay(
        p.status,
        push_fed(p.last_push_at, p.now),
        p.failures,
        p.retry_after,
    )
    .map(|d| d.max(p.min_gap))
    .and_then(|d| chrono::Duration::from_std(d).ok())
    .map(|d| p.now + d)
}

/// What a successful poll knows before its snapshot is applied, so the next poll can be
/// scheduled (and the lease released) in the apply's own transaction: one commit per poll.
#[derive(Debug, Clone, Copy)]
pub struct PollDone {
    /// When the poll finished.
    pub now: DateTime<Utc>,
    /// The shortest gap the carrier accepts between two fetches of one shipment.
    pub min_gap: Duration,
}

impl PollDone {
    /// The poll record of a shipment whose status after the apply is `status`.
    pub fn record(&self, status: Status, last_push_at: Option<DateTime<Utc>>) -> PollRecord {
        PollRecord {
            now: self.now,
            next_poll_at: next_poll_at(PollInput {
                status,
                last_push_at,
                failures: 0,
                retry_after: None,
                min_gap: self.min_gap,
                now: self.now,
            }),
            failures: 0,
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(last_push_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> PollInput {
        PollInput {
            status: Status::InTransit,
            last_push_at,
            failures: 0,
            retry_after: None,
            min_gap: Duration::ZERO,
            now,
        }
    }

    #[test]
    fn a_push_slows_polling_only_while_it_is_fresh() {
        let now = Utc::now();
        let never = next_poll_at(input(None, now)).expect("in transit is polled");
        let fresh = next_poll_at(input(Some(now - chrono::Duration::hours(1)), now))
            .expect("in transit is polled");
        let stale = next_poll_at(input(Some(now - chrono::Duration::days(3)), now))
            .expect("in transit is polled");
        let base = never - now;
        assert_eq!(
            fresh - now,
            base * 4,
            "a fresh push makes polling a fallback"
        );
        assert_eq!(stale, never, "a push three days ago no longer counts");
        assert!(push_fed(Some(now - chrono::Duration::hours(47)), now));
        assert!(!push_fed(Some(now - chrono::Duration::hours(49)), now));
    }

    #[test]
    fn the_carrier_gap_and_terminal_statuses_hold() {
        let now = Utc::now();
        let mut p = input(None, now);
        p.status = Status::OutForDelivery;
        p.min_gap = Duration::from_secs(8640);
        assert_eq!(next_poll_at(p), Some(now + chrono::Duration::seconds(8640)));
        p.status = Status::Delivered;
        assert_eq!(next_poll_at(p), None);
    }
}
