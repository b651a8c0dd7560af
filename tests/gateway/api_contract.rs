//! The HTTP API's contract: validation, problem+json everywhere, merchant isolation,
//! idempotent registration, paging, detection and the OpenAPI document.

use serde_json::{json, Value};

use crate::common::app::{assert_problem, TestApp};

#[tokio::test]
async fn bad_requests_are_problems_that_name_the_field() {
    let app = TestApp::start().await;
    let p = assert_problem(
        app.post("/v1/shipments", &json!({"carrier": "inpost"}))
            .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "tracking_number", "{p}");
    let p = assert_problem(
        app.post("/v1/shipments", &json!({"tracking_number": "12"}))
            .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "tracking_number");
    let p = assert_problem(
        app.post(
            "/v1/shipments",
            &json!({"tracking_number": "ABCDEFGH", "carrier": "ups"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "carrier");
    assert!(p["detail"].as_str().unwrap().contains("ups"));
    let p = assert_problem(
        app.post("/v1/shipments", &json!({"tracking_number": "ABCDEFGH"}))
            .await,
        422,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("pass `carrier`"),
        "{p}"
    );
    let p = assert_problem(
        app.post("/v1/shipments", &json!({"tracking_number": "602677439331630337653846", "destination_country": "Poland"})).await,
        422,
    )
    .await;
    assert_eq!(p["field"], "destination_country");
    let p = assert_problem(
        app.post(
            "/v1/shipments",
            &json!({"tracking_number": "602677439331630337653846", "colour": "red"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "colour");
    let p = assert_problem(
        app.post("/v1/shipments", &json!({"tracking_number": 5}))
            .await,
        422,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("tracking_number"),
        "{p}"
    );
    // Not JSON at all.
    let r = app
        .http
        .post(format!("{}/v1/shipments", app.base))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400).await;
    // Query validation.
    assert_eq!(
        assert_problem(app.get("/v1/shipments?status=lost").await, 422).await["field"],
        "status"
    );
    assert_eq!(
        assert_problem(app.get("/v1/shipments?limit=0").await, 422).await["field"],
        "limit"
    );
    assert_eq!(
        assert_problem(app.get("/v1/shipments?limit=abc").await, 422).await["field"],
        "limit"
    );
    // Auth.
    let r = app
        .http
        .get(format!("{}/v1/shipments", app.base))
        .send()
        .await
        .unwrap();
    assert_problem(r, 401).await;
    assert_problem(app.get_as("pgk_wrong", "/v1/shipments").await, 401).await;
    // Routing errors are problems too.
    let r = app
        .http
        .put(format!("{}/v1/shipments", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_problem(r, 405).await;
    assert_problem(app.get("/v1/nothing-here").await, 404).await;
    let big = "x".repeat(2 * 1024 * 1024);
    let r = app
        .http
        .post(format!(
            "{}/v1/webhooks/inpost/{}",
            app.base,
            crate::common::app::INPOST_SECRET
        ))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(r, 413).await;
}

#[tokio::test]
async fn merchants_never_see_each_other() {
    let app = TestApp::start().await;
    let other = app.another_merchant("Other Shop").await;
    let s = app
        .register(json!({"tracking_number": "602677439331630337653846", "order_ref": "A-1"}))
        .await;
    let id = s["id"].as_str().unwrap();
    assert_problem(
        app.get_as(&other, &format!("/v1/shipments/{id}")).await,
        404,
    )
    .await;
    // Not even via a warm cache.
    assert_eq!(app.get(&format!("/v1/shipments/{id}")).await.status(), 200);
    assert_problem(
        app.get_as(&other, &format!("/v1/shipments/{id}")).await,
        404,
    )
    .await;
    let list: Value = app
        .get_as(&other, "/v1/shipments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    let r = app
        .http
        .delete(format!("{}/v1/shipments/{id}", app.base))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_problem(r, 404).await;
    let r = app
        .http
        .post(format!("{}/v1/shipments/{id}/refresh", app.base))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_problem(r, 404).await;
    // The other merchant registering the same number gets its own shipment.
    let r = app
        .http
        .post(format!("{}/v1/shipments", app.base))
        .bearer_auth(&other)
        .json(&json!({"tracking_number": "602677439331630337653846"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_ne!(r.json::<Value>().await.unwrap()["id"], s["id"]);
    // The owner still has it and can delete it.
    let r = app
        .http
        .delete(format!("{}/v1/shipments/{id}", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_problem(app.get(&format!("/v1/shipments/{id}")).await, 404).await;
}

#[tokio::test]
async fn registering_twice_returns_the_same_shipment() {
    let app = TestApp::start().await;
    let body = json!({"tracking_number": "602677439331630337653846"});
    let first = app.post("/v1/shipments", &body).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = app
        .post(
            "/v1/shipments",
            &json!({"tracking_number": "602677439331630337653846", "carrier": "INPOST"}),
        )
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
}

#[tokio::test]
async fn list_filters_and_pages_with_a_cursor() {
    let app = TestApp::start_with(crate::common::db::sqlite_store().await, |c| {
        c.poller.enabled = false
    })
    .await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let n = format!("6026774393316303376{i:05}");
        let s = app
            .register(
                json!({"tracking_number": n, "order_ref": if i % 2 == 0 { "EVEN" } else { "ODD" }}),
            )
            .await;
        ids.push(s["id"].as_str().unwrap().to_string());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/shipments?limit=3&cursor={c}"),
            None => "/v1/shipments?limit=3".to_string(),
        };
        let page: Value = app.get(&path).await.json().await.unwrap();
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids, "newest first, each once");
    let even: Value = app
        .get("/v1/shipments?order_ref=EVEN&carrier=inpost&status=pending")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(even["data"].as_array().unwrap().len(), 4);
    let none: Value = app
        .get("/v1/shipments?status=delivered")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["data"].as_array().unwrap().len(), 0);
    assert_problem(app.get("/v1/shipments?cursor=garbage").await, 422).await;
}

#[tokio::test]
async fn detection_endpoint_and_carriers_listing() {
    let app = TestApp::start().await;
    let d: Value = app
        .get("/v1/carriers/detect?tracking_number=602677439331630337653846")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["candidates"][0]["carrier"], "inpost");
    let d: Value = app
        .get("/v1/carriers/detect?tracking_number=hello")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["candidates"].as_array().unwrap().len(), 0);
    assert_problem(app.get("/v1/carriers/detect").await, 422).await;
    let c: Value = app.get("/v1/carriers").await.json().await.unwrap();
    let ids: Vec<_> = c["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["dhl", "dpd", "inpost"]);
}

#[tokio::test]
async fn openapi_covers_every_route_and_docs_render() {
    let app = TestApp::start().await;
    let doc: Value = app
        .http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/v1/shipments",
        "/v1/shipments/{id}",
        "/v1/shipments/{id}/refresh",
        "/v1/carriers",
        "/v1/carriers/detect",
        "/v1/webhooks/{carrier}/{secret}",
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/notification-templates",
        "/v1/notification-templates/{trigger}/{channel}/{lang}",
        "/v1/notifications/preview",
    ] {
        assert!(paths.contains_key(p), "{p} missing from openapi.json");
    }
    assert!(paths["/v1/shipments/{id}"]["delete"].is_object());
    let one = &paths["/v1/notification-templates/{trigger}/{channel}/{lang}"];
    assert!(
        ["put", "get", "delete"].iter().all(|m| one[m].is_object()),
        "{one}"
    );
    let html = app
        .http
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("/v1/shipments/{id}/refresh"));
    assert!(
        !html.contains("https://cdn"),
        "docs load nothing from other hosts"
    );
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        app.http
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let metrics = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("# TYPE parcelgate_polls_total counter"));
    assert!(
        metrics.contains("parcelgate_http_requests_total{route=\"/readyz\",status=\"2xx\"} 1"),
        "{metrics}"
    );
}
