//! DHL through the whole gateway: polling with DHL's parameters, ETA and proof of delivery,
//! rate limits and errors, push webhooks and push subscriptions.

use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::app::{assert_problem, fixture, TestApp, DHL_SECRET};

async fn serve(app: &TestApp, number: &str, status: u16, file: &str) {
    Mock::given(method("GET"))
        .and(path("/track/shipments"))
        .and(query_param("trackingNumber", number))
        .and(header("DHL-API-Key", "dhl-key"))
        .respond_with(
            ResponseTemplate::new(status).set_body_string(fixture(&format!("dhl/{file}"))),
        )
        .mount(&app.dhl)
        .await;
}

#[tokio::test]
async fn parcel_pl_service_point_is_polled_with_service_and_postal_code() {
    let app = TestApp::start().await;
    Mock::given(method("GET"))
        .and(path("/track/shipments"))
        .and(query_param("trackingNumber", "20584430128"))
        .and(query_param("service", "parcel-pl"))
        .and(query_param("recipientPostalCode", "30-001"))
        .and(query_param("language", "pl"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("dhl/parcel_pl_service_point.json")),
        )
        .expect(1..)
        .mount(&app.dhl)
        .await;
    let s = app
        .register(json!({"tracking_number": "20584430128", "destination_postal_code": "30-001", "language": "pl"}))
        .await;
    assert_eq!(s["carrier"], "dhl", "11 digits = DHL Parcel PL");
    let v = app
        .wait_for(s["id"].as_str().unwrap(), |v| v["status"] == "delivered")
        .await;
    let subs: Vec<_> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["substatus"].as_str().unwrap())
        .collect();
    assert!(
        subs.iter().any(|s| s.starts_with("available_for_pickup.")),
        "{subs:?}"
    );
    assert_eq!(
        v["timeline"].as_array().unwrap().last().unwrap()["raw_code"],
        "SP_DOR"
    );
    // Offset-less DHL times are read in Warsaw and marked assumed.
    let last = v["timeline"].as_array().unwrap().last().unwrap();
    assert_eq!(last["local_time"], "2026-05-19T16:20:00+02:00");
    assert_eq!(last["tz_source"], "assumed");
}

#[tokio::test]
async fn express_eta_and_proof_of_delivery_are_shown() {
    let app = TestApp::start().await;
    serve(&app, "4392017755", 200, "paket_in_transit.json").await; // unused number guard
    serve(&app, "5584773180", 200, "express_delivered.json").await;
    serve(&app, "00340434161094042557", 200, "paket_in_transit.json").await;
    let e = app
        .register(json!({"tracking_number": "5584773180", "carrier": "dhl"}))
        .await;
    let v = app
        .wait_for(e["id"].as_str().unwrap(), |v| v["status"] == "delivered")
        .await;
    let pod = &v["details"]["proof_of_delivery"];
    assert!(pod.is_object(), "{v:#}");
    assert_eq!(v["details"]["service"], "express");
    assert!(v.get("eta").is_none(), "delivered: no ETA any more");

    let p = app
        .register(json!({"tracking_number": "00340434161094042557"}))
        .await;
    assert_eq!(p["carrier"], "dhl");
    let v = app
        .wait_for(p["id"].as_str().unwrap(), |v| v["status"] == "in_transit")
        .await;
    assert_eq!(v["eta"]["source"], "carrier", "{v:#}");
    assert!(v["eta"]["original"].is_object());
}

