//! The read caches follow every committed change: the API view and the tracking page's data
//! are served from memory and invalidated after commit, including token revocation.

use serde_json::{json, Value};
use wiremock::matchers::path;
use wiremock::{Mock, ResponseTemplate};

use crate::common::app::{fixture, TestApp, INPOST_SECRET};

#[tokio::test]
async fn cached_api_and_page_follow_webhooks_and_revocation() {
    let app = TestApp::start().await;
    Mock::given(path("/v1/tracking/602677439331630337653846"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("inpost/locker_ready_to_pickup.json")),
        )
        .mount(&app.inpost)
        .await;
    let s = app
        .register(json!({"tracking_number": "602677439331630337653846"}))
        .await;
    let id = s["id"].as_str().unwrap().to_string();
    let v = app
        .wait_for(&id, |v| v["status"] == "available_for_pickup")
        .await;
    let token = v["public_token"].as_str().unwrap().to_string();
    let page_json = |t: String| {
        let http = app.http.clone();
        let base = app.base.clone();
        async move { http.get(format!("{base}/t/{t}.json")).send().await.unwrap() }
    };
    // Warm both caches, twice (the second read is a hit).
    for _ in 0..2 {
        let p: Value = page_json(token.clone()).await.json().await.unwrap();
        assert_eq!(p["status"], "available_for_pickup");
        assert_eq!(app.get(&format!("/v1/shipments/{id}")).await.status(), 200);
    }
    let hits = app
        .state()
        .metrics
        .counter("parcelgate_cache_requests_total", &[("result", "hit")]);
    assert!(hits >= 1, "the API view was served from the cache");

    // A webhook commits a change: both readers see it at once.
    let r = app
        .http
        .post(format!("{}/v1/webhooks/inpost/{INPOST_SECRET}", app.base))
        .body(fixture("inpost/webhook_delivered.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.wait_for(&id, |v| v["status"] == "delivered").await;
    let p: Value = page_json(token.clone()).await.json().await.unwrap();
    assert_eq!(p["status"], "delivered");

    // Revoking the token: the cached old token stops working immediately.
    let r = app
        .post(&format!("/v1/shipments/{id}/revoke-token"), &json!({}))
        .await;
    let new = r.json::<Value>().await.unwrap()["public_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(page_json(token).await.status(), 404);
    assert_eq!(page_json(new).await.status(), 200);
}
