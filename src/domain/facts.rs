//! The facts row of one shipment: exactly what the carrier report aggregates, kept beside the
//! shipment (definitions in `analytics::facts`, which computes it).

use carriers::{CarrierId, Status};
use chrono::{DateTime, Utc};

use super::lane::LaneKey;
use super::shipment::EtaSource;

/// The facts row of one shipment.
#[derive(Debug, Clone, PartialEq)]
pub struct ShipmentFacts {
    /// Shipment.
    pub shipment_id: String,
    /// Owner.
    pub merchant_id: String,
    /// Carrier.
    pub carrier: CarrierId,
    /// Service (lower case, empty when unknown).
    pub service: String,
    /// `ORIGIN-DESTINATION-PREFIX`.
    pub lane: String,
    /// ISO week of registration, `2026-W05`.
    pub week: String,
    /// Registered (the report's date range filters on this).
    pub created_at: DateTime<Utc>,
    /// First carrier scan.
    pub first_scan_at: Option<DateTime<Utc>>,
    /// Delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Current status.
    pub status: Status,
    /// First scan → delivery, minutes.
    pub transit_minutes: Option<i64>,
    /// First scan → delivery, working days.
    pub transit_wd: Option<i64>,
    /// Registration → first scan, minutes.
    pub first_scan_minutes: Option<i64>,
    /// Delivered at the first attempt.
    pub first_attempt: bool,
    /// Had an exception.
    pub exception: bool,
    /// Returned (or returning) to sender.
    pub returned: bool,
    /// Source of the original ETA.
    pub eta_source: Option<EtaSource>,
    /// Original ETA window start.
    pub eta_from: Option<DateTime<Utc>>,
    /// Original ETA window end.
    pub eta_to: Option<DateTime<Utc>>,
    /// The carrier's first announced window start (kept by the store across rewrites).
    pub carrier_eta_from: Option<DateTime<Utc>>,
    /// The carrier's first announced window end.
    pub carrier_eta_to: Option<DateTime<Utc>>,
    /// Delivered by the end of the original window (None: not delivered or no ETA).
    pub on_time: Option<bool>,
    /// Delivered inside the original window.
    pub eta_in_window: Option<bool>,
    /// Days from the original window to the delivery (0 inside; + late, − early).
    pub eta_error_days: Option<i64>,
}

impl ShipmentFacts {
    /// Whether the shipment is delivered.
    pub fn delivered(&self) -> bool {
        self.delivered_at.is_some()
    }

    /// The lane key these facts were recorded under.
    pub fn lane_key(&self) -> LaneKey {
        let mut parts = self.lane.splitn(3, '-');
        let mut next = |default: &str| parts.next().unwrap_or(default).to_string();
        LaneKey {
            carrier: self.carrier,
            service: self.service.clone(),
            origin: next("??"),
            destination: next("??"),
            prefix: next(""),
        }
    }
}
