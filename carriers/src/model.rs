//! The unified tracking model every carrier is normalized into.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::carrier::CarrierId;
use crate::event_id::fingerprint;
use crate::time::LocalTime;

/// The unified shipment status (see DESIGN.md, "The unified model").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Registered; the carrier has nothing yet.
    Pending,
    /// Label or data sent to the carrier, parcel not handed over.
    InfoReceived,
    /// Accepted by the carrier and moving.
    InTransit,
    /// On the vehicle for the final delivery today.
    OutForDelivery,
    /// Waiting in a locker, pickup point or depot for the recipient.
    AvailableForPickup,
    /// The courier tried and did not deliver; will retry or redirect.
    FailedAttempt,
    /// Delivered to the recipient (or a neighbour, a safe place, collected from a point).
    Delivered,
    /// Needs attention: damaged, lost, refused, customs hold, pickup time expired, bad address.
    Exception,
    /// Back with the sender.
    ReturnedToSender,
    /// Cancelled before handover.
    Cancelled,
    /// Set by the gateway only: no carrier update for too long.
    Expired,
    /// A carrier code the mapping does not know: kept, counted, never changes the current status.
    Unknown,
}

impl Status {
    /// Every status, in step-tracker order.
    pub const ALL: [Status; 12] = [
        Status::Pending,
        Status::InfoReceived,
        Status::InTransit,
        Status::OutForDelivery,
        Status::AvailableForPickup,
        Status::FailedAttempt,
        Status::Delivered,
        Status::Exception,
        Status::ReturnedToSender,
        Status::Cancelled,
        Status::Expired,
        Status::Unknown,
    ];

    /// The snake_case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::InfoReceived => "info_received",
            Status::InTransit => "in_transit",
            Status::OutForDelivery => "out_for_delivery",
            Status::AvailableForPickup => "available_for_pickup",
            Status::FailedAttempt => "failed_attempt",
            Status::Delivered => "delivered",
            Status::Exception => "exception",
            Status::ReturnedToSender => "returned_to_sender",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
            Status::Unknown => "unknown",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// A terminal status ends the journey: no more polling, and an older event never replaces it.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Delivered | Status::ReturnedToSender | Status::Cancelled
        )
    }

    /// Whether an event with this status may become the current status.
    pub fn sets_current(self) -> bool {
        !matches!(self, Status::Unknown)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mapping result: the unified status and a dotted substatus such as
/// `failed_attempt.recipient_absent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapped {
    /// Unified status.
    pub status: Status,
    /// Dotted substatus; always starts with the status name.
    pub substatus: &'static str,
}

impl Mapped {
    /// Builds a mapping; `substatus` is the full dotted code.
    pub const fn new(status: Status, substatus: &'static str) -> Self {
        Mapped { status, substatus }
    }

    /// The mapping for a carrier code the table does not know.
    pub const UNKNOWN: Mapped = Mapped::new(Status::Unknown, "unknown");
}

/// Where the time zone of an event time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TzSource {
    /// The carrier sent an explicit offset.
    Carrier,
    /// The carrier sent a local time without offset; the carrier's home zone was assumed.
    Assumed,
}

impl TzSource {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            TzSource::Carrier => "carrier",
            TzSource::Assumed => "assumed",
        }
    }
}

/// Where an event happened, as much as the carrier tells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Free text (city, depot name, locker id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Location {
    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.text.is_none() && self.postal_code.is_none() && self.country.is_none()
    }

    /// Fills fields this location lacks from `other` (used when an event is re-sent with more detail).
    pub fn enrich_from(&mut self, other: &Location) {
        if self.text.is_none() {
            self.text.clone_from(&other.text);
        }
        if self.postal_code.is_none() {
            self.postal_code.clone_from(&other.postal_code);
        }
        if self.country.is_none() {
            self.country.clone_from(&other.country);
        }
    }
}

