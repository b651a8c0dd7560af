//! Wiring the demo together: the gateway's configuration pointed at the sandbox (base URLs,
//! webhook secrets, DHL key and push token, DPD credentials, loopback callbacks), a merchant
//! and its API key, the callback subscription, DHL push subscriptions and the shipments, all
//! through the gateway's own API where it has one.

use std::net::SocketAddr;

use carriers::{CarrierId, Secret};
use rand::RngCore;
use serde_json::{json, Value};

use super::error::DemoError;
use crate::config::{parse_cidr, CidrList, Config};
use crate::sandbox::{Credentials, Planned};

/// A random hex string of `bytes` random bytes.
pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The secrets the gateway and the sandbox share for one demo run.
#[derive(Debug, Clone)]
pub struct Shared {
    /// `{secret}` of `/v1/webhooks/inpost/{secret}`.
    pub inpost_webhook_secret: String,
    /// `{secret}` of `/v1/webhooks/dhl/{secret}`.
    pub dhl_webhook_secret: String,
    /// Token DHL pushes carry in `X-Parcelgate-Token`.
    pub dhl_push_token: String,
}

impl Shared {
    /// Fresh random secrets.
    pub fn random() -> Shared {
        Shared {
            inpost_webhook_secret: random_hex(24),
            dhl_webhook_secret: random_hex(24),
            dhl_push_token: random_hex(24),
        }
    }
}

/// The gateway's configuration for the demo.
pub fn gateway_config(
    listen: SocketAddr,
    database_url: &str,
    sandbox: &str,
    creds: &Credentials,
    shared: &Shared,
) -> Result<Config, DemoError> {
    let mut c = Config {
        database_url: database_url.to_string(),
        listen,
        public_url: format!("http://{listen}"),
        ..Config::default()
    };
    c.poller.tick_secs = 1;
    let inpost = &mut c.carriers.inpost;
    inpost.enabled = Some(true);
    inpost.adapter.base_url = sandbox.to_string();
    inpost.adapter.rate_per_second = 50.0;
    inpost.adapter.timeout_secs = 5;
    inpost.endpoint.webhook_secret = Secret::new(shared.inpost_webhook_secret.clone());
    let dhl = &mut c.carriers.dhl;
    dhl.enabled = Some(true);
    dhl.adapter.base_url = sandbox.to_string();
    dhl.adapter.api_key = Secret::new(creds.dhl_api_key.clone());
    dhl.adapter.rate_per_second = 50.0;
    dhl.adapter.daily_quota = 0;
    dhl.adapter.timeout_secs = 5;
    dhl.adapter.webhook_token = Secret::new(shared.dhl_push_token.clone());
    dhl.endpoint.webhook_secret = Secret::new(shared.dhl_webhook_secret.clone());
    let dpd = &mut c.carriers.dpd;
    dpd.enabled = Some(true);
    dpd.adapter.pl.base_url = sandbox.to_string();
    dpd.adapter.pl.login = creds.dpd_login.clone();
    dpd.adapter.pl.password = Secret::new(creds.dpd_password.clone());
    dpd.adapter.pl.channel = creds.dpd_channel.clone();
    dpd.adapter.rate_per_minute = 6000;
    dpd.adapter.timeout_secs = 5;
    // Loopback callbacks over plain HTTP: for the demo's own receiver only.
    c.callbacks.allow_http = true;
    let loopback = parse_cidr("127.0.0.0/8").map_err(|e| DemoError::Setup(e.to_string()))?;
    c.callbacks.allowed_cidrs = CidrList(vec![loopback]);
    Ok(c)
}

/// Points the gateway's shopper e-mail at the demo's SMTP sink (`email.smtp_url`), with no
/// quiet hours (a demo run in the evening would otherwise hold every message until 08:00).
pub fn send_email_to(c: &mut Config, smtp_url: &str) {
    c.email.smtp_url = Secret::new(smtp_url);
    c.email.from = "Demo Shop <shop@demo.parcelgate.test>".to_string();
    c.notifications.quiet_hours = String::new();
    // About thirty shipments change at once in accelerated time.
    c.notifications.per_merchant_per_second = 200;
}

