//! The timed shopper messages end to end: a locker pickup queues its reminder for a day
//! before the collect-by, sent while the parcel still waits and cancelled once it is
//! collected; an ETA that slips past the promise sends one "delayed" however often it moves;
//! the review request stays off until the merchant turns it on.

use std::time::Duration;

use carriers::{CarrierId, EtaWindow, PickupPoint, Status, TrackingSnapshot};
use chrono::{DateTime, Utc};
use parcelgate::store::UpdateSource;
use parcelgate::tracking::ApplyUpdates;
use serde_json::Value;

use crate::common::app::TestApp;
use crate::common::notify::{app_with_sink, full_log_until as log_until, log, register, status};
use crate::common::snapshots::one_event;

async fn apply(app: &TestApp, id: &str, snap: &TrackingSnapshot) {
    app.state()
        .store
        .apply_snapshot(id, snap, UpdateSource::Push, Utc::now())
        .await
        .expect("apply");
}

fn of<'a>(l: &'a [Value], trigger: &str) -> Vec<&'a Value> {
    l.iter().filter(|m| m["trigger"] == trigger).collect()
}

fn due(m: &Value) -> DateTime<Utc> {
    m["next_attempt_at"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .expect("next_attempt_at")
}

#[tokio::test]
async fn the_pickup_reminder_waits_for_its_day_and_is_cancelled_once_collected() {
    let (app, sink) = app_with_sink().await;
    let number = "602677439331630337650101";
    let sh = register(&app, number, "ola@example.pl").await;
    let id = sh["id"].as_str().expect("id");
    let until = Utc::now() + chrono::Duration::days(2);
    let mut snap = one_event(
        CarrierId::Inpost,
        number,
        Status::AvailableForPickup,
        "available_for_pickup.locker",
        Utc::now(),
    );
    snap.details.pickup_point = Some(PickupPoint {
        id: Some("WAW01M".into()),
        description: Some("Paczkomat WAW01M, ul. Prosta 1, Warszawa".into()),
        available_until: Some(until),
    });
    apply(&app, id, &snap).await;
    let l = log_until(&app, id, |l| {
        of(l, "available_for_pickup")
            .first()
            .is_some_and(|m| m["status"] == "sent")
    })
    .await;
    let reminder = of(&l, "pickup_reminder");
    assert_eq!(reminder.len(), 1, "{l:?}");
    assert_eq!(reminder[0]["status"], "queued");
    let off = (due(reminder[0]) - (until - chrono::Duration::hours(24)))
        .num_seconds()
        .abs();
    assert!(off <= 1, "due a day before the collect-by: {reminder:?}");
    // The pickup message names the locker and the collect-by.
    let got = sink
        .wait_for(1, Duration::from_secs(10))
        .await
        .expect("mail");
    let text = got[0]
        .parse()
        .expect("parses")
        .body_text(0)
        .unwrap_or_default()
        .to_string();
    assert!(text.contains("WAW01M"), "{text}");

    // Brought forward (as a resend does), it goes while the parcel still waits.
    let nid = reminder[0]["id"].as_str().expect("id").to_string();
    let r = app
        .post(
            &format!("/v1/shipments/{id}/notifications/{nid}/resend"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status(), 202);
    log_until(&app, id, |l| {
        of(l, "pickup_reminder")
            .first()
            .is_some_and(|m| m["status"] == "sent")
    })
    .await;
    assert_eq!(sink.received(), 2);

    assert!(of(&l, "review_request").is_empty());

    // A second parcel collected before its reminder: the reminder leaves the queue with the
    // pickup, never sent.
    let number = "602677439331630337650103";
    let sh = register(&app, number, "ola@example.pl").await;
    let id = sh["id"].as_str().expect("id");
    snap.tracking_number = number.into();
    apply(&app, id, &snap).await;
    let l = log_until(&app, id, |l| !of(l, "pickup_reminder").is_empty()).await;
    assert_eq!(of(&l, "pickup_reminder")[0]["status"], "queued");
    status(&app, id, number, Status::Delivered, "delivered.locker").await;
    let l = log_until(&app, id, |l| {
        of(l, "delivered")
            .first()
            .is_some_and(|m| m["status"] == "sent")
    })
    .await;
    assert!(of(&l, "pickup_reminder").is_empty(), "{l:?}");
    assert!(
        of(&l, "review_request").is_empty(),
        "off until the merchant turns it on"
    );
}

#[tokio::test]
async fn an_eta_that_slips_past_the_promise_sends_one_delayed_message() {
    let (app, sink) = app_with_sink().await;
    let number = "602677439331630337650102";
    let sh = register(&app, number, "jan@example.pl").await;
    let id = sh["id"].as_str().expect("id");
    let day = chrono::Duration::days(1);
    let window = |from: DateTime<Utc>| EtaWindow {
        from,
        to: from + chrono::Duration::hours(8),
    };
    let promised = Utc::now() + day;
    let mut snap = one_event(
        CarrierId::Inpost,
        number,
        Status::InTransit,
        "in_transit",
        Utc::now(),
    );
    snap.eta = Some(window(promised));
    apply(&app, id, &snap).await;
    let l = log_until(&app, id, |l| {
        of(l, "shipped")
            .first()
            .is_some_and(|m| m["status"] == "sent")
    })
    .await;
    // Planned for the promise's end plus the grace, checked again then.
    let delayed = of(&l, "delayed");
    assert_eq!(delayed.len(), 1, "{l:?}");
    assert_eq!(delayed[0]["status"], "queued");
    assert!(
        due(delayed[0]) > promised + chrono::Duration::hours(9),
        "{delayed:?}"
    );

    // The carrier moves the ETA a day later: "delayed" goes at once, once.
    snap.eta = Some(window(promised + day));
    apply(&app, id, &snap).await;
    log_until(&app, id, |l| {
        of(l, "delayed")
            .first()
            .is_some_and(|m| m["status"] == "sent")
    })
    .await;
    snap.eta = Some(window(promised + day + day));
    apply(&app, id, &snap).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let l = log(&app, id).await;
    assert_eq!(of(&l, "delayed").len(), 1, "{l:?}");
    assert_eq!(sink.received(), 2, "shipped and one delayed");
}
