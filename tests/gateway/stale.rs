//! Stalled and expired shipments: silence past the thresholds fires `shipment.stalled` once
//! per silence (in the same transaction as the mark), and 30 days of nothing expires the
//! shipment through an ordinary status change; a new carrier event revives it.

use carriers::time::LocalTime;
use carriers::{CarrierId, Location, Status, TrackingEvent, TrackingSnapshot, TzSource};
use chrono::{Duration, Utc};
use parcelgate::domain::NewShipment;
use parcelgate::store::{DeliveryFilter, NewSubscription, UpdateSource};
use parcelgate::tracking::ApplyUpdates;

use crate::common::app::TestApp;
use crate::common::db;

fn event(number: &str, code: &str, status: Status, at: chrono::DateTime<Utc>) -> TrackingSnapshot {
    let sub: &'static str = Box::leak(format!("{}.test", status.as_str()).into_boxed_str());
    let mut s = TrackingSnapshot::new(CarrierId::Inpost, number);
    s.events.push(TrackingEvent::new(
        CarrierId::Inpost,
        number,
        carriers::Mapped::new(status, sub),
        code,
        None,
        LocalTime {
            utc: at,
            offset_seconds: 7200,
            source: TzSource::Carrier,
        },
        Location::default(),
    ));
    s
}

async fn stalls_and_expiry(app: TestApp) {
    let store = app.state().store.clone();
    let now = Utc::now();
    let sub = store
        .create_subscription(
            &NewSubscription {
                merchant_id: app.merchant_id.as_str().into(),
                url: "https://example.com/hooks".into(),
                description: None,
                event_types: vec!["shipment.stalled".into(), "shipment.status_changed".into()],
                carriers: vec![],
                statuses: vec![],
                enabled: true,
                secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            },
            now,
        )
        .await
        .unwrap();
    let register = |n: &str, created: chrono::DateTime<Utc>| {
        let store = store.clone();
        let new = NewShipment {
            merchant_id: app.merchant_id.as_str().into(),
            carrier: Some(CarrierId::Inpost),
            tracking_number: n.to_string(),
            ..Default::default()
        };
        async move {
            store
                .register_shipment(&new, &format!("tok-{}", new.tracking_number), created)
                .await
                .unwrap()
                .0
        }
    };
    // Registered 6 days ago, never scanned: stalled (threshold 5 days).
    let no_scan = register("602677439331630337600101", now - Duration::days(6)).await;
    // Scanned 8 days ago, nothing since: stalled (threshold 7 days).
    let quiet = register("602677439331630337600102", now - Duration::days(9)).await;
    store
        .apply_snapshot(
            &quiet.id,
            &event(
                "602677439331630337600102",
                "taken_by_courier",
                Status::InTransit,
                now - Duration::days(8),
            ),
            UpdateSource::Poll,
            now,
        )
        .await
        .unwrap();
    // Scanned yesterday: fine.
    let fresh = register("602677439331630337600103", now - Duration::days(9)).await;
    store
        .apply_snapshot(
            &fresh.id,
            &event(
                "602677439331630337600103",
                "taken_by_courier",
                Status::InTransit,
                now - Duration::days(1),
            ),
            UpdateSource::Poll,
            now,
        )
        .await
        .unwrap();
    // Nothing for 31 days: expired.
    let dead = register("602677439331630337600104", now - Duration::days(31)).await;

    let (stalled, expired) = parcelgate::workers::sweeper::sweep(app.state())
        .await
        .unwrap();
    assert_eq!(expired, 1);
    assert_eq!(stalled, 2, "the expired one is no longer a stall candidate");
    let deliveries = store
        .list_deliveries(
            &sub.id,
            &DeliveryFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let stalled_for: Vec<_> = deliveries
        .iter()
        .filter(|d| d.event_type == "shipment.stalled")
        .map(|d| d.shipment_id.clone())
        .collect();
    assert_eq!(stalled_for.len(), 2);
    assert!(
        stalled_for.contains(&no_scan.id.to_string())
            && stalled_for.contains(&quiet.id.to_string())
    );
    assert!(!stalled_for.contains(&fresh.id.to_string()));
    let payload: serde_json::Value = serde_json::from_str(
        &deliveries
            .iter()
            .find(|d| d.shipment_id == quiet.id)
            .unwrap()
            .payload,
    )
    .unwrap();
    assert_eq!(payload["type"], "shipment.stalled");
    assert_eq!(payload["data"]["status"], "in_transit");

    let d = store.shipment_by_id(&dead.id).await.unwrap().unwrap();
    assert_eq!(d.status, Status::Expired);
    assert_eq!(d.next_poll_at, None, "expired shipments are not polled");
    assert!(deliveries
        .iter()
        .any(|x| x.shipment_id == dead.id && x.event_type == "shipment.status_changed"));

    // A second sweep announces nothing new.
    assert_eq!(
        parcelgate::workers::sweeper::sweep(app.state())
            .await
            .unwrap(),
        (0, 0)
    );
    // A new carrier event revives the expired shipment, and a later silence stalls it again.
    store
        .apply_snapshot(
            &quiet.id,
            &event(
                "602677439331630337600102",
                "adopted_at_sorting_center",
                Status::InTransit,
                now - Duration::days(7) - Duration::hours(1),
            ),
            UpdateSource::Push,
            now + Duration::seconds(1),
        )
        .await
        .unwrap();
    // (The sweep runs at the real clock, a moment after this update.)
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        parcelgate::workers::sweeper::sweep(app.state())
            .await
            .unwrap(),
        (1, 0),
        "a newer event, still silent: stalls again"
    );
    store
        .apply_snapshot(
            &dead.id,
            &event(
                "602677439331630337600104",
                "out_for_delivery",
                Status::OutForDelivery,
                Utc::now(),
            ),
            UpdateSource::Push,
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .shipment_by_id(&dead.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::OutForDelivery
    );
}

#[tokio::test]
async fn silence_stalls_then_expires_sqlite() {
    let app = TestApp::start_with(db::sqlite_store().await, |c| c.poller.enabled = false).await;
    stalls_and_expiry(app).await;
}

#[tokio::test]
async fn silence_stalls_then_expires_postgres() {
    if let Some(pg) = db::pg_store().await {
        let app = TestApp::start_with(pg, |c| c.poller.enabled = false).await;
        stalls_and_expiry(app).await;
    }
}