/// The demo's shopper of fleet index `i`, in turn Polish, English and German (all parcels
/// go to Poland): `(language, e-mail address)`.
pub fn shopper(i: usize) -> (&'static str, String) {
    let n = i + 1;
    match i % 3 {
        0 => ("pl", format!("anna.{n}@example.pl")),
        1 => ("en", format!("emma.{n}@example.com")),
        _ => ("de", format!("jonas.{n}@example.de")),
    }
}

/// A small client for the gateway's API with the demo merchant's key.
pub struct Api {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The merchant's API key.
    pub key: String,
    /// HTTP client.
    pub http: reqwest::Client,
}

impl Api {
    /// POSTs JSON; returns the JSON answer, or the status and body as an error.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, DemoError> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(body)
            .send()
            .await
            .map_err(|e| DemoError::Api(format!("POST {path}: {e}")))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| DemoError::Api(format!("POST {path}: {e}")))?;
        if !status.is_success() {
            return Err(DemoError::Api(format!("POST {path}: {status}: {text}")));
        }
        serde_json::from_str(&text).map_err(|e| DemoError::Api(format!("POST {path}: {e}")))
    }

    /// GETs JSON.
    pub async fn get(&self, path: &str) -> Result<Value, DemoError> {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .map_err(|e| DemoError::Api(format!("GET {path}: {e}")))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(DemoError::Api(format!("GET {path}: {status}")));
        }
        resp.json()
            .await
            .map_err(|e| DemoError::Api(format!("GET {path}: {e}")))
    }
}

/// Creates the merchant and its API key directly in the store (as `merchant create` does).
pub async fn create_merchant(
    store: &dyn crate::store::Store,
    name: &str,
) -> Result<(String, String), DemoError> {
    let now = chrono::Utc::now();
    let m = store
        .create_merchant(name, now)
        .await
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    let key = crate::domain::merchant_rules::generate_key();
    store
        .add_api_key(
            &m.id,
            &crate::domain::merchant_rules::hash_key(&key),
            &crate::domain::merchant_rules::key_display_prefix(&key),
            now,
        )
        .await
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    Ok((m.id.into_string(), key))
}

/// Subscribes `url` to status changes; returns the subscription id and signing secret.
pub async fn subscribe_callbacks(api: &Api, url: &str) -> Result<(String, String), DemoError> {
    let created = api
        .post(
            "/v1/subscriptions",
            &json!({"url": url, "description": "parcelgate demo receiver"}),
        )
        .await?;
    match (created["id"].as_str(), created["secret"].as_str()) {
        (Some(id), Some(secret)) => Ok((id.to_string(), secret.to_string())),
        _ => Err(DemoError::Api(format!(
            "subscription answer lacks id/secret: {created}"
        ))),
    }
}

/// Subscribes the gateway to DHL Unified Push for each service (through the gateway's API,
/// which creates and activates the subscription at the sandbox).
pub async fn subscribe_dhl_push(api: &Api, services: &[&str]) -> Result<(), DemoError> {
    for service in services {
        api.post(
            "/v1/carriers/dhl/push-subscriptions",
            &json!({"service": service, "account_id": "DEMO-ACCOUNT"}),
        )
        .await?;
    }
    Ok(())
}

/// Registers one planned parcel; returns `(shipment id, public token)`.
pub async fn register(api: &Api, i: usize, p: &Planned) -> Result<(String, String), DemoError> {
    let (lang, email) = shopper(i);
    let mut body = json!({
        "tracking_number": p.number,
        "carrier": p.carrier.as_str(),
        "order_ref": format!("DEMO-{:04}", i + 1),
        "language": lang,
        "customer_email": email,
        "destination_country": "PL",
    });
    if p.carrier == CarrierId::Dhl {
        body["service"] = json!(p.script.service);
    }
    let created = api.post("/v1/shipments", &body).await?;
    match (created["id"].as_str(), created["public_token"].as_str()) {
        (Some(id), Some(token)) => Ok((id.to_string(), token.to_string())),
        _ => Err(DemoError::Api(format!(
            "registration answer lacks id/public_token: {created}"
        ))),
    }
}

/// A free loopback port (the gateway needs its public URL, hence its port, before it binds).
pub fn free_port() -> Result<SocketAddr, DemoError> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| DemoError::Setup(format!("no free port: {e}")))?;
    l.local_addr()
        .map_err(|e| DemoError::Setup(format!("no free port: {e}")))
}
