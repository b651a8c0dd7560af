//! InPost fixture tests: ShipX payloads from `wiremock-fixtures/inpost/` through the wire
//! types and the mapping, and webhook bodies as ShipX sends them.

use super::client::snapshot_from_response;
use super::*;
use crate::model::{Status, TzSource};

fn fixture(name: &str) -> String {
    let p = format!(
        "{}/../wiremock-fixtures/inpost/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn parse_fixture(name: &str) -> crate::TrackingSnapshot {
    snapshot_from_response(serde_json::from_str(&fixture(name)).unwrap()).unwrap()
}

fn statuses_oldest_first(s: &crate::TrackingSnapshot) -> Vec<Status> {
    let mut ev = s.events.clone();
    ev.sort_by_key(|e| e.occurred_at);
    ev.iter().map(|e| e.status).collect()
}

#[test]
fn locker_delivery_with_reminder() {
    let s = parse_fixture("locker_delivered_with_reminder.json");
    assert_eq!(s.tracking_number, "602677439331630337653846");
    assert_eq!(s.details.service.as_deref(), Some("inpost_locker_standard"));
    use Status::*;
    assert_eq!(
        statuses_oldest_first(&s),
        vec![
            InfoReceived,
            InTransit,
            InTransit,
            InTransit,
            InTransit,
            OutForDelivery,
            AvailableForPickup,
            AvailableForPickup,
            Delivered
        ]
    );
    let reminder = s
        .events
        .iter()
        .find(|e| e.raw_code == "pickup_reminder_sent")
        .unwrap();
    assert_eq!(reminder.substatus, "available_for_pickup.reminder_sent");
    assert_eq!(
        reminder.occurred_at.to_rfc3339(),
        "2026-05-20T07:00:12+00:00"
    );
    assert_eq!(
        (reminder.utc_offset_seconds, reminder.tz_source),
        (7200, TzSource::Carrier)
    );
    let point = s.details.pickup_point.as_ref().unwrap();
    assert_eq!(point.id.as_deref(), Some("KRA01M"));
    assert!(point.description.as_deref().unwrap().contains("Długa 12"));
    // Delivered: no "collect by" any more.
    assert_eq!(point.available_until, None);
}

#[test]
fn waiting_parcel_has_a_collect_by_time() {
    let s = parse_fixture("locker_ready_to_pickup.json");
    let until = s.details.pickup_point.unwrap().available_until.unwrap();
    assert_eq!(until.to_rfc3339(), "2026-05-22T05:31:55+00:00");
}

#[test]
fn courier_delivery_with_failed_attempt() {
    let s = parse_fixture("courier_failed_attempt_then_delivered.json");
    let st = statuses_oldest_first(&s);
    assert_eq!(
        st.iter().filter(|s| **s == Status::FailedAttempt).count(),
        1
    );
    assert_eq!(st.last(), Some(&Status::Delivered));
    let failed = s
        .events
        .iter()
        .find(|e| e.status == Status::FailedAttempt)
        .unwrap();
    assert_eq!(failed.substatus, "failed_attempt.unknown_recipient");
    assert_eq!(failed.location.text.as_deref(), Some("PO2"));
    assert_eq!(failed.raw_text.as_deref(), Some("origin_status NDO"));
    assert!(s.details.pickup_point.is_none());
}

#[test]
fn returned_to_sender_after_pickup_expired() {
    let s = parse_fixture("returned_to_sender.json");
    let st = statuses_oldest_first(&s);
    assert!(st.contains(&Status::Exception));
    assert_eq!(st.last(), Some(&Status::ReturnedToSender));
}

#[test]
fn webhooks_parse_as_shipx_sends_them() {
    let p = webhook::parse(fixture("webhook_status_changed.json").as_bytes()).unwrap();
    assert_eq!(p.snapshots.len(), 1);
    let e = &p.snapshots[0].events[0];
    assert_eq!(e.status, Status::AvailableForPickup);
    assert_eq!(e.occurred_at.to_rfc3339(), "2026-05-20T07:00:12+00:00");
    // The poll of the same parcel yields the same event id: one entry, not two.
    let polled = parse_fixture("locker_delivered_with_reminder.json");
    assert!(polled.events.iter().any(|x| x.event_id == e.event_id));

    let c = webhook::parse(fixture("webhook_confirmed.json").as_bytes()).unwrap();
    assert_eq!(c.snapshots[0].events[0].status, Status::InfoReceived);
    assert_eq!(c.snapshots[0].events[0].utc_offset_seconds, 3600);

    let n = webhook::parse(fixture("webhook_null_tracking_number.json").as_bytes()).unwrap();
    assert!(n.snapshots.is_empty() && n.notices.len() == 1);
    let o = webhook::parse(fixture("webhook_offers_prepared.json").as_bytes()).unwrap();
    assert!(o.snapshots.is_empty() && o.notices.len() == 1);
}

#[test]
fn broken_webhooks_are_decode_errors_that_say_what() {
    let e = webhook::parse(b"{\"event\":\"shipment_status_changed\"}").unwrap_err();
    assert!(matches!(e, CarrierError::Decode { .. }));
    assert!(e.to_string().contains("inpost"), "{e}");
    let e = webhook::parse(
        br#"{"event_ts":"soon","event":"shipment_status_changed","payload":{"status":"delivered","tracking_number":"1"}}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("event_ts"), "{e}");
}
