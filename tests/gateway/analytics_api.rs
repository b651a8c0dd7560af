//! `GET /v1/analytics/carriers` on every store: figures checked against a small hand-built
//! history, grouping, CSV, merchant scoping and problem+json errors.

use carriers::{CarrierId, EtaWindow, Status};
use chrono::{DateTime, TimeZone, Utc};
use parcelgate::domain::NewShipment;
use parcelgate::store::{new_id, Store, UpdateSource};
use parcelgate::tracking::ApplyUpdates;
use serde_json::Value;

use crate::common::app::{assert_problem, TestApp};
use crate::common::db::stores;
use crate::common::snapshots::one_event;

/// March 2026 (Warsaw is UTC+1, so local dates equal UTC dates at these hours).
fn t(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
}

type Step = (Status, &'static str, DateTime<Utc>, Option<u32>);

/// Registers a shipment and applies its events one by one (a carrier ETA for `day` on the
/// step that has one).
async fn ship(
    store: &dyn Store,
    merchant: &str,
    carrier: CarrierId,
    number: &str,
    created: DateTime<Utc>,
    steps: &[Step],
) {
    let new = NewShipment {
        merchant_id: merchant.into(),
        carrier: Some(carrier),
        tracking_number: number.to_string(),
        service: Some("classic".into()),
        origin_country: Some("PL".into()),
        destination_country: Some("PL".into()),
        destination_postal_code: Some("30-001".into()),
        ..Default::default()
    };
    let (s, _) = store
        .register_shipment(&new, &new_id("tok"), created)
        .await
        .unwrap();
    for (status, sub, at, eta_day) in steps {
        let mut sn = one_event(carrier, number, *status, sub, *at);
        sn.eta = eta_day.map(|d| EtaWindow {
            from: t(d, 7),
            to: t(d, 17),
        });
        store
            .apply_snapshot(&s.id, &sn, UpdateSource::Poll, *at)
            .await
            .unwrap();
    }
}

/// The hand-built history: three DPD shipments and one InPost in March, one InPost in April,
/// and one DPD shipment of another merchant.
async fn history(store: &dyn Store, merchant: &str, other: &str) {
    use Status::*;
    let dpd = CarrierId::Dpd;
    // A: scanned Mon 2 Mar 15:00, delivered Wed 4 Mar 11:00 (44 h, 2 wd); carrier said Tue: late by 1.
    ship(
        store,
        merchant,
        dpd,
        "DPDA0001",
        t(2, 8),
        &[
            (InTransit, "in_transit.picked_up", t(2, 15), Some(3)),
            (Delivered, "delivered.recipient", t(4, 11), None),
        ],
    )
    .await;
    // B: scanned 16:00, failed attempt Tue, delivered Wed 10:00 (42 h, 2 wd); carrier said Wed.
    ship(
        store,
        merchant,
        dpd,
        "DPDB0002",
        t(2, 9),
        &[
            (InTransit, "in_transit.picked_up", t(2, 16), Some(4)),
            (OutForDelivery, "out_for_delivery.courier", t(3, 7), None),
            (
                FailedAttempt,
                "failed_attempt.recipient_absent",
                t(3, 10),
                None,
            ),
            (Delivered, "delivered.recipient", t(4, 10), None),
        ],
    )
    .await;
    // C: refused and returned; no ETA ever (too little history to predict).
    ship(
        store,
        merchant,
        dpd,
        "DPDC0003",
        t(3, 8),
        &[
            (InTransit, "in_transit.picked_up", t(3, 12), None),
            (Exception, "exception.refused", t(5, 12), None),
            (
                ReturnedToSender,
                "returned_to_sender.returned",
                t(10, 12),
                None,
            ),
        ],
    )
    .await;
    // D: locker; scanned 12:00, ready Tue 09:00 (ETA today..+2 wd shown), collected 12:00.
    ship(
        store,
        merchant,
        CarrierId::Inpost,
        "INPD0004",
        t(2, 10),
        &[
            (InTransit, "in_transit.picked_up", t(2, 12), None),
            (
                AvailableForPickup,
                "available_for_pickup.locker",
                t(3, 9),
                None,
            ),
            (Delivered, "delivered.pickup_point", t(3, 12), None),
        ],
    )
    .await;
    // Outside the range, and another merchant's: never counted.
    ship(
        store,
        merchant,
        CarrierId::Inpost,
        "INPE0005",
        t(31, 23) + chrono::Duration::days(5),
        &[(
            InTransit,
            "in_transit.picked_up",
            t(31, 23) + chrono::Duration::days(6),
            None,
        )],
    )
    .await;
    ship(
        store,
        other,
        dpd,
        "DPDF0006",
        t(2, 8),
        &[(InTransit, "in_transit.picked_up", t(2, 15), None)],
    )
    .await;
}

fn row<'a>(report: &'a Value, carrier: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["carrier"] == carrier)
        .unwrap_or_else(|| panic!("no {carrier} row in {report:#}"))
}

