//! Shopper messages through a real SMTP server, at the edges of their outcomes: a policy
//! rejection at DATA (5.7.x) fails the message and suppresses nothing, each outcome is
//! counted in Prometheus by trigger, channel and outcome, and a shipment registered when it is
//! already delivered gets the delivered message only, never a replay of its history.

use std::time::Duration;

use carriers::{CarrierId, Status};
use chrono::Utc;
use parcelgate::notify::email::sink::Rejection;
use parcelgate::store::UpdateSource;
use parcelgate::tracking::ApplyUpdates;
use serde_json::Value;

use crate::common::notify::{app_with_sink, change_log, log_until, register_id, status};
use crate::common::snapshots::one_event;

#[tokio::test]
async fn a_policy_rejection_at_data_fails_the_message_suppresses_nothing_and_is_counted() {
    let (app, sink) = app_with_sink().await;
    sink.reject(
        "spam@example.pl",
        Rejection::at_data(554, "5.7.1 Message refused as spam"),
    );
    let number = "602677439331630337650031";
    let id = register_id(&app, number, "spam@example.pl").await;
    status(&app, &id, number, Status::InTransit, "in_transit").await;
    let l = log_until(&app, &id, |l| l.iter().any(|m| m["status"] != "queued")).await;
    assert_eq!(l[0]["status"], "failed", "{l:?}");
    assert!(
        l[0]["answer"]
            .as_str()
            .unwrap_or_default()
            .contains("5.7.1"),
        "the server's answer is logged: {l:?}"
    );
    let list: Value = app
        .get("/v1/suppressions")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        list["data"],
        serde_json::json!([]),
        "5.7.x suppresses nothing"
    );

    // The next change goes to the same address again (the address was not suppressed).
    sink.accept("spam@example.pl");
    status(
        &app,
        &id,
        number,
        Status::OutForDelivery,
        "out_for_delivery",
    )
    .await;
    log_until(&app, &id, |l| l.len() == 2 && l[1]["status"] == "sent").await;
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    for line in [
        r#"parcelgate_notifications_total{trigger="shipped",channel="email",outcome="failed"} 1"#,
        r#"parcelgate_notifications_total{trigger="out_for_delivery",channel="email",outcome="sent"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} missing in:\n{metrics}");
    }
}

#[tokio::test]
async fn a_shipment_registered_delivered_gets_only_the_delivered_message() {
    let (app, sink) = app_with_sink().await;
    let number = "602677439331630337650032";
    let id = register_id(&app, number, "late@example.pl").await;
    // Its first snapshot already holds the whole journey.
    let t0 = Utc::now() - chrono::Duration::hours(30);
    let mut snap = one_event(
        CarrierId::Inpost,
        number,
        Status::InTransit,
        "in_transit",
        t0,
    );
    for (i, (s, sub)) in [
        (Status::OutForDelivery, "out_for_delivery"),
        (Status::Delivered, "delivered"),
    ]
    .into_iter()
    .enumerate()
    {
        let at = t0 + chrono::Duration::hours(10 * (i as i64 + 1));
        let more = one_event(CarrierId::Inpost, number, s, sub, at);
        snap.events.extend(more.events);
    }
    app.state()
        .store
        .apply_snapshot(&id, &snap, UpdateSource::Poll, Utc::now())
        .await
        .expect("apply");
    let l = log_until(&app, &id, |l| l.iter().all(|m| m["status"] != "queued")).await;
    let triggers: Vec<&str> = l.iter().filter_map(|m| m["trigger"].as_str()).collect();
    assert_eq!(triggers, ["delivered"], "{l:?}");
    let got = sink
        .wait_for(1, Duration::from_secs(10))
        .await
        .expect("the delivered e-mail");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.received(), 1, "no replay of the history");
    assert_eq!(got[0].rcpt_to, vec!["late@example.pl".to_string()]);
    assert_eq!(change_log(&app, &id).await.len(), 1);
}
