//! Client tests against wiremock: the exact requests DHL receives (tracking and push
//! subscriptions) and how each kind of answer becomes a result or a typed error.

use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::carrier::{Carrier, TrackRequest};
use crate::model::Status;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../wiremock-fixtures/dhl/", $name))
    };
}

fn carrier(server: &MockServer) -> DhlCarrier {
    DhlCarrier::new(DhlConfig {
        base_url: format!("{}/", server.uri()),
        api_key: Secret::new("test-key"),
        webhook_token: Secret::new("hook-token"),
        timeout_secs: 5,
        ..DhlConfig::default()
    })
}

fn json_response(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

#[tokio::test]
async fn sends_the_documented_request_with_every_known_hint() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/track/shipments"))
        .and(header("DHL-API-Key", "test-key"))
        .and(query_param("trackingNumber", "20584430128"))
        .and(query_param("service", "parcel-pl"))
        .and(query_param("recipientPostalCode", "30-001 &x"))
        .and(query_param("originCountryCode", "PL"))
        .and(query_param("language", "pl"))
        .respond_with(json_response(200, fixture!("parcel_pl_service_point.json")))
        .expect(1)
        .mount(&server)
        .await;
    let req = TrackRequest {
        tracking_number: "20584430128".into(),
        service: Some("parcel-pl".into()),
        destination_postal_code: Some("30-001 &x".into()),
        origin_country: Some("PL".into()),
        language: Some("pl".into()),
    };
    let out = carrier(&server).track(std::slice::from_ref(&req)).await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].tracking_number, "20584430128");
    let snap = out[0].result.as_ref().unwrap();
    assert!(snap.events.iter().any(|e| e.status == Status::Delivered));
}

#[tokio::test]
async fn sends_only_the_number_and_the_configured_language_when_nothing_else_is_known() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/track/shipments"))
        .and(query_param("trackingNumber", "00340434161094042557"))
        .and(query_param("language", "de"))
        .and(query_param_is_missing("service"))
        .and(query_param_is_missing("recipientPostalCode"))
        .and(query_param_is_missing("originCountryCode"))
        .respond_with(json_response(200, fixture!("paket_in_transit.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = DhlCarrier::new(DhlConfig {
        base_url: server.uri(),
        api_key: Secret::new("k"),
        language: Some("de".into()),
        ..DhlConfig::default()
    });
    let snap = c
        .track_one(&TrackRequest::number("00340434161094042557"))
        .await
        .unwrap();
    assert_eq!(snap.details.service.as_deref(), Some("parcel-de"));
}