#[tokio::test]
async fn the_carrier_report_matches_a_hand_built_history() {
    for db in stores().await {
        let n = db.name;
        let app = TestApp::start_with(db, |_| {}).await;
        let store = app.state().store.clone();
        let other = store.create_merchant("Other", t(1, 0)).await.unwrap();
        history(&*store, &app.merchant_id, &other.id).await;

        let r = app
            .get("/v1/analytics/carriers?from=2026-03-01&to=2026-03-31")
            .await;
        assert_eq!(r.status(), 200, "[{n}]");
        let report: Value = r.json().await.unwrap();
        assert_eq!(report["group_by"], "carrier", "[{n}]");
        assert_eq!(
            report["rows"].as_array().unwrap().len(),
            2,
            "[{n}] {report:#}"
        );
        let dpd = row(&report, "dpd");
        for (k, v) in [
            ("shipments", 3.0),
            ("delivered", 2.0),
            ("transit_hours_p50", 42.0),
            ("transit_hours_p90", 44.0),
            ("transit_working_days_p50", 2.0),
            ("transit_working_days_p90", 2.0),
            ("time_to_first_scan_hours_p50", 7.0),
            ("time_to_first_scan_hours_avg", 6.0),
            ("on_time_rate", 0.5),
            ("first_attempt_rate", 0.5),
            ("exception_rate", 0.3333),
            ("return_rate", 0.3333),
            ("eta_accuracy", 0.5),
            ("eta_mae_days", 0.5),
            ("eta_bias_days", 0.5),
            ("with_eta", 2.0),
        ] {
            assert_figure(dpd, k, v, &format!("[{n}] dpd {k}: {dpd:#}"));
        }
        let inpost = row(&report, "inpost");
        for (k, v) in [
            ("shipments", 1.0),
            ("delivered", 1.0),
            ("transit_hours_p50", 24.0),
            ("transit_working_days_p50", 1.0),
            ("time_to_first_scan_hours_p50", 2.0),
            ("first_attempt_rate", 1.0),
            ("exception_rate", 0.0),
            ("on_time_rate", 1.0),
            ("eta_accuracy", 1.0),
        ] {
            assert_figure(inpost, k, v, &format!("[{n}] inpost {k}: {inpost:#}"));
        }

        // Grouped by lane and by week.
        let lanes: Value = app
            .get("/v1/analytics/carriers?from=2026-03-01&to=2026-03-31&group_by=lane")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(row(&lanes, "dpd")["group"], "PL-PL-30", "[{n}]");
        let weeks: Value = app
            .get("/v1/analytics/carriers?from=2026-03-01&to=2026-03-31&group_by=week")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(row(&weeks, "dpd")["group"], "2026-W10", "[{n}] {weeks:#}");

        // CSV through Accept.
        let r = app
            .http
            .get(format!(
                "{}/v1/analytics/carriers?from=2026-03-01&to=2026-03-31",
                app.base
            ))
            .bearer_auth(&app.key)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv"),
            "[{n}]"
        );
        let csv = r.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3, "[{n}] {csv}");
        assert!(
            lines[0].starts_with("carrier,group,shipments,delivered,transit_hours_p50"),
            "[{n}]"
        );
        // 42 h and 44 h transit as their buckets' middles (2496–2559 and 2624–2687 minutes).
        assert!(
            lines[1].starts_with("dpd,,3,2,42.1,44.3,2,2,7,6,0.5,0.5,0.3333,0.3333,0.5,0.5,0.5,2"),
            "[{n}] {csv}"
        );

        // The other merchant sees only its own shipment.
        let other_key = app.another_merchant("Third").await;
        let empty: Value = app
            .get_as(
                &other_key,
                "/v1/analytics/carriers?from=2026-03-01&to=2026-03-31",
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(empty["rows"].as_array().unwrap().len(), 0, "[{n}]");
    }
}

#[tokio::test]
async fn bad_parameters_are_problems_naming_the_parameter() {
    let app = TestApp::start().await;
    for (query, field) in [
        ("group_by=day", "group_by"),
        ("from=yesterday", "from"),
        ("from=2026-03-10&to=2026-03-01", "from"),
        ("from=2020-01-01&to=2026-03-01", "to"),
        ("format=xml", "format"),
        ("colour=red", "colour"),
    ] {
        let p = assert_problem(
            app.get(&format!("/v1/analytics/carriers?{query}")).await,
            422,
        )
        .await;
        assert_eq!(p["field"], field, "{query}: {p}");
    }
    let r = app
        .http
        .get(format!("{}/v1/analytics/carriers", app.base))
        .send()
        .await
        .unwrap();
    assert_problem(r, 401).await;
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/v1/analytics/carriers"]["get"].is_object());
}

/// A report figure: exact, except hour percentiles, which the report computes on
/// relative-error buckets (within x/64 + 0.05 h of the exact x, see `analytics::report`).
fn assert_figure(row: &Value, key: &str, exact: f64, msg: &str) {
    let got = row[key].as_f64();
    let bucketed = key.contains("hours") && (key.ends_with("_p50") || key.ends_with("_p90"));
    if bucketed {
        let got = got.unwrap_or(f64::NAN);
        assert!((got - exact).abs() <= exact / 64.0 + 0.05 + 1e-9, "{msg}");
    } else {
        assert_eq!(got, Some(exact), "{msg}");
    }
}
