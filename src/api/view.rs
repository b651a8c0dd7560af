//! The JSON a merchant gets for a shipment: status, progress steps, ETA and timeline.

use carriers::{ShipmentDetails, Status, TrackingEvent};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::engine::progress::{steps, Step};
use crate::state::AppState;
use crate::store::{Eta, Shipment};

/// One timeline entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Stable event id.
    pub event_id: String,
    /// Unified status.
    #[schema(value_type = String)]
    pub status: Status,
    /// Dotted substatus.
    pub substatus: String,
    /// Carrier's code.
    pub raw_code: String,
    /// Carrier's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_text: Option<String>,
    /// Instant (UTC).
    pub occurred_at: DateTime<Utc>,
    /// The same instant in the local time of the event, with its offset.
    pub local_time: String,
    /// `carrier` (offset sent by the carrier) or `assumed` (carrier's home zone).
    pub tz_source: String,
    /// Where.
    #[schema(value_type = Object)]
    pub location: carriers::Location,
}

impl From<&TrackingEvent> for EventView {
    fn from(e: &TrackingEvent) -> Self {
        let local = FixedOffset::east_opt(e.utc_offset_seconds)
            .map(|o| e.occurred_at.with_timezone(&o).to_rfc3339())
            .unwrap_or_else(|| e.occurred_at.to_rfc3339());
        EventView {
            event_id: e.event_id.clone(),
            status: e.status,
            substatus: e.substatus.clone(),
            raw_code: e.raw_code.clone(),
            raw_text: e.raw_text.clone(),
            occurred_at: e.occurred_at,
            local_time: local,
            tz_source: e.tz_source.as_str().to_string(),
            location: e.location.clone(),
        }
    }
}

/// ETA as shown, with the first one ever shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct EtaView {
    /// Current estimate.
    #[serde(flatten)]
    pub current: Eta,
    /// First estimate shown (for on-time statistics).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<Eta>,
}

/// A shipment with its timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentView {
    /// Id.
    pub id: String,
    /// Carrier id.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Merchant's order reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    /// Current unified status.
    #[schema(value_type = String)]
    pub status: Status,
    /// Current substatus.
    pub substatus: String,
    /// When the current status began.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_changed_at: Option<DateTime<Utc>>,
    /// Estimated delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta: Option<EtaView>,
    /// Step tracker.
    pub progress: Vec<Step>,
    /// Carrier-reported details (service, product, proof of delivery, pickup point, pieces).
    #[schema(value_type = Object)]
    pub details: ShipmentDetails,
    /// Public tracking token.
    pub public_token: String,
    /// Public tracking page.
    pub tracking_url: String,
    /// Events, oldest first.
    pub timeline: Vec<EventView>,
    /// Last carrier poll.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_polled_at: Option<DateTime<Utc>>,
    /// Last poll error, if the last poll failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Registered.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A shipment without its timeline, for lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentSummary {
    /// Id.
    pub id: String,
    /// Carrier id.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Order reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    /// Status.
    #[schema(value_type = String)]
    pub status: Status,
    /// Substatus.
    pub substatus: String,
    /// ETA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta: Option<Eta>,
    /// Public tracking page.
    pub tracking_url: String,
    /// Registered.
    pub created_at: DateTime<Utc>,
}

/// Builds the full view.
pub fn shipment_view(state: &AppState, s: &Shipment, events: &[TrackingEvent]) -> ShipmentView {
    ShipmentView {
        id: s.id.to_string(),
        carrier: s.carrier.as_str().to_string(),
        tracking_number: s.tracking_number.clone(),
        order_ref: s.order_ref.clone(),
        status: s.status,
        substatus: s.substatus.clone(),
        status_changed_at: s.status_changed_at,
        eta: s.eta.map(|current| EtaView {
            current,
            original: s.original_eta,
        }),
        progress: steps(s.status, events),
        details: s.details.clone(),
        public_token: s.public_token.clone(),
        tracking_url: state.tracking_url(&s.public_token),
        timeline: events.iter().map(EventView::from).collect(),
        last_polled_at: s.last_polled_at,
        last_error: s.last_error.clone(),
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

/// Builds the list view.
pub fn shipment_summary(state: &AppState, s: &Shipment) -> ShipmentSummary {
    ShipmentSummary {
        id: s.id.to_string(),
        carrier: s.carrier.as_str().to_string(),
        tracking_number: s.tracking_number.clone(),
        order_ref: s.order_ref.clone(),
        status: s.status,
        substatus: s.substatus.clone(),
        eta: s.eta,
        tracking_url: state.tracking_url(&s.public_token),
        created_at: s.created_at,
    }
}
