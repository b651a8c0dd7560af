//! Sends one delivery: renders the stored payload, signs it (Standard Webhooks), POSTs it
//! through a client that never follows redirects, ignores proxy settings and resolves names
//! through the SSRF guard, and reports status, latency and error. Secrets and signatures are
//! never logged or stored.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::payload::render;
use super::schedule::{parse_retry_after, Response};
use super::signing::signature_header;
use super::ssrf::{GuardedResolver, Policy};
use crate::config::CallbacksConfig;
use crate::domain::contact::Contact;
use crate::store::{Delivery, Subscription};

/// Most response-body bytes read (to keep the connection reusable); the rest is dropped.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// What one attempt produced.
#[derive(Debug, Clone)]
pub struct Sent {
    /// When it started.
    pub at: DateTime<Utc>,
    /// Status and Retry-After.
    pub response: Response,
    /// Time to the response or the failure.
    pub latency_ms: u64,
    /// What went wrong (None on a 2xx).
    pub error: Option<String>,
}

/// The HTTP side of callbacks.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    policy: Arc<Policy>,
    public_url: String,
    timeout: Duration,
}

impl Sender {
    /// Builds the client from configuration.
    pub fn new(cfg: &CallbacksConfig, public_url: &str) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(Policy::new(cfg.allow_http, cfg.allowed_cidrs.clone()));
        let timeout = Duration::from_secs(cfg.timeout_secs.max(1));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver::new(policy.clone())))
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(usize::try_from(cfg.per_endpoint_concurrency).unwrap_or(16))
            .user_agent(concat!("parcelgate-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Sender {
            client,
            policy,
            public_url: public_url.to_string(),
            timeout,
        })
    }

    /// The SSRF policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// One attempt of `d` to `sub`, with the shopper's `contact` added to the body when given
    /// (the signature covers the body as sent).
    pub async fn send(&self, d: &Delivery, sub: &Subscription, contact: Option<&Contact>) -> Sent {
        let at = Utc::now();
        let started = Instant::now();
        let result = self.try_send(d, sub, contact, at).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (response, error) = match result {
            Ok(resp) => {
                let error = match resp.status {
                    Some(s) if (200..300).contains(&s) => None,
                    Some(s) => Some(format!("HTTP {s}")),
                    None => Some("no response".into()),
                };
                (resp, error)
            }
            Err(e) => (
                Response {
                    status: None,
                    retry_after: None,
                },
                Some(e),
            ),
        };
        Sent {
            at,
            response,
            latency_ms,
            error,
        }
    }

    async fn try_send(
        &self,
        d: &Delivery,
        sub: &Subscription,
        contact: Option<&Contact>,
        now: DateTime<Utc>,
    ) -> Result<Response, String> {
        let url = self
            .policy
            .check_url(&sub.url)
            .map_err(|e| format!("refused: {e}"))?;
        let body = render(&d.payload, &self.public_url, contact).map_err(|e| e.to_string())?;
        let timestamp = now.timestamp();
        let signature = signature_header(
            &sub.signing_secrets(now),
            &d.webhook_id,
            timestamp,
            body.as_bytes(),
        )
        .map_err(|e| e.to_string())?;
        let result = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &d.webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let mut resp = result.map_err(|e| self.describe(&e))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        // Read a little of the body so the connection can be reused; ignore the content.
        let mut read = 0usize;
        while read < MAX_RESPONSE_BYTES {
            match resp.chunk().await {
                Ok(Some(c)) => read += c.len(),
                _ => break,
            }
        }
        Ok(Response {
            status: Some(status),
            retry_after,
        })
    }

    /// A transport error as stored in the delivery log: the cause chain, without the URL.
    fn describe(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            return format!("timed out after {} s", self.timeout.as_secs());
        }
        let mut parts = Vec::new();
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(s) = source {
            parts.push(s.to_string());
            source = s.source();
        }
        parts.dedup();
        let kind = if e.is_connect() {
            "connection failed"
        } else {
            "request failed"
        };
        match parts.last() {
            Some(cause) => format!("{kind}: {cause}"),
            None => kind.to_string(),
        }
    }
}
