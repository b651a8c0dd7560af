//! The callback body, `{type, timestamp, data}`: built in one place (when a change is
//! planned by the tracking pipeline, and when a replay rebuilds it from `status_changes`).
//!
//! The tracking-page URL depends on `public_url`, which is configuration the store does not
//! know. The stored payload therefore carries the relative path (`/t/{token}`) and
//! [`render`] prefixes `public_url` at send time. Rendering is deterministic (typed structs,
//! fixed field order), so every attempt of one delivery sends the same bytes as long as the
//! configured `public_url` does not change.

use carriers::{Location, Status, TrackingEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::shipment::{Eta, Shipment};

/// A shipment's status (or substatus) changed.
pub const STATUS_CHANGED: &str = "shipment.status_changed";
/// The ETA shown changed.
pub const ETA_CHANGED: &str = "shipment.eta_changed";
/// No carrier update for too long (reserved; not emitted yet).
pub const STALLED: &str = "shipment.stalled";
/// Event types a subscription may ask for.
pub const EVENT_TYPES: &[&str] = &[STATUS_CHANGED, ETA_CHANGED, STALLED];

/// The body of a callback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CallbackBody {
    /// Event type (`shipment.status_changed`, `shipment.eta_changed`).
    #[serde(rename = "type")]
    pub kind: String,
    /// When the gateway recorded the change.
    pub timestamp: DateTime<Utc>,
    /// The shipment after the change.
    pub data: ShipmentData,
}

/// The shipment as sent in a callback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShipmentData {
    /// Shipment id.
    pub id: String,
    /// Carrier id.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Merchant's order reference.
    pub order_ref: Option<String>,
    /// Status after the change.
    pub status: String,
    /// Substatus after the change.
    pub substatus: String,
    /// Status before (status changes only).
    pub previous_status: Option<String>,
    /// Substatus before (status changes only).
    pub previous_substatus: Option<String>,
    /// ETA shown after the change.
    pub eta: Option<Eta>,
    /// ETA shown before (ETA changes only).
    pub previous_eta: Option<Eta>,
    /// The event that caused the status change (for ETA changes: the latest event).
    pub latest_event: Option<EventData>,
    /// Public tracking page.
    pub tracking_url: String,
    /// When the causing event happened (carrier time, UTC).
    pub occurred_at: Option<DateTime<Utc>>,
    /// The shopper's e-mail: only for merchants with `callbacks_include_contact`, added at
    /// send time (never stored with the payload) while the contact is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// The shopper's phone (E.164), as `customer_email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_phone: Option<String>,
    /// The shopper's name, as `customer_email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
}

/// An event as sent in a callback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventData {
    /// Stable event id.
    pub event_id: String,
    /// Unified status.
    pub status: String,
    /// Dotted substatus.
    pub substatus: String,
    /// Carrier's code.
    pub raw_code: String,
    /// Carrier's text.
    pub raw_text: Option<String>,
    /// When (UTC).
    pub occurred_at: DateTime<Utc>,
    /// Where.
    #[schema(value_type = Object)]
    pub location: Location,
}

impl From<&TrackingEvent> for EventData {
    fn from(e: &TrackingEvent) -> Self {
        EventData {
            event_id: e.event_id.clone(),
            status: e.status.as_str().to_string(),
            substatus: e.substatus.clone(),
            raw_code: e.raw_code.clone(),
            raw_text: e.raw_text.clone(),
            occurred_at: e.occurred_at,
            location: e.location.clone(),
        }
    }
}

/// What a payload is built from.
#[derive(Debug, Clone)]
pub struct PayloadInput<'a> {
    /// The shipment (identity, order reference, token).
    pub shipment: &'a Shipment,
    /// Status after.
    pub status: Status,
    /// Substatus after.
    pub substatus: &'a str,
    /// Status and substatus before (status changes).
    pub previous: Option<(Status, &'a str)>,
    /// ETA after.
    pub eta: Option<Eta>,
    /// ETA before (ETA changes).
    pub previous_eta: Option<Eta>,
    /// The causing (or latest) event.
    pub event: Option<&'a TrackingEvent>,
    /// When the causing event happened.
    pub occurred_at: Option<DateTime<Utc>>,
}

/// The relative tracking path stored in payloads.
pub fn tracking_path(token: &str) -> String {
    format!("/t/{token}")
}

/// Builds the stored payload text.
pub fn build(event_type: &str, input: &PayloadInput<'_>, timestamp: DateTime<Utc>) -> String {
    let s = input.shipment;
    let body = CallbackBody {
        kind: event_type.to_string(),
        timestamp,
        data: ShipmentData {
            id: s.id.to_string(),
            carrier: s.carrier.as_str().to_string(),
            tracking_number: s.tracking_number.clone(),
            order_ref: s.order_ref.clone(),
            status: input.status.as_str().to_string(),
            substatus: input.substatus.to_string(),
            previous_status: input.previous.map(|(st, _)| st.as_str().to_string()),
            previous_substatus: input.previous.map(|(_, sub)| sub.to_string()),
            eta: input.eta,
            previous_eta: input.previous_eta,
            latest_event: input.event.map(EventData::from),
            tracking_url: tracking_path(&s.public_token),
            occurred_at: input.occurred_at,
            // Personal data stays out of the outbox: see `dispatch::payload::render`.
            customer_email: None,
            customer_phone: None,
            customer_name: None,
        },
    };
    serde_json::to_string(&body).unwrap_or_default()
}
