//! Fixture tests: DHL payloads from `wiremock-fixtures/dhl/` through wire types, mapping,
//! ETA and details; push bodies and webhook authentication.

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue};

use super::client::{decode_track_response, resolve};
use super::push::parse_push_lifecycle;
use super::*;
use crate::carrier::{Carrier, TrackRequest};
use crate::model::{Status, TrackingSnapshot, TzSource};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../wiremock-fixtures/dhl/", $name))
    };
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn pull(body: &str, number: &str) -> TrackingSnapshot {
    let r = decode_track_response(body.as_bytes()).unwrap();
    assert_eq!(r.shipments.len(), 1);
    snapshot::build(number, &r.shipments[0])
}

/// (raw_code, status, substatus) in time order.
fn timeline(s: &TrackingSnapshot) -> Vec<(String, Status, String)> {
    let mut ev = s.events.clone();
    ev.sort_by_key(|e| e.occurred_at);
    ev.into_iter()
        .map(|e| (e.raw_code, e.status, e.substatus))
        .collect()
}

fn row(code: &str, st: Status, sub: &str) -> (String, Status, String) {
    (code.to_string(), st, sub.to_string())
}

#[test]
fn express_delivered_with_eta_frame_and_proof_of_delivery() {
    let s = pull(fixture!("express_delivered.json"), "5584773180");
    assert_eq!(
        timeline(&s),
        vec![
            row("pre-transit", Status::InfoReceived, "info_received"),
            row("transit", Status::InTransit, "in_transit"),
            row("transit", Status::InTransit, "in_transit"),
            row("DELIVERED", Status::Delivered, "delivered"),
        ]
    );
    let delivered = s
        .events
        .iter()
        .find(|e| e.status == Status::Delivered)
        .unwrap();
    // Offset-less Express time read as Europe/Berlin (CEST) and marked assumed.
    assert_eq!(delivered.occurred_at, utc("2026-05-18T09:42:00Z"));
    assert_eq!(
        (delivered.utc_offset_seconds, delivered.tz_source),
        (7200, TzSource::Assumed)
    );
    assert_eq!(delivered.raw_text.as_deref(), Some("Delivered"));
    assert_eq!(delivered.location.text.as_deref(), Some("WARSAW - POLAND"));
    let eta = s.eta.unwrap();
    assert_eq!(
        (eta.from, eta.to),
        (utc("2026-05-18T07:00:00Z"), utc("2026-05-18T16:00:00Z"))
    );
    let d = &s.details;
    assert_eq!(d.service.as_deref(), Some("express"));
    assert_eq!(d.product.as_deref(), Some("EXPRESS WORLDWIDE"));
    assert_eq!(d.pieces, Some(1));
    assert_eq!(
        (
            d.origin_country.as_deref(),
            d.destination_country.as_deref()
        ),
        (Some("DE"), Some("PL"))
    );
    assert_eq!(d.destination_postal_code.as_deref(), Some("02-495"));
    let pod = d.proof_of_delivery.clone().unwrap();
    assert_eq!(pod.signed, Some(true));
    assert_eq!(pod.received_by.as_deref(), Some("J. KOWALSKI"));
    assert_eq!(pod.timestamp, Some(utc("2026-05-18T09:42:00Z")));
    assert!(pod
        .signature_url
        .unwrap()
        .starts_with("https://proview.dhl.com/"));
    assert_eq!(
        pod.document_url.as_deref(),
        Some("https://webpod.dhl.com/webPOD/DHLePODRequest")
    );
}

#[test]
fn paket_in_transit_with_a_single_eta_instant() {
    let s = pull(fixture!("paket_in_transit.json"), "00340434161094042557");
    assert_eq!(
        timeline(&s),
        vec![
            row("pre-transit", Status::InfoReceived, "info_received"),
            row("transit", Status::InTransit, "in_transit"),
            row("transit", Status::InTransit, "in_transit"),
        ]
    );
    // "2026-05-19T00:00:00" (no offset, midnight) = that whole day in Europe/Berlin.
    let eta = s.eta.unwrap();
    assert_eq!(
        (eta.from, eta.to),
        (utc("2026-05-18T22:00:00Z"), utc("2026-05-19T21:59:59Z"))
    );
    let d = &s.details;
    assert_eq!(d.product.as_deref(), Some("DHL PAKET (parcel)"));
    assert_eq!(
        (
            d.destination_country.as_deref(),
            d.destination_postal_code.as_deref()
        ),
        (Some("DE"), Some("53113"))
    );
    assert_eq!(d.proof_of_delivery, None);
    let last = s.events.iter().max_by_key(|e| e.occurred_at).unwrap();
    assert_eq!(
        last.raw_text.as_deref(),
        Some("The shipment has arrived at the delivery base.")
    );
}

