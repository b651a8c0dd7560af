//! Store contract for the carrier report's rollups (issue 7): on every backend, after a bulk
//! history import, a history written through the store, further carrier updates (new
//! deliveries, delivered parcels coming back as returned, parcels delivered after the
//! import) and deletions, the rollup-backed report equals the report computed from the raw
//! facts (`analytics::exact`) — counters and working days exactly, hour percentiles within
//! the bound documented in `analytics::report` — for every grouping, on aligned and
//! unaligned ranges.

use carriers::Status;
use chrono::{DateTime, Duration, TimeZone, Utc};
use parcelgate::analytics::exact::exact_report;
use parcelgate::analytics::{carrier_report, CarrierReport, GroupBy, Range};
use parcelgate::history::{creation_times, import_bulk, synthesize, write_through_store, Options};
use parcelgate::store::{Store, UpdateSource};
use parcelgate::tracking::ApplyUpdates;
use sqlx::{Connection, PgConnection, SqliteConnection};

use crate::common::db::{stores, TestStore};
use crate::common::snapshots::one_event;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap()
}

fn options(merchant: &str, shipments: usize, seed: u64, until_days: i64) -> Options {
    Options {
        shipments,
        merchant_id: merchant.to_string(),
        start: start(),
        days: 75,
        until: start() + Duration::days(until_days),
        seed,
    }
}

/// Applies the carrier updates the store-written history had not reached by its cut-off.
async fn apply_later_steps(store: &dyn Store, early: &Options, late: &Options) -> usize {
    let mut steps = Vec::new();
    for (i, t) in creation_times(late).into_iter().enumerate() {
        let s = synthesize(late, i, t);
        for (at, snap) in s.steps.into_iter().filter(|(at, _)| *at > early.until) {
            steps.push((at, i, snap));
        }
    }
    steps.sort_by_key(|(at, i, _)| (*at, *i));
    let mut applied = 0;
    for (at, _, snap) in steps {
        let ids = store
            .shipment_ids_for_number(snap.carrier, &snap.tracking_number)
            .await
            .unwrap();
        let id = ids.first().expect("registered by write_through_store");
        store
            .apply_snapshot(id, &snap, UpdateSource::Poll, at)
            .await
            .unwrap();
        applied += 1;
    }
    applied
}

/// Asserts the rollup-backed report equals the exact one within the documented error.
fn assert_close(name: &str, what: &str, rollup: &CarrierReport, exact: &CarrierReport) {
    assert_eq!(rollup.rows.len(), exact.rows.len(), "[{name}] {what}: rows");
    // |reported − x| ≤ x/64 + 0.05 h for the exact percentile x; the exact report rounds x
    // to 0.1 h itself, hence the extra 0.05 h (and a hair for floating point).
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= (b + 0.05) / 64.0 + 0.1 + 1e-9,
        (a, b) => a == b,
    };
    for (r, e) in rollup.rows.iter().zip(&exact.rows) {
        let hours = [
            (r.transit_hours_p50, e.transit_hours_p50),
            (r.transit_hours_p90, e.transit_hours_p90),
            (
                r.time_to_first_scan_hours_p50,
                e.time_to_first_scan_hours_p50,
            ),
        ];
        for (a, b) in hours {
            assert!(
                close(a, b),
                "[{name}] {what}: {a:?} vs exact {b:?}\n{r:?}\n{e:?}"
            );
        }
        let mut r = r.clone();
        r.transit_hours_p50 = e.transit_hours_p50;
        r.transit_hours_p90 = e.transit_hours_p90;
        r.time_to_first_scan_hours_p50 = e.time_to_first_scan_hours_p50;
        assert_eq!(&r, e, "[{name}] {what}");
    }
}

/// Both rollups as text rows (zero rows left by subtractions skipped), in key order.
const ROLLUP_ROWS: &str = "SELECT merchant_id || '|' || day || '|' || carrier || '|' || service \
    || '|' || lane || '|' || week || '|' || shipments || '|' || delivered || '|' || first_attempt \
    || '|' || exceptions || '|' || returned || '|' || with_eta || '|' || on_time || '|' \
    || in_window || '|' || abs_err || '|' || err || '|' || scanned || '|' || fsm AS r \
    FROM report_days WHERE shipments <> 0 \
    UNION ALL SELECT merchant_id || '|' || dim || '|' || month || '|' || carrier || '|' || grp \
    || '|' || metric || '|' || bucket || '|' || n FROM report_hist WHERE n <> 0 ORDER BY 1";

/// Empties the rollups and runs the migration's backfill (everything after its marker) over
/// the stored facts: what an existing database gets when it upgrades.
fn backfill_sql(backend: &str) -> String {
    let path = format!(
        "{}/migrations/{backend}/0007_report_rollup.sql",
        env!("CARGO_MANIFEST_DIR")
    );
    let migration = std::fs::read_to_string(path).unwrap();
    let (_, backfill) = migration
        .split_once("-- Backfill from the facts already stored.")
        .expect("backfill marker");
    format!("DELETE FROM report_days; DELETE FROM report_hist; {backfill}")
}

