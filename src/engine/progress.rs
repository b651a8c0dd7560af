//! The shopper's step tracker: ordered → shipped → in transit → out for delivery / ready for
//! pickup → delivered, derived from the current status and the timeline.

use carriers::{Status, TrackingEvent};
use serde::Serialize;
use utoipa::ToSchema;

/// One step of the tracker.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Step {
    /// Stable key: `ordered`, `shipped`, `in_transit`, `last_mile`, `delivered`.
    pub key: &'static str,
    /// `done`, `current`, `upcoming` or `problem`.
    pub state: &'static str,
}

/// Whether the last mile is a locker/point pickup (shown as "ready for pickup") or a courier.
fn pickup_journey(status: Status, events: &[TrackingEvent]) -> bool {
    status == Status::AvailableForPickup
        || events
            .iter()
            .any(|e| e.status == Status::AvailableForPickup)
}

/// The key of the last-mile step for this journey (`out_for_delivery` or `ready_for_pickup`).
pub fn last_mile_key(status: Status, events: &[TrackingEvent]) -> &'static str {
    if pickup_journey(status, events) {
        "ready_for_pickup"
    } else {
        "out_for_delivery"
    }
}

/// Computes the steps. A failed attempt or exception marks the step it happened at as `problem`.
pub fn steps(status: Status, events: &[TrackingEvent]) -> Vec<Step> {
    let last_mile = last_mile_key(status, events);
    let keys = ["ordered", "shipped", "in_transit", last_mile, "delivered"];
    let (reached, problem) = match status {
        Status::Pending | Status::Expired | Status::Unknown => (0, false),
        Status::InfoReceived => (1, false),
        Status::InTransit => (2, false),
        Status::OutForDelivery | Status::AvailableForPickup => (3, false),
        Status::FailedAttempt => (3, true),
        Status::Exception | Status::Cancelled => (progress_before_problem(events), true),
        Status::ReturnedToSender => (progress_before_problem(events), true),
        Status::Delivered => (4, false),
    };
    keys.iter()
        .enumerate()
        .map(|(i, key)| Step {
            key,
            state: if i < reached || (i == reached && status == Status::Delivered) {
                "done"
            } else if i == reached {
                if problem {
                    "problem"
                } else {
                    "current"
                }
            } else {
                "upcoming"
            },
        })
        .collect()
}

/// The furthest ordinary step reached before things went wrong.
fn progress_before_problem(events: &[TrackingEvent]) -> usize {
    events
        .iter()
        .map(|e| match e.status {
            Status::InfoReceived => 1,
            Status::InTransit => 2,
            Status::OutForDelivery | Status::AvailableForPickup | Status::FailedAttempt => 3,
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(status: Status) -> Vec<&'static str> {
        steps(status, &[]).iter().map(|s| s.state).collect()
    }

    #[test]
    fn steps_follow_the_status() {
        assert_eq!(
            states(Status::Pending),
            ["current", "upcoming", "upcoming", "upcoming", "upcoming"]
        );
        assert_eq!(
            states(Status::InTransit),
            ["done", "done", "current", "upcoming", "upcoming"]
        );
        assert_eq!(
            states(Status::OutForDelivery),
            ["done", "done", "done", "current", "upcoming"]
        );
        assert_eq!(
            states(Status::FailedAttempt),
            ["done", "done", "done", "problem", "upcoming"]
        );
        assert_eq!(states(Status::Delivered), ["done"; 5]);
    }

    #[test]
    fn pickup_journeys_say_ready_for_pickup() {
        assert_eq!(
            steps(Status::AvailableForPickup, &[])[3].key,
            "ready_for_pickup"
        );
        assert_eq!(
            steps(Status::OutForDelivery, &[])[3].key,
            "out_for_delivery"
        );
    }
}
