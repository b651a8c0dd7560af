//! Callback delivery throughput (issue 5): deliveries per second to a local receiver with
//! every result committed on SQLite (WAL, synchronous=FULL), and a healthy endpoint's
//! throughput with and without a dead (timing-out) endpoint in the same run.
//!
//! Run with `scripts/bench-callbacks.sh` (release build). Knobs: `BENCH_DELIVERIES`
//! (default 20000 per scenario), `BENCH_ROUNDS` (default 3: each round runs both scenarios,
//! alternating which goes first; medians are reported), `BENCH_DIR` (where the SQLite files
//! go; default the system temp dir).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::field_reassign_with_default,
    missing_docs
)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use carriers::time::LocalTime;
use carriers::{CarrierId, Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource};
use chrono::Utc;
use parcelgate::config::Config;
use parcelgate::domain::NewShipment;
use parcelgate::store::sqlite::SqliteStore;
use parcelgate::store::{
    MerchantStore, NewSubscription, OutboxStore, Store, SubscriptionStore, UpdateSource,
};
use parcelgate::tracking::ApplyUpdates;
use sqlx::sqlite::SqlitePoolOptions;

const SHIPMENTS: usize = 1000;

/// A receiver answering 204 at once (counts requests), or never (a dead endpoint).
async fn receiver(answer: bool) -> (String, Arc<AtomicU64>) {
    let hits = Arc::new(AtomicU64::new(0));
    let h = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let h = h.clone();
        async move {
            h.fetch_add(1, Ordering::Relaxed);
            if !answer {
                std::future::pending::<()>().await;
            }
            axum::http::StatusCode::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

fn subscription(merchant: &str, url: &str) -> NewSubscription {
    NewSubscription {
        merchant_id: merchant.into(),
        url: url.into(),
        description: None,
        event_types: vec!["shipment.status_changed".into()],
        carriers: vec![],
        statuses: vec![],
        enabled: true,
        secret: parcelgate::dispatch::signing::generate_secret(),
    }
}

/// Fills a fresh database with `n` pending deliveries per endpoint; returns the URL and the
/// subscription ids (healthy first).
async fn prepare(dir: &std::path::Path, n: usize, urls: &[&str]) -> (String, Vec<String>) {
    let db = format!("sqlite://{}", dir.join("callbacks.db").display());
    let store = SqliteStore::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    let now = Utc::now();
    let m = store.create_merchant("Bench", now).await.unwrap();
    let start = now - chrono::Duration::seconds(1);
    // One status change per shipment, recorded with no subscription yet.
    for i in 0..SHIPMENTS {
        let number = format!("6026774393316303{i:08}");
        let new = NewShipment {
            merchant_id: m.id.clone(),
            carrier: Some(CarrierId::Inpost),
            tracking_number: number.clone(),
            order_ref: Some(format!("B-{i}")),
            ..Default::default()
        };
        let (sh, _) = store
            .register_shipment(&new, &format!("tok{i}"), now)
            .await
            .unwrap();
        let mut snap = TrackingSnapshot::new(CarrierId::Inpost, &number);
        snap.events.push(TrackingEvent::new(
            CarrierId::Inpost,
            &number,
            Mapped::new(Status::InTransit, "in_transit"),
            "in_transit",
            Some("Przesyłka w drodze".into()),
            LocalTime {
                utc: now,
                offset_seconds: 7200,
                source: TzSource::Carrier,
            },
            Location {
                text: Some("Kraków".into()),
                postal_code: Some("30-001".into()),
                country: Some("PL".into()),
            },
        ));
        store
            .apply_snapshot(&sh.id, &snap, UpdateSource::Push, now)
            .await
            .unwrap();
    }
    // Replays turn the changes into `n` deliveries per subscription (chains of n/1000 per shipment).
    let mut subs = Vec::new();
    for url in urls {
        let sub = store
            .create_subscription(&subscription(&m.id, url), now)
            .await
            .unwrap();
        let mut made = 0;
        while made < n {
            made += store
                .replay(&sub.id, start, Utc::now(), Utc::now())
                .await
                .unwrap() as usize;
        }
        subs.push(sub.id.into_string());
    }
    (db, subs)
}

/// Starts the gateway's worker on `db` and waits until `n` deliveries of `healthy` are
/// committed as succeeded; returns deliveries per second.
async fn run(db: &str, healthy: &str, n: usize) -> f64 {
    let mut c = Config::default();
    c.database_url = db.to_string();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.poller.enabled = false;
    c.callbacks.allow_http = true;
    c.callbacks.allowed_cidrs = serde_json::from_str("\"127.0.0.0/8\"").unwrap();
    c.callbacks.timeout_secs = 2;
    c.callbacks.lease_secs = 30;
    let counter = SqlitePoolOptions::new()
        .max_connections(1)
        .connect(db)
        .await
        .unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM deliveries WHERE subscription_id = ? AND state = 'succeeded'",
        )
        .bind(healthy)
        .fetch_one(&counter)
        .await
        .unwrap() as usize
    };
    let started = Instant::now();
    let app = parcelgate::app::start(c).await.unwrap();
    while count().await < n {
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "benchmark stalled"
        );
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    app.shutdown().await;
    rate
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_DELIVERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let base = std::env::var("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let (ok_url, ok_hits) = receiver(true).await;
    let (dead_url, dead_hits) = receiver(false).await;

    // Rounds alternate which scenario goes first, so drift in a shared machine's load
    // falls on both; the figures are the medians.
    let (mut alone, mut with_dead) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for dead_first in [round % 2 == 1, round % 2 == 0] {
            let dir = tempfile::tempdir_in(&base).unwrap();
            if dead_first {
                let (db, subs) = prepare(dir.path(), n, &[&ok_url, &dead_url]).await;
                with_dead.push(run(&db, &subs[0], n).await);
            } else {
                let (db, subs) = prepare(dir.path(), n, &[&ok_url]).await;
                alone.push(run(&db, &subs[0], n).await);
            }
        }
        println!(
            "  round {}: alone {:.0}/s, with a dead endpoint {:.0}/s",
            round + 1,
            alone[round],
            with_dead[round]
        );
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let (alone, with_dead) = (median(&mut alone), median(&mut with_dead));

    println!("callback deliveries, SQLite (WAL, synchronous=FULL), state committed per batch");
    println!("  deliveries per scenario:                {n} (from {SHIPMENTS} shipments), {rounds} rounds");
    println!("  healthy endpoint alone (median):        {alone:>8.0} deliveries/s");
    println!("  healthy endpoint + dead endpoint (med): {with_dead:>8.0} deliveries/s");
    let drop = (1.0 - with_dead / alone) * 100.0;
    println!("  drop with a dead endpoint:              {drop:>8.1} %");
    println!("  requests: healthy {} (incl. duplicates after shutdown: none expected), dead endpoint held {}",
        ok_hits.load(Ordering::Relaxed), dead_hits.load(Ordering::Relaxed));
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "  => deliveries/s alone {alone:.0} [target >= 2000: {}]",
        verdict(alone >= 2000.0)
    );
    println!(
        "  => drop with a dead endpoint {drop:.1} % [target <= 10 %: {}]",
        verdict(drop <= 10.0)
    );
    if alone < 2000.0 || drop > 10.0 {
        std::process::exit(1);
    }
}