/// One normalized carrier event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackingEvent {
    /// Stable fingerprint (see [`fingerprint`]): the same event from a poll and a webhook has one id.
    pub event_id: String,
    /// Unified status.
    pub status: Status,
    /// Dotted substatus.
    pub substatus: String,
    /// The carrier's own code, always kept.
    pub raw_code: String,
    /// The carrier's own text, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_text: Option<String>,
    /// The instant, in UTC.
    pub occurred_at: DateTime<Utc>,
    /// The local UTC offset at the event, in seconds east of UTC.
    pub utc_offset_seconds: i32,
    /// Where the offset came from.
    pub tz_source: TzSource,
    /// Where it happened.
    #[serde(default)]
    pub location: Location,
}

impl TrackingEvent {
    /// Builds an event and computes its stable id.
    pub fn new(
        carrier: CarrierId,
        tracking_number: &str,
        mapped: Mapped,
        raw_code: impl Into<String>,
        raw_text: Option<String>,
        time: LocalTime,
        location: Location,
    ) -> Self {
        let raw_code = raw_code.into();
        TrackingEvent {
            event_id: fingerprint(carrier, tracking_number, &raw_code, time.utc),
            status: mapped.status,
            substatus: mapped.substatus.to_string(),
            raw_code,
            raw_text: raw_text.filter(|t| !t.trim().is_empty()),
            occurred_at: time.utc,
            utc_offset_seconds: time.offset_seconds,
            tz_source: time.source,
            location,
        }
    }
}

/// A delivery time window announced by the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EtaWindow {
    /// Earliest expected delivery.
    pub from: DateTime<Utc>,
    /// Latest expected delivery.
    pub to: DateTime<Utc>,
}

/// Proof of delivery as the carrier reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofOfDelivery {
    /// When it was signed or recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Whether a signature exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed: Option<bool>,
    /// Link to the signature image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_url: Option<String>,
    /// Link to the proof-of-delivery document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_url: Option<String>,
    /// Name of the person who received it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_by: Option<String>,
}

/// A locker or pickup point where the parcel waits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupPoint {
    /// Carrier's id of the point (e.g. an InPost locker name like `KRA01M`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Human description: name, address, where to find it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Collect before this instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_until: Option<DateTime<Utc>>,
}

/// Shipment-level facts beyond events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentDetails {
    /// Carrier service or division (`parcel-pl`, `express`, `inpost_locker_standard`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Product name as the carrier calls it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Number of pieces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pieces: Option<u32>,
    /// Proof of delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof_of_delivery: Option<ProofOfDelivery>,
    /// Destination pickup point or locker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_point: Option<PickupPoint>,
    /// Origin country (ISO alpha-2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_country: Option<String>,
    /// Destination country (ISO alpha-2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_country: Option<String>,
    /// Destination postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_postal_code: Option<String>,
}

impl ShipmentDetails {
    /// Overlays the fields `newer` knows onto these details.
    pub fn merge_from(&mut self, newer: &ShipmentDetails) {
        macro_rules! take {
            ($($f:ident),*) => { $( if newer.$f.is_some() { self.$f.clone_from(&newer.$f); } )* };
        }
        take!(
            service,
            product,
            pieces,
            proof_of_delivery,
            pickup_point,
            origin_country,
            destination_country,
            destination_postal_code
        );
    }
}

/// What one carrier lookup (or one webhook) says about one shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackingSnapshot {
    /// Which carrier.
    pub carrier: CarrierId,
    /// The tracking number as the carrier knows it.
    pub tracking_number: String,
    /// Events in any order; the engine orders them.
    pub events: Vec<TrackingEvent>,
    /// The carrier's delivery estimate, when it gives one.
    pub eta: Option<EtaWindow>,
    /// Shipment-level facts.
    pub details: ShipmentDetails,
}

impl TrackingSnapshot {
    /// An empty snapshot for a number.
    pub fn new(carrier: CarrierId, tracking_number: impl Into<String>) -> Self {
        TrackingSnapshot {
            carrier,
            tracking_number: tracking_number.into(),
            events: Vec::new(),
            eta: None,
            details: ShipmentDetails::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap_or_default(),
                format!("\"{s}\"")
            );
        }
    }

    #[test]
    fn only_final_statuses_are_terminal() {
        let terminal: Vec<_> = Status::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            vec![
                Status::Delivered,
                Status::ReturnedToSender,
                Status::Cancelled
            ]
        );
    }
}
