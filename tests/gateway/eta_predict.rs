//! Predicted ETAs on every store: a shipment without a carrier ETA gets a window from the
//! generated history of its lane, re-predicted to today when it goes out for delivery, with
//! the first one kept as `original`; the generator's two writers agree.

use carriers::{CarrierId, Status};
use chrono::{DateTime, Duration, TimeZone, Utc};
use parcelgate::analytics::{carrier_report, GroupBy, Range};
use parcelgate::domain::{EtaSource, NewShipment};
use parcelgate::engine::working_days::{end_of_day, local_date, start_of_day, zone_for};
use parcelgate::history::{import_bulk, write_through_store, Options};
use parcelgate::store::{new_id, UpdateSource};
use parcelgate::tracking::ApplyUpdates;

use crate::common::db::{sqlite_store, stores};
use crate::common::snapshots::one_event;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 12, 0, 0, 0).unwrap()
}

fn options(merchant: &str, shipments: usize) -> Options {
    Options {
        shipments,
        merchant_id: merchant.to_string(),
        start: start(),
        days: 30,
        until: start() + Duration::days(45),
        seed: 42,
    }
}

#[tokio::test]
async fn a_shipment_without_carrier_eta_is_predicted_from_history_then_today() {
    for s in stores().await {
        let n = s.name;
        let m = s.create_merchant("History", start()).await.unwrap();
        let summary = write_through_store(&*s.store, &options(&m.id, 200))
            .await
            .unwrap();
        assert_eq!(summary.shipments, 200, "[{n}]");
        assert!(summary.delivered > 150, "[{n}] {summary:?}");

        // A new DPD parcel PL → PL (Kraków), no ETA from DPD, scanned Wed 4 Mar 2026 16:00.
        let new = NewShipment {
            merchant_id: m.id.clone(),
            carrier: Some(CarrierId::Dpd),
            tracking_number: "DPDNEW000001".into(),
            service: Some("classic".into()),
            origin_country: Some("PL".into()),
            destination_country: Some("PL".into()),
            destination_postal_code: Some("30-001".into()),
            ..Default::default()
        };
        let scanned = Utc.with_ymd_and_hms(2026, 3, 4, 15, 0, 0).unwrap();
        let (sh, _) = s
            .register_shipment(&new, &new_id("tok"), scanned)
            .await
            .unwrap();
        let out = s
            .apply_snapshot(
                &sh.id,
                &one_event(
                    CarrierId::Dpd,
                    "DPDNEW000001",
                    Status::InTransit,
                    "in_transit.picked_up",
                    scanned,
                ),
                UpdateSource::Poll,
                scanned,
            )
            .await
            .unwrap();
        assert!(out.eta_changed, "[{n}]");
        let now = s.shipment_by_id(&sh.id).await.unwrap().unwrap();
        let eta = now.eta.expect("a predicted ETA");
        let tz = zone_for(Some("PL"));
        assert_eq!(eta.source, EtaSource::Predicted, "[{n}]");
        let conf = eta.confidence.unwrap();
        assert!(conf > 0.3 && conf <= 1.0, "[{n}] {eta:?}");
        // DPD classic PL→PL takes 1–2 working days: Thursday to Friday.
        assert_eq!(
            local_date(eta.from, tz),
            chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
            "[{n}] {eta:?}"
        );
        assert!(
            local_date(eta.to, tz) <= chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
            "[{n}] {eta:?}"
        );
        assert_eq!(now.original_eta, Some(eta), "[{n}]");

        // Out for delivery on Monday 9 Mar: today.
        let ofd = Utc.with_ymd_and_hms(2026, 3, 9, 7, 0, 0).unwrap();
        let out = s
            .apply_snapshot(
                &sh.id,
                &one_event(
                    CarrierId::Dpd,
                    "DPDNEW000001",
                    Status::OutForDelivery,
                    "out_for_delivery.courier",
                    ofd,
                ),
                UpdateSource::Poll,
                ofd,
            )
            .await
            .unwrap();
        assert!(out.eta_changed, "[{n}]");
        let now = s.shipment_by_id(&sh.id).await.unwrap().unwrap();
        let today = local_date(ofd, tz);
        let shown = now.eta.unwrap();
        assert_eq!(
            (shown.from, shown.to),
            (start_of_day(today, tz), end_of_day(today, tz)),
            "[{n}]"
        );
        assert_eq!(now.original_eta, Some(eta), "[{n}] the first ETA is kept");

        // Delivered: no ETA, facts written with the original for on-time statistics.
        let done = ofd + Duration::hours(4);
        s.apply_snapshot(
            &sh.id,
            &one_event(
                CarrierId::Dpd,
                "DPDNEW000001",
                Status::Delivered,
                "delivered.recipient",
                done,
            ),
            UpdateSource::Poll,
            done,
        )
        .await
        .unwrap();
        let facts = s.shipment_facts(&sh.id).await.unwrap().expect("facts row");
        assert_eq!(facts.delivered_at, Some(done), "[{n}]");
        assert_eq!(facts.eta_source, Some(EtaSource::Predicted), "[{n}]");
        assert_eq!(
            facts.on_time,
            Some(done <= eta.to),
            "[{n}] against the original window"
        );
        assert_eq!(facts.transit_wd, Some(3), "[{n}]");
    }
}

#[tokio::test]
async fn bulk_import_writes_the_same_facts_as_the_store_path() {
    let s = sqlite_store().await;
    let a = s
        .create_merchant("Through the store", start())
        .await
        .unwrap();
    let b = s.create_merchant("Bulk", start()).await.unwrap();
    write_through_store(&*s.store, &options(&a.id, 80))
        .await
        .unwrap();
    let mut batches = 0;
    let summary = import_bulk(&*s.store, &options(&b.id, 80), 30, |_| batches += 1)
        .await
        .unwrap();
    assert_eq!((summary.shipments, batches), (80, 3));
    let range = Range {
        from: start(),
        to: start() + Duration::days(60),
    };
    for g in [GroupBy::Carrier, GroupBy::Lane] {
        let mut one = carrier_report(&*s.store, &a.id, range, g)
            .await
            .unwrap()
            .rows;
        let mut two = carrier_report(&*s.store, &b.id, range, g)
            .await
            .unwrap()
            .rows;
        assert!(!one.is_empty());
        // Everything but the ETA figures (the store path may show an ETA earlier or later
        // than the bulk path's first-update prediction).
        for r in one.iter_mut().chain(two.iter_mut()) {
            (
                r.on_time_rate,
                r.eta_accuracy,
                r.eta_mae_days,
                r.eta_bias_days,
                r.with_eta,
            ) = (None, None, None, None, 0);
        }
        assert_eq!(one, two, "{g:?}");
    }
    // The backtest replays the history and predicts most deliveries.
    let rows = parcelgate::analytics::backtest::backtest(
        &*s.store,
        start() + Duration::days(10),
        start() + Duration::days(40),
    )
    .await
    .unwrap();
    let total: u64 = rows.iter().map(|r| r.evaluated).sum();
    let predicted: u64 = rows.iter().map(|r| r.predicted.shipments).sum();
    assert!(total > 50 && predicted * 10 >= total * 8, "{rows:?}");
    assert!(rows.iter().any(|r| r.carrier_eta.shipments > 0), "{rows:?}");
}
