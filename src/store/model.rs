//! Rows and inputs the store speaks, shared by both backends.

use carriers::{CarrierId, EtaWindow, ShipmentDetails, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A merchant: the tenant. Every shipment belongs to exactly one.
#[derive(Debug, Clone, PartialEq)]
pub struct Merchant {
    /// Id (`mer_…`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Branding and embedding settings.
    pub settings: MerchantSettings,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Per-merchant settings (stored as JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MerchantSettings {
    /// Name shown on the tracking page (defaults to the merchant name).
    pub display_name: Option<String>,
    /// Logo URL shown on the tracking page.
    pub logo_url: Option<String>,
    /// Accent colour, `#rrggbb`.
    pub accent_color: Option<String>,
    /// Origins allowed to embed the tracking page.
    pub allowed_origins: Vec<String>,
}

/// Where an ETA came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EtaSource {
    /// The carrier's own estimate.
    Carrier,
    /// Predicted from this gateway's history.
    Predicted,
}

/// A delivery estimate as shown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Eta {
    /// Window start.
    pub from: DateTime<Utc>,
    /// Window end.
    pub to: DateTime<Utc>,
    /// Carrier or predicted.
    pub source: EtaSource,
    /// 0..1 for predictions; None for the carrier's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

impl Eta {
    /// The carrier's window.
    pub fn from_carrier(w: EtaWindow) -> Self {
        Eta {
            from: w.from,
            to: w.to,
            source: EtaSource::Carrier,
            confidence: None,
        }
    }
}

/// A shipment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Shipment {
    /// Id (`shp_…`, time-ordered).
    pub id: String,
    /// Owner.
    pub merchant_id: String,
    /// Carrier.
    pub carrier: CarrierId,
    /// Tracking number (normalized).
    pub tracking_number: String,
    /// Merchant's order reference.
    pub order_ref: Option<String>,
    /// Carrier service, when known.
    pub service: Option<String>,
    /// Origin country.
    pub origin_country: Option<String>,
    /// Destination country.
    pub destination_country: Option<String>,
    /// Destination postal code.
    pub destination_postal_code: Option<String>,
    /// Language for the tracking page and carrier texts.
    pub language: Option<String>,
    /// SHA-256 of the lower-cased customer e-mail (for order lookup; never the address itself).
    pub email_hash: Option<String>,
    /// Public tracking-page token.
    pub public_token: String,
    /// Current status.
    pub status: Status,
    /// Current substatus.
    pub substatus: String,
    /// When the current status was entered (event time).
    pub status_changed_at: Option<DateTime<Utc>>,
    /// Latest event time.
    pub last_event_at: Option<DateTime<Utc>>,
    /// Carrier details.
    pub details: ShipmentDetails,
    /// ETA as shown.
    pub eta: Option<Eta>,
    /// First ETA ever shown (for on-time statistics).
    pub original_eta: Option<Eta>,
    /// Next poll (None: not polled).
    pub next_poll_at: Option<DateTime<Utc>>,
    /// Consecutive retryable poll failures.
    pub poll_failures: u32,
    /// Last poll error, if the last poll failed.
    pub last_error: Option<String>,
    /// Last poll.
    pub last_polled_at: Option<DateTime<Utc>>,
    /// Last carrier push (webhook/feed) for this shipment.
    pub last_push_at: Option<DateTime<Utc>>,
    /// Registered.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change; guards caches against stale writes.
    pub version: i64,
}

/// Input for registering a shipment.
#[derive(Debug, Clone, Default)]
pub struct NewShipment {
    /// Owner.
    pub merchant_id: String,
    /// Carrier (already detected if the client left it out).
    pub carrier: Option<CarrierId>,
    /// Tracking number (normalized).
    pub tracking_number: String,
    /// Order reference.
    pub order_ref: Option<String>,
    /// Service.
    pub service: Option<String>,
    /// Origin country.
    pub origin_country: Option<String>,
    /// Destination country.
    pub destination_country: Option<String>,
    /// Destination postal code.
    pub destination_postal_code: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Hash of the customer e-mail.
    pub email_hash: Option<String>,
}

/// Filters and paging for listing shipments.
#[derive(Debug, Clone, Default)]
pub struct ShipmentFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this carrier.
    pub carrier: Option<CarrierId>,
    /// Only this order reference.
    pub order_ref: Option<String>,
    /// Return shipments with id below this (ids are time-ordered: newest first paging).
    pub before_id: Option<String>,
    /// Page size.
    pub limit: u32,
}

