//! Crash safety: the real binary is SIGKILLed while deliveries are in flight to a slow
//! receiver, then restarted on the same SQLite file. Every change is delivered at least
//! once; duplicates carry the same `webhook-id` (and the same body).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use carriers::time::LocalTime;
use carriers::{CarrierId, Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource};
use chrono::Utc;
use parcelgate::domain::NewShipment;
use parcelgate::store::sqlite::SqliteStore;
use parcelgate::store::{
    DeliveryFilter, DeliveryState, MerchantStore, NewSubscription, OutboxStore, Store,
    SubscriptionStore, UpdateSource,
};
use parcelgate::tracking::ApplyUpdates;
use standardwebhooks::Webhook;

use crate::callbacks_receiver::{Receiver, Reply};

/// Kills the child if the test fails half-way.
struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(dir: &std::path::Path, db_url: &str) -> Gateway {
    let child = Command::new(env!("CARGO_BIN_EXE_parcelgate"))
        .arg("serve")
        .current_dir(dir)
        .env("PARCELGATE_DATABASE_URL", db_url)
        .env("PARCELGATE_LISTEN", "127.0.0.1:0")
        .env("PARCELGATE_POLLER__ENABLED", "false")
        .env("PARCELGATE_CALLBACKS__ALLOW_HTTP", "true")
        .env("PARCELGATE_CALLBACKS__ALLOWED_CIDRS", "127.0.0.0/8")
        .env("PARCELGATE_CALLBACKS__TIMEOUT_SECS", "1")
        .env("PARCELGATE_CALLBACKS__LEASE_SECS", "2")
        .env("PARCELGATE_CALLBACKS__PER_ENDPOINT_CONCURRENCY", "4")
        .env("PARCELGATE_CALLBACKS__POLL_INTERVAL_MS", "50")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the parcelgate binary");
    Gateway(child)
}

async fn all(store: &SqliteStore, sub: &str) -> Vec<parcelgate::store::Delivery> {
    let filter = DeliveryFilter {
        limit: 1000,
        ..Default::default()
    };
    store.list_deliveries(sub, &filter).await.unwrap()
}

#[tokio::test]
async fn sigkill_while_delivering_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("parcelgate.db").display());
    let store = SqliteStore::connect(&db_url).await.unwrap();
    store.migrate().await.unwrap();
    let rx = Receiver::start().await;
    rx.default_reply(Reply::status(204).after(Duration::from_millis(200)));
    let now = Utc::now();
    let m = store.create_merchant("Crash Shop", now).await.unwrap();
    let secret = parcelgate::dispatch::signing::generate_secret();
    let sub = store
        .create_subscription(
            &NewSubscription {
                merchant_id: m.id.clone(),
                url: rx.url("/crash"),
                description: None,
                event_types: vec!["shipment.status_changed".into()],
                carriers: vec![],
                statuses: vec![],
                enabled: true,
                secret: secret.clone(),
            },
            now,
        )
        .await
        .unwrap();
    // 15 shipments × 3 changes = 45 deliveries, each shipment's in order.
    let steps = [
        (Status::InTransit, "in_transit"),
        (Status::OutForDelivery, "out_for_delivery"),
        (Status::Delivered, "delivered"),
    ];
    for i in 0..15 {
        let number = format!("6026774393316303370{i:05}");
        let new = NewShipment {
            merchant_id: m.id.clone(),
            carrier: Some(CarrierId::Inpost),
            tracking_number: number.clone(),
            ..Default::default()
        };
        let (sh, _) = store
            .register_shipment(&new, &format!("tok{i}"), now)
            .await
            .unwrap();
        let mut snap = TrackingSnapshot::new(CarrierId::Inpost, &number);
        for (k, (status, sub)) in steps.iter().enumerate() {
            snap.events.push(TrackingEvent::new(
                CarrierId::Inpost,
                &number,
                Mapped::new(*status, sub),
                *sub,
                None,
                LocalTime {
                    utc: now - chrono::Duration::minutes(10 - k as i64),
                    offset_seconds: 0,
                    source: TzSource::Carrier,
                },
                Location::default(),
            ));
            store
                .apply_snapshot(&sh.id, &snap, UpdateSource::Push, now)
                .await
                .unwrap();
        }
    }
    assert_eq!(all(&store, &sub.id).await.len(), 45);

    let mut first = spawn(dir.path(), &db_url);
    rx.wait_hits(8, 20).await;
    first.0.kill().unwrap(); // SIGKILL on unix: no graceful shutdown
    first.0.wait().unwrap();
    let pending = all(&store, &sub.id)
        .await
        .iter()
        .filter(|d| d.state == DeliveryState::Pending)
        .count();
    assert!(pending > 0, "killed while work remained");

    let _second = spawn(dir.path(), &db_url);
    let deadline = Instant::now() + Duration::from_secs(40);
    let finished = loop {
        let ds = all(&store, &sub.id).await;
        if ds.iter().all(|d| d.state != DeliveryState::Pending) {
            break ds;
        }
        assert!(Instant::now() < deadline, "not all delivered after restart");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        finished.iter().all(|d| d.state == DeliveryState::Succeeded),
        "{finished:?}"
    );

    let hits = rx.hits();
    let mut by_id: HashMap<String, Vec<&crate::callbacks_receiver::Hit>> = HashMap::new();
    for h in &hits {
        Webhook::new(&secret)
            .unwrap()
            .verify(&h.body, &h.headers)
            .unwrap();
        by_id.entry(h.webhook_id()).or_default().push(h);
    }
    for d in &finished {
        assert!(
            by_id.contains_key(&d.webhook_id),
            "delivery {} never arrived",
            d.id
        );
    }
    assert_eq!(
        by_id.len(),
        finished.len(),
        "every webhook-id is one of the deliveries"
    );
    for (id, copies) in &by_id {
        assert!(
            copies.iter().all(|h| h.body == copies[0].body),
            "duplicates of {id} differ"
        );
    }
    assert!(
        hits.len() > finished.len(),
        "the kill interrupted deliveries in flight, which were sent again"
    );
    // Per shipment, the receiver saw the changes in order (first arrivals).
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    let mut first_arrival = std::collections::HashSet::new();
    for h in &hits {
        if first_arrival.insert(h.webhook_id()) {
            let d = h.json()["data"].clone();
            seen.entry(d["id"].as_str().unwrap().into())
                .or_default()
                .push(d["status"].as_str().unwrap().into());
        }
    }
    for (shipment, order) in seen {
        assert_eq!(
            order,
            ["in_transit", "out_for_delivery", "delivered"],
            "{shipment}"
        );
    }
}
