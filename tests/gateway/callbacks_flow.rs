//! Callbacks end to end against a local receiver: an InPost status change arrives signed
//! (verified with the independent `standardwebhooks` crate, also during a secret rotation),
//! retries follow the schedule, 3xx fails without following, 410 disables, 429 honours
//! Retry-After, the last attempt leaves a dead delivery, ordering per shipment holds, and a
//! subscription failing for too long is disabled with its reason.

use std::time::Duration;

use carriers::time::LocalTime;
use carriers::{CarrierId, Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource};
use chrono::Utc;
use parcelgate::config::Config;
use parcelgate::store::{DeliveryFilter, DeliveryState, UpdateSource};
use parcelgate::tracking::ApplyUpdates;
use serde_json::{json, Value};
use standardwebhooks::Webhook;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::callbacks_receiver::{Receiver, Reply};
use crate::common::app::{fixture, TestApp, INPOST_SECRET};
use crate::common::db;

const LOCKER: &str = "602677439331630337653846";

/// An app with a fast callback worker, no poller, and `tweak` applied.
pub async fn quick_app(tweak: impl FnOnce(&mut Config)) -> TestApp {
    TestApp::start_with(db::sqlite_store().await, |c| {
        c.poller.enabled = false;
        c.callbacks.poll_interval_ms = 20;
        c.callbacks.retry_schedule_ms = vec![0, 150, 300];
        tweak(c);
    })
    .await
}