/// The rollup rows as maintained, then as the migration's backfill rebuilds them.
async fn maintained_and_backfilled(s: &TestStore) -> (Vec<String>, Vec<String>) {
    let sql = backfill_sql(s.name);
    macro_rules! run {
        ($conn:expr) => {{
            let mut conn = $conn;
            let kept: Vec<String> = sqlx::query_scalar(ROLLUP_ROWS)
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let mut tx = conn.begin().await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await
                .unwrap();
            let rebuilt: Vec<String> = sqlx::query_scalar(ROLLUP_ROWS)
                .fetch_all(&mut *tx)
                .await
                .unwrap();
            tx.rollback().await.unwrap();
            (kept, rebuilt)
        }};
    }
    if s.name == "sqlite" {
        run!(SqliteConnection::connect(&s.url).await.unwrap())
    } else {
        run!(PgConnection::connect(&s.url).await.unwrap())
    }
}

#[tokio::test]
async fn the_rollup_backed_report_equals_the_raw_facts_report() {
    for s in stores().await {
        let n = s.name;
        let m = s.create_merchant("Rollups", start()).await.unwrap();
        let bulk = options(&m.id, 500, 7, 60);
        import_bulk(&*s.store, &bulk, 120, |_| {}).await.unwrap();
        let early = options(&m.id, 90, 8, 50);
        write_through_store(&*s.store, &early).await.unwrap();
        let everything =
            |from: DateTime<Utc>| (from - Duration::days(1), from + Duration::days(400));
        let (lo, hi) = everything(start());
        let before = s.facts_between(&m.id, lo, hi).await.unwrap();
        // Parcels registered after a cut-off have no carrier update yet, so no facts row.
        assert!((400..590).contains(&before.len()), "[{n}] {}", before.len());

        // Parcels still on their way at the cut-off move on: new deliveries after the import.
        let late = options(&m.id, 90, 8, 120);
        assert!(
            apply_later_steps(&*s.store, &early, &late).await > 20,
            "[{n}]"
        );
        // Imported parcels: delivered ones come back as returned, undelivered ones get
        // delivered (each a late carrier update rewriting the facts row).
        let now = start() + Duration::days(110);
        let delivered: Vec<_> = before.iter().filter(|f| f.delivered()).take(6).collect();
        let undelivered: Vec<_> = before.iter().filter(|f| !f.delivered()).take(6).collect();
        assert!(
            undelivered.len() >= 3,
            "[{n}] some parcels undelivered at the cut-off"
        );
        for (f, status, sub) in delivered
            .iter()
            .map(|f| (f, Status::ReturnedToSender, "returned_to_sender.refused"))
            .chain(
                undelivered
                    .iter()
                    .map(|f| (f, Status::Delivered, "delivered.recipient")),
            )
        {
            let sh = s.shipment_by_id(&f.shipment_id).await.unwrap().unwrap();
            let snap = one_event(sh.carrier, &sh.tracking_number, status, sub, now);
            s.apply_snapshot(&sh.id, &snap, UpdateSource::Poll, now)
                .await
                .unwrap();
        }
        // And a few go away.
        let gone: Vec<&str> = before
            .iter()
            .skip(100)
            .step_by(97)
            .take(4)
            .map(|f| f.shipment_id.as_str())
            .collect();
        for id in &gone {
            assert!(s.delete_shipment(&m.id, &(*id).into()).await.unwrap());
        }
        let after = s.facts_between(&m.id, lo, hi).await.unwrap();
        assert!(after
            .iter()
            .all(|f| !gone.contains(&f.shipment_id.as_str())));
        assert!(
            after.len() > before.len(),
            "[{n}] first updates after the cut-off"
        );
        let changed = after.iter().filter(|f| !before.contains(f)).count();
        assert!(changed > 30, "[{n}] {changed} facts rows changed");

        let t =
            |mo: u32, d: u32, h: u32, mi: u32| Utc.with_ymd_and_hms(2026, mo, d, h, mi, 0).unwrap();
        let ranges = [
            ("the quarter", t(1, 1, 0, 0), t(4, 1, 0, 0)),
            ("unaligned, both edges", t(1, 7, 13, 37), t(3, 2, 5, 11)),
            (
                "unaligned, month minus tail",
                t(1, 10, 0, 0),
                t(2, 25, 18, 0),
            ),
            ("inside one month", t(1, 12, 9, 30), t(1, 29, 0, 0)),
            ("a few hours", t(2, 3, 8, 0), t(2, 3, 15, 0)),
        ];
        for (what, from, to) in ranges {
            let range = Range { from, to };
            let facts = s.facts_between(&m.id, from, to).await.unwrap();
            for g in [
                GroupBy::Carrier,
                GroupBy::Service,
                GroupBy::Lane,
                GroupBy::Week,
            ] {
                let rollup = carrier_report(&*s.store, &m.id, range, g).await.unwrap();
                let exact = exact_report(&facts, range, g);
                assert!(!exact.rows.is_empty(), "[{n}] {what}");
                let what = format!("{what} by {}", g.as_str());
                assert_close(n, &what, &rollup, &exact);
            }
        }

        // The rollups equal what the migration's backfill computes from the same facts, so
        // an upgraded database starts with the same rows (and the SQL buckets agree with
        // `domain::buckets`).
        let (kept, rebuilt) = maintained_and_backfilled(&s).await;
        assert!(kept.len() > 1000, "[{n}] {}", kept.len());
        assert_eq!(kept, rebuilt, "[{n}]");
    }
}
