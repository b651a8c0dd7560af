//! DPD client tests against wiremock: the exact SOAP requests (headers, escaping), faults,
//! NotFound, the feed and its acknowledgement, routing, and Europe token renewal.

use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::fixture_tests::fixture;
use super::*;
use crate::model::Status;

fn pl_config(base: &str) -> DpdConfig {
    DpdConfig {
        pl: DpdPlConfig {
            base_url: base.to_string(),
            login: "log<&in".to_string(),
            password: Secret::new("p&ss<word>"),
            channel: "1495".to_string(),
            language: "PL".to_string(),
        },
        ..DpdConfig::default()
    }
}

fn europe_config(base: &str) -> DpdConfig {
    DpdConfig {
        europe: DpdEuropeConfig {
            base_url: base.to_string(),
            delis_id: "KD<&1".to_string(),
            password: Secret::new("se&cret"),
            message_language: "en_EN".to_string(),
        },
        ..DpdConfig::default()
    }
}

fn xml(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/xml; charset=utf-8")
        .set_body_string(fixture(name))
}

fn body_of(r: &Request) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

#[tokio::test]
async fn pl_lookup_sends_the_exact_soap_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(pl::PATH))
        .and(header("content-type", "text/xml; charset=utf-8"))
        .and(header("soapaction", "\"\""))
        .respond_with(xml("waybill_pickup_point_delivered.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let dpd = DpdCarrier::new(pl_config(&server.uri()));
    let mut req = TrackRequest::number("1000727398456U");
    req.language = Some("en".to_string());
    let out = dpd.track(&[req]).await;
    let snap = out[0].result.as_ref().unwrap();
    assert_eq!(snap.tracking_number, "1000727398456U");
    assert_eq!(snap.events.len(), 7);

    let reqs = server.received_requests().await.unwrap();
    let expected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
        xmlns:ns=\"http://events.dpdinfoservices.dpd.com.pl/\"><soapenv:Header></soapenv:Header>\
        <soapenv:Body><ns:getEventsForWaybillV1><waybill>1000727398456U</waybill>\
        <eventsSelectType>ALL</eventsSelectType><language>EN</language><authDataV1>\
        <login>log&lt;&amp;in</login><password>p&amp;ss&lt;word&gt;</password>\
        <channel>1495</channel></authDataV1></ns:getEventsForWaybillV1></soapenv:Body>\
        </soapenv:Envelope>";
    assert_eq!(body_of(&reqs[0]), expected);
}

#[tokio::test]
async fn pl_waybill_with_markup_is_escaped() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("<waybill>12&lt;&amp;34</waybill>"))
        .respond_with(xml("waybill_empty.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let dpd = DpdCarrier::new(pl_config(&server.uri()));
    let err = dpd
        .track_one(&TrackRequest::number("12<&34"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CarrierError::NotFound { ref tracking_number, .. } if tracking_number == "12<&34"),
        "{err:?}"
    );
    let reqs = server.received_requests().await.unwrap();
    let body = body_of(&reqs[0]);
    assert!(body.contains("<language>PL</language>"), "{body}");
    assert!(!body.contains("<&"), "{body}");
}

#[tokio::test]
async fn pl_access_denied_fault_is_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("content-type", "text/xml; charset=utf-8")
                .set_body_string(fixture("fault_access_denied.xml")),
        )
        .mount(&server)
        .await;
    let dpd = DpdCarrier::new(pl_config(&server.uri()));
    let err = dpd
        .track_one(&TrackRequest::number("1000727398456U"))
        .await
        .unwrap_err();
    assert!(matches!(err, CarrierError::Unauthorized { .. }), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn pl_http_errors_are_classified() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "12"))
        .mount(&server)
        .await;
    let dpd = DpdCarrier::new(pl_config(&server.uri()));
    let err = dpd
        .track_one(&TrackRequest::number("1000727398456U"))
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(12)));

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>proxy error</html>"))
        .mount(&server)
        .await;
    let dpd = DpdCarrier::new(pl_config(&server.uri()));
    let err = dpd
        .track_one(&TrackRequest::number("1000727398456U"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CarrierError::Upstream { status: 500, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn feed_is_fetched_grouped_and_confirmed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(pl::PATH))
        .and(body_string_contains(
            "<ns:getEventsForCustomerV4><limit>500</limit><language>PL</language><authDataV1>",
        ))
        .respond_with(xml("feed_batch.xml"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(pl::PATH))
        .and(body_string_contains(
            "<ns:markEventsAsProcessedV1><confirmId>8f3c2a1e-5d47-4b1a-9e0c-7a9d2b6f4e11</confirmId><authDataV1><login>log&lt;&amp;in</login>",
        ))
        .respond_with(xml("mark_processed.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let dpd = DpdCarrier::new(pl_config(&server.uri()));
    let batch = dpd.fetch_feed(500).await.unwrap();
    assert_eq!(batch.snapshots.len(), 3);
    assert_eq!(batch.snapshots[0].events.len(), 2);
    let confirm = batch.confirm_id.unwrap();
    dpd.confirm_feed(&confirm).await.unwrap();
}

#[tokio::test]
async fn feed_needs_poland_credentials() {
    let dpd = DpdCarrier::new(DpdConfig::default());
    assert!(matches!(
        dpd.fetch_feed(10).await,
        Err(CarrierError::NotConfigured { .. })
    ));
}

#[test]
fn routing_rule() {
    let both = DpdConfig {
        pl: pl_config("http://pl").pl,
        europe: europe_config("http://eu").europe,
        ..DpdConfig::default()
    };
    let dpd = DpdCarrier::new(both);
    let route = |n: &str, service: Option<&str>, origin: Option<&str>| {
        let mut r = TrackRequest::number(n);
        r.service = service.map(str::to_string);
        r.origin_country = origin.map(str::to_string);
        dpd.route(&r).ok()
    };
    let parcel = "05308801410058".to_string();
    assert_eq!(
        route("1000727398456U", Some("dpd-europe"), None),
        Some((Backend::Poland, "1000727398456U".into()))
    );
    assert_eq!(
        route("05308801410058", None, None),
        Some((Backend::Poland, parcel.clone()))
    );
    assert_eq!(
        route("05308801410058", Some("dpd-europe"), None),
        Some((Backend::Europe, parcel.clone()))
    );
    assert_eq!(
        route("05308801410058", Some("dpd-pl"), Some("NL")),
        Some((Backend::Poland, parcel.clone()))
    );
    assert_eq!(
        route("05308801410058", None, Some("NL")),
        Some((Backend::Europe, parcel.clone()))
    );
    assert_eq!(
        route("05308801410058", None, Some("pl")),
        Some((Backend::Poland, parcel.clone()))
    );

    let eu_only = DpdCarrier::new(europe_config("http://eu"));
    assert_eq!(
        eu_only
            .route(&TrackRequest::number("05308801410058"))
            .ok()
            .map(|r| r.0),
        Some(Backend::Europe)
    );
    assert!(matches!(
        eu_only.route(&TrackRequest::number("1000727398456U")),
        Err(CarrierError::NotConfigured { .. })
    ));
    let pl_only = DpdCarrier::new(pl_config("http://pl"));
    assert_eq!(
        pl_only
            .route(&TrackRequest::number("05308801410058"))
            .ok()
            .map(|r| r.0),
        Some(Backend::Poland)
    );
    let none = DpdCarrier::new(DpdConfig::default());
    assert!(matches!(
        none.route(&TrackRequest::number("05308801410058")),
        Err(CarrierError::NotConfigured { .. })
    ));
}

#[test]
fn capabilities_and_config_defaults() {
    let cfg: DpdConfig = serde_json::from_str(r#"{"pl": {"login": "x"}}"#).unwrap();
    assert_eq!(cfg.pl.base_url, "https://dpdinfoservices.dpd.com.pl");
    assert_eq!(cfg.pl.language, "PL");
    assert_eq!(cfg.europe.message_language, "en_EN");
    assert_eq!(cfg.rate_per_minute, 30);
    let dpd = DpdCarrier::new(cfg);
    let caps = dpd.capabilities();
    assert_eq!((caps.batch_size, caps.push), (1, PushSupport::Feed));
    assert!((caps.rate_limit.per_second - 0.5).abs() < 1e-9);
    assert_eq!(dpd.id(), CarrierId::Dpd);
    assert!(dpd.verify_webhook(&HeaderMap::new(), b"").is_err());
}

async fn mount_login(server: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path(europe::LOGIN_PATH))
        .and(header("soapaction", europe::LOGIN_ACTION))
        .and(body_string_contains(
            "<ns:getAuth><delisId>KD&lt;&amp;1</delisId><password>se&amp;cret</password><messageLanguage>en_EN</messageLanguage></ns:getAuth>",
        ))
        .respond_with(xml("europe_login.xml"))
        .expect(times)
        .mount(server)
        .await;
}

fn auth_fault() -> ResponseTemplate {
    ResponseTemplate::new(500)
        .insert_header("content-type", "text/xml; charset=utf-8")
        .set_body_string(fixture("europe_auth_fault.xml"))
}

#[tokio::test]
async fn europe_token_is_cached_and_renewed_once_on_auth_fault() {
    let server = MockServer::start().await;
    mount_login(&server, 2).await;
    let tracking = || {
        Mock::given(method("POST"))
            .and(path(europe::PLC_PATH))
            .and(header("soapaction", europe::PLC_ACTION))
            .and(header("content-type", "text/xml;charset=UTF-8"))
    };
    tracking()
        .respond_with(auth_fault())
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    tracking()
        .respond_with(xml("europe_tracking_delivered.xml"))
        .with_priority(2)
        .expect(2)
        .mount(&server)
        .await;

    let dpd = DpdCarrier::new(europe_config(&server.uri()));
    let snap = dpd
        .track_one(&TrackRequest::number("05308801410058"))
        .await
        .unwrap();
    assert_eq!(
        snap.events
            .iter()
            .max_by_key(|e| e.occurred_at)
            .map(|e| e.status),
        Some(Status::Delivered)
    );
    // A second lookup reuses the renewed token: no third login.
    dpd.track_one(&TrackRequest::number("05308801410058"))
        .await
        .unwrap();

    let reqs = server.received_requests().await.unwrap();
    let track_body = reqs
        .iter()
        .map(body_of)
        .find(|b| b.contains("getTrackingData"))
        .unwrap();
    let expected = "<soapenv:Header><ns:authentication><delisId>KD&lt;&amp;1</delisId>\
        <authToken>GFadfGob14GWWgQcIldI6zYtuR7cyEHe2z6eWzb7BpFmcFvrzclRljlcV1OF</authToken>\
        <messageLanguage>en_EN</messageLanguage></ns:authentication></soapenv:Header>\
        <soapenv:Body><ns1:getTrackingData><parcelLabelNumber>05308801410058</parcelLabelNumber>\
        </ns1:getTrackingData></soapenv:Body>";
    assert!(track_body.contains(expected), "{track_body}");
    assert!(
        track_body.contains("xmlns:ns=\"http://dpd.com/common/service/types/Authentication/2.0\"")
    );
    assert!(track_body
        .contains("xmlns:ns1=\"http://dpd.com/common/service/types/ParcelLifeCycleService/2.0\""));
}

#[tokio::test]
async fn europe_persistent_auth_fault_is_unauthorized_after_one_renewal() {
    let server = MockServer::start().await;
    mount_login(&server, 2).await;
    Mock::given(method("POST"))
        .and(path(europe::PLC_PATH))
        .respond_with(auth_fault())
        .expect(2)
        .mount(&server)
        .await;
    let dpd = DpdCarrier::new(europe_config(&server.uri()));
    let err = dpd
        .track_one(&TrackRequest::number("05308801410058"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CarrierError::Unauthorized { ref detail, .. } if detail.contains("DELICOM_ERR_AUTHENTICATION")),
        "{err:?}"
    );
}

#[tokio::test]
async fn europe_login_fault_is_unauthorized_without_tracking_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(europe::LOGIN_PATH))
        .respond_with(auth_fault())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(europe::PLC_PATH))
        .respond_with(xml("europe_tracking_delivered.xml"))
        .expect(0)
        .mount(&server)
        .await;
    let dpd = DpdCarrier::new(europe_config(&server.uri()));
    let err = dpd
        .track_one(&TrackRequest::number("05308801410058"))
        .await
        .unwrap_err();
    assert!(matches!(err, CarrierError::Unauthorized { .. }), "{err:?}");
}
