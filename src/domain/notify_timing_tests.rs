//! Tests of the timed shopper messages: when each is planned and when it is still worth sending.

use super::*;
use crate::domain::shipment::{Eta, EtaSource};
use carriers::{PickupPoint, ShipmentDetails};
use chrono::TimeZone;

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0)
        .single()
        .expect("time")
}

fn eta(from: DateTime<Utc>, to: DateTime<Utc>) -> Eta {
    Eta {
        from,
        to,
        source: EtaSource::Carrier,
        confidence: None,
    }
}

fn written(s: &Shipment) -> Written {
    Written {
        status: s.status,
        substatus: s.substatus.clone(),
        status_changed_at: s.status_changed_at,
        last_event_at: s.last_event_at,
        details: s.details.clone(),
        eta: s.eta,
        original_eta: s.original_eta,
        next_poll_at: None,
    }
}

fn change(from: Status, to: Status, occurred_at: DateTime<Utc>) -> StatusChange {
    StatusChange {
        from_status: from,
        from_substatus: String::new(),
        to_status: to,
        to_substatus: String::new(),
        event_id: "e1".into(),
        occurred_at,
    }
}

fn no_review(_: DateTime<Utc>) -> DateTime<Utc> {
    unreachable!("no delivery here")
}

#[test]
fn a_locker_pickup_plans_a_reminder_a_day_before_the_collect_by() {
    let before = Shipment::for_tests();
    let mut w = written(&before);
    w.status = Status::AvailableForPickup;
    w.details = ShipmentDetails {
        pickup_point: Some(PickupPoint {
            id: Some("WAW01M".into()),
            description: None,
            available_until: Some(at(4, 12)),
        }),
        ..Default::default()
    };
    let c = change(Status::OutForDelivery, Status::AvailableForPickup, at(2, 9));
    let t = timed_messages(Some(&c), &before, &w, no_review, at(2, 9));
    assert_eq!(
        t,
        vec![TimedMessage {
            trigger: Trigger::PickupReminder,
            due_at: at(3, 12),
            once_per_shipment: false
        }]
    );
    // A collect-by within a day leaves no time for a reminder; none without one.
    let late = timed_messages(Some(&c), &before, &w, no_review, at(3, 12));
    assert!(late.is_empty(), "{late:?}");
    w.details.pickup_point = None;
    assert!(timed_messages(Some(&c), &before, &w, no_review, at(2, 9)).is_empty());
}

#[test]
fn a_delivery_plans_the_review_request_when_the_caller_says() {
    let before = Shipment::for_tests();
    let mut w = written(&before);
    w.status = Status::Delivered;
    let c = change(Status::OutForDelivery, Status::Delivered, at(2, 15));
    let t = timed_messages(Some(&c), &before, &w, |d| d + Duration::days(3), at(2, 16));
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].trigger, Trigger::ReviewRequest);
    assert_eq!(t[0].due_at, at(5, 15), "from the delivery, not the apply");
}

#[test]
fn delayed_waits_for_the_promise_and_goes_at_once_when_the_eta_slips() {
    let mut before = Shipment::for_tests();
    let mut w = written(&before);
    // A first ETA: "delayed" is planned for its end plus the grace, checked again then.
    w.eta = Some(eta(at(3, 8), at(3, 18)));
    w.original_eta = w.eta;
    let t = timed_messages(None, &before, &w, no_review, at(2, 9));
    assert_eq!(
        t,
        vec![TimedMessage {
            trigger: Trigger::Delayed,
            due_at: at(3, 20),
            once_per_shipment: true
        }]
    );
    // The ETA slips past the promise: due at once.
    before.eta = w.eta;
    before.original_eta = w.eta;
    w.eta = Some(eta(at(4, 8), at(4, 18)));
    let t = timed_messages(None, &before, &w, no_review, at(2, 10));
    assert_eq!(t[0].due_at, at(2, 10));
    // No ETA change, or a journey that is over: nothing.
    assert!(timed_messages(None, &w_as(&w, &before), &w, no_review, at(2, 10)).is_empty());
    w.status = Status::Delivered;
    before.eta = None;
    assert!(timed_messages(None, &before, &w, no_review, at(2, 10)).is_empty());
}

/// The shipment as `w` wrote it (so "before" and "written" agree).
fn w_as(w: &Written, base: &Shipment) -> Shipment {
    let mut s = base.clone();
    s.eta = w.eta;
    s.original_eta = w.original_eta;
    s
}

#[test]
fn a_message_that_comes_due_is_sent_only_while_it_is_still_true() {
    let mut s = Shipment::for_tests();
    s.status = Status::Delivered;
    assert!(still_true(Trigger::OutForDelivery, &s, at(2, 8)).is_err());
    assert!(still_true(Trigger::ReviewRequest, &s, at(2, 8)).is_ok());
    assert!(still_true(Trigger::Delayed, &s, at(2, 8)).is_err());
    assert!(still_true(Trigger::Delivered, &s, at(2, 8)).is_ok());
    s.status = Status::InTransit;
    s.eta = Some(eta(at(3, 8), at(3, 18)));
    s.original_eta = s.eta;
    assert!(
        still_true(Trigger::Delayed, &s, at(3, 12)).is_err(),
        "still within the promise"
    );
    assert!(
        still_true(Trigger::Delayed, &s, at(3, 20)).is_ok(),
        "the promise passed"
    );
    s.eta = Some(eta(at(4, 8), at(4, 18)));
    assert!(
        still_true(Trigger::Delayed, &s, at(3, 12)).is_ok(),
        "slipped"
    );
    s.status = Status::AvailableForPickup;
    s.details.pickup_point = Some(PickupPoint {
        id: None,
        description: None,
        available_until: Some(at(4, 12)),
    });
    assert!(still_true(Trigger::PickupReminder, &s, at(3, 12)).is_ok());
    assert!(still_true(Trigger::PickupReminder, &s, at(4, 13)).is_err());
    s.status = Status::Delivered;
    assert!(still_true(Trigger::PickupReminder, &s, at(3, 12)).is_err());
}
