//! Analytics benchmark: writes N synthetic shipments (default 1,000,000, all delivered or
//! finished within one quarter, for one merchant) into a PostgreSQL database with the history
//! generator's bulk path (facts and report rollups), then times the carrier report over that
//! quarter for every grouping (and over an unaligned range, which reads raw facts at its
//! edges), and the ETA lookup `apply_snapshot` makes on the hot path. Run by
//! `scripts/bench-analytics.sh`; prints a small report.
//!
//! Environment: `BENCH_DATABASE_URL` (a database this benchmark may fill; required),
//! `BENCH_SHIPMENTS` (default 1000000), `BENCH_RUNS` (timed runs per grouping, default 5).
//! When the database already holds the benchmark merchant's rows, generation is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration as StdDuration, Instant};

use carriers::time::LocalTime;
use carriers::{CarrierId, Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource};
use chrono::{Duration, TimeZone, Utc};
use parcelgate::analytics::{carrier_report, GroupBy, Range};
use parcelgate::domain::NewShipment;
use parcelgate::history::{import_bulk, Options};
use parcelgate::store::postgres::PgStore;
use parcelgate::store::{new_id, MerchantStore, Store, UpdateSource};
use parcelgate::tracking::ApplyUpdates;
use sqlx::{Connection, PgConnection, Row};

const MERCHANT: &str = "Analytics benchmark";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn stats(mut samples: Vec<StdDuration>) -> String {
    samples.sort();
    let ms = |d: StdDuration| d.as_secs_f64() * 1000.0;
    format!(
        "min {:7.1} ms  median {:7.1} ms  max {:7.1} ms",
        ms(samples[0]),
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() - 1])
    )
}