#[test]
fn parcel_pl_collected_at_a_service_point() {
    let s = pull(fixture!("parcel_pl_service_point.json"), "20584430128");
    assert_eq!(
        timeline(&s),
        vec![
            row("EDWP", Status::InfoReceived, "info_received.data_received"),
            // No `status` code, only a Polish sentence: statusCode decides.
            row("transit", Status::InTransit, "in_transit"),
            row("SORT", Status::InTransit, "in_transit.sorting"),
            row("SP_DW", Status::InTransit, "in_transit.to_service_point"),
            row(
                "SP_DSP",
                Status::AvailableForPickup,
                "available_for_pickup.service_point"
            ),
            row(
                "SP_DOR",
                Status::Delivered,
                "delivered.collected_at_service_point"
            ),
        ]
    );
    let last = s.events.iter().max_by_key(|e| e.occurred_at).unwrap();
    // Offset-less Parcel PL time read as Europe/Warsaw.
    assert_eq!(last.occurred_at, utc("2026-05-19T14:20:00Z"));
    assert_eq!(last.tz_source, TzSource::Assumed);
    assert_eq!(last.location.text.as_deref(), Some("Kraków"));
    assert_eq!(s.eta, None);
    assert_eq!(s.details.destination_postal_code.as_deref(), Some("30-001"));
}

#[test]
fn failed_attempt_then_delivered_to_a_neighbour() {
    let s = pull(fixture!("failed_then_delivered.json"), "11234567895");
    assert_eq!(
        timeline(&s),
        vec![
            row("DWP", Status::InTransit, "in_transit.accepted"),
            row("LK", Status::OutForDelivery, "out_for_delivery"),
            row(
                "AWI",
                Status::FailedAttempt,
                "failed_attempt.recipient_absent"
            ),
            row("LK", Status::OutForDelivery, "out_for_delivery"),
            row("DOR_SAS", Status::Delivered, "delivered.neighbour"),
        ]
    );
    let ids: std::collections::HashSet<_> = s.events.iter().map(|e| e.event_id.clone()).collect();
    assert_eq!(
        ids.len(),
        5,
        "two LK scans on different days are two events"
    );
}

#[test]
fn returned_to_sender_event_codes_beat_status_code_failure() {
    let s = pull(fixture!("returned.json"), "21987654321");
    assert_eq!(
        timeline(&s),
        vec![
            row("DWP", Status::InTransit, "in_transit.accepted"),
            row(
                "AWI",
                Status::FailedAttempt,
                "failed_attempt.recipient_absent"
            ),
            row("ZWR_OP", Status::Exception, "exception.return_to_sender"),
            row("LW", Status::InTransit, "in_transit"),
            row("ZWN", Status::ReturnedToSender, "returned_to_sender"),
        ]
    );
}

#[test]
fn return_flag_turns_a_delivery_into_delivered_back_to_sender() {
    let body = r#"{"shipments":[{"id":"00340434161094042557","service":"parcel-de","returnFlag":true,
        "events":[{"timestamp":"2023-10-26T12:08:00","statusCode":"delivered",
        "status":"The shipment has been successfully delivered"}]}]}"#;
    let s = pull(body, "00340434161094042557");
    assert_eq!(
        timeline(&s),
        vec![row(
            "delivered",
            Status::ReturnedToSender,
            "returned_to_sender.delivered_to_sender"
        )]
    );
}

