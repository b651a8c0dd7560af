//! A real gateway on port 0 against wiremock carriers, with a merchant and its API key.

#![allow(dead_code)] // each test module uses a different subset

use std::time::Duration;

use parcelgate::app::{start, Running};
use parcelgate::config::Config;
use serde_json::Value;
use wiremock::MockServer;

use super::db::{self, TestStore};

/// The InPost webhook secret used by test apps.
pub const INPOST_SECRET: &str = "inpost-test-secret-0123456789";
/// The DHL webhook secret used by test apps.
pub const DHL_SECRET: &str = "dhl-test-secret-0123456789";

/// A running gateway and its surroundings.
pub struct TestApp {
    /// The gateway.
    pub running: Option<Running>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// HTTP client.
    pub http: reqwest::Client,
    /// A merchant's API key.
    pub key: String,
    /// That merchant's id.
    pub merchant_id: String,
    /// The fake InPost.
    pub inpost: MockServer,
    /// The fake DHL.
    pub dhl: MockServer,
    /// The fake DPD.
    pub dpd: MockServer,
    /// The database (kept alive for the app's lifetime).
    pub db: TestStore,
}

/// Reads a fixture file.
pub fn fixture(path: &str) -> String {
    let p = format!("{}/wiremock-fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// The config a test app runs with; `tweak` adjusts it before start.
pub fn test_config(db_url: &str, inpost: &str, dhl: &str, dpd: &str) -> Config {
    let mut c = Config::default();
    c.database_url = db_url.to_string();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.public_url = "http://parcelgate.test".to_string();
    c.poller.tick_secs = 1;
    c.carriers.inpost.adapter.base_url = inpost.to_string();
    c.carriers.inpost.adapter.timeout_secs = 2;
    c.carriers.inpost.adapter.rate_per_second = 50.0;
    c.carriers.inpost.endpoint.webhook_secret = carriers::Secret::new(INPOST_SECRET);
    c.carriers.dhl.adapter.base_url = dhl.to_string();
    c.carriers.dhl.adapter.api_key = carriers::Secret::new("dhl-key");
    c.carriers.dhl.adapter.rate_per_second = 50.0;
    c.carriers.dhl.adapter.webhook_token = carriers::Secret::new("dhl-push-token");
    c.carriers.dhl.endpoint.webhook_secret = carriers::Secret::new(DHL_SECRET);
    c.carriers.dpd.adapter.pl.base_url = dpd.to_string();
    c.carriers.dpd.adapter.pl.login = "test".to_string();
    c.carriers.dpd.adapter.pl.password = carriers::Secret::new("pw");
    c.carriers.dpd.adapter.pl.channel = "1495".to_string();
    c.carriers.dpd.adapter.rate_per_minute = 6000;
    // Messages go out whenever a test runs; quiet hours have their own tests.
    c.notifications.quiet_hours = String::new();
    c.callbacks.allow_http = true;
    c.callbacks.allowed_cidrs = serde_json::from_str("\"127.0.0.0/8\"").unwrap();
    c
}

impl TestApp {
    /// Starts an app on a fresh SQLite database.
    pub async fn start() -> TestApp {
        Self::start_with(db::sqlite_store().await, |_| {}).await
    }

    /// Starts an app on the given database with a config tweak.
    pub async fn start_with(db: TestStore, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let (inpost, dhl, dpd) = (
            MockServer::start().await,
            MockServer::start().await,
            MockServer::start().await,
        );
        let mut config = test_config(&db.url, &inpost.uri(), &dhl.uri(), &dpd.uri());
        tweak(&mut config);
        let running = start(config).await.expect("app starts");
        let base = format!("http://{}", running.addr);
        let (merchant_id, key) = create_merchant(&running, "Test Shop").await;
        TestApp {
            base,
            http: reqwest::Client::new(),
            key,
            merchant_id,
            running: Some(running),
            inpost,
            dhl,
            dpd,
            db,
        }
    }

    /// Creates another merchant; returns its API key.
    pub async fn another_merchant(&self, name: &str) -> String {
        create_merchant(self.running.as_ref().unwrap(), name)
            .await
            .1
    }

    /// The app's state.
    pub fn state(&self) -> &parcelgate::app::AppState {
        &self.running.as_ref().unwrap().state
    }

    /// GET with the merchant key.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_as(&self.key, path).await
    }

    /// GET with another key.
    pub async fn get_as(&self, key: &str, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    /// POST JSON with the merchant key.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Registers a shipment; returns its JSON.
    pub async fn register(&self, body: Value) -> Value {
        let r = self.post("/v1/shipments", &body).await;
        assert!(
            r.status().is_success(),
            "register failed: {} {}",
            r.status(),
            r.text().await.unwrap()
        );
        r.json().await.unwrap()
    }

    /// Polls `GET /v1/shipments/{id}` until `done` holds (10 s at most).
    pub async fn wait_for(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..200 {
            last = self
                .get(&format!("/v1/shipments/{id}"))
                .await
                .json()
                .await
                .unwrap();
            if done(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("condition not reached; last state: {last:#}");
    }

    /// Stops the app gracefully.
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }
}

async fn create_merchant(running: &Running, name: &str) -> (String, String) {
    let store = &running.state.store;
    let now = chrono::Utc::now();
    let m = store.create_merchant(name, now).await.unwrap();
    let key = parcelgate::domain::merchant_rules::generate_key();
    store
        .add_api_key(
            &m.id,
            &parcelgate::domain::merchant_rules::hash_key(&key),
            &parcelgate::domain::merchant_rules::key_display_prefix(&key),
            now,
        )
        .await
        .unwrap();
    (m.id.into_string(), key)
}

/// Asserts a response is problem+json with this status; returns the problem.
pub async fn assert_problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status, "unexpected status");
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        ct.starts_with("application/problem+json"),
        "content-type was {ct:?}"
    );
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], status);
    assert!(p["type"].as_str().unwrap().starts_with("https://"), "{p}");
    assert!(!p["detail"].as_str().unwrap().is_empty(), "{p}");
    p
}
