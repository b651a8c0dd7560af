//! The demo's callback receiver: a tiny loopback server standing in for a merchant's system.
//! `POST /callbacks` verifies each delivery's Standard Webhooks signature on its own (HMAC-
//! SHA256 over `id.timestamp.body`, keyed with the base64 part of the `whsec_` secret, five
//! minutes of timestamp tolerance) and keeps the result; `GET /callbacks` lists them as JSON
//! and `GET /` as a page. The same server shows the shopper's mailbox (`/mailbox`, see
//! [`super::mailbox`]).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Largest clock difference accepted between `webhook-timestamp` and now, in seconds.
pub const TOLERANCE_SECS: i64 = 300;
/// Deliveries kept (oldest dropped first).
pub const KEEP: usize = 10_000;

/// Why a delivery failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A header is missing or unreadable.
    #[error("header {0} missing or malformed")]
    Header(&'static str),
    /// The timestamp is too far from now.
    #[error("timestamp outside the {TOLERANCE_SECS} s tolerance")]
    Stale,
    /// The secret is not `whsec_` + base64, or not set yet.
    #[error("no usable signing secret")]
    Secret,
    /// No `v1` signature matched.
    #[error("no signature matches")]
    Mismatch,
}

/// Verifies a Standard Webhooks delivery against `secret` at time `now` (Unix seconds).
pub fn verify(secret: &str, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), VerifyError> {
    let text = |name: &'static str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or(VerifyError::Header(name))
    };
    let id = text("webhook-id")?;
    let ts_text = text("webhook-timestamp")?;
    let ts: i64 = ts_text
        .parse()
        .map_err(|_| VerifyError::Header("webhook-timestamp"))?;
    let signatures = text("webhook-signature")?;
    if (now - ts).abs() > TOLERANCE_SECS {
        return Err(VerifyError::Stale);
    }
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| VerifyError::Secret)?;
    if key.is_empty() {
        return Err(VerifyError::Secret);
    }
    for sig in signatures.split_whitespace() {
        let Some(b64) = sig.strip_prefix("v1,") else {
            continue;
        };
        let Ok(presented) = STANDARD.decode(b64) else {
            continue;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| VerifyError::Secret)?;
        mac.update(format!("{id}.{ts_text}.").as_bytes());
        mac.update(body);
        if mac.verify_slice(&presented).is_ok() {
            return Ok(());
        }
    }
    Err(VerifyError::Mismatch)
}

/// One delivery as received.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    /// `webhook-id`.
    pub webhook_id: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Whether its signature verified.
    pub verified: bool,
    /// Why not, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Body `type`.
    pub kind: Option<String>,
    /// `data.tracking_number`.
    pub tracking_number: Option<String>,
    /// `data.carrier`.
    pub carrier: Option<String>,
    /// `data.previous_status`.
    pub previous_status: Option<String>,
    /// `data.status`.
    pub status: Option<String>,
    /// `data.substatus`.
    pub substatus: Option<String>,
}

#[derive(Default)]
struct Inner {
    secret: RwLock<Option<String>>,
    log: Mutex<Vec<Received>>,
}

/// A running receiver.
pub struct Receiver {
    addr: SocketAddr,
    inner: Arc<Inner>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

fn field(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for k in path {
        cur = cur.get(*k)?;
    }
    cur.as_str().map(str::to_string)
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let secret = inner
        .secret
        .read()
        .map(|s| s.clone())
        .unwrap_or_else(|e| e.into_inner().clone());
    let result = match secret {
        Some(s) => verify(&s, &headers, &body, Utc::now().timestamp()),
        None => Err(VerifyError::Secret),
    };
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let entry = Received {
        webhook_id: headers
            .get("webhook-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        received_at: Utc::now(),
        verified: result.is_ok(),
        error: result.as_ref().err().map(|e| e.to_string()),
        kind: field(&json, &["type"]),
        tracking_number: field(&json, &["data", "tracking_number"]),
        carrier: field(&json, &["data", "carrier"]),
        previous_status: field(&json, &["data", "previous_status"]),
        status: field(&json, &["data", "status"]),
        substatus: field(&json, &["data", "substatus"]),
    };
    let mut log = inner.log.lock().unwrap_or_else(|e| e.into_inner());
    if log.len() >= KEEP {
        log.remove(0);
    }
    log.push(entry);
    if result.is_ok() {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
}

/// `GET /callbacks`: counts and the deliveries, newest first.
#[derive(Debug, Serialize)]
struct Listing {
    verified: usize,
    rejected: usize,
    callbacks: Vec<Received>,
}

fn snapshot(inner: &Inner) -> Vec<Received> {
    inner.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

async fn list(State(inner): State<Arc<Inner>>) -> Json<Listing> {
    let mut all = snapshot(&inner);
    all.reverse();
    let verified = all.iter().filter(|r| r.verified).count();
    Json(Listing {
        verified,
        rejected: all.len() - verified,
        callbacks: all,
    })
}

async fn page(State(inner): State<Arc<Inner>>) -> Response {
    let all = snapshot(&inner);
    let verified = all.iter().filter(|r| r.verified).count();
    let esc = |s: &Option<String>| crate::domain::escape::esc(s.as_deref().unwrap_or(""));
    let rows: String = all
        .iter()
        .rev()
        .take(300)
        .map(|r| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} → <b>{}</b></td><td>{}</td><td>{}</td></tr>",
                r.received_at.format("%H:%M:%S"),
                if r.verified { "✔ verified" } else { "✘ rejected" },
                esc(&r.kind),
                esc(&r.carrier),
                esc(&r.previous_status),
                esc(&r.status),
                esc(&r.substatus),
                esc(&r.tracking_number),
            )
        })
        .collect();
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"3\">\
         <title>Demo callback receiver</title></head><body style=\"font-family:sans-serif\">\
         <h1>Callbacks received</h1><p>{verified} verified, {} rejected (Standard Webhooks \
         signatures checked here). JSON: <a href=\"/callbacks\">/callbacks</a></p>\
         <table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr><th>Time</th>\
         <th>Signature</th><th>Type</th><th>Carrier</th><th>Status</th><th>Substatus</th>\
         <th>Tracking number</th></tr>{rows}</table></body></html>",
        all.len() - verified
    );
    let mut resp = Html(html).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp
}

