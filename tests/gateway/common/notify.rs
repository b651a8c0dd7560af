//! Shopper-notification test helpers: an app sending through a real SMTP server the test
//! starts, shipments registered with a shopper's address, status changes, the message log.

use std::time::Duration;

use carriers::{CarrierId, Status};
use chrono::Utc;
use parcelgate::config::Config;
use parcelgate::notify::email::sink::SmtpSink;
use parcelgate::store::UpdateSource;
use parcelgate::tracking::ApplyUpdates;
use serde_json::{json, Value};

use super::app::TestApp;
use super::db;
use super::snapshots::one_event;

/// An app whose e-mail goes to a fresh SMTP sink (SQLite).
pub async fn app_with_sink() -> (TestApp, SmtpSink) {
    app_with_sink_and(|_| {}).await
}

/// An app whose e-mail goes to a fresh SMTP sink (SQLite), with more configuration (DKIM,
/// quiet hours, a sealing key, …).
pub async fn app_with_sink_and(tweak: impl FnOnce(&mut Config)) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await.expect("sink");
    let app = app_sending_to(&sink, tweak).await;
    (app, sink)
}

/// An app (SQLite) whose e-mail goes to `sink`, with more configuration.
pub async fn app_sending_to(sink: &SmtpSink, tweak: impl FnOnce(&mut Config)) -> TestApp {
    TestApp::start_with(db::sqlite_store().await, |c| {
        send_to(c, sink);
        tweak(c);
    })
    .await
}

/// Points a config's e-mail at the sink.
pub fn send_to(c: &mut Config, sink: &SmtpSink) {
    c.email.smtp_url = carriers::Secret::new(sink.smtp_url());
    c.email.from = "Sklep Test <noreply@shop.example>".into();
}

/// `PATCH /v1/merchant` with this key.
pub async fn patch_merchant(app: &TestApp, key: &str, body: &Value) -> reqwest::Response {
    app.http
        .patch(format!("{}/v1/merchant", app.base))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("request")
}

/// [`register`], answering the new shipment's id.
pub async fn register_id(app: &TestApp, number: &str, email: &str) -> String {
    register(app, number, email).await["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// Registers an InPost shipment in Polish with the shopper's address and name.
pub async fn register(app: &TestApp, number: &str, email: &str) -> Value {
    app.register(json!({
        "tracking_number": number, "carrier": "inpost", "language": "pl",
        "customer_email": email, "customer_name": "Anna",
    }))
    .await
}

/// Applies a one-event snapshot of `s` as a push.
pub async fn status(app: &TestApp, id: &str, number: &str, s: Status, sub: &'static str) {
    let snap = one_event(CarrierId::Inpost, number, s, sub, Utc::now());
    app.state()
        .store
        .apply_snapshot(id, &snap, UpdateSource::Push, Utc::now())
        .await
        .expect("apply");
}

/// The shipment's message log.
pub async fn log(app: &TestApp, id: &str) -> Vec<Value> {
    let r = app.get(&format!("/v1/shipments/{id}/notifications")).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    v["data"].as_array().cloned().unwrap_or_default()
}

/// The shipment's message log without the timed "delayed" planned with each ETA for later
/// (tests of what a status change sends look at these).
pub async fn change_log(app: &TestApp, id: &str) -> Vec<Value> {
    let mut l = log(app, id).await;
    l.retain(|m| m["trigger"] != "delayed");
    l
}

/// Polls the message log (without "delayed") until `done` holds (the worker runs every second).
pub async fn log_until(app: &TestApp, id: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    poll(app, id, false, done).await
}

/// Polls the whole message log until `done` holds.
pub async fn full_log_until(
    app: &TestApp,
    id: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    poll(app, id, true, done).await
}

async fn poll(
    app: &TestApp,
    id: &str,
    with_delayed: bool,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..100 {
        let l = if with_delayed {
            log(app, id).await
        } else {
            change_log(app, id).await
        };
        if done(&l) {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("message log never got there: {:?}", log(app, id).await);
}

/// A quiet-hours window around the present moment in Warsaw (shoppers without a country).
pub fn window_around_now() -> String {
    let local = Utc::now().with_timezone(&chrono_tz::Europe::Warsaw);
    let at = |d: chrono::Duration| (local + d).format("%H:%M").to_string();
    format!(
        "{}-{}",
        at(-chrono::Duration::hours(1)),
        at(chrono::Duration::hours(1))
    )
}
