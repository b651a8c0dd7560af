//! `/v1/subscriptions` over HTTP: validation and SSRF refusals (at creation, update and send
//! time), merchant isolation, the delivery log, retry by hand and replay.

use std::sync::Arc;
use std::time::Duration;

use carriers::Status;
use parcelgate::dispatch::ssrf::{GuardedResolver, Policy};
use parcelgate::store::{DeliveryState, NewSubscription};
use serde_json::{json, Value};

use crate::callbacks_flow::{change, quick_app, settled, shipment, subscribe};
use crate::callbacks_receiver::{Receiver, Reply};
use crate::common::app::assert_problem;

#[tokio::test]
async fn refused_urls_name_the_field() {
    let app = quick_app(|_| {}).await;
    for url in [
        "https://[::ffff:127.0.0.1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.1/hook",
        "https://[::1]/hook",
        "https://0.0.0.0/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://224.0.0.1/hook",
        "https://user:pw@hooks.example.com/hook",
        "ftp://hooks.example.com/",
        "not a url",
    ] {
        let r = app.post("/v1/subscriptions", &json!({"url": url})).await;
        let p = assert_problem(r, 422).await;
        assert_eq!(p["field"], "url", "{url}: {p}");
    }
    // 127.0.0.0/8 is allowed by the test config, but only as written: not as IPv4-mapped.
    let ok = app
        .post(
            "/v1/subscriptions",
            &json!({"url": "http://127.0.0.1:9/hook"}),
        )
        .await;
    assert_eq!(ok.status(), 201);
    let sub: Value = ok.json().await.unwrap();
    let r = app
        .http
        .patch(format!(
            "{}/v1/subscriptions/{}",
            app.base,
            sub["id"].as_str().unwrap()
        ))
        .bearer_auth(&app.key)
        .json(&json!({"url": "https://10.0.0.1/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(assert_problem(r, 422).await["field"], "url");
    for (body, field) in [
        (
            json!({"url": "http://127.0.0.1:9/", "event_types": ["shipment.exploded"]}),
            "event_types",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "event_types": []}),
            "event_types",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "carriers": ["ups"]}),
            "carriers",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "statuses": ["lost"]}),
            "statuses",
        ),
    ] {
        let p = assert_problem(app.post("/v1/subscriptions", &body).await, 422).await;
        assert_eq!(p["field"], field, "{p}");
    }

    // Plain http is refused unless allowed.
    let strict = quick_app(|c| c.callbacks.allow_http = false).await;
    let r = strict
        .post("/v1/subscriptions", &json!({"url": "http://127.0.0.1:9/"}))
        .await;
    let p = assert_problem(r, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("https"), "{p}");
}

