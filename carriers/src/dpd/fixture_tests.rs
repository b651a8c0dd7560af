//! DPD fixture tests: each wiremock fixture parsed end to end (PL times in Europe/Warsaw
//! across DST, Europe 12-hour dates), faults and malformed XML.

use super::{europe, pl};
use crate::error::CarrierError;
use crate::model::{Status, TrackingSnapshot, TzSource};

pub(super) fn fixture(name: &str) -> String {
    let p = format!(
        "{}/../wiremock-fixtures/dpd/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn pl_fixture(name: &str, number: &str) -> TrackingSnapshot {
    let events = pl::parse_events(fixture(name).as_bytes(), "getEventsForWaybillV1").unwrap();
    let mut snaps = pl::snapshots(&events.events, |_| Some(number.to_string()));
    assert_eq!(snaps.len(), 1);
    snaps.remove(0)
}

fn subs_oldest_first(s: &TrackingSnapshot) -> Vec<(String, String)> {
    let mut ev = s.events.clone();
    ev.sort_by_key(|e| e.occurred_at);
    ev.iter()
        .map(|e| (e.raw_code.clone(), e.substatus.clone()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn pickup_point_fixture() {
    let s = pl_fixture("waybill_pickup_point_delivered.xml", "1000727398456U");
    assert_eq!(s.details.service.as_deref(), Some("dpd-pl"));
    assert_eq!(
        subs_oldest_first(&s),
        pairs(&[
            ("030103", "info_received.data_registered"),
            ("040101", "in_transit.picked_up"),
            ("050101", "in_transit.sorting"),
            ("502300", "in_transit.to_pickup_point"),
            ("600101", "available_for_pickup.pickup_point"),
            ("600103", "available_for_pickup.pickup_point"),
            ("701901", "delivered.pickup_point"),
        ])
    );
    let first = s.events.iter().find(|e| e.raw_code == "030103").unwrap();
    // 2026-05-18 09:01:12.345 Warsaw (CEST) = 07:01:12 UTC, assumed zone.
    assert_eq!(
        first.occurred_at.to_rfc3339(),
        "2026-05-18T07:01:12.345+00:00"
    );
    assert_eq!(
        (first.utc_offset_seconds, first.tz_source),
        (7200, TzSource::Assumed)
    );
    let last = s.events.iter().find(|e| e.raw_code == "701901").unwrap();
    assert_eq!(last.location.text.as_deref(), Some("Pickup Żabka WAW123"));
    assert_eq!(last.location.country.as_deref(), Some("PL"));
    assert_eq!(
        last.raw_text.as_deref(),
        Some("Przesyłka odebrana w punkcie Pickup")
    );
}

#[test]
fn receiver_absent_fixture() {
    let s = pl_fixture(
        "waybill_receiver_absent_then_delivered.xml",
        "1000727398457U",
    );
    assert_eq!(
        subs_oldest_first(&s),
        pairs(&[
            ("040101", "in_transit.picked_up"),
            ("050101", "in_transit.sorting"),
            ("170101", "out_for_delivery.courier"),
            ("200201", "failed_attempt.recipient_absent"),
            ("170101", "out_for_delivery.courier"),
            ("190101", "delivered.recipient"),
        ])
    );
    let ids: std::collections::HashSet<_> = s.events.iter().map(|e| &e.event_id).collect();
    assert_eq!(
        ids.len(),
        s.events.len(),
        "the two 170101 scans are distinct events"
    );
}

#[test]
fn returned_fixture() {
    let s = pl_fixture("waybill_returned.xml", "1000727398458U");
    let subs: Vec<String> = subs_oldest_first(&s).into_iter().map(|(_, s)| s).collect();
    assert_eq!(
        subs,
        vec![
            "in_transit.picked_up",
            "out_for_delivery.courier",
            "exception.refused",
            "exception.returning_to_sender",
            "returned_to_sender.delivered_to_sender",
        ]
    );
    let events = pl::parse_events(
        fixture("waybill_returned.xml").as_bytes(),
        "getEventsForWaybillV1",
    )
    .unwrap();
    let ret = events
        .events
        .iter()
        .find(|e| e.business_code == "230403")
        .unwrap();
    assert_eq!(ret.data[0].value.as_deref(), Some("1000727399999U"));
}

#[test]
fn empty_fixture_has_no_events() {
    let e = pl::parse_events(
        fixture("waybill_empty.xml").as_bytes(),
        "getEventsForWaybillV1",
    )
    .unwrap();
    assert!(e.events.is_empty());
    assert_eq!(e.confirm_id, None);
}

#[test]
fn feed_fixture_groups_by_waybill_and_reads_dst() {
    let e = pl::parse_events(
        fixture("feed_batch.xml").as_bytes(),
        "getEventsForCustomerV4",
    )
    .unwrap();
    assert_eq!(
        e.confirm_id.as_deref(),
        Some("8f3c2a1e-5d47-4b1a-9e0c-7a9d2b6f4e11")
    );
    let snaps = pl::snapshots(&e.events, |ev| ev.waybill.clone());
    let numbers: Vec<&str> = snaps.iter().map(|s| s.tracking_number.as_str()).collect();
    assert_eq!(
        numbers,
        ["0000111122223A", "0000111122224A", "0000111122225A"]
    );
    // Parcel B was dropped off by the sender at a pickup point.
    let b = subs_oldest_first(&snaps[1]);
    assert_eq!(
        b[1],
        (
            "511201".to_string(),
            "in_transit.dropped_off_at_pickup_point".to_string()
        )
    );
    // Parcel C: 2026-10-25 (last Sunday of October) 01:30 is CEST, 03:30 is CET.
    let c = &snaps[2];
    let delivered = c.events.iter().find(|ev| ev.raw_code == "190101").unwrap();
    assert_eq!(delivered.utc_offset_seconds, 7200);
    assert_eq!(
        delivered.occurred_at.to_rfc3339(),
        "2026-10-24T23:30:00+00:00"
    );
    let unknown = c.events.iter().find(|ev| ev.raw_code == "999999").unwrap();
    assert_eq!(unknown.utc_offset_seconds, 3600);
    assert_eq!(
        unknown.occurred_at.to_rfc3339(),
        "2026-10-25T02:30:00+00:00"
    );
    assert_eq!(unknown.status, Status::Unknown);
    assert_eq!(
        unknown.raw_text.as_deref(),
        Some("Zdarzenie testowe & nieznane")
    );
}

#[test]
fn entries_without_code_or_time_are_skipped_not_fatal() {
    let body = r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>
      <ns2:getEventsForCustomerV4Response xmlns:ns2="http://events.dpdinfoservices.dpd.com.pl/">
      <return><confirmId>c-1</confirmId>
        <eventsList><objectId>1</objectId><waybill/></eventsList>
        <eventsList><businessCode>040101</businessCode><eventTime>2026-05-18T15:20:44</eventTime>
          <objectId>2</objectId><waybill>0000111122223A</waybill></eventsList>
      </return></ns2:getEventsForCustomerV4Response></S:Body></S:Envelope>"#;
    let e = pl::parse_events(body.as_bytes(), "getEventsForCustomerV4").unwrap();
    assert_eq!(e.events.len(), 1);
    assert_eq!(e.confirm_id.as_deref(), Some("c-1"));
}

#[test]
fn mark_processed_fixture() {
    assert!(pl::parse_mark_processed(fixture("mark_processed.xml").as_bytes()).unwrap());
}

#[test]
fn access_denied_fault_is_unauthorized() {
    let err = pl::parse_events(
        fixture("fault_access_denied.xml").as_bytes(),
        "getEventsForWaybillV1",
    );
    assert!(
        matches!(err, Err(CarrierError::Unauthorized { ref detail, .. }) if detail.contains("Access denied")),
        "{err:?}"
    );
}

#[test]
fn other_faults_are_rejected_with_the_fault_string() {
    let body = r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault><faultcode>S:Server</faultcode><faultstring>Waybill format invalid</faultstring></S:Fault></S:Body></S:Envelope>"#;
    let err = pl::parse_events(body.as_bytes(), "getEventsForWaybillV1");
    assert!(
        matches!(err, Err(CarrierError::Rejected { ref detail, .. }) if detail == "Waybill format invalid"),
        "{err:?}"
    );
}

#[test]
fn malformed_xml_names_the_element_and_position() {
    let body = "<S:Envelope xmlns:S=\"x\"><S:Body><ns2:getEventsForWaybillV1Response><return><eventsList><businessCode>190101</eventsList>";
    let err = pl::parse_events(body.as_bytes(), "getEventsForWaybillV1")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("businessCode") && err.contains("at byte"),
        "{err}"
    );
    let err = pl::parse_events(b"not xml at all", "getEventsForWaybillV1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("undecodable"), "{err}");
    let missing = "<S:Envelope><S:Body><return/></S:Body></S:Envelope>";
    let err = pl::parse_events(missing.as_bytes(), "getEventsForWaybillV1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("getEventsForWaybillV1Response"), "{err}");
}

#[test]
fn europe_login_fixture() {
    let token = europe::parse_login(fixture("europe_login.xml").as_bytes()).unwrap();
    assert_eq!(
        token,
        "GFadfGob14GWWgQcIldI6zYtuR7cyEHe2z6eWzb7BpFmcFvrzclRljlcV1OF"
    );
}

#[test]
fn europe_benelux_fixture() {
    let s = europe::parse_tracking(
        fixture("europe_tracking_delivered.xml").as_bytes(),
        "05308801410058",
        chrono_tz::Europe::Brussels,
    )
    .unwrap();
    assert_eq!(s.details.product.as_deref(), Some("DPD HOME"));
    let subs: Vec<String> = subs_oldest_first(&s).into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        subs,
        [
            "SHIPMENT",
            "PickedUp",
            "BetweenDepots",
            "Depot",
            "Courier",
            "DeliveryFailure",
            "ReturningFromDelivery",
            "Courier",
            "Delivered"
        ]
    );
    let between = s
        .events
        .iter()
        .find(|e| e.raw_code == "BetweenDepots")
        .unwrap();
    // 5/18/2026 7:11:26 PM in Puurs (BE), CEST → 17:11:26 UTC.
    assert_eq!(
        between.occurred_at.to_rfc3339(),
        "2026-05-18T17:11:26+00:00"
    );
    assert_eq!(between.location.text.as_deref(), Some("Puurs"));
    assert_eq!(between.location.country.as_deref(), Some("BE"));
    assert_eq!(between.tz_source, TzSource::Assumed);
    let last = s.events.iter().max_by_key(|e| e.occurred_at).unwrap();
    assert_eq!(last.substatus, "delivered.recipient");
    assert_eq!(
        last.raw_text.as_deref(),
        Some("The parcel has been delivered.")
    );
}

#[test]
fn europe_german_fixture_skips_unreached_and_reads_dst() {
    let s = europe::parse_tracking(
        fixture("europe_tracking_german.xml").as_bytes(),
        "01905002681234",
        chrono_tz::Europe::Berlin,
    )
    .unwrap();
    let codes: Vec<String> = subs_oldest_first(&s).into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        codes,
        [
            "SHIPMENT",
            "ACCEPTED",
            "AT_SENDING_DEPOT",
            "ON_THE_ROAD",
            "AT_DELIVERY_DEPOT"
        ]
    );
    let road = s
        .events
        .iter()
        .find(|e| e.raw_code == "ON_THE_ROAD")
        .unwrap();
    assert_eq!(
        (
            road.utc_offset_seconds,
            road.occurred_at.to_rfc3339().as_str()
        ),
        (7200, "2026-10-24T23:30:00+00:00")
    );
    let depot = s
        .events
        .iter()
        .find(|e| e.raw_code == "AT_DELIVERY_DEPOT")
        .unwrap();
    assert_eq!(
        (
            depot.utc_offset_seconds,
            depot.occurred_at.to_rfc3339().as_str()
        ),
        (3600, "2026-10-25T02:30:00+00:00")
    );
}

#[test]
fn europe_auth_fault_fixture_is_unauthorized() {
    let err = europe::parse_tracking(
        fixture("europe_auth_fault.xml").as_bytes(),
        "x",
        chrono_tz::Europe::Berlin,
    );
    assert!(
        matches!(err, Err(CarrierError::Unauthorized { ref detail, .. }) if detail.contains("DELICOM_ERR_AUTHENTICATION")),
        "{err:?}"
    );
}

#[test]
fn europe_dates_are_12_hour_clock() {
    let t = europe::parse_date("8/17/2021 7:11:26 PM", chrono_tz::Europe::Berlin).unwrap();
    assert_eq!(t.utc.to_rfc3339(), "2021-08-17T17:11:26+00:00");
    let t = europe::parse_date("8/17/2021 12:05:00 AM", chrono_tz::Europe::Amsterdam).unwrap();
    assert_eq!(t.utc.to_rfc3339(), "2021-08-16T22:05:00+00:00");
    assert!(europe::parse_date("yesterday", chrono_tz::Europe::Berlin).is_none());
}
