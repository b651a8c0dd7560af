//! A shipment as the gateway knows it: registration input, the stored row with its current
//! status and ETA, listing filters, and recorded status changes.

use super::ids::{MerchantId, ShipmentId};
use carriers::{CarrierId, EtaWindow, ShipmentDetails, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    pub id: ShipmentId,
    /// Owner.
    pub merchant_id: MerchantId,
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
    pub merchant_id: MerchantId,
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

/// A change of current status (or substatus).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    /// Status before.
    pub from_status: Status,
    /// Substatus before.
    pub from_substatus: String,
    /// Status after.
    pub to_status: Status,
    /// Substatus after.
    pub to_substatus: String,
    /// The event that caused it.
    pub event_id: String,
    /// When that event happened.
    pub occurred_at: DateTime<Utc>,
}

/// The shipment columns an apply writes.
#[derive(Debug, Clone)]
pub struct Written {
    /// Status.
    pub status: carriers::Status,
    /// Substatus.
    pub substatus: String,
    /// Status entered at.
    pub status_changed_at: Option<DateTime<Utc>>,
    /// Latest event.
    pub last_event_at: Option<DateTime<Utc>>,
    /// Details.
    pub details: carriers::ShipmentDetails,
    /// ETA shown.
    pub eta: Option<Eta>,
    /// First ETA shown.
    pub original_eta: Option<Eta>,
    /// Next poll.
    pub next_poll_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
impl Shipment {
    /// A DPD parcel in transit on a Polish lane, for unit tests.
    pub(crate) fn for_tests() -> Shipment {
        Shipment {
            id: "shp_1".into(),
            merchant_id: "mer_1".into(),
            carrier: carriers::CarrierId::Dpd,
            tracking_number: "1".into(),
            order_ref: None,
            service: Some("Classic".into()),
            origin_country: Some("PL".into()),
            destination_country: Some("PL".into()),
            destination_postal_code: Some("30-001".into()),
            language: None,
            email_hash: None,
            public_token: "t".into(),
            status: carriers::Status::InTransit,
            substatus: "in_transit".into(),
            status_changed_at: None,
            last_event_at: None,
            details: carriers::ShipmentDetails::default(),
            eta: None,
            original_eta: None,
            next_poll_at: None,
            poll_failures: 0,
            last_error: None,
            last_polled_at: None,
            last_push_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }
}
