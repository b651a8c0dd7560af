//! Both providers against wiremock in their real wire formats: the request (path, auth,
//! decoded form), success, the errors each provider sends, and transport failures.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carriers::Secret;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::twilio::TwilioSender;
use super::*;

const TOKEN: &str = "smsapi-token-0123456789";
const SID: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH: &str = "twilio-auth-token-987";
const TO: &str = "+48600700800";

fn smsapi(server: &MockServer, timeout: Duration) -> SmsSender {
    SmsSender::Smsapi(SmsapiClient::new(
        server.uri(),
        Secret::new(TOKEN),
        "Sklep Ania".into(),
        timeout,
    ))
}

fn twilio(server: &MockServer, sender: TwilioSender) -> SmsSender {
    SmsSender::Twilio(TwilioClient::new(
        server.uri(),
        SID.into(),
        Secret::new(AUTH),
        sender,
        Duration::from_secs(5),
    ))
}

fn form(req: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect()
}

async fn only_request(server: &MockServer) -> Request {
    let mut got = server.received_requests().await.unwrap_or_default();
    assert_eq!(got.len(), 1, "exactly one request");
    got.remove(0)
}

fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

const SMSAPI_OK: &str = r#"{"count":1,"list":[{"id":"6A5E3B2C1D0F","points":0.16,
    "number":"48600700800","date_sent":1764835200,"submitted_number":"48600700800",
    "status":"QUEUE","error":null,"idx":null,"parts":1}],"message":"Paczka","length":6,
    "parts":1}"#;

#[tokio::test]
async fn smsapi_posts_the_documented_form_with_a_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms.do"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(json(200, SMSAPI_OK))
        .mount(&server)
        .await;
    let body = "Sklep Ania: paczka doręczona. https://t.example/t/Ab12";
    let sent = smsapi(&server, Duration::from_secs(5))
        .send(TO, body)
        .await
        .unwrap();
    assert_eq!(
        sent,
        SmsAccepted {
            provider_id: "6A5E3B2C1D0F".into(),
            segments: Some(1)
        }
    );
    let req = only_request(&server).await;
    let content_type = req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(content_type, "application/x-www-form-urlencoded");
    let f = form(&req);
    assert_eq!(f["to"], "48600700800", "SMSAPI writes numbers without +");
    assert_eq!(f["message"], body, "UTF-8 survives the form encoding");
    assert_eq!(f["from"], "Sklep Ania");
    assert_eq!(f["format"], "json");
    assert_eq!(f["encoding"], "utf-8");
}

#[tokio::test]
async fn smsapi_json_errors_on_http_200_are_classified() {
    let cases = [
        // The fixture SMSAPI's own client tests with.
        (
            r#"{"invalid_numbers":[{"number":"48100200300","submitted_number":"48100200300",
                "message":"Invalid phone number"}],"error":13,"message":"No correct phone numbers"}"#,
            "invalid_number",
        ),
        (
            r#"{"error":57,"message":"Number is on the blacklist"}"#,
            "opted_out",
        ),
        (
            r#"{"error":101,"message":"Authorization failed"}"#,
            "rejected",
        ),
        (r#"{"error":103,"message":"Not enough points"}"#, "rejected"),
        (
            r#"{"error":202,"message":"Too many simultaneous requests"}"#,
            "retry",
        ),
        (r#"{"error":"201","message":"Internal error"}"#, "retry"),
    ];
    for (answer, kind) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/sms.do"))
            .respond_with(json(200, answer))
            .mount(&server)
            .await;
        let e = smsapi(&server, Duration::from_secs(5))
            .send(TO, "x")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{answer} → {e}");
        assert!(e.answer().starts_with("SMSAPI error "), "{e}");
        assert_eq!(
            e.suppresses_number(),
            kind == "invalid_number" || kind == "opted_out"
        );
    }
}

#[tokio::test]
async fn smsapi_error_carries_code_and_message_but_never_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json(
            200,
            r#"{"error":13,"message":"No correct phone numbers"}"#,
        ))
        .mount(&server)
        .await;
    let sender = smsapi(&server, Duration::from_secs(5));
    let e = sender.send(TO, "x").await.unwrap_err();
    assert_eq!(
        e,
        SmsFailure::InvalidNumber {
            answer: "SMSAPI error 13: No correct phone numbers".into()
        }
    );
    let debug = format!("{sender:?} {e:?} {e}");
    assert!(!debug.contains(TOKEN), "{debug}");
}

