//! When to poll a shipment next: by status, with backoff after errors.

use std::time::Duration;

use carriers::Status;

/// Base interval between polls for a status; `None` means never poll again.
///
/// Hours while in transit, sooner near delivery (out for delivery, waiting in a locker after
/// a failed attempt), never after a terminal status.
pub fn base_interval(status: Status) -> Option<Duration> {
    let mins = |m: u64| Some(Duration::from_secs(m * 60));
    match status {
        Status::Pending => mins(60),
        Status::InfoReceived => mins(180),
        Status::InTransit => mins(180),
        Status::OutForDelivery => mins(30),
        Status::FailedAttempt => mins(60),
        Status::AvailableForPickup => mins(120),
        Status::Exception => mins(120),
        Status::Unknown => mins(180),
        Status::Delivered | Status::ReturnedToSender | Status::Cancelled | Status::Expired => None,
    }
}

/// Shipments that receive carrier webhooks are polled only as a fallback, this much less often.
pub const PUSH_FED_FACTOR: u32 = 4;

/// Longest wait after repeated failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// The delay before the next poll.
///
/// `failures` counts consecutive retryable errors: the delay doubles from one minute up to
/// [`MAX_BACKOFF`], and never undercuts the carrier's Retry-After.
pub fn next_delay(
    status: Status,
    push_fed: bool,
    failures: u32,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    let base = base_interval(status)?;
    if failures == 0 {
        return Some(if push_fed {
            base * PUSH_FED_FACTOR
        } else {
            base
        });
    }
    let backoff = Duration::from_secs(60)
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    Some(backoff.max(retry_after.unwrap_or(Duration::ZERO)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_statuses_are_never_polled() {
        for s in [
            Status::Delivered,
            Status::ReturnedToSender,
            Status::Cancelled,
        ] {
            assert_eq!(next_delay(s, false, 0, None), None);
        }
    }

    #[test]
    fn nearer_delivery_polls_sooner() {
        let transit = next_delay(Status::InTransit, false, 0, None).unwrap();
        let ofd = next_delay(Status::OutForDelivery, false, 0, None).unwrap();
        assert!(ofd < transit && transit >= Duration::from_secs(3600));
        assert_eq!(
            next_delay(Status::InTransit, true, 0, None).unwrap(),
            transit * 4
        );
    }

    #[test]
    fn failures_back_off_and_respect_retry_after() {
        let d = |f| next_delay(Status::InTransit, false, f, None).unwrap();
        assert_eq!(d(1), Duration::from_secs(60));
        assert_eq!(d(2), Duration::from_secs(120));
        assert_eq!(d(30), MAX_BACKOFF);
        let ra = next_delay(Status::InTransit, false, 1, Some(Duration::from_secs(900))).unwrap();
        assert_eq!(ra, Duration::from_secs(900));
    }
}