#[tokio::test]
async fn dhl_errors_not_found_rate_limit_and_bad_credentials() {
    let app = TestApp::start().await;
    serve(&app, "20000000001", 404, "not_found_404.json").await;
    Mock::given(path("/track/shipments"))
        .and(query_param("trackingNumber", "20000000002"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "300")
                .set_body_string(fixture("dhl/rate_limited_429.json")),
        )
        .mount(&app.dhl)
        .await;
    let a = app
        .register(json!({"tracking_number": "20000000001", "carrier": "dhl"}))
        .await;
    let a = app
        .wait_for(a["id"].as_str().unwrap(), |v| {
            v["last_polled_at"].is_string()
        })
        .await;
    assert_eq!(a["status"], "pending");
    let b = app
        .register(json!({"tracking_number": "20000000002", "carrier": "dhl"}))
        .await;
    app.wait_for(b["id"].as_str().unwrap(), |v| v["last_error"].is_string())
        .await;
    let carriers: Value = app.get("/v1/carriers").await.json().await.unwrap();
    let dhl = carriers["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "dhl")
        .unwrap()
        .clone();
    assert!(
        dhl["quota"]["paused_for_secs"].as_u64().unwrap() > 250,
        "{dhl}"
    );
    assert_eq!(dhl["quota"]["per_day"], 250);
    assert!(dhl["quota"]["used_today"].as_u64().unwrap() >= 2);
    assert_eq!(dhl["health"], "healthy");
}

#[tokio::test]
async fn unauthorized_dhl_shows_as_unhealthy() {
    let app = TestApp::start().await;
    Mock::given(path("/track/shipments"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(
                r#"{"status":401,"title":"Unauthorized","detail":"Invalid API key"}"#,
            ),
        )
        .mount(&app.dhl)
        .await;
    let s = app
        .register(json!({"tracking_number": "20000000003", "carrier": "dhl"}))
        .await;
    let v = app
        .wait_for(s["id"].as_str().unwrap(), |v| v["last_error"].is_string())
        .await;
    assert!(
        v["last_error"].as_str().unwrap().contains("unauthorized"),
        "{v}"
    );
    let carriers: Value = app.get("/v1/carriers").await.json().await.unwrap();
    let dhl = carriers["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "dhl")
        .unwrap()
        .clone();
    assert_eq!(dhl["health"], "unhealthy");
    assert!(dhl["health_detail"]
        .as_str()
        .unwrap()
        .contains("Invalid API key"));
}

#[tokio::test]
async fn a_shipment_is_fetched_at_most_ten_times_a_day() {
    let app = TestApp::start().await;
    serve(&app, "00340434161094042557", 200, "paket_in_transit.json").await;
    let s = app
        .register(json!({"tracking_number": "00340434161094042557"}))
        .await;
    let id = s["id"].as_str().unwrap();
    app.wait_for(id, |v| v["status"] == "in_transit").await;
    let stored = app.state().store.shipment_by_id(id).await.unwrap().unwrap();
    let gap = stored.next_poll_at.unwrap() - stored.last_polled_at.unwrap();
    assert!(
        gap >= chrono::Duration::seconds(86_400 / 10),
        "next poll after {gap}"
    );
    let p = assert_problem(
        app.post(&format!("/v1/shipments/{id}/refresh"), &json!({}))
            .await,
        429,
    )
    .await;
    assert!(p["retry_after"].as_u64().unwrap() > 8000, "{p}");
}

async fn push(app: &TestApp, token: Option<&str>, body: String) -> reqwest::Response {
    let mut r = app
        .http
        .post(format!("{}/v1/webhooks/dhl/{DHL_SECRET}", app.base))
        .body(body);
    if let Some(t) = token {
        r = r.header("X-Parcelgate-Token", t);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn push_updates_the_timeline_and_checks_its_token() {
    let app = TestApp::start_with(crate::common::db::sqlite_store().await, |c| {
        c.poller.enabled = false
    })
    .await;
    let s = app
        .register(json!({"tracking_number": "00340434161094042557"}))
        .await;
    let id = s["id"].as_str().unwrap();
    assert_problem(
        push(&app, None, fixture("dhl/push_shipments.json")).await,
        401,
    )
    .await;
    assert_problem(
        push(&app, Some("wrong"), fixture("dhl/push_shipments.json")).await,
        401,
    )
    .await;
    let r = push(
        &app,
        Some("dhl-push-token"),
        fixture("dhl/push_shipments.json"),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v = app.wait_for(id, |v| v["status"] == "delivered").await;
    assert_eq!(v["timeline"].as_array().unwrap().len(), 2);
    // Lifecycle messages are acknowledged and change nothing.
    let r = push(
        &app,
        Some("dhl-push-token"),
        fixture("dhl/push_subscription_created.json"),
    )
    .await;
    assert_eq!(r.status(), 200);
    // The same push again is absorbed.
    push(
        &app,
        Some("dhl-push-token"),
        fixture("dhl/push_shipments.json"),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let v: Value = app
        .get(&format!("/v1/shipments/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["timeline"].as_array().unwrap().len(), 2);
    assert_eq!(app.state().store.status_changes(id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn push_subscription_is_created_and_activated() {
    let app = TestApp::start().await;
    Mock::given(method("POST"))
        .and(path("/tracking/push/v1/subscription"))
        .and(header("DHL-API-Key", "dhl-key"))
        .and(body_partial_json(json!({
            "hook": {"uri": format!("http://parcelgate.test/v1/webhooks/dhl/{DHL_SECRET}"),
                     "authentication": {"type": "ApiKeyAuthentication", "header": "X-Parcelgate-Token", "token": "dhl-push-token"}},
            "type": "Account", "accountID": "ACC-1", "service": "parcel-de"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "4f6c2a1e-93b7-4c55-a0d2-6b1f0d9e8a17", "secret": "a8f3c2d94e7b41f0b6d5e2c1f9a07b3d"
        })))
        .expect(1)
        .mount(&app.dhl)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/tracking/push/v1/subscription/4f6c2a1e-93b7-4c55-a0d2-6b1f0d9e8a17",
        ))
        .and(header(
            "DHL-API-Hook-Secret",
            "a8f3c2d94e7b41f0b6d5e2c1f9a07b3d",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&app.dhl)
        .await;
    let r = app
        .post(
            "/v1/carriers/dhl/push-subscriptions",
            &json!({"service": "parcel-de", "account_id": "ACC-1"}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let p = assert_problem(
        app.post(
            "/v1/carriers/dhl/push-subscriptions",
            &json!({"service": "parcel-de"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "account_id");
}