#[tokio::test]
async fn the_address_connected_to_is_checked_when_sending() {
    let allowed = Policy::new(true, serde_json::from_str("\"127.0.0.0/8\"").unwrap());
    let addrs = GuardedResolver::new(Arc::new(allowed))
        .resolve_host("localhost")
        .await
        .unwrap();
    assert!(
        !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback() && a.is_ipv4()),
        "{addrs:?}"
    );
    let none = GuardedResolver::new(Arc::new(Policy::default()))
        .resolve_host("localhost")
        .await;
    assert!(none.unwrap_err().to_string().contains("loopback"));

    // A URL stored before the rules (or by hand) is still refused at send time, fast.
    let app = quick_app(|c| c.callbacks.retry_schedule_ms = vec![0]).await;
    let store = &app.state().store;
    let sub = store
        .create_subscription(
            &NewSubscription {
                merchant_id: app.merchant_id.as_str().into(),
                url: "http://10.255.255.1:9/hook".into(),
                description: None,
                event_types: vec!["shipment.status_changed".into()],
                carriers: vec![],
                statuses: vec![],
                enabled: true,
                secret: parcelgate::dispatch::signing::generate_secret(),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let id = shipment(&app, "602677439331630337000010").await;
    change(&app, &id, Status::InTransit, "in_transit").await;
    let all = settled(&app, &sub.id).await;
    assert_eq!(all[0].state, DeliveryState::Dead);
    let err = all[0].last_error.clone().unwrap();
    assert!(err.contains("refused") && err.contains("private"), "{err}");
}

#[tokio::test]
async fn isolation_log_retry_and_replay() {
    let app = quick_app(|c| c.callbacks.retry_schedule_ms = vec![0]).await;
    let rx = Receiver::start().await;
    rx.script([Reply::status(500)]);
    let sub = subscribe(&app, &rx.url("/"), json!({})).await;
    let sub_id = sub["id"].as_str().unwrap();
    let id = shipment(&app, "602677439331630337000011").await;
    let started = chrono::Utc::now();
    change(&app, &id, Status::InTransit, "in_transit").await;
    change(&app, &id, Status::OutForDelivery, "out_for_delivery").await;
    let all = settled(&app, sub_id).await;
    let dead = all
        .iter()
        .find(|d| d.state == DeliveryState::Dead)
        .unwrap()
        .clone();

    // Another merchant sees nothing of it.
    let other = app.another_merchant("Other").await;
    let base = format!("/v1/subscriptions/{sub_id}");
    for p in [base.clone(), format!("{base}/deliveries")] {
        assert_problem(app.get_as(&other, &p).await, 404).await;
    }
    for (m, p) in [
        ("POST", format!("{base}/rotate-secret")),
        ("POST", format!("{base}/deliveries/{}/retry", dead.id)),
        ("POST", format!("{base}/replay")),
        ("PATCH", base.clone()),
        ("DELETE", base.clone()),
    ] {
        let r = app
            .http
            .request(m.parse().unwrap(), format!("{}{p}", app.base))
            .bearer_auth(&other)
            .json(&if m == "PATCH" {
                json!({"enabled": false})
            } else {
                json!({"from": started, "to": chrono::Utc::now()})
            })
            .send()
            .await
            .unwrap();
        assert_problem(r, 404).await;
    }
    let list: Value = app
        .get_as(&other, "/v1/subscriptions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"], json!([]));

    // The log: the dead delivery with its 500.
    let log: Value = app
        .get(&format!("{base}/deliveries?state=dead"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["data"].as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log["data"][0]["attempts"][0]["status_code"], 500);
    assert_eq!(log["data"][0]["attempts"][0]["error"], "HTTP 500");
    let page: Value = app
        .get(&format!("{base}/deliveries?limit=1"))
        .await
        .json()
        .await
        .unwrap();
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get(&format!("{base}/deliveries?limit=1&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert!(rest.get("next_cursor").is_none());
    assert_problem(app.get(&format!("{base}/deliveries?state=lost")).await, 422).await;

    // Retry by hand: the same webhook-id again, now delivered.
    let r = app
        .post(&format!("{base}/deliveries/{}/retry", dead.id), &json!({}))
        .await;
    assert_eq!(r.status(), 202);
    assert_problem(
        app.post(&format!("{base}/deliveries/dlv_nope/retry"), &json!({}))
            .await,
        404,
    )
    .await;
    let all = settled(&app, sub_id).await;
    assert!(
        all.iter().all(|d| d.state == DeliveryState::Succeeded),
        "{all:?}"
    );
    let hits = rx.hits();
    assert_eq!(
        hits.iter()
            .filter(|h| h.webhook_id() == dead.webhook_id)
            .count(),
        2
    );

    // Replay: both changes again, as new messages.
    let bad = app
        .post(
            &format!("{base}/replay"),
            &json!({"from": chrono::Utc::now(), "to": started}),
        )
        .await;
    assert_eq!(assert_problem(bad, 422).await["field"], "to");
    let r = app
        .post(
            &format!("{base}/replay"),
            &json!({"from": started, "to": chrono::Utc::now()}),
        )
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.json::<Value>().await.unwrap()["enqueued"], 2);
    let hits = rx.wait_hits(5, 10).await;
    let replayed: Vec<_> = hits[3..]
        .iter()
        .map(|h| h.json()["data"]["status"].clone())
        .collect();
    assert_eq!(
        replayed,
        [json!("in_transit"), json!("out_for_delivery")],
        "in order"
    );
    let ids: std::collections::HashSet<_> = hits.iter().map(|h| h.webhook_id()).collect();
    assert_eq!(ids.len(), 4, "replays carry new webhook ids");

    // Delete: gone, with its log.
    let r = app
        .http
        .delete(format!("{}{base}", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_problem(app.get(&base).await, 404).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[tokio::test]
async fn openapi_documents_subscriptions() {
    let app = quick_app(|_| {}).await;
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    for p in [
        "/v1/subscriptions",
        "/v1/subscriptions/{id}",
        "/v1/subscriptions/{id}/rotate-secret",
        "/v1/subscriptions/{id}/deliveries",
        "/v1/subscriptions/{id}/deliveries/{delivery_id}/retry",
        "/v1/subscriptions/{id}/replay",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing");
    }
    assert!(doc["components"]["schemas"]["CallbackBody"].is_object());
}
