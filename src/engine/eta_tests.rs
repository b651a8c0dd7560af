//! Unit tests of the ETA engine: windows, confidence, fallbacks, status rules.

use chrono::TimeZone;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn hist(counts: &[(u32, u64)]) -> Histogram {
    let mut h = Histogram::default();
    for (wd, n) in counts {
        h.add(*wd, *n);
    }
    h
}

fn lane_only(h: Histogram) -> LaneHistory {
    LaneHistory {
        levels: vec![(Scope::Lane, h), (Scope::Carrier, Histogram::default())],
    }
}

fn shipment() -> Shipment {
    Shipment::for_tests()
}

#[test]
fn window_is_the_20th_to_80th_percentile_in_working_days() {
    // 100 deliveries: 10 took 1 wd, 60 took 2, 20 took 3, 10 took 5.
    let h = lane_only(hist(&[(1, 10), (2, 60), (3, 20), (5, 10)]));
    let cal = Calendar::for_lane(Some("PL"), Some("PL"));
    // Scanned Thursday 30 Apr 2026: 1 May (Fri) and 3 May (Sun) are holidays.
    let p = predict(&h, &cal, Some(d(2026, 4, 30)), d(2026, 4, 30)).unwrap();
    assert_eq!((p.from, p.to), (d(2026, 5, 5), d(2026, 5, 6)), "{p:?}");
    assert_eq!(p.median, d(2026, 5, 5));
    assert_eq!((p.scope, p.samples), (Scope::Lane, 100));
    // 80 of 100 inside the window, n/(n+20) = 0.833 → 0.67.
    assert_eq!(p.confidence, 0.67);
}

#[test]
fn confidence_grows_with_the_sample() {
    let cal = Calendar::weekends_only();
    let small = predict(
        &lane_only(hist(&[(1, 5), (2, 20)])),
        &cal,
        None,
        d(2026, 1, 5),
    )
    .unwrap();
    let big = predict(
        &lane_only(hist(&[(1, 50), (2, 200)])),
        &cal,
        None,
        d(2026, 1, 5),
    )
    .unwrap();
    assert!(small.confidence < big.confidence, "{small:?} {big:?}");
    assert!(big.confidence <= 1.0);
}

#[test]
fn thin_lanes_fall_back_to_wider_scopes() {
    let history = LaneHistory {
        levels: vec![
            (Scope::Lane, hist(&[(1, 3)])),
            (Scope::Service, hist(&[(1, 10)])),
            (Scope::Route, hist(&[(2, 40)])),
            (Scope::Carrier, hist(&[(3, 1000)])),
        ],
    };
    let cal = Calendar::weekends_only();
    let p = predict(&history, &cal, Some(d(2026, 1, 5)), d(2026, 1, 5)).unwrap();
    assert_eq!((p.scope, p.from), (Scope::Route, d(2026, 1, 7)));
    // Nothing reaches MIN_SAMPLES: the richest scope above the fallback minimum.
    let thin = LaneHistory {
        levels: vec![
            (Scope::Lane, hist(&[(1, 6)])),
            (Scope::Carrier, hist(&[(2, 9)])),
        ],
    };
    assert_eq!(
        predict(&thin, &cal, None, d(2026, 1, 5)).unwrap().scope,
        Scope::Carrier
    );
    let none = LaneHistory {
        levels: vec![(Scope::Lane, hist(&[(1, 4)]))],
    };
    assert_eq!(predict(&none, &cal, None, d(2026, 1, 5)), None);
}

#[test]
fn a_late_parcel_is_predicted_from_the_slower_deliveries() {
    let h = lane_only(hist(&[(1, 50), (2, 30), (3, 15), (4, 5)]));
    let cal = Calendar::weekends_only();
    // Scanned Mon 5 Jan 2026, still moving on Wed 7 Jan (2 wd elapsed): only 2+ wd count.
    let p = predict(&h, &cal, Some(d(2026, 1, 5)), d(2026, 1, 7)).unwrap();
    assert_eq!((p.from, p.to), (d(2026, 1, 7), d(2026, 1, 8)), "{p:?}");
    // Later than anything seen: from the next working day on, with low confidence.
    let p = predict(&h, &cal, Some(d(2026, 1, 5)), d(2026, 1, 12)).unwrap();
    assert_eq!((p.from, p.confidence), (d(2026, 1, 13), 0.1));
}

#[test]
fn lane_keys_and_scopes() {
    let s = shipment();
    let key = LaneKey::of(&s, &ShipmentDetails::default());
    assert_eq!(key.lane(), "PL-PL-30");
    assert_eq!(key.scopes()[0].1, "dpd|classic|PL|PL|30");
    assert_eq!(key.scopes()[3].1, "dpd|*");
    assert_eq!(postal_prefix(Some("D-10115")), "10");
    assert_eq!(postal_prefix(None), "");
    let mut idx = HistoryIndex::default();
    for _ in 0..3 {
        idx.record(&key, 2);
    }
    let h = idx.history(&key);
    assert_eq!(h.levels.len(), 4);
    assert!(h.levels.iter().all(|(_, h)| h.total() == 3));
}

fn input<'a>(
    before: &'a Shipment,
    status: Status,
    history: &'a LaneHistory,
    now: DateTime<Utc>,
) -> EtaInput<'a> {
    EtaInput {
        before,
        details: &before.details,
        carrier_eta: None,
        status,
        timeline: &[],
        history,
        now,
    }
}

#[test]
fn status_rules_and_carrier_precedence() {
    let s = shipment();
    let empty = LaneHistory::default();
    let now = Utc.with_ymd_and_hms(2026, 1, 8, 7, 30, 0).unwrap(); // Thu 08:30 Warsaw
    let tz = zone_for(Some("PL"));
    let ofd = shown_eta(input(&s, Status::OutForDelivery, &empty, now)).unwrap();
    assert_eq!(ofd.from, start_of_day(d(2026, 1, 8), tz));
    assert_eq!(ofd.to, end_of_day(d(2026, 1, 8), tz));
    assert_eq!(
        (ofd.source, ofd.confidence),
        (EtaSource::Predicted, Some(0.9))
    );
    let failed = shown_eta(input(&s, Status::FailedAttempt, &empty, now)).unwrap();
    assert_eq!(failed.from, start_of_day(d(2026, 1, 9), tz));
    assert_eq!(shown_eta(input(&s, Status::Delivered, &empty, now)), None);
    // No history and no earlier prediction: nothing to show.
    assert_eq!(shown_eta(input(&s, Status::InTransit, &empty, now)), None);
    let w = EtaWindow { from: now, to: now };
    let mut with_carrier = input(&s, Status::OutForDelivery, &empty, now);
    with_carrier.carrier_eta = Some(w);
    assert_eq!(shown_eta(with_carrier), Some(Eta::from_carrier(w)));
}

#[test]
fn same_dates_keep_the_previous_eta() {
    let mut s = shipment();
    let now = Utc.with_ymd_and_hms(2026, 1, 8, 7, 30, 0).unwrap();
    let h = lane_only(hist(&[(1, 30), (2, 30)]));
    let first = shown_eta(input(&s, Status::InTransit, &h, now)).unwrap();
    s.eta = Some(first);
    let more = lane_only(hist(&[(1, 300), (2, 300)]));
    let again = shown_eta(input(&s, Status::InTransit, &more, now)).unwrap();
    assert_eq!(
        again, first,
        "confidence drift alone does not change the ETA"
    );
}
