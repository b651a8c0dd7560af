//! InPost client tests against wiremock: the documented request, and how HTTP failures
//! become typed errors.

use std::time::Duration;

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

fn fixture(name: &str) -> String {
    let p = format!(
        "{}/../wiremock-fixtures/inpost/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn carrier(base: &str) -> InpostCarrier {
    InpostCarrier::new(InpostConfig {
        base_url: base.to_string(),
        api_token: Secret::new("tok"),
        timeout_secs: 1,
        ..Default::default()
    })
}

async fn track(server: &MockServer, number: &str) -> Result<crate::TrackingSnapshot, CarrierError> {
    let mut out = carrier(&server.uri())
        .track(&[TrackRequest::number(number)])
        .await;
    out.pop().unwrap().result
}

#[tokio::test]
async fn client_sends_the_documented_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/tracking/602677439331630337653846"))
        .and(header("authorization", "Bearer tok"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("locker_delivered_with_reminder.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let s = track(&server, "602677439331630337653846").await.unwrap();
    assert_eq!(s.events.len(), 9);
}

#[tokio::test]
async fn client_maps_http_failures_to_typed_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/tracking/404"))
        .respond_with(
            ResponseTemplate::new(404).set_body_string(fixture("unknown_number_404.json")),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v1/tracking/429"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "42"))
        .mount(&server)
        .await;
    Mock::given(path("/v1/tracking/500"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&server)
        .await;
    Mock::given(path("/v1/tracking/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    Mock::given(path("/v1/tracking/garbage"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"tracking_number\": 5"))
        .mount(&server)
        .await;

    assert!(matches!(
        track(&server, "404").await,
        Err(CarrierError::NotFound { .. })
    ));
    let e = track(&server, "429").await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(42)));
    let e = track(&server, "500").await.unwrap_err();
    assert!(matches!(e, CarrierError::Upstream { status: 502, .. }) && e.is_retryable());
    let e = track(&server, "slow").await.unwrap_err();
    assert!(matches!(e, CarrierError::Timeout { .. }) && e.is_retryable());
    let e = track(&server, "garbage").await.unwrap_err();
    assert!(matches!(e, CarrierError::Decode { .. }) && !e.is_retryable());
    assert!(
        e.to_string()
            .starts_with("inpost: undecodable payload: tracking response for garbage"),
        "{e}"
    );
    // Path injection is refused before any request.
    assert!(matches!(
        track(&server, "../admin").await,
        Err(CarrierError::Rejected { .. })
    ));
}
