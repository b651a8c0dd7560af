//! Shopper e-mail throughput (issue 14, section 11): notifications queued in the store (one
//! outbox row per status change, planned in the change's transaction), claimed, rendered,
//! sent through the pooled mailer to a local SMTP sink and finished, every state committed on
//! SQLite (WAL, synchronous=FULL); then the same sink's raw lettre throughput: a pooled
//! `AsyncSmtpTransport` sending the very messages the sink received, with the same
//! concurrency (the pool size). Both figures and their ratio are printed.
//!
//! Run with `scripts/bench-notify.sh` (release build). Knobs: `BENCH_NOTIFICATIONS` (10000),
//! `BENCH_POOL` (the pool size and concurrency, 8), `BENCH_DIR` (where the SQLite file goes).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::field_reassign_with_default,
    missing_docs
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use carriers::time::LocalTime;
use carriers::{CarrierId, Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource};
use chrono::Utc;
use lettre::address::Envelope;
use lettre::transport::smtp::client::Tls;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use parcelgate::config::Config;
use parcelgate::dispatch::sealing::SecretSealer;
use parcelgate::domain::contact::Contact;
use parcelgate::domain::NewShipment;
use parcelgate::notify::email::sink::{ReceivedEmail, SmtpSink};
use parcelgate::store::notify::NotifyStore;
use parcelgate::store::sqlite::SqliteStore;
use parcelgate::store::{MerchantStore, Store, UpdateSource};
use parcelgate::tracking::ApplyUpdates;
use sqlx::sqlite::SqlitePoolOptions;

const KEY: &str = "cGFyY2VsZ2F0ZS1ub3RpZnktcHJvb2YtdGVzdC1rZXk=";
/// Status changes per shipment, each one message: shipped, exception, failed attempt, delivered.
const STEPS: [(Status, &str); 4] = [
    (Status::InTransit, "in_transit"),
    (Status::Exception, "exception.address_unknown"),
    (Status::FailedAttempt, "failed_attempt.recipient_absent"),
    (Status::Delivered, "delivered"),
];

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A fresh database with `n` queued e-mails: n/4 shipments with a sealed address, four
/// status changes each, applied wave by wave as carriers report them.
async fn prepare(dir: &std::path::Path, n: usize) -> String {
    let db = format!("sqlite://{}", dir.join("notify.db").display());
    let store = SqliteStore::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    let sealer = SecretSealer::new(&carriers::Secret::new(KEY)).unwrap();
    let now = Utc::now();
    let m = store.create_merchant("Bench Shop", now).await.unwrap();
    let shipments = n.div_ceil(STEPS.len());
    let mut ids = Vec::with_capacity(shipments);
    for i in 0..shipments {
        let number = format!("6026774393316303{i:08}");
        let new = NewShipment {
            merchant_id: m.id.clone(),
            carrier: Some(CarrierId::Inpost),
            tracking_number: number.clone(),
            order_ref: Some(format!("B-{i}")),
            language: Some(["pl", "de", "en"][i % 3].into()),
            ..Default::default()
        };
        let (sh, _) = store
            .register_shipment(&new, &format!("tok{i}"), now)
            .await
            .unwrap();
        let contact = Contact {
            email: Some(format!("shopper{i}@example.pl")),
            phone: None,
            name: Some("Anna".into()),
        };
        let sealed = sealer
            .seal_bound(&serde_json::to_string(&contact).unwrap(), &sh.id)
            .unwrap();
        store
            .put_contact(&sh.id, &sealed, (true, false), now)
            .await
            .unwrap();
        ids.push((sh.id.to_string(), number));
    }
    for (k, (status, sub)) in STEPS.iter().enumerate() {
        let at = now + chrono::Duration::seconds(k as i64);
        for (id, number) in &ids {
            let mut snap = TrackingSnapshot::new(CarrierId::Inpost, number);
            snap.events.push(TrackingEvent::new(
                CarrierId::Inpost,
                number,
                Mapped::new(*status, sub),
                *sub,
                None,
                LocalTime {
                    utc: at,
                    offset_seconds: 3600,
                    source: TzSource::Carrier,
                },
                Location {
                    text: Some("Kraków".into()),
                    postal_code: None,
                    country: Some("PL".into()),
                },
            ));
            store
                .apply_snapshot(id, &snap, UpdateSource::Push, at)
                .await
                .unwrap();
        }
    }
    db
}

