//! The `Carrier` contract every adapter implements, and the types it speaks.

use std::time::Duration;

use async_trait::async_trait;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::capability::{EventFeed, PushSubscriptions};
use crate::error::CarrierError;
use crate::model::TrackingSnapshot;

/// Which carrier. Adding a carrier adds a variant here, a folder, a config section and fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum CarrierId {
    /// DHL (Unified Tracking API, all divisions).
    Dhl,
    /// DPD (Poland InfoServices, Europe ParcelLifeCycle).
    Dpd,
    /// InPost ShipX (Poland).
    Inpost,
}

impl CarrierId {
    /// Every carrier.
    pub const ALL: [CarrierId; 3] = [CarrierId::Dhl, CarrierId::Dpd, CarrierId::Inpost];

    /// Lowercase id used in URLs, config and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CarrierId::Dhl => "dhl",
            CarrierId::Dpd => "dpd",
            CarrierId::Inpost => "inpost",
        }
    }

    /// Parses the lowercase id (case-insensitive).
    pub fn parse(s: &str) -> Option<CarrierId> {
        CarrierId::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Human name.
    pub fn display_name(self) -> &'static str {
        match self {
            CarrierId::Dhl => "DHL",
            CarrierId::Dpd => "DPD",
            CarrierId::Inpost => "InPost",
        }
    }
}

impl std::fmt::Display for CarrierId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a carrier can tell us about changes without being asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PushSupport {
    /// Polling only.
    None,
    /// The carrier calls our webhook URL.
    Webhook,
    /// An account-wide event feed we drain (DPD Poland).
    Feed,
}

/// A carrier's request budget.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RateLimit {
    /// Sustained calls per second.
    pub per_second: f64,
    /// Calls per day (quota resetting at 00:00 UTC), if the carrier has one.
    pub per_day: Option<u32>,
}

/// What an adapter can do.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Capabilities {
    /// Tracking numbers per `track` call.
    pub batch_size: usize,
    /// Push channel.
    pub push: PushSupport,
    /// Default request budget (config may override).
    pub rate_limit: RateLimit,
    /// The carrier's cap on fetches of one shipment per day (DHL asks for at most 10,
    /// spread evenly); the poller never schedules a shipment more often than this allows.
    pub max_polls_per_shipment_per_day: Option<u32>,
}

/// One number to look up, with what the shipment knows that helps the carrier find it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackRequest {
    /// The tracking number.
    pub tracking_number: String,
    /// Carrier service or division, when known (DHL needs it to disambiguate).
    pub service: Option<String>,
    /// Recipient postal code.
    pub destination_postal_code: Option<String>,
    /// Origin country (ISO alpha-2).
    pub origin_country: Option<String>,
    /// Preferred language for carrier texts (`pl`, `en`, `de`).
    pub language: Option<String>,
}

impl TrackRequest {
    /// A request with only a number.
    pub fn number(n: impl Into<String>) -> Self {
        TrackRequest {
            tracking_number: n.into(),
            ..Default::default()
        }
    }
}

/// The result for one requested number.
#[derive(Debug)]
pub struct TrackOutcome {
    /// The number that was asked for.
    pub tracking_number: String,
    /// What the carrier said, or why it could not.
    pub result: Result<TrackingSnapshot, CarrierError>,
}

/// A claim that a number belongs to a carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// Which carrier.
    pub carrier: CarrierId,
    /// 0-100: a passed check digit or a unique format scores high, a bare digit count low.
    pub confidence: u8,
    /// Service the format implies (e.g. `express`, `parcel-pl`), to send along when tracking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The number in the carrier's canonical form.
    pub normalized: String,
}

/// What a webhook body contained.
#[derive(Debug, Default)]
pub struct WebhookPayload {
    /// Tracking updates to merge.
    pub snapshots: Vec<TrackingSnapshot>,
    /// Non-tracking messages (lifecycle notices, ignored event types), for the log.
    pub notices: Vec<String>,
}

/// An adapter for one carrier. Object-safe: the gateway holds `Arc<dyn Carrier>`.
#[async_trait]
pub trait Carrier: Send + Sync {
    /// Which carrier this is.
    fn id(&self) -> CarrierId;

    /// Batch size, push support and default rate limit.
    fn capabilities(&self) -> Capabilities;

    /// Claims a tracking number if its format belongs to this carrier.
    fn detect(&self, tracking_number: &str) -> Option<Detection>;

    /// Looks numbers up; one outcome per request, in request order.
    async fn track(&self, requests: &[TrackRequest]) -> Vec<TrackOutcome>;

    /// Checks that a webhook really comes from the carrier (a header token, a signature).
    /// Source-address checks are the gateway's; this sees only headers and body.
    fn verify_webhook(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), CarrierError>;

    /// Turns a webhook body into tracking updates.
    fn parse_webhook(&self, body: &[u8]) -> Result<WebhookPayload, CarrierError>;

    /// Whether [`Carrier::remap_with_history`] does anything (saves the gateway a read).
    fn needs_history(&self) -> bool {
        false
    }

    /// Re-maps a pushed snapshot's events in the light of the shipment's stored timeline.
    /// Carriers whose codes mean different things depending on what came before (DPD's
    /// pickup-point adoption, a delivery after a return) override this, because a push or
    /// feed batch carries only the newest events.
    fn remap_with_history(
        &self,
        _history: &[crate::TrackingEvent],
        _snapshot: &mut TrackingSnapshot,
    ) {
    }

    /// Time after which an unanswered call counts as timed out.
    fn timeout(&self) -> Duration {
        Duration::from_secs(20)
    }

    /// The carrier's account-wide event feed, if it has one (DPD Poland).
    fn event_feed(&self) -> Option<&dyn EventFeed> {
        None
    }

    /// Push subscriptions the gateway can set up at the carrier, if any (DHL Unified Push).
    fn push_subscriptions(&self) -> Option<&dyn PushSubscriptions> {
        None
    }

    /// The carrier's own public tracking page for a number, in `lang` (`pl`, `en`, `de`)
    /// and for a parcel going to `destination_country` (ISO alpha-2), if it has one.
    fn public_tracking_url(
        &self,
        _tracking_number: &str,
        _lang: &str,
        _destination_country: Option<&str>,
    ) -> Option<String> {
        None
    }
}