#[tokio::test]
async fn http_429_and_5xx_are_retried_with_retry_after() {
    for provider in ["smsapi", "twilio"] {
        for (status, retry_after) in [(429, Some("7")), (500, None), (503, Some("30"))] {
            let server = MockServer::start().await;
            let mut resp = ResponseTemplate::new(status).set_body_string("busy");
            if let Some(ra) = retry_after {
                resp = resp.insert_header("retry-after", ra);
            }
            Mock::given(method("POST"))
                .respond_with(resp)
                .mount(&server)
                .await;
            let sender = match provider {
                "smsapi" => smsapi(&server, Duration::from_secs(5)),
                _ => twilio(&server, TwilioSender::From("+48500600700".into())),
            };
            let e = sender.send(TO, "x").await.unwrap_err();
            let SmsFailure::Retry {
                answer,
                retry_after: got,
            } = &e
            else {
                panic!("{provider} {status}: {e:?}");
            };
            assert!(answer.contains(&status.to_string()), "{answer}");
            assert_eq!(
                *got,
                retry_after
                    .and_then(|s| s.parse().ok())
                    .map(Duration::from_secs),
                "{provider} {status}"
            );
        }
    }
}

#[tokio::test]
async fn a_provider_that_does_not_answer_in_time_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json(200, SMSAPI_OK).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let e = SmsSender::Smsapi(SmsapiClient::new(
        server.uri(),
        Secret::new(TOKEN),
        String::new(),
        Duration::from_millis(300),
    ))
    .send(TO, "x")
    .await
    .unwrap_err();
    assert!(e.is_retryable(), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // Nobody listening at all: a connection failure, retried as well.
    let dead = SmsSender::Twilio(TwilioClient::new(
        "http://127.0.0.1:9".into(),
        SID.into(),
        Secret::new(AUTH),
        TwilioSender::From("+48500600700".into()),
        Duration::from_secs(2),
    ));
    let e = dead.send(TO, "x").await.unwrap_err();
    assert!(e.is_retryable(), "{e:?}");
    assert!(!e.answer().contains(SID), "no URL in the answer: {e}");
}

const TWILIO_CREATED: &str = r#"{"account_sid":"AC0123456789abcdef0123456789abcdef",
    "api_version":"2010-04-01","body":"Paczka","date_created":"Thu, 04 Dec 2025 10:00:00 +0000",
    "direction":"outbound-api","error_code":null,"error_message":null,"from":"+48500600700",
    "messaging_service_sid":null,"num_media":"0","num_segments":"1","price":null,
    "sid":"SM0123456789abcdef0123456789abcdef","status":"queued","to":"+48600700800",
    "uri":"/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SM0123456789abcdef0123456789abcdef.json"}"#;

#[tokio::test]
async fn twilio_posts_messages_json_with_basic_auth_and_e164() {
    let server = MockServer::start().await;
    let basic = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{AUTH}"))
    };
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID}/Messages.json")))
        .and(header("authorization", format!("Basic {basic}").as_str()))
        .respond_with(json(201, TWILIO_CREATED))
        .mount(&server)
        .await;
    let body = "Ihr Paket ist unterwegs: https://t.example/t/Ab12";
    let sent = twilio(&server, TwilioSender::From("+48500600700".into()))
        .send(TO, body)
        .await
        .unwrap();
    assert_eq!(sent.provider_id, "SM0123456789abcdef0123456789abcdef");
    assert_eq!(sent.segments, Some(1));
    let f = form(&only_request(&server).await);
    assert_eq!(f["To"], TO);
    assert_eq!(f["From"], "+48500600700");
    assert_eq!(f["Body"], body);
    assert!(!f.contains_key("MessagingServiceSid"));
}

