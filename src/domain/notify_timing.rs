//! The timed shopper messages: planned with the change that makes them due later (a pickup
//! reminder with the locker pickup, a review request with the delivery, "delayed" with the
//! ETA), and checked again when due, because by then the parcel may have moved on. Keeping
//! them as queued rows (not a scan of all shipments) makes them visible in the message log
//! and as crash-safe as the rest of the outbox.

use carriers::Status;
use chrono::{DateTime, Duration, Utc};

use super::notification::Trigger;
use super::shipment::{Shipment, StatusChange, Written};

/// How long after the promised window "delayed" waits for a delivery before it goes out.
pub const DELAY_GRACE: Duration = Duration::hours(2);
/// How long before the collect-by the pickup reminder goes out.
pub const REMINDER_BEFORE: Duration = Duration::hours(24);
/// Working days after the delivery the review request goes out.
pub const REVIEW_AFTER_WORKING_DAYS: u32 = 3;

/// A timed message to plan: what, when it is due, and whether it is once per shipment
/// (`delayed`: one however often the ETA moves) rather than once per status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedMessage {
    /// What it announces.
    pub trigger: Trigger,
    /// When it is due.
    pub due_at: DateTime<Utc>,
    /// Planned once per shipment; planning it again only brings it forward.
    pub once_per_shipment: bool,
}

/// The timed messages an apply calls for. `review_at` is when a review request for this
/// delivery is due (working days depend on the lane's calendar, which the caller knows).
pub fn timed_messages(
    change: Option<&StatusChange>,
    before: &Shipment,
    written: &Written,
    review_at: impl FnOnce(DateTime<Utc>) -> DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<TimedMessage> {
    let mut out = Vec::new();
    let to = change.filter(|c| c.from_status != c.to_status);
    match to.map(|c| c.to_status) {
        Some(Status::AvailableForPickup) => {
            let until = written
                .details
                .pickup_point
                .as_ref()
                .and_then(|p| p.available_until);
            // Without a collect-by from the carrier there is nothing to remind of; one due
            // within the hour would arrive on the heels of the pickup message itself.
            if let Some(due) = until.map(|u| u - REMINDER_BEFORE) {
                if due > now + Duration::hours(1) {
                    out.push(timed(Trigger::PickupReminder, due, false));
                }
            }
        }
        Some(Status::Delivered) => {
            let delivered = to.map(|c| c.occurred_at).unwrap_or(now);
            out.push(timed(Trigger::ReviewRequest, review_at(delivered), false));
        }
        _ => {}
    }
    if written.eta != before.eta && !is_over(written.status) {
        if let Some(eta) = written.eta.as_ref() {
            let promised = written.original_eta.as_ref().unwrap_or(eta);
            // Moved past the promise: say so now. Otherwise wait for the promise to pass
            // (checked again then: a delivery in time sends nothing).
            let due = if eta.to > promised.to {
                now
            } else {
                promised.to + DELAY_GRACE
            };
            out.push(timed(Trigger::Delayed, due, true));
        }
    }
    out
}

fn timed(trigger: Trigger, due_at: DateTime<Utc>, once_per_shipment: bool) -> TimedMessage {
    TimedMessage {
        trigger,
        due_at,
        once_per_shipment,
    }
}

/// The parcel's journey to the shopper is over: nothing is late or waiting any more.
fn is_over(s: Status) -> bool {
    matches!(
        s,
        Status::Delivered | Status::ReturnedToSender | Status::Cancelled | Status::Expired
    )
}

/// The timed messages a status change makes moot, dropped from the queue in its transaction
/// (never sent, so they leave no trace in the log): "delayed" and the reminder once the
/// journey is over, the reminder once the parcel no longer waits.
pub fn moot_after(change: &StatusChange) -> Vec<Trigger> {
    if change.from_status == change.to_status {
        return Vec::new();
    }
    if is_over(change.to_status) {
        vec![Trigger::Delayed, Trigger::PickupReminder]
    } else if change.from_status == Status::AvailableForPickup {
        vec![Trigger::PickupReminder]
    } else {
        Vec::new()
    }
}

/// Whether a message that comes due is still worth sending; the reason when it is not.
/// A message held over quiet hours or planned for later is checked here, so the shopper
/// never reads "out for delivery" about a parcel delivered overnight.
pub fn still_true(trigger: Trigger, s: &Shipment, now: DateTime<Utc>) -> Result<(), &'static str> {
    let ok = match trigger {
        Trigger::OutForDelivery => s.status == Status::OutForDelivery,
        Trigger::PickupReminder => {
            s.status == Status::AvailableForPickup
                && s.details
                    .pickup_point
                    .as_ref()
                    .and_then(|p| p.available_until)
                    .is_none_or(|u| u > now)
        }
        Trigger::ReviewRequest => s.status == Status::Delivered,
        Trigger::Delayed => {
            !is_over(s.status)
                && match (s.eta.as_ref(), s.original_eta.as_ref().or(s.eta.as_ref())) {
                    (Some(eta), Some(promised)) => {
                        eta.to > promised.to || now >= promised.to + DELAY_GRACE
                    }
                    _ => false,
                }
        }
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(match trigger {
            Trigger::OutForDelivery => "no longer out for delivery",
            Trigger::PickupReminder => "no longer waiting for pickup",
            Trigger::ReviewRequest => "no longer delivered",
            _ => "no longer late: delivered or back on time",
        })
    }
}

#[cfg(test)]
#[path = "notify_timing_tests.rs"]
mod tests;