/// Runs the gateway's notification worker on `db` until `n` messages are committed as sent;
/// e-mails per second.
async fn notifier(db: &str, sink: &SmtpSink, pool: u32, n: usize) -> f64 {
    let mut c = Config::default();
    c.database_url = db.to_string();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.poller.enabled = false;
    c.secrets.key = carriers::Secret::new(KEY);
    c.email.smtp_url = carriers::Secret::new(sink.smtp_url());
    c.email.from = "Sklep Bench <noreply@shop.example>".into();
    c.email.pool_size = pool;
    c.notifications.quiet_hours = String::new();
    let counter = SqlitePoolOptions::new()
        .max_connections(1)
        .connect(db)
        .await
        .unwrap();
    let sent = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notifications WHERE status = 'sent'")
            .fetch_one(&counter)
            .await
            .unwrap() as usize
    };
    let started = Instant::now();
    let app = parcelgate::app::start(c).await.unwrap();
    while sent().await < n {
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "benchmark stalled"
        );
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    app.shutdown().await;
    rate
}

/// Sends `messages` again through lettre's own pooled transport, `pool` at a time.
async fn raw_lettre(sink: &SmtpSink, messages: Vec<Arc<ReceivedEmail>>, pool: u32) -> f64 {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(sink.addr().port())
        .tls(Tls::None)
        .timeout(Some(Duration::from_secs(30)))
        .pool_config(PoolConfig::new().max_size(pool))
        .build();
    let n = messages.len();
    let queue = Arc::new(std::sync::Mutex::new(messages));
    let before = sink.received();
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..pool {
        let (transport, queue) = (transport.clone(), Arc::clone(&queue));
        workers.spawn(async move {
            loop {
                let next = queue.lock().unwrap().pop();
                let Some(m) = next else { return };
                let envelope = Envelope::new(
                    Some(m.mail_from.parse().unwrap()),
                    m.rcpt_to.iter().map(|r| r.parse().unwrap()).collect(),
                )
                .unwrap();
                transport.send_raw(&envelope, &m.data).await.unwrap();
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let rate = n as f64 / started.elapsed().as_secs_f64();
    assert_eq!(sink.received() - before, n as u64, "every raw send arrived");
    rate
}

#[tokio::main]
async fn main() {
    let n = env_or("BENCH_NOTIFICATIONS", 10_000);
    let pool = env_or("BENCH_POOL", 8).max(1) as u32;
    let base = std::env::var("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let dir = tempfile::tempdir_in(&base).unwrap();
    let prep = Instant::now();
    let db = prepare(dir.path(), n).await;
    let n = n.div_ceil(STEPS.len()) * STEPS.len();
    println!(
        "  prepared {n} queued e-mails in {:.1} s",
        prep.elapsed().as_secs_f64()
    );

    let sink = SmtpSink::start().await.unwrap();
    let notified = notifier(&db, &sink, pool, n).await;
    assert_eq!(sink.received(), n as u64, "each message arrived once");
    let raw = raw_lettre(&sink, sink.messages(), pool).await;

    println!("shopper e-mail, SQLite (WAL, synchronous=FULL), state committed (queued, claimed, sent, finished)");
    println!("  e-mails:                              {n}, pool/concurrency {pool}");
    println!("  parcelgate notifier:                  {notified:>8.0} e-mails/s");
    println!("  raw lettre AsyncSmtpTransport, same sink: {raw:>8.0} e-mails/s");
    println!(
        "  ratio notifier / raw lettre:          {:>8.2}",
        notified / raw
    );
    let met = notified >= 500.0;
    println!(
        "  => e-mails/s {notified:.0} [target >= 500: {}]",
        if met { "met" } else { "MISSED" }
    );
    if !met {
        std::process::exit(1);
    }
}