#[tokio::test]
async fn twilio_sends_through_a_messaging_service_when_configured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json(201, TWILIO_CREATED))
        .mount(&server)
        .await;
    let service = "MG0123456789abcdef0123456789abcdef";
    twilio(&server, TwilioSender::Service(service.into()))
        .send(TO, "x")
        .await
        .unwrap();
    let f = form(&only_request(&server).await);
    assert_eq!(f["MessagingServiceSid"], service);
    assert!(!f.contains_key("From"));
}

#[tokio::test]
async fn twilio_error_codes_are_classified() {
    let cases = [
        (400, 21211, "The 'To' number +4860070080 is not a valid phone number.", "invalid_number"),
        (400, 21614, "'To' number is not a valid mobile number", "invalid_number"),
        (400, 21610, "Attempt to send to unsubscribed recipient", "opted_out"),
        (401, 20003, "Authenticate", "rejected"),
        (400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination.", "rejected"),
        (429, 20429, "Too Many Requests", "retry"),
    ];
    for (status, code, message, kind) in cases {
        let server = MockServer::start().await;
        let answer = serde_json::json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        });
        Mock::given(method("POST"))
            .respond_with(json(status, &answer.to_string()))
            .mount(&server)
            .await;
        let e = twilio(&server, TwilioSender::From("+48500600700".into()))
            .send(TO, "x")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{code}: {e}");
        assert_eq!(
            e.answer(),
            format!("Twilio error {code} (HTTP {status}): {message}")
        );
        assert!(!format!("{e:?}").contains(AUTH));
    }
}

#[tokio::test]
async fn a_provider_quoting_the_number_is_stored_and_logged_masked() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json(
            400,
            r#"{"code":21211,"message":"The 'To' number +48600700800 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#,
        ))
        .mount(&server)
        .await;
    let e = twilio(&server, TwilioSender::From("+48500600700".into()))
        .send(TO, "x")
        .await
        .unwrap_err();
    assert_eq!(
        e.answer(),
        "Twilio error 21211 (HTTP 400): The 'To' number +48******800 is not a valid phone number."
    );
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json(
            200,
            r#"{"error":13,"message":"Invalid number 48600700800"}"#,
        ))
        .mount(&server)
        .await;
    let e = smsapi(&server, Duration::from_secs(5))
        .send(TO, "x")
        .await
        .unwrap_err();
    assert_eq!(e.answer(), "SMSAPI error 13: Invalid number +48******800");
}

#[tokio::test]
async fn a_number_that_is_not_e164_is_refused_without_a_call() {
    let server = MockServer::start().await;
    let sender = smsapi(&server, Duration::from_secs(5));
    for bad in ["600700800", "+48 600", "+0048600700800", ""] {
        let e = sender.send(bad, "x").await.unwrap_err();
        assert_eq!(e.kind(), "invalid_number", "{bad}");
    }
    assert!(server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty());
}

/// Collects what the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_show_the_number_masked_only() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json(
            200,
            r#"{"error":13,"message":"No correct phone numbers"}"#,
        ))
        .mount(&server)
        .await;
    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let _ = smsapi(&server, Duration::from_secs(5)).send(TO, "x").await;
    let logged =
        String::from_utf8(out.0.lock().map(|v| v.clone()).unwrap_or_default()).unwrap_or_default();
    assert!(logged.contains("+48******800"), "{logged}");
    assert!(!logged.contains("600700800"), "{logged}");
    assert!(!logged.contains(TOKEN), "{logged}");
}

#[test]
fn the_configuration_picks_the_provider() {
    let mut cfg = SmsConfig::default();
    assert!(SmsSender::from_config(&cfg).is_none());
    cfg.provider = "smsapi".into();
    cfg.token = Secret::new(TOKEN);
    let s = SmsSender::from_config(&cfg).unwrap();
    assert_eq!(s.provider(), "smsapi");
    assert!(!format!("{s:?}").contains(TOKEN));
    cfg.provider = "twilio".into();
    cfg.account_sid = SID.into();
    cfg.auth_token = Secret::new(AUTH);
    cfg.messaging_service_sid = "MG0123456789abcdef0123456789abcdef".into();
    let s = SmsSender::from_config(&cfg).unwrap();
    assert_eq!(s.provider(), "twilio");
    assert!(!format!("{s:?}").contains(AUTH));
}