impl Receiver {
    /// Starts on `127.0.0.1:0`, with the shopper's mailbox showing what `mailbox` received.
    pub async fn start(mailbox: Arc<crate::notify::email::SmtpSink>) -> std::io::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/callbacks", get(list).post(receive))
            .route("/", get(page))
            .with_state(inner.clone())
            .merge(super::mailbox::router(mailbox));
        let (stop, mut rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "callback receiver failed");
            }
        });
        Ok(Receiver {
            addr,
            inner,
            stop,
            task,
        })
    }

    /// Where the gateway delivers: `http://127.0.0.1:PORT/callbacks`.
    pub fn url(&self) -> String {
        format!("http://{}/callbacks", self.addr)
    }

    /// The page listing deliveries.
    pub fn page_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The shopper's mailbox page (its JSON: the same with `.json`).
    pub fn mailbox_url(&self) -> String {
        format!("http://{}/mailbox", self.addr)
    }

    /// Sets the subscription's signing secret (`whsec_…`).
    pub fn set_secret(&self, secret: &str) {
        let mut s = self.inner.secret.write().unwrap_or_else(|e| e.into_inner());
        *s = Some(secret.to_string());
    }

    /// Every delivery so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        snapshot(&self.inner)
    }

    /// Stops the server.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(id: &str, ts: i64, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("webhook-id", id.parse().unwrap());
        h.insert("webhook-timestamp", ts.to_string().parse().unwrap());
        h.insert("webhook-signature", sig.parse().unwrap());
        h
    }

    #[test]
    fn verifies_the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        let h = headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, sig);
        assert_eq!(verify(secret, &h, body, 1614265330), Ok(()));
        assert_eq!(
            verify(secret, &h, b"{}", 1614265330),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(secret, &h, body, 1614265330 + 301),
            Err(VerifyError::Stale)
        );
        let two = headers(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            &format!("v1,AAAA {sig}"),
        );
        assert_eq!(verify(secret, &two, body, 1614265330), Ok(()));
    }

    /// Signs as the Standard Webhooks specification describes (the gateway's own signer is
    /// checked against this receiver end to end in `tests/gateway/demo.rs`).
    fn sign(secret: &str, id: &str, ts: i64, body: &[u8]) -> String {
        let key = STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{id}.{ts}.").as_bytes());
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn refuses_other_secrets_and_missing_headers() {
        let secret = format!("whsec_{}", STANDARD.encode([7u8; 32]));
        let other = format!("whsec_{}", STANDARD.encode([8u8; 32]));
        let h = headers("msg_1", 1000, &sign(&secret, "msg_1", 1000, b"{}"));
        assert_eq!(verify(&secret, &h, b"{}", 1000), Ok(()));
        assert_eq!(verify(&other, &h, b"{}", 1000), Err(VerifyError::Mismatch));
        assert_eq!(
            verify("whsec_???", &h, b"{}", 1000),
            Err(VerifyError::Secret)
        );
        assert_eq!(
            verify(&secret, &HeaderMap::new(), b"{}", 1000),
            Err(VerifyError::Header("webhook-id"))
        );
    }
}
