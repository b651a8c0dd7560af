//! DHL adapter: Shipment Tracking – Unified (pull, all DHL divisions) and Unified Push
//! (webhooks), mapped onto the unified model (see carriers.md §1, §4, §5).

use std::time::Duration;

use async_trait::async_trait;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::capability::PushSubscriptions;
use crate::carrier::{
    Capabilities, Carrier, CarrierId, Detection, PushSupport, RateLimit, TrackOutcome,
    TrackRequest, WebhookPayload,
};
use crate::error::CarrierError;
use crate::http_util::build_client;
use crate::secret::Secret;

mod client;
pub mod detect;
pub mod links;
pub mod mapping;
mod push;
mod snapshot;
pub mod wire;

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod mapping_tests;

pub use client::{describe_problem, API_KEY_HEADER};
pub use push::{
    PushLifecycle, PushSubscription, PushSubscriptionRequest, PushTarget, HOOK_SECRET_HEADER,
    MAX_SHIPMENT_IDS, PUSH_EVENTS,
};

/// DHL settings (`[carriers.dhl]`, env `PARCELGATE_CARRIERS__DHL__…`). Every field has a default.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct DhlConfig {
    /// API base, without trailing slash; wiremock or the sandbox in tests and demos.
    pub base_url: String,
    /// The app's Consumer Key, sent as `DHL-API-Key` (not the consumer secret).
    pub api_key: Secret,
    /// Default `language` for DHL texts when the request has none (`en`, `de`, `pl`).
    pub language: Option<String>,
    /// Request timeout in seconds.
    pub timeout_secs: u64,
    /// Header DHL Unified Push sends our token in (`hook.authentication.header`).
    pub webhook_header: String,
    /// Token DHL Unified Push sends in `webhook_header` (`hook.authentication.token`).
    pub webhook_token: Secret,
    /// Sustained calls per second (DHL's starter plan: 1/s).
    pub rate_per_second: f64,
    /// Calls per day, resetting 00:00 GMT (starter plan: 250); 0 means no daily quota.
    pub daily_quota: u32,
}

impl Default for DhlConfig {
    fn default() -> Self {
        DhlConfig {
            base_url: "https://api-eu.dhl.com".into(),
            api_key: Secret::default(),
            language: None,
            timeout_secs: 20,
            webhook_header: "X-Parcelgate-Token".into(),
            webhook_token: Secret::default(),
            rate_per_second: 1.0,
            daily_quota: 250,
        }
    }
}

/// The DHL adapter.
pub struct DhlCarrier {
    config: DhlConfig,
    http: reqwest::Client,
}

impl DhlCarrier {
    /// Builds the adapter and its HTTP client.
    pub fn new(config: DhlConfig) -> Self {
        let http = build_client(Duration::from_secs(config.timeout_secs.max(1)));
        DhlCarrier { config, http }
    }

    /// The configuration in use.
    pub fn config(&self) -> &DhlConfig {
        &self.config
    }

    fn base_url(&self) -> &str {
        self.config.base_url.trim().trim_end_matches('/')
    }
}

#[async_trait]
impl Carrier for DhlCarrier {
    fn id(&self) -> CarrierId {
        CarrierId::Dhl
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            batch_size: 1,
            push: PushSupport::Webhook,
            rate_limit: RateLimit {
                per_second: self.config.rate_per_second,
                per_day: (self.config.daily_quota > 0).then_some(self.config.daily_quota),
            },
            max_polls_per_shipment_per_day: Some(10),
        }
    }

    fn detect(&self, tracking_number: &str) -> Option<Detection> {
        detect::detect(tracking_number)
    }

    async fn track(&self, requests: &[TrackRequest]) -> Vec<TrackOutcome> {
        let mut out = Vec::with_capacity(requests.len());
        for req in requests {
            out.push(TrackOutcome {
                tracking_number: req.tracking_number.clone(),
                result: self.track_one(req).await,
            });
        }
        out
    }

    fn verify_webhook(&self, headers: &HeaderMap, _body: &[u8]) -> Result<(), CarrierError> {
        self.verify_push(headers)
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<WebhookPayload, CarrierError> {
        push::parse_push(body)
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.config.timeout_secs.max(1))
    }

    fn push_subscriptions(&self) -> Option<&dyn PushSubscriptions> {
        Some(self)
    }

    fn public_tracking_url(
        &self,
        tracking_number: &str,
        lang: &str,
        _destination_country: Option<&str>,
    ) -> Option<String> {
        Some(links::public_tracking_url(tracking_number, lang))
    }
}

impl crate::registry::AdapterConfig for DhlConfig {
    fn carrier(&self) -> CarrierId {
        CarrierId::Dhl
    }

    /// DHL runs once its API key is set.
    fn configured(&self) -> bool {
        !self.api_key.is_empty()
    }

    fn build(&self) -> std::sync::Arc<dyn Carrier> {
        std::sync::Arc::new(DhlCarrier::new(self.clone()))
    }
}
