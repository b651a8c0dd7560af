//! InPost end to end: register, poll, timeline; webhooks merged with polls; carrier errors.

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::app::{fixture, TestApp, INPOST_SECRET};
use crate::common::db;

const LOCKER: &str = "602677439331630337653846";

async fn serve_tracking(app: &TestApp, number: &str, file: &str) {
    app.inpost.reset().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/tracking/{number}")))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture(&format!("inpost/{file}"))),
        )
        .mount(&app.inpost)
        .await;
}

fn statuses(v: &Value) -> Vec<String> {
    v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_string())
        .collect()
}

async fn register_poll_and_read_timeline(app: TestApp) {
    serve_tracking(&app, LOCKER, "locker_delivered_with_reminder.json").await;
    let s = app
        .register(json!({"tracking_number": "6026 7743 9331 6303 3765 3846", "order_ref": "A-1"}))
        .await;
    assert_eq!(s["carrier"], "inpost", "detected from 24 digits");
    assert_eq!(s["status"], "pending");
    let id = s["id"].as_str().unwrap();
    let v = app.wait_for(id, |v| v["status"] == "delivered").await;
    assert_eq!(
        statuses(&v),
        [
            "info_received",
            "in_transit",
            "in_transit",
            "in_transit",
            "in_transit",
            "out_for_delivery",
            "available_for_pickup",
            "available_for_pickup",
            "delivered"
        ],
        "oldest first although ShipX sends newest first"
    );
    assert_eq!(v["substatus"], "delivered.recipient");
    let reminder = &v["timeline"][7];
    assert_eq!(reminder["raw_code"], "pickup_reminder_sent");
    assert_eq!(reminder["local_time"], "2026-05-20T09:00:12+02:00");
    assert_eq!(reminder["tz_source"], "carrier");
    assert_eq!(v["details"]["pickup_point"]["id"], "KRA01M");
    assert_eq!(
        v["progress"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["state"] == "done")
            .count(),
        5
    );
    assert_eq!(v["progress"][3]["key"], "ready_for_pickup");
    assert!(v["tracking_url"]
        .as_str()
        .unwrap()
        .starts_with("http://parcelgate.test/t/"));
    assert!(
        v["public_token"].as_str().unwrap().len() >= 22,
        "at least 128 bits"
    );
    // Status changes are recorded once each.
    let changes = app.state().store.status_changes(id).await.unwrap();
    let to: Vec<_> = changes.iter().map(|c| c.to_status.as_str()).collect();
    assert_eq!(
        to,
        ["delivered"],
        "one poll saw the whole journey: one change"
    );
    // Delivered: never polled again.
    let stored = app.state().store.shipment_by_id(id).await.unwrap().unwrap();
    assert_eq!(stored.next_poll_at, None);
}

#[tokio::test]
async fn register_poll_and_read_timeline_sqlite() {
    register_poll_and_read_timeline(TestApp::start().await).await;
}

#[tokio::test]
async fn register_poll_and_read_timeline_postgres() {
    if let Some(pg) = db::pg_store().await {
        register_poll_and_read_timeline(TestApp::start_with(pg, |_| {}).await).await;
    }
}