#[test]
fn unknown_codes_keep_the_status_code_and_unknown_status_code_is_unknown() {
    let body = r#"{"shipments":[{"id":"20584430128","service":"parcel-pl","events":[
        {"timestamp":"2026-05-17T10:00:00","statusCode":"transit","status":"NEW_CODE"},
        {"timestamp":"2026-05-17T11:00:00","statusCode":"unknown","description":"?"},
        {"timestamp":"2026-05-17T12:00:00","statusCode":"failure","description":"AWI: Delivery failed."},
        {"statusCode":"transit","status":"LK"}]}]}"#;
    let s = pull(body, "20584430128");
    assert_eq!(
        timeline(&s),
        vec![
            row("NEW_CODE", Status::InTransit, "in_transit"),
            row("unknown", Status::Unknown, "unknown"),
            row(
                "AWI",
                Status::FailedAttempt,
                "failed_attempt.recipient_absent"
            ),
        ],
        "the event without a timestamp is dropped"
    );
}

#[test]
fn shipment_status_is_the_event_when_events_are_missing() {
    let body = r#"{"shipments":[{"id":"1","service":"parcel-pl","status":{"timestamp":"2022-04-15T14:44:17",
        "location":{"address":{"addressLocality":"Tarnów"}},"statusCode":"transit",
        "description":"przesyłka przyjęta w terminalu nadawczym DHL"}}]}"#;
    let s = pull(body, "1");
    assert_eq!(
        timeline(&s),
        vec![row("transit", Status::InTransit, "in_transit")]
    );
}

#[test]
fn several_shipments_are_resolved_by_service_and_postal_code_or_refused() {
    let r = decode_track_response(fixture!("multiple_shipments.json").as_bytes()).unwrap();
    let pick =
        |req: TrackRequest| resolve("4392017755", &req, &r.shipments).map(|s| s.service.clone());
    let base = TrackRequest::number("4392017755");
    assert!(matches!(
        pick(base.clone()),
        Err(CarrierError::Ambiguous { .. })
    ));
    let with = |service: Option<&str>, postal: Option<&str>| TrackRequest {
        service: service.map(Into::into),
        destination_postal_code: postal.map(Into::into),
        ..base.clone()
    };
    assert_eq!(
        pick(with(Some("express"), None)).unwrap().as_deref(),
        Some("express")
    );
    assert_eq!(
        pick(with(None, Some("53 113"))).unwrap().as_deref(),
        Some("parcel-de")
    );
    assert!(matches!(
        pick(with(Some("parcel-nl"), None)),
        Err(CarrierError::Ambiguous { .. })
    ));
    assert!(matches!(
        pick(with(None, Some("99999"))),
        Err(CarrierError::Ambiguous { .. })
    ));
    assert!(matches!(
        resolve("x", &base, &[]),
        Err(CarrierError::NotFound { .. })
    ));
}

#[test]
fn problem_fixtures_decode() {
    assert_eq!(
        describe_problem(fixture!("not_found_404.json").as_bytes()),
        "No result found: No shipment with given tracking number found."
    );
    assert!(
        describe_problem(fixture!("rate_limited_429.json").as_bytes())
            .starts_with("Too Many Requests: ")
    );
}

fn carrier() -> DhlCarrier {
    DhlCarrier::new(DhlConfig {
        api_key: Secret::new("key"),
        webhook_token: Secret::new("tok-123"),
        ..DhlConfig::default()
    })
}

#[test]
fn push_shipments_map_like_a_poll_with_the_same_event_ids() {
    let p = carrier()
        .parse_webhook(fixture!("push_shipments.json").as_bytes())
        .unwrap();
    assert!(p.notices.is_empty());
    assert_eq!(p.snapshots.len(), 1);
    let s = &p.snapshots[0];
    assert_eq!(s.tracking_number, "00340434161094042557");
    assert_eq!(
        timeline(s),
        vec![
            row("transit", Status::InTransit, "in_transit"),
            row("delivered", Status::Delivered, "delivered")
        ]
    );
    let pod = s.details.proof_of_delivery.clone().unwrap();
    assert_eq!(
        (pod.signed, pod.timestamp),
        (Some(false), Some(utc("2026-05-19T09:24:00Z")))
    );
    let polled = pull(fixture!("paket_in_transit.json"), "00340434161094042557");
    let shared = s
        .events
        .iter()
        .find(|e| e.status == Status::InTransit)
        .unwrap();
    assert!(polled.events.iter().any(|e| e.event_id == shared.event_id));
}

