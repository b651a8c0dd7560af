//! Per-shipment facts: one row per shipment, rewritten inside the same transaction as every
//! apply that changes the shipment, holding exactly what the carrier report aggregates.
//!
//! Keeping the facts next to the shipment (instead of re-deriving them from the events at
//! report time) makes a report one scan of one narrow, indexed table: no joins, no event
//! walks. The definitions live here, in one place a reader can audit:
//!
//! - *first scan*: the earliest event showing the parcel in the carrier's hands
//!   ([`first_scan`]); *transit*: first scan → delivered, in minutes and in working days of
//!   the lane's calendar (local dates of the destination);
//! - *time to first scan*: registration → first scan;
//! - *first attempt*: delivered with no failed attempt and no redirection to a pickup point
//!   before the delivery ([`is_redirect`]);
//! - *exception*: any exception event; *returned*: returned to sender, or on its way back;
//! - *on time*: delivered by the end of the original ETA window; *ETA error*: local days
//!   from the original window to the delivery date (0 inside, positive late, negative early).

use carriers::{Status, TrackingEvent};
use chrono::Datelike;

pub use crate::domain::ShipmentFacts;
use crate::domain::{Eta, EtaSource, LaneKey, Shipment};
use crate::engine::eta::first_scan;
use crate::engine::working_days::{local_date, zone_for};

/// A substatus meaning the parcel was redirected to a pickup point, locker or depot.
pub fn is_redirect(e: &TrackingEvent) -> bool {
    e.substatus.contains("redirect")
        || e.substatus == "available_for_pickup.pickup_point_after_attempt"
        || e.substatus.starts_with("available_for_pickup.temporary")
}

/// A status or substatus meaning the parcel goes back to the sender.
pub fn is_return(e: &TrackingEvent) -> bool {
    e.status == Status::ReturnedToSender
        || matches!(
            e.substatus.as_str(),
            "exception.return_to_sender"
                | "exception.returning_to_sender"
                | "exception.pickup_expired_returning"
        )
}

/// Computes the facts of a shipment from its row, current status, original ETA, the
/// carrier's current ETA and the timeline.
pub fn compute(
    shipment: &Shipment,
    key: &LaneKey,
    status: Status,
    original_eta: Option<Eta>,
    carrier_eta: Option<Eta>,
    timeline: &[TrackingEvent],
) -> ShipmentFacts {
    let carrier_eta = carrier_eta.filter(|e| e.source == EtaSource::Carrier);
    let tz = zone_for(Some(&key.destination));
    let cal = crate::engine::eta::lane_calendar(key);
    let scan = first_scan(timeline);
    let delivered_at = if status == Status::Delivered {
        timeline
            .iter()
            .filter(|e| e.status == Status::Delivered)
            .map(|e| e.occurred_at)
            .min()
    } else {
        None
    };
    let before_delivery = |e: &&TrackingEvent| delivered_at.is_none_or(|d| e.occurred_at < d);
    let troubled = timeline
        .iter()
        .filter(before_delivery)
        .any(|e| e.status == Status::FailedAttempt || is_redirect(e));
    let (transit_minutes, transit_wd) = match (scan, delivered_at) {
        (Some(s), Some(d)) if d >= s => (
            Some((d - s).num_minutes()),
            Some(cal.working_days_between(local_date(s, tz), local_date(d, tz)) as i64),
        ),
        _ => (None, None),
    };
    let eta_error_days = match (original_eta, delivered_at) {
        (Some(eta), Some(d)) => {
            let (day, from, to) = (
                local_date(d, tz),
                local_date(eta.from, tz),
                local_date(eta.to, tz),
            );
            Some(if day < from {
                (day - from).num_days()
            } else if day > to {
                (day - to).num_days()
            } else {
                0
            })
        }
        _ => None,
    };
    let created_local = shipment.created_at.with_timezone(&tz).iso_week();
    ShipmentFacts {
        shipment_id: shipment.id.to_string(),
        merchant_id: shipment.merchant_id.to_string(),
        carrier: shipment.carrier,
        service: key.service.clone(),
        lane: key.lane(),
        week: format!("{}-W{:02}", created_local.year(), created_local.week()),
        created_at: shipment.created_at,
        first_scan_at: scan,
        delivered_at,
        status,
        transit_minutes,
        transit_wd,
        first_scan_minutes: scan
            .map(|s| (s - shipment.created_at).num_minutes())
            .filter(|m| *m >= 0),
        first_attempt: delivered_at.is_some() && !troubled,
        exception: timeline.iter().any(|e| e.status == Status::Exception),
        returned: timeline.iter().any(is_return),
        eta_source: original_eta.map(|e| e.source),
        eta_from: original_eta.map(|e| e.from),
        eta_to: original_eta.map(|e| e.to),
        carrier_eta_from: carrier_eta.map(|e| e.from),
        carrier_eta_to: carrier_eta.map(|e| e.to),
        on_time: match (original_eta, delivered_at) {
            (Some(eta), Some(d)) => Some(d <= eta.to),
            _ => None,
        },
        eta_in_window: eta_error_days.map(|e| e == 0),
        eta_error_days,
    }
}

#[cfg(test)]
#[path = "facts_tests.rs"]
mod tests;