async fn post_webhook(app: &TestApp, body: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/v1/webhooks/inpost/{INPOST_SECRET}", app.base))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn webhook_updates_timeline_without_duplicating_the_poll() {
    let app = TestApp::start().await;
    serve_tracking(&app, LOCKER, "locker_ready_to_pickup.json").await;
    let s = app
        .register(json!({"tracking_number": LOCKER, "carrier": "inpost"}))
        .await;
    let id = s["id"].as_str().unwrap().to_string();
    let v = app
        .wait_for(&id, |v| v["status"] == "available_for_pickup")
        .await;
    assert_eq!(v["timeline"].as_array().unwrap().len(), 7);
    assert!(
        v["details"]["pickup_point"]["available_until"].is_string(),
        "collect-by shown while waiting"
    );

    // The reminder arrives by webhook first.
    let r = post_webhook(&app, &fixture("inpost/webhook_status_changed.json")).await;
    assert_eq!(r.status(), 200);
    let v = app
        .wait_for(&id, |v| v["timeline"].as_array().unwrap().len() == 8)
        .await;
    assert_eq!(v["substatus"], "available_for_pickup.reminder_sent");

    // Then a poll sees the reminder too, plus the delivery: one reminder, not two.
    serve_tracking(&app, LOCKER, "locker_delivered_with_reminder.json").await;
    let r = app
        .post(&format!("/v1/shipments/{id}/refresh"), &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "delivered");
    let reminders = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["raw_code"] == "pickup_reminder_sent")
        .count();
    assert_eq!(reminders, 1);
    assert_eq!(v["timeline"].as_array().unwrap().len(), 9);

    // The delivery webhook arriving late changes nothing.
    assert_eq!(
        post_webhook(&app, &fixture("inpost/webhook_delivered.json"))
            .await
            .status(),
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let v: Value = app
        .get(&format!("/v1/shipments/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["timeline"].as_array().unwrap().len(), 9);
    let changes = app.state().store.status_changes(&id).await.unwrap();
    let to: Vec<_> = changes.iter().map(|c| c.to_substatus.as_str()).collect();
    assert_eq!(
        to,
        [
            "available_for_pickup.locker",
            "available_for_pickup.reminder_sent",
            "delivered.recipient"
        ]
    );
}

#[tokio::test]
async fn webhook_endpoint_checks_secret_source_and_keeps_bad_bodies() {
    let app = TestApp::start_with(db::sqlite_store().await, |c| {
        c.carriers.inpost.endpoint.allowed_sources =
            serde_json::from_str("\"91.216.25.0/24\"").unwrap();
        c.webhooks.trusted_proxies = serde_json::from_str("\"127.0.0.1\"").unwrap();
    })
    .await;
    let url = |secret: &str| format!("{}/v1/webhooks/inpost/{secret}", app.base);
    let body = fixture("inpost/webhook_status_changed.json");
    // Wrong secret: indistinguishable from no endpoint.
    let r = app
        .http
        .post(url("wrong-secret"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    crate::common::app::assert_problem(r, 404).await;
    // Direct from loopback: not InPost's network.
    let r = app
        .http
        .post(url(INPOST_SECRET))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    crate::common::app::assert_problem(r, 403).await;
    // A forwarded-for header from an untrusted client would not help; from the trusted proxy it does.
    let ok = |b: String| {
        app.http
            .post(url(INPOST_SECRET))
            .header("x-forwarded-for", "91.216.25.14")
            .body(b)
            .send()
    };
    let r = ok(body.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    // InPost's URL check.
    let r = app
        .http
        .get(url(INPOST_SECRET))
        .header("x-forwarded-for", "91.216.25.14")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A body that cannot be processed is acknowledged, stored, and parked with its error.
    let r = ok("{\"event\": \"shipment_status_changed\"}".into())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let inbox_id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut item = None;
    for _ in 0..100 {
        item = app.state().store.inbox_item(inbox_id).await.unwrap();
        if item
            .as_ref()
            .is_some_and(|i| i.state != parcelgate::store::InboxState::Pending)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let item = item.unwrap();
    assert_eq!(item.state, parcelgate::store::InboxState::Failed);
    assert!(item.error.unwrap().contains("inpost: undecodable payload"));
    assert_eq!(item.body, b"{\"event\": \"shipment_status_changed\"}");
}

#[tokio::test]
async fn unknown_number_stays_pending_and_errors_are_recorded() {
    let app = TestApp::start().await;
    Mock::given(path("/v1/tracking/602677439331630337699999"))
        .respond_with(
            ResponseTemplate::new(404).set_body_string(fixture("inpost/unknown_number_404.json")),
        )
        .mount(&app.inpost)
        .await;
    Mock::given(path("/v1/tracking/602677439331630337688888"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .mount(&app.inpost)
        .await;
    let a = app
        .register(json!({"tracking_number": "602677439331630337699999"}))
        .await;
    let b = app
        .register(json!({"tracking_number": "602677439331630337688888"}))
        .await;
    let a = app
        .wait_for(a["id"].as_str().unwrap(), |v| {
            v["last_polled_at"].is_string()
        })
        .await;
    assert_eq!(a["status"], "pending");
    assert!(
        a.get("last_error").is_none(),
        "no data yet is not an error: {a}"
    );
    let b = app
        .wait_for(b["id"].as_str().unwrap(), |v| v["last_error"].is_string())
        .await;
    assert!(
        b["last_error"]
            .as_str()
            .unwrap()
            .contains("rate limited (retry after 120s)"),
        "{b}"
    );
    let stored = app
        .state()
        .store
        .shipment_by_id(b["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.poll_failures, 1);
    let wait = stored.next_poll_at.unwrap() - chrono::Utc::now();
    assert!(wait.num_seconds() >= 110, "Retry-After honoured: {wait}");
    // Everyone pauses, not just this shipment.
    let carriers: Value = app.get("/v1/carriers").await.json().await.unwrap();
    let inpost = carriers["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "inpost")
        .unwrap();
    assert!(
        inpost["quota"]["paused_for_secs"].as_u64().unwrap() > 100,
        "{inpost}"
    );
}