/// A recorded status change.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChangeRecord {
    /// Sequence number.
    pub id: i64,
    /// Shipment.
    pub shipment_id: String,
    /// Before.
    pub from_status: Status,
    /// Before.
    pub from_substatus: String,
    /// After.
    pub to_status: Status,
    /// After.
    pub to_substatus: String,
    /// Causing event.
    pub event_id: String,
    /// Event time.
    pub occurred_at: DateTime<Utc>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// What `apply_snapshot` did.
#[derive(Debug, Clone, Default)]
pub struct ApplyOutcome {
    /// New events stored.
    pub inserted: usize,
    /// Events enriched.
    pub enriched: usize,
    /// The status change recorded, if any.
    pub status_change: Option<crate::engine::StatusChange>,
    /// Unknown carrier codes seen.
    pub unmapped_codes: Vec<String>,
    /// Whether anything was written.
    pub changed: bool,
    /// Whether the shown ETA changed.
    pub eta_changed: bool,
}

/// A poll result to record.
#[derive(Debug, Clone)]
pub struct PollRecord {
    /// When the poll finished.
    pub now: DateTime<Utc>,
    /// Next poll (None: stop polling).
    pub next_poll_at: Option<DateTime<Utc>>,
    /// Consecutive failures after this poll.
    pub failures: u32,
    /// The error, when it failed.
    pub error: Option<String>,
}

/// What a successful poll knows before its snapshot is applied, so the next poll can be
/// scheduled (and the lease released) in the apply's own transaction: one commit per poll.
#[derive(Debug, Clone, Copy)]
pub struct PollDone {
    /// When the poll finished.
    pub now: DateTime<Utc>,
    /// Whether the shipment is fed by the carrier's push channel (polling is a fallback).
    pub push_fed: bool,
    /// The shortest gap the carrier accepts between two fetches of one shipment.
    pub min_gap: std::time::Duration,
}

impl PollDone {
    /// The poll record for a shipment whose status after the apply is `status`.
    pub fn record(&self, status: carriers::Status) -> PollRecord {
        let next = crate::engine::schedule::next_delay(status, self.push_fed, 0, None)
            .map(|d| d.max(self.min_gap))
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| self.now + d);
        PollRecord {
            now: self.now,
            next_poll_at: next,
            failures: 0,
            error: None,
        }
    }
}

/// A carrier webhook body to store.
#[derive(Debug, Clone)]
pub struct NewInboxItem {
    /// Which carrier's endpoint received it.
    pub carrier: CarrierId,
    /// The raw body, byte for byte.
    pub body: Vec<u8>,
    /// Client address as seen (after trusted-proxy resolution).
    pub remote_addr: Option<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// Processing state of an inbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxState {
    /// Waiting to be processed.
    Pending,
    /// Processed.
    Done,
    /// Could not be processed; kept with its error.
    Failed,
}

impl InboxState {
    /// Database name.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxState::Pending => "pending",
            InboxState::Done => "done",
            InboxState::Failed => "failed",
        }
    }

    /// Parses the database name.
    pub fn parse(s: &str) -> Option<Self> {
        [InboxState::Pending, InboxState::Done, InboxState::Failed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A stored webhook body.
#[derive(Debug, Clone)]
pub struct InboxItem {
    /// Sequence number.
    pub id: i64,
    /// Carrier.
    pub carrier: CarrierId,
    /// Raw body.
    pub body: Vec<u8>,
    /// Client address.
    pub remote_addr: Option<String>,
    /// Arrival.
    pub received_at: DateTime<Utc>,
    /// State.
    pub state: InboxState,
    /// Processing attempts.
    pub attempts: u32,
    /// Error of the last attempt.
    pub error: Option<String>,
}