#[test]
fn lifecycle_pushes_are_notices_and_never_echo_the_secret() {
    let body = fixture!("push_subscription_created.json").as_bytes();
    let p = carrier().parse_webhook(body).unwrap();
    assert!(p.snapshots.is_empty());
    assert_eq!(p.notices.len(), 1);
    let notice = &p.notices[0];
    assert!(
        notice.contains("subscription.created")
            && notice.contains("4f6c2a1e-93b7-4c55-a0d2-6b1f0d9e8a17")
    );
    assert!(!notice.contains("a8f3c2d94e7b41f0b6d5e2c1f9a07b3d"));
    let l = parse_push_lifecycle(body).unwrap().unwrap();
    assert_eq!(
        l.subscription_id.as_deref(),
        Some("4f6c2a1e-93b7-4c55-a0d2-6b1f0d9e8a17")
    );
    assert!(l
        .secret
        .unwrap()
        .matches(b"a8f3c2d94e7b41f0b6d5e2c1f9a07b3d"));
    let failure =
        br#"{"scope":"subscription.failure","id":"s1","failure":{"reason":"hook unreachable"}}"#;
    let p = carrier().parse_webhook(failure).unwrap();
    assert!(
        p.notices[0].contains("subscription.failure") && p.notices[0].contains("hook unreachable")
    );
    assert_eq!(
        parse_push_lifecycle(fixture!("push_shipments.json").as_bytes()).unwrap(),
        None
    );
}

#[test]
fn garbage_pushes_are_decode_errors() {
    for body in [
        &b"not json"[..],
        b"[]",
        b"{}",
        b"{\"scope\":\"subscription.push\",\"shipments\":{}}",
    ] {
        let err = carrier().parse_webhook(body).unwrap_err();
        assert!(matches!(err, CarrierError::Decode { .. }), "{err}");
        assert!(err.to_string().contains("DHL"));
    }
}

#[test]
fn webhooks_need_the_configured_header_token() {
    let c = carrier();
    let mut h = HeaderMap::new();
    assert!(matches!(
        c.verify_webhook(&h, b""),
        Err(CarrierError::WebhookAuth { .. })
    ));
    h.insert(
        "x-parcelgate-token",
        HeaderValue::from_static("wrong-token"),
    );
    let err = c.verify_webhook(&h, b"").unwrap_err();
    assert!(matches!(err, CarrierError::WebhookAuth { .. }));
    assert!(!err.to_string().contains("wrong-token") && !err.to_string().contains("tok-123"));
    h.insert("X-Parcelgate-Token", HeaderValue::from_static("tok-123"));
    assert!(c.verify_webhook(&h, b"").is_ok());
    let unset = DhlCarrier::new(DhlConfig::default());
    assert!(matches!(
        unset.verify_webhook(&h, b""),
        Err(CarrierError::NotConfigured { .. })
    ));
}

#[test]
fn config_defaults_and_capabilities() {
    let cfg: DhlConfig = serde_json::from_str(r#"{"api_key":"k","daily_quota":1000}"#).unwrap();
    assert_eq!(cfg.base_url, "https://api-eu.dhl.com");
    assert_eq!((cfg.timeout_secs, cfg.rate_per_second), (20, 1.0));
    assert_eq!(cfg.webhook_header, "X-Parcelgate-Token");
    assert_eq!(
        format!("{cfg:?}").matches("***").count(),
        2,
        "secrets never print"
    );
    let c = DhlCarrier::new(cfg);
    let caps = c.capabilities();
    assert_eq!(
        (caps.batch_size, caps.push),
        (1, crate::carrier::PushSupport::Webhook)
    );
    assert_eq!(caps.rate_limit.per_day, Some(1000));
    assert_eq!(c.timeout(), std::time::Duration::from_secs(20));
    assert_eq!(c.id(), crate::carrier::CarrierId::Dhl);
    assert_eq!(
        c.detect("00340434161094042557")
            .and_then(|d| d.service)
            .as_deref(),
        Some("parcel-de")
    );
}
