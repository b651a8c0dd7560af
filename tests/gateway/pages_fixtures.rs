//! Shipments in every shopper-visible state, for the page tests and the browser tests.

#![allow(dead_code)] // the browser tests use a different subset

use carriers::time::LocalTime;
use carriers::{
    CarrierId, EtaWindow, Location, Mapped, PickupPoint, Status, TrackingEvent, TrackingSnapshot,
    TzSource,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use parcelgate::store::UpdateSource;
use parcelgate::tracking::ApplyUpdates;
use serde_json::{json, Value};

use crate::common::app::TestApp;
use crate::common::db;

/// Every state the browser tests show, with the step expected to be active.
pub const STATES: [(&str, &str, &str); 8] = [
    ("pending", "ordered", "current"),
    ("in_transit", "in_transit", "current"),
    ("out_for_delivery", "out_for_delivery", "current"),
    ("available_for_pickup", "ready_for_pickup", "current"),
    ("failed_attempt", "out_for_delivery", "problem"),
    ("exception", "in_transit", "problem"),
    ("returned_to_sender", "in_transit", "problem"),
    ("delivered", "delivered", "done"),
];

/// An app with the poller off (tests feed events themselves).
pub async fn app() -> TestApp {
    TestApp::start_with(db::sqlite_store().await, |c| c.poller.enabled = false).await
}

/// A PATCH to `/v1/merchant` with the test key.
pub async fn patch_merchant(app: &TestApp, body: &Value) -> reqwest::Response {
    app.http
        .patch(format!("{}/v1/merchant", app.base))
        .bearer_auth(&app.key)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn ev(
    number: &str,
    status: Status,
    sub: &'static str,
    code: &str,
    at: DateTime<Utc>,
    place: &str,
) -> TrackingEvent {
    TrackingEvent::new(
        CarrierId::Inpost,
        number,
        Mapped {
            status,
            substatus: sub,
        },
        code,
        Some(format!("carrier text {code}")),
        LocalTime {
            utc: at,
            offset_seconds: 3600,
            source: TzSource::Carrier,
        },
        Location {
            text: Some(place.to_string()),
            postal_code: Some("30-001".into()),
            country: Some("PL".into()),
        },
    )
}

/// Registers an InPost shipment and feeds it events up to `state`; returns (id, token).
pub async fn shipment(
    app: &TestApp,
    state: &str,
    lang: Option<&str>,
    order: &str,
) -> (String, String) {
    let number = format!("{:024}", rand_digits());
    let mut body = json!({
        "tracking_number": number, "carrier": "inpost", "order_ref": order,
        "destination_country": "PL", "destination_postal_code": "30-001",
        "customer_email": "Jan.Kowalski@example.com",
    });
    if let Some(l) = lang {
        body["language"] = json!(l);
    }
    let v = app.register(body).await;
    let id = v["id"].as_str().unwrap().to_string();
    let token = v["public_token"].as_str().unwrap().to_string();
    let now = Utc::now();
    let d = |h: i64| now - Duration::hours(h);
    let mut evs = vec![ev(
        &number,
        Status::InfoReceived,
        "info_received.label_created",
        "created",
        d(72),
        "Kraków",
    )];
    let path: &[(Status, &'static str, &str, i64, &str)] = match state {
        "pending" => &[],
        "in_transit" => &[(
            Status::InTransit,
            "in_transit.picked_up",
            "picked",
            48,
            "Kraków",
        )],
        "out_for_delivery" => &[
            (
                Status::InTransit,
                "in_transit.picked_up",
                "picked",
                48,
                "Kraków",
            ),
            (
                Status::OutForDelivery,
                "out_for_delivery.courier",
                "ofd",
                3,
                "Warszawa",
            ),
        ],
        "available_for_pickup" => &[
            (
                Status::InTransit,
                "in_transit.picked_up",
                "picked",
                48,
                "Kraków",
            ),
            (
                Status::AvailableForPickup,
                "available_for_pickup.locker",
                "ready",
                2,
                "Warszawa",
            ),
        ],
        "failed_attempt" => &[
            (
                Status::InTransit,
                "in_transit.picked_up",
                "picked",
                48,
                "Kraków",
            ),
            (
                Status::OutForDelivery,
                "out_for_delivery.courier",
                "ofd",
                5,
                "Warszawa",
            ),
            (
                Status::FailedAttempt,
                "failed_attempt.recipient_absent",
                "absent",
                2,
                "Warszawa",
            ),
        ],
        "exception" => &[
            (
                Status::InTransit,
                "in_transit.picked_up",
                "picked",
                48,
                "Kraków",
            ),
            (Status::Exception, "exception.damaged", "damaged", 4, "Łódź"),
        ],
        "returned_to_sender" => &[
            (
                Status::InTransit,
                "in_transit.picked_up",
                "picked",
                48,
                "Kraków",
            ),
            (
                Status::ReturnedToSender,
                "returned_to_sender.delivered_to_sender",
                "returned",
                4,
                "Kraków",
            ),
        ],
        "delivered" => &[
            (
                Status::InTransit,
                "in_transit.picked_up",
                "picked",
                48,
                "Kraków",
            ),
            (
                Status::OutForDelivery,
                "out_for_delivery.courier",
                "ofd",
                6,
                "Warszawa",
            ),
            (
                Status::Delivered,
                "delivered.recipient",
                "delivered",
                4,
                "Warszawa",
            ),
        ],
        other => panic!("unknown state {other}"),
    };
    for (st, sub, code, h, place) in path {
        evs.push(ev(&number, *st, sub, code, d(*h), place));
    }
    if state == "pending" {
        evs.clear();
    }
    let mut snap = TrackingSnapshot::new(CarrierId::Inpost, &number);
    snap.events = evs;
    if matches!(state, "in_transit" | "out_for_delivery" | "failed_attempt") {
        let day = (now + Duration::days(1)).date_naive();
        let from = chrono_tz::Europe::Warsaw
            .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc);
        snap.eta = Some(EtaWindow {
            from,
            to: from + Duration::hours(4),
        });
    }
    if state == "available_for_pickup" {
        snap.details.pickup_point = Some(PickupPoint {
            id: Some("WAW01M".into()),
            description: Some("Paczkomat WAW01M, ul. Marszałkowska 1, przy sklepie".into()),
            available_until: Some(now + Duration::days(2)),
        });
    }
    if !snap.events.is_empty() {
        app.state()
            .store
            .apply_snapshot(&id, &snap, UpdateSource::Push, now)
            .await
            .unwrap();
    }
    (id, token)
}

fn rand_digits() -> u128 {
    uuid::Uuid::new_v4().as_u128() % 10u128.pow(23)
}