/// Creates a subscription through the API; returns its JSON (with the secret).
pub async fn subscribe(app: &TestApp, url: &str, extra: Value) -> Value {
    let mut body = json!({"url": url, "event_types": ["shipment.status_changed"]});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let r = app.post("/v1/subscriptions", &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// Registers an InPost shipment (no poll: the poller is off); returns its id.
pub async fn shipment(app: &TestApp, number: &str) -> String {
    let s = app
        .register(json!({"tracking_number": number, "carrier": "inpost", "order_ref": "A-9"}))
        .await;
    s["id"].as_str().unwrap().to_string()
}

/// Records a status change as a carrier update would.
pub async fn change(app: &TestApp, id: &str, status: Status, sub: &'static str) {
    let store = &app.state().store;
    let sh = store.shipment_by_id(id).await.unwrap().unwrap();
    let mut snap = TrackingSnapshot::new(CarrierId::Inpost, &sh.tracking_number);
    snap.events = store.events(id).await.unwrap();
    let at = Utc::now() - chrono::Duration::minutes(60 - snap.events.len() as i64);
    snap.events.push(TrackingEvent::new(
        CarrierId::Inpost,
        &sh.tracking_number,
        Mapped::new(status, sub),
        sub,
        None,
        LocalTime {
            utc: at,
            offset_seconds: 0,
            source: TzSource::Carrier,
        },
        Location::default(),
    ));
    let out = store
        .apply_snapshot(id, &snap, UpdateSource::Push, Utc::now())
        .await
        .unwrap();
    assert!(out.status_change.is_some());
}

fn verify(secret: &str, hit: &crate::callbacks_receiver::Hit) {
    Webhook::new(secret)
        .unwrap()
        .verify(&hit.body, &hit.headers)
        .unwrap_or_else(|e| panic!("standardwebhooks rejects the delivery: {e}"));
}

/// Waits until every delivery of `sub` is finished; returns them.
pub async fn settled(app: &TestApp, sub: &str) -> Vec<parcelgate::store::Delivery> {
    for _ in 0..300 {
        let all = app
            .state()
            .store
            .list_deliveries(
                sub,
                &DeliveryFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if !all.is_empty() && all.iter().all(|d| d.state != DeliveryState::Pending) {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("deliveries of {sub} did not settle");
}

async fn inpost_change_is_signed_and_verifiable(app: TestApp) {
    let rx = Receiver::start().await;
    let sub = subscribe(
        &app,
        &rx.url("/hooks/parcel"),
        json!({"description": "e-mails"}),
    )
    .await;
    let secret = sub["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    Mock::given(method("GET"))
        .and(path(format!("/v1/tracking/{LOCKER}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("inpost/locker_ready_to_pickup.json")),
        )
        .mount(&app.inpost)
        .await;
    let s = app
        .register(json!({"tracking_number": LOCKER, "order_ref": "A-1"}))
        .await;
    let id = s["id"].as_str().unwrap();

    let hit = rx.wait_hits(1, 10).await.remove(0);
    verify(&secret, &hit);
    assert_eq!(hit.path, "/hooks/parcel");
    assert!(hit.webhook_id().starts_with("msg_"));
    assert_eq!(hit.headers["content-type"], "application/json");
    let body = hit.json();
    assert_eq!(body["type"], "shipment.status_changed");
    assert!(body["timestamp"].is_string());
    let d = &body["data"];
    assert_eq!(d["id"], id);
    assert_eq!(
        (d["carrier"].as_str(), d["tracking_number"].as_str()),
        (Some("inpost"), Some(LOCKER))
    );
    assert_eq!(
        (d["order_ref"].as_str(), d["status"].as_str()),
        (Some("A-1"), Some("available_for_pickup"))
    );
    assert_eq!(
        (d["substatus"].as_str(), d["previous_status"].as_str()),
        (Some("available_for_pickup.locker"), Some("pending"))
    );
    assert_eq!(d["previous_substatus"], "pending");
    assert_eq!(
        d["tracking_url"], s["tracking_url"],
        "absolute, from public_url"
    );
    assert_eq!(d["latest_event"]["status"], "available_for_pickup");
    assert!(d["occurred_at"].is_string() && d.get("eta").is_some());

    // Rotation: both signatures for 24 h; a receiver with either secret accepts.
    let r = app
        .post(
            &format!(
                "/v1/subscriptions/{}/rotate-secret",
                sub["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let rotated: Value = r.json().await.unwrap();
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);
    assert!(rotated["previous_secret_expires_at"].is_string());
    let r = app
        .http
        .post(format!("{}/v1/webhooks/inpost/{INPOST_SECRET}", app.base))
        .header("content-type", "application/json")
        .body(fixture("inpost/webhook_status_changed.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let hit = rx.wait_hits(2, 10).await.remove(1);
    assert_eq!(
        hit.json()["data"]["substatus"],
        "available_for_pickup.reminder_sent"
    );
    assert_eq!(
        hit.headers["webhook-signature"]
            .to_str()
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    verify(&secret, &hit);
    verify(&new_secret, &hit);
    assert!(Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .unwrap()
        .verify(&hit.body, &hit.headers)
        .is_err());

    // At rest: with a secrets key, neither secret is in the database in the clear.
    let sub_id = sub["id"].as_str().unwrap();
    let stored = app
        .state()
        .store
        .subscription_by_id(sub_id)
        .await
        .unwrap()
        .unwrap();
    if app.state().sealer.as_ref().unwrap().is_sealing() {
        assert!(stored.secret.starts_with("enc1:"), "{}", stored.secret);
        assert!(!stored.secret.contains(&new_secret[6..]));
        let previous = stored.previous_secret.unwrap();
        assert!(previous.starts_with("enc1:") && !previous.contains(&secret[6..]));
    } else {
        assert_eq!(
            (stored.secret.as_str(), stored.previous_secret.as_deref()),
            (new_secret.as_str(), Some(secret.as_str()))
        );
    }

    // The log shows both, succeeded, with status and latency; GET never shows the secret.
    settled(&app, sub_id).await;
    let log: Value = app
        .get(&format!("/v1/subscriptions/{sub_id}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    let data = log["data"].as_array().unwrap();
    assert_eq!(
        data.len(),
        2,
        "{log} {:?}",
        rx.hits().iter().map(|h| h.json()).collect::<Vec<_>>()
    );
    assert!(
        data.iter()
            .all(|d| d["state"] == "succeeded" && d["attempts"][0]["status_code"] == 204),
        "{log}"
    );
    assert!(data[0]["attempts"][0]["latency_ms"].is_u64());
    let got: Value = app
        .get(&format!("/v1/subscriptions/{sub_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        got.get("secret").is_none() && got["last_success_at"].is_string(),
        "{got}"
    );
}

#[tokio::test]
async fn inpost_change_is_signed_and_verifiable_sqlite() {
    inpost_change_is_signed_and_verifiable(TestApp::start().await).await;
}

/// Seals subscription secrets at rest (base64 of 32 bytes).
fn seal_secrets(c: &mut Config) {
    c.callbacks.secrets_key = carriers::Secret::new("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
}

#[tokio::test]
async fn inpost_change_is_signed_and_verifiable_with_sealed_secrets_sqlite() {
    let app = TestApp::start_with(db::sqlite_store().await, seal_secrets).await;
    inpost_change_is_signed_and_verifiable(app).await;
}

#[tokio::test]
async fn inpost_change_is_signed_and_verifiable_with_sealed_secrets_postgres() {
    if let Some(pg) = db::pg_store().await {
        inpost_change_is_signed_and_verifiable(TestApp::start_with(pg, seal_secrets).await).await;
    }
}

#[tokio::test]
async fn retries_follow_the_schedule_then_the_delivery_is_dead() {
    let app = quick_app(|_| {}).await;
    let rx = Receiver::start().await;
    rx.default_reply(Reply::status(500));
    let sub = subscribe(&app, &rx.url("/"), json!({})).await;
    let id = shipment(&app, "602677439331630337000001").await;
    change(&app, &id, Status::InTransit, "in_transit").await;
    let hits = rx.wait_hits(3, 10).await;
    let gaps: Vec<_> = hits.windows(2).map(|w| w[1].at - w[0].at).collect();
    // Schedule 0, 150 ms, 300 ms with ±10 % jitter.
    assert!(
        gaps[0] >= Duration::from_millis(130) && gaps[1] >= Duration::from_millis(265),
        "{gaps:?}"
    );
    assert!(
        hits.iter().all(|h| h.webhook_id() == hits[0].webhook_id()),
        "same id on every attempt"
    );
    let all = settled(&app, sub["id"].as_str().unwrap()).await;
    assert_eq!(
        (all[0].state, all[0].attempts, all[0].last_status),
        (DeliveryState::Dead, 3, Some(500))
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.hits().len(), 3, "no attempt after the last");
}

#[tokio::test]
async fn redirects_are_failures_and_gone_disables() {
    let app = quick_app(|_| {}).await;
    let rx = Receiver::start().await;
    rx.script([
        Reply::status(302).header("location", &rx.url("/elsewhere")),
        Reply::status(410),
    ]);
    let sub = subscribe(&app, &rx.url("/hook"), json!({})).await;
    let sub_id = sub["id"].as_str().unwrap();
    let id = shipment(&app, "602677439331630337000002").await;
    change(&app, &id, Status::InTransit, "in_transit").await;
    rx.wait_hits(2, 10).await;
    let mut got = Value::Null;
    for _ in 0..100 {
        got = app
            .get(&format!("/v1/subscriptions/{sub_id}"))
            .await
            .json()
            .await
            .unwrap();
        if got["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(got["enabled"], false, "{got}");
    assert!(
        got["disabled_reason"].as_str().unwrap().contains("410"),
        "{got}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let hits = rx.hits();
    assert_eq!(
        hits.iter().map(|h| h.path.as_str()).collect::<Vec<_>>(),
        ["/hook", "/hook"],
        "redirect not followed; nothing after 410"
    );
    let log: Value = app
        .get(&format!("/v1/subscriptions/{sub_id}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    let codes: Vec<_> = log["data"][0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].clone())
        .collect();
    assert_eq!(codes, [json!(302), json!(410)], "{log}");
    assert_eq!(
        log["data"][0]["state"], "pending",
        "kept for when the endpoint is enabled again"
    );
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let app = quick_app(|c| c.callbacks.retry_schedule_ms = vec![0, 60_000]).await;
    let rx = Receiver::start().await;
    rx.script([Reply::status(429).header("retry-after", "1")]);
    let sub = subscribe(&app, &rx.url("/"), json!({})).await;
    let id = shipment(&app, "602677439331630337000003").await;
    change(&app, &id, Status::InTransit, "in_transit").await;
    let hits = rx.wait_hits(2, 10).await;
    let gap = hits[1].at - hits[0].at;
    assert!(
        gap >= Duration::from_millis(950) && gap < Duration::from_secs(5),
        "Retry-After 1 s, not the 60 s schedule: {gap:?}"
    );
    let all = settled(&app, sub["id"].as_str().unwrap()).await;
    assert_eq!(all[0].state, DeliveryState::Succeeded);
}

#[tokio::test]
async fn a_later_change_waits_for_the_earlier_one() {
    let app = quick_app(|c| c.callbacks.retry_schedule_ms = vec![0, 300, 300]).await;
    let rx = Receiver::start().await;
    rx.script([
        Reply::status(500).after(Duration::from_millis(100)),
        Reply::status(503),
    ]);
    let sub = subscribe(&app, &rx.url("/"), json!({})).await;
    let a = shipment(&app, "602677439331630337000004").await;
    let b = shipment(&app, "602677439331630337000005").await;
    change(&app, &a, Status::InTransit, "in_transit").await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    change(&app, &a, Status::OutForDelivery, "out_for_delivery").await;
    change(&app, &a, Status::Delivered, "delivered").await;
    change(&app, &b, Status::InTransit, "in_transit").await;
    let all = settled(&app, sub["id"].as_str().unwrap()).await;
    assert!(
        all.iter().all(|d| d.state == DeliveryState::Succeeded),
        "{all:?}"
    );
    let seen: Vec<(String, String)> = rx
        .hits()
        .iter()
        .map(|h| {
            let d = h.json()["data"].clone();
            (
                d["id"].as_str().unwrap().to_string(),
                d["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let for_a: Vec<_> = seen
        .iter()
        .filter(|(s, _)| *s == a)
        .map(|(_, st)| st.as_str())
        .collect();
    let mut order = for_a.clone();
    order.dedup();
    assert_eq!(
        order,
        ["in_transit", "out_for_delivery", "delivered"],
        "{seen:?}"
    );
    assert!(
        for_a.len() >= 4,
        "the first change was retried before the next went out: {seen:?}"
    );
    // Another shipment does not wait for a's retries.
    let first_b = seen.iter().position(|(s, _)| *s == b).unwrap();
    assert!(
        first_b < 3,
        "b went out while a was being retried: {seen:?}"
    );
}

#[tokio::test]
async fn failing_for_too_long_disables_with_the_reason() {
    let app = quick_app(|c| {
        c.callbacks.disable_after_hours = 0;
        c.callbacks.retry_schedule_ms = vec![0, 10_000];
    })
    .await;
    let rx = Receiver::start().await;
    rx.default_reply(Reply::status(500));
    let sub = subscribe(&app, &rx.url("/"), json!({})).await;
    let sub_id = sub["id"].as_str().unwrap();
    let id = shipment(&app, "602677439331630337000006").await;
    change(&app, &id, Status::InTransit, "in_transit").await;
    rx.wait_hits(1, 10).await;
    let mut got = Value::Null;
    for _ in 0..100 {
        got = app
            .get(&format!("/v1/subscriptions/{sub_id}"))
            .await
            .json()
            .await
            .unwrap();
        if got["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(got["enabled"], false, "{got}");
    assert!(
        got["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("no successful delivery"),
        "{got}"
    );
    assert!(got["failing_since"].is_string(), "{got}");
    // Enabling again clears the reason and the streak.
    let r = app
        .http
        .patch(format!("{}/v1/subscriptions/{sub_id}", app.base))
        .bearer_auth(&app.key)
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    let got: Value = r.json().await.unwrap();
    assert_eq!(
        (got["enabled"].as_bool(), got.get("disabled_reason")),
        (Some(true), None),
        "{got}"
    );
}
