//! Unit tests of the per-shipment facts definitions.

use carriers::time::LocalTime;
use carriers::CarrierId;
use carriers::{Location, Mapped, ShipmentDetails, TzSource};
use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    // January 2026 in Warsaw is UTC+1.
    Utc.with_ymd_and_hms(2026, 1, day, hour - 1, 0, 0).unwrap()
}

fn ev(status: Status, sub: &'static str, t: DateTime<Utc>) -> TrackingEvent {
    TrackingEvent::new(
        CarrierId::Dpd,
        "1",
        Mapped::new(status, sub),
        sub,
        None,
        LocalTime {
            utc: t,
            offset_seconds: 3600,
            source: TzSource::Carrier,
        },
        Location::default(),
    )
}

fn shipment() -> Shipment {
    Shipment {
        id: "shp_1".into(),
        merchant_id: "mer_1".into(),
        carrier: CarrierId::Dpd,
        tracking_number: "1".into(),
        order_ref: None,
        service: Some("classic".into()),
        origin_country: Some("PL".into()),
        destination_country: Some("PL".into()),
        destination_postal_code: Some("00-950".into()),
        language: None,
        email_hash: None,
        public_token: "t".into(),
        status: Status::Pending,
        substatus: "pending".into(),
        status_changed_at: None,
        last_event_at: None,
        details: ShipmentDetails::default(),
        eta: None,
        original_eta: None,
        next_poll_at: None,
        poll_failures: 0,
        last_error: None,
        last_polled_at: None,
        last_push_at: None,
        created_at: at(5, 9),
        updated_at: at(5, 9),
        version: 1,
    }
}

fn facts(status: Status, eta: Option<Eta>, timeline: &[TrackingEvent]) -> ShipmentFacts {
    let s = shipment();
    let key = LaneKey::of(&s, &s.details);
    compute(&s, &key, status, eta, eta, timeline)
}

#[test]
fn transit_first_scan_and_first_attempt() {
    // Registered Mon 5 Jan 09:00, scanned Mon 16:00, delivered Wed 7 Jan 13:30.
    let timeline = [
        ev(
            Status::InfoReceived,
            "info_received.data_received",
            at(5, 10),
        ),
        ev(Status::InTransit, "in_transit.picked_up", at(5, 16)),
        ev(Status::OutForDelivery, "out_for_delivery.courier", at(7, 8)),
        ev(
            Status::Delivered,
            "delivered.recipient",
            at(7, 13) + Duration::minutes(30),
        ),
    ];
    let f = facts(Status::Delivered, None, &timeline);
    assert_eq!(f.first_scan_at, Some(at(5, 16)));
    assert_eq!(f.transit_minutes, Some(45 * 60 + 30));
    // Tue 6 Jan is Epiphany, a Polish holiday: Wednesday is one working day after Monday.
    assert_eq!(f.transit_wd, Some(1));
    assert_eq!(f.first_scan_minutes, Some(7 * 60));
    assert!(f.first_attempt && !f.exception && !f.returned);
    assert_eq!(
        (f.lane.as_str(), f.week.as_str(), f.service.as_str()),
        ("PL-PL-00", "2026-W02", "classic")
    );
    assert_eq!((f.on_time, f.eta_error_days), (None, None));
    assert_eq!(
        f.lane_key(),
        LaneKey::of(&shipment(), &ShipmentDetails::default())
    );
}

#[test]
fn failed_attempts_and_redirects_spoil_the_first_attempt() {
    let base = [
        ev(Status::InTransit, "in_transit.picked_up", at(5, 16)),
        ev(Status::Delivered, "delivered.recipient", at(8, 12)),
    ];
    let mut failed = base.to_vec();
    failed.push(ev(
        Status::FailedAttempt,
        "failed_attempt.recipient_absent",
        at(7, 12),
    ));
    assert!(!facts(Status::Delivered, None, &failed).first_attempt);
    let mut redirected = base.to_vec();
    redirected.push(ev(
        Status::InTransit,
        "in_transit.redirected_to_locker",
        at(7, 12),
    ));
    assert!(!facts(Status::Delivered, None, &redirected).first_attempt);
    // A locker parcel waiting for pickup is the normal journey, not a redirect.
    let mut locker = base.to_vec();
    locker.push(ev(
        Status::AvailableForPickup,
        "available_for_pickup.locker",
        at(7, 12),
    ));
    assert!(facts(Status::Delivered, None, &locker).first_attempt);
    // Not delivered: no first attempt, no transit.
    let f = facts(Status::InTransit, None, &base[..1]);
    assert!(!f.first_attempt && f.transit_wd.is_none() && f.delivered_at.is_none());
}

#[test]
fn exceptions_returns_and_eta_errors() {
    let timeline = [
        ev(Status::InTransit, "in_transit.picked_up", at(5, 16)),
        ev(Status::Exception, "exception.refused", at(7, 12)),
        ev(
            Status::ReturnedToSender,
            "returned_to_sender.returned",
            at(12, 12),
        ),
    ];
    let f = facts(Status::ReturnedToSender, None, &timeline);
    assert!(f.exception && f.returned && f.delivered_at.is_none());

    let eta = Eta {
        from: at(6, 8),
        to: at(6, 18),
        source: EtaSource::Carrier,
        confidence: None,
    };
    let late = [
        ev(Status::InTransit, "in_transit.picked_up", at(5, 16)),
        ev(Status::Delivered, "delivered.recipient", at(8, 12)),
    ];
    let f = facts(Status::Delivered, Some(eta), &late);
    assert_eq!(
        (f.on_time, f.eta_in_window, f.eta_error_days),
        (Some(false), Some(false), Some(2))
    );
    assert_eq!(f.eta_source, Some(EtaSource::Carrier));
    let inside = [
        ev(Status::InTransit, "in_transit.picked_up", at(5, 16)),
        ev(Status::Delivered, "delivered.recipient", at(6, 11)),
    ];
    let f = facts(Status::Delivered, Some(eta), &inside);
    assert_eq!(
        (f.on_time, f.eta_in_window, f.eta_error_days),
        (Some(true), Some(true), Some(0))
    );
}