async fn error_for(status: u16, body: &str, extra: Option<(&str, &str)>) -> CarrierError {
    let server = MockServer::start().await;
    let mut resp = json_response(status, body);
    if let Some((k, v)) = extra {
        resp = resp.insert_header(k, v);
    }
    Mock::given(method("GET"))
        .and(path("/track/shipments"))
        .respond_with(resp)
        .mount(&server)
        .await;
    carrier(&server)
        .track_one(&TrackRequest::number("5584773180"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn http_404_is_not_found() {
    let err = error_for(404, fixture!("not_found_404.json"), None).await;
    assert!(
        matches!(&err, CarrierError::NotFound { tracking_number, .. } if tracking_number == "5584773180")
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn http_429_is_rate_limited_with_retry_after() {
    let err = error_for(
        429,
        fixture!("rate_limited_429.json"),
        Some(("Retry-After", "30")),
    )
    .await;
    assert!(matches!(err, CarrierError::RateLimited { .. }));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn http_500_is_a_retryable_upstream_error_with_dhls_words() {
    let body = r#"{"title":"Internal Server Error","status":500,"detail":"Backend unavailable"}"#;
    let err = error_for(500, body, None).await;
    assert!(
        matches!(&err, CarrierError::Upstream { status: 500, detail, .. } if detail == "Internal Server Error: Backend unavailable")
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn http_401_is_unauthorized() {
    let body = r#"{"title":"Unauthorized","status":401,"detail":"Invalid API key"}"#;
    assert!(matches!(
        error_for(401, body, None).await,
        CarrierError::Unauthorized { .. }
    ));
}

#[tokio::test]
async fn malformed_body_is_a_decode_error_naming_dhl_and_the_position() {
    let err = error_for(
        200,
        r#"{"shipments": [{"id": "5584773180", "events": [{"timestamp": 5}]}]}"#,
        None,
    )
    .await;
    let msg = err.to_string();
    assert!(matches!(err, CarrierError::Decode { .. }));
    assert!(
        msg.contains("DHL") && msg.contains("line 1 column") && msg.contains("invalid type"),
        "{msg}"
    );
    let err = error_for(200, "{\"shipments\": [", None).await;
    assert!(matches!(err, CarrierError::Decode { .. }));
}

#[tokio::test]
async fn several_shipments_without_hints_are_ambiguous() {
    let err = error_for(200, fixture!("multiple_shipments.json"), None).await;
    assert!(
        matches!(&err, CarrierError::Ambiguous { detail, .. } if detail.contains("express") && detail.contains("parcel-de"))
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_empty_shipment_list_is_not_found() {
    assert!(matches!(
        error_for(200, r#"{"shipments":[]}"#, None).await,
        CarrierError::NotFound { .. }
    ));
}

#[tokio::test]
async fn missing_api_key_is_not_configured_without_calling_dhl() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let c = DhlCarrier::new(DhlConfig {
        base_url: server.uri(),
        ..DhlConfig::default()
    });
    let err = c
        .track_one(&TrackRequest::number("5584773180"))
        .await
        .unwrap_err();
    assert!(matches!(err, CarrierError::NotConfigured { .. }));
}

#[tokio::test]
async fn creates_a_shipment_push_subscription_with_the_documented_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tracking/push/v1/subscription"))
        .and(header("DHL-API-Key", "test-key"))
        .and(body_json(json!({
            "hook": {
                "uri": "https://gw.example/v1/webhooks/dhl/s3cr3t",
                "authentication": {"type": "ApiKeyAuthentication", "header": "X-Parcelgate-Token", "token": "hook-token"}
            },
            "format": "Default",
            "type": "Shipment",
            "service": "parcel-de",
            "events": ["Transit", "Delivered", "Pre-Transit", "Failure", "Unknown"],
            "shipmentIDs": ["00340434161094042557"]
        })))
        .respond_with(json_response(201, r#"{"id":"sub-1","secret":"act-secret"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let sub = carrier(&server)
        .create_push_subscription(PushSubscriptionRequest {
            hook_uri: "https://gw.example/v1/webhooks/dhl/s3cr3t".into(),
            service: "parcel-de".into(),
            events: vec![],
            target: PushTarget::Shipments(vec!["00340434161094042557".into()]),
        })
        .await
        .unwrap();
    assert_eq!(sub.id, "sub-1");
    assert!(sub.secret.matches(b"act-secret"));
}

#[tokio::test]
async fn creates_an_account_subscription_and_validates_shipment_counts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tracking/push/v1/subscription"))
        .and(wiremock::matchers::body_partial_json(
            json!({"type": "Account", "accountID": "ACC-7", "events": ["Delivered"]}),
        ))
        .respond_with(json_response(200, r#"{"id":42,"secret":"s"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = carrier(&server);
    let req = |target| PushSubscriptionRequest {
        hook_uri: "https://gw.example/h".into(),
        service: "parcel-de".into(),
        events: vec!["Delivered".into()],
        target,
    };
    let sub = c
        .create_push_subscription(req(PushTarget::Account("ACC-7".into())))
        .await
        .unwrap();
    assert_eq!(sub.id, "42");
    let eleven = (0..11).map(|i| format!("0034043416109404255{i}")).collect();
    let err = c
        .create_push_subscription(req(PushTarget::Shipments(eleven)))
        .await
        .unwrap_err();
    assert!(matches!(err, CarrierError::Rejected { .. }));
}

#[tokio::test]
async fn activates_with_the_hook_secret_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tracking/push/v1/subscription/sub%201"))
        .and(header("DHL-API-Hook-Secret", "act-secret"))
        .and(header("DHL-API-Key", "test-key"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/tracking/push/v1/subscription/missing"))
        .respond_with(json_response(404, r#"{"title":"Not Found","status":404}"#))
        .mount(&server)
        .await;
    let c = carrier(&server);
    c.activate_push_subscription("sub 1", &Secret::new("act-secret"))
        .await
        .unwrap();
    let err = c
        .activate_push_subscription("missing", &Secret::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        CarrierError::Rejected {
            status: Some(404),
            ..
        }
    ));
}