#[tokio::main]
async fn main() {
    let url = std::env::var("BENCH_DATABASE_URL")
        .expect("set BENCH_DATABASE_URL to a PostgreSQL database the benchmark may fill");
    let n: usize = env_or("BENCH_SHIPMENTS", 1_000_000);
    let runs: usize = env_or("BENCH_RUNS", 5).max(1);
    let store = PgStore::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let mut conn = PgConnection::connect(&url).await.expect("connect");

    // The quarter: Q1 2026. Registrations over its first 80 days, so (almost) every parcel
    // is delivered or returned inside it.
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let quarter = Range {
        from: start,
        to: Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap(),
    };
    let existing = sqlx::query("SELECT id FROM merchants WHERE name = $1")
        .bind(MERCHANT)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
    let merchant_id: parcelgate::domain::MerchantId = match existing {
        Some(row) => row.get::<String, _>("id").into(),
        None => store.create_merchant(MERCHANT, start).await.unwrap().id,
    };
    let have: i64 = sqlx::query("SELECT COUNT(*) FROM shipment_facts WHERE merchant_id = $1")
        .bind(&merchant_id)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    if (have as usize) < n {
        sqlx::query("DELETE FROM shipments WHERE merchant_id = $1")
            .bind(&merchant_id)
            .execute(&mut conn)
            .await
            .unwrap();
        let opts = Options {
            shipments: n,
            merchant_id: merchant_id.to_string(),
            start,
            days: 80,
            until: quarter.to + Duration::days(30),
            seed: 2026,
        };
        let began = Instant::now();
        let summary = import_bulk(&store, &opts, 5000, |k| {
            if k % 100_000 == 0 {
                eprintln!(
                    "  {k} shipments written ({:.0} s)",
                    began.elapsed().as_secs_f64()
                );
            }
        })
        .await
        .unwrap();
        println!(
            "generated {} shipments ({} delivered) in {:.1} s",
            summary.shipments,
            summary.delivered,
            began.elapsed().as_secs_f64()
        );
        // VACUUM refuses multi-statement strings (an implicit transaction): one at a time.
        for sql in [
            "VACUUM ANALYZE shipments",
            "VACUUM ANALYZE shipment_facts",
            "VACUUM ANALYZE lane_transit",
            "VACUUM ANALYZE report_days",
            "VACUUM ANALYZE report_hist",
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
    let facts: (i64, i64) = {
        let r = sqlx::query(
            "SELECT COUNT(*), COUNT(delivered_at) FROM shipment_facts WHERE merchant_id = $1",
        )
        .bind(&merchant_id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        (r.get(0), r.get(1))
    };
    println!(
        "database: {} shipments of the benchmark merchant, {} delivered",
        facts.0, facts.1
    );
    // What the report reads instead of one row per shipment.
    let days: i64 = sqlx::query("SELECT COUNT(*) FROM report_days WHERE merchant_id = $1")
        .bind(&merchant_id)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    let hist = sqlx::query(
        "SELECT dim, COUNT(*) FROM report_hist WHERE merchant_id = $1 GROUP BY dim ORDER BY dim",
    )
    .bind(&merchant_id)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let hist: Vec<String> = hist
        .iter()
        .map(|r| format!("{}={}", r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect();
    println!(
        "rollups: report_days {days} rows; report_hist rows by dimension (l lane, s service, \
         w week) {}",
        hist.join(" ")
    );

    // The quarter is aligned to the rollups' grain (all rollup rows); the second range cuts
    // a day and a month at each end (whole periods minus or plus raw facts there).
    let unaligned = Range {
        from: Utc.with_ymd_and_hms(2026, 1, 7, 13, 37, 0).unwrap(),
        to: Utc.with_ymd_and_hms(2026, 3, 2, 5, 11, 0).unwrap(),
    };
    for (label, range) in [("quarter", quarter), ("unaligned", unaligned)] {
        for group_by in [
            GroupBy::Carrier,
            GroupBy::Service,
            GroupBy::Lane,
            GroupBy::Week,
        ] {
            let report = carrier_report(&store, &merchant_id, range, group_by)
                .await
                .unwrap(); // warm-up
            let mut samples = Vec::new();
            for _ in 0..runs {
                let t = Instant::now();
                let r = carrier_report(&store, &merchant_id, range, group_by)
                    .await
                    .unwrap();
                samples.push(t.elapsed());
                assert_eq!(r.rows.len(), report.rows.len());
            }
            let covered: i64 = report.rows.iter().map(|r| r.shipments).sum();
            println!(
                "{label:<9} report group_by={:<8} {:>5} rows over {covered} shipments: {}",
                group_by.as_str(),
                report.rows.len(),
                stats(samples)
            );
        }
    }
    if let Some(r) = carrier_report(&store, &merchant_id, quarter, GroupBy::Carrier)
        .await
        .unwrap()
        .rows
        .first()
    {
        println!("sample row: {}", serde_json::to_string(r).unwrap());
    }

    // The hot path: one apply that needs the lane history (a parcel without carrier ETA).
    let mut samples = Vec::new();
    for i in 0..runs * 4 {
        let number = format!("BENCHETA{:08}", rand_suffix(i));
        let new = NewShipment {
            merchant_id: merchant_id.clone(),
            carrier: Some(CarrierId::Dpd),
            tracking_number: number.clone(),
            service: Some("classic".into()),
            origin_country: Some("PL".into()),
            destination_country: Some("PL".into()),
            destination_postal_code: Some("30-001".into()),
            ..Default::default()
        };
        let at = quarter.to + Duration::days(1);
        let (s, _) = store
            .register_shipment(&new, &new_id("tok"), at)
            .await
            .unwrap();
        let mut snap = TrackingSnapshot::new(CarrierId::Dpd, &number);
        snap.events.push(TrackingEvent::new(
            CarrierId::Dpd,
            &number,
            Mapped::new(Status::InTransit, "in_transit.picked_up"),
            "bench",
            None,
            LocalTime {
                utc: at,
                offset_seconds: 3600,
                source: TzSource::Carrier,
            },
            Location::default(),
        ));
        let t = Instant::now();
        store
            .apply_snapshot(&s.id, &snap, UpdateSource::Poll, at)
            .await
            .unwrap();
        samples.push(t.elapsed());
        let eta = store
            .shipment_by_id(&s.id)
            .await
            .unwrap()
            .and_then(|s| s.eta);
        assert!(eta.is_some(), "predicted from the benchmark history");
        store.delete_shipment(&merchant_id, &s.id).await.unwrap();
    }
    println!(
        "apply_snapshot with ETA prediction (lane history lookup): {}",
        stats(samples)
    );
}

fn rand_suffix(i: usize) -> u64 {
    (std::process::id() as u64) * 1000 + i as u64
}
