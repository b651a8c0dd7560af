//! InPost ShipX adapter: tracking by `GET /v1/tracking/{number}` and ShipX webhooks.

mod client;
mod detect;
pub mod links;
pub mod mapping;
mod webhook;
pub mod wire;

use std::time::Duration;

use async_trait::async_trait;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::carrier::{
    Capabilities, Carrier, CarrierId, Detection, PushSupport, RateLimit, TrackOutcome,
    TrackRequest, WebhookPayload,
};
use crate::error::CarrierError;
use crate::secret::Secret;

/// InPost settings (`[carriers.inpost]`, `PARCELGATE_CARRIERS__INPOST__…`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct InpostConfig {
    /// ShipX host; production by default. Tests point it at wiremock.
    pub base_url: String,
    /// Optional ShipX API token: tracking works without one, but a token lifts anonymous limits.
    pub api_token: Secret,
    /// Seconds before a call counts as timed out.
    pub timeout_secs: u64,
    /// Sustained calls per second (ShipX publishes no limit; be polite).
    pub rate_per_second: f64,
}

impl Default for InpostConfig {
    fn default() -> Self {
        InpostConfig {
            base_url: "https://api-shipx-pl.easypack24.net".to_string(),
            api_token: Secret::default(),
            timeout_secs: 20,
            rate_per_second: 5.0,
        }
    }
}

/// The InPost adapter.
pub struct InpostCarrier {
    config: InpostConfig,
    http: reqwest::Client,
}

impl InpostCarrier {
    /// Builds the adapter from its config.
    pub fn new(config: InpostConfig) -> Self {
        let http = crate::http_util::build_client(Duration::from_secs(config.timeout_secs.max(1)));
        InpostCarrier { config, http }
    }
}

#[async_trait]
impl Carrier for InpostCarrier {
    fn id(&self) -> CarrierId {
        CarrierId::Inpost
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            batch_size: 1,
            push: PushSupport::Webhook,
            rate_limit: RateLimit {
                per_second: self.config.rate_per_second,
                per_day: None,
            },
            max_polls_per_shipment_per_day: None,
        }
    }

    fn detect(&self, tracking_number: &str) -> Option<Detection> {
        detect::detect(tracking_number)
    }

    async fn track(&self, requests: &[TrackRequest]) -> Vec<TrackOutcome> {
        let mut out = Vec::with_capacity(requests.len());
        for r in requests {
            out.push(TrackOutcome {
                tracking_number: r.tracking_number.clone(),
                result: client::track_one(&self.http, &self.config, &r.tracking_number).await,
            });
        }
        out
    }

    /// ShipX signs nothing: authenticity comes from the secret URL path and the source
    /// allow-list, both checked by the gateway before this is called.
    fn verify_webhook(&self, _headers: &HeaderMap, _body: &[u8]) -> Result<(), CarrierError> {
        Ok(())
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<WebhookPayload, CarrierError> {
        webhook::parse(body)
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.config.timeout_secs.max(1))
    }

    fn public_tracking_url(
        &self,
        tracking_number: &str,
        _lang: &str,
        _destination_country: Option<&str>,
    ) -> Option<String> {
        Some(links::public_tracking_url(tracking_number))
    }
}

impl crate::registry::AdapterConfig for InpostConfig {
    fn carrier(&self) -> CarrierId {
        CarrierId::Inpost
    }

    /// InPost tracking needs no credentials.
    fn configured(&self) -> bool {
        true
    }

    fn build(&self) -> std::sync::Arc<dyn Carrier> {
        std::sync::Arc::new(InpostCarrier::new(self.clone()))
    }
}

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod fixture_tests;
