//! What a merge plan means for the shipment row: shared by both backends so they cannot
//! drift apart on status, ETA or scheduling rules.

use chrono::{DateTime, Utc};

use super::{ApplyOutcome, Eta, Shipment};
use crate::engine::schedule::next_delay;
use crate::engine::MergePlan;

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

/// Computes the row after applying `plan` to `before`, without lane history (status rules
/// and the carrier's ETA only; see [`shipment_after_predicting`]).
pub fn shipment_after(before: &Shipment, plan: &MergePlan, now: DateTime<Utc>) -> Written {
    let timeline = crate::engine::eta::timeline_after(&[], plan);
    shipment_after_predicting(before, plan, now, &timeline, &Default::default())
}

/// Computes the row after applying `plan` to `before`; `timeline` is the timeline after the
/// merge and `history` the lane's delivered history (loaded only when
/// `engine::eta::needs_history` says so), from which a missing carrier ETA is predicted.
pub fn shipment_after_predicting(
    before: &Shipment,
    plan: &MergePlan,
    now: DateTime<Utc>,
    timeline: &[carriers::TrackingEvent],
    history: &crate::engine::eta::LaneHistory,
) -> Written {
    let (status, substatus, status_changed_at) = match &plan.status_change {
        Some(c) => (c.to_status, c.to_substatus.clone(), Some(c.occurred_at)),
        None => (
            before.status,
            before.substatus.clone(),
            before.status_changed_at,
        ),
    };
    // The carrier's ETA wins while it exists; otherwise predicted (engine::eta).
    let eta = crate::engine::eta::shown_eta(crate::engine::eta::EtaInput {
        before,
        details: &plan.details,
        carrier_eta: plan.carrier_eta,
        status,
        timeline,
        history,
        now,
    });
    let original_eta = before.original_eta.or(eta);
    let next_poll_at = if plan.status_change.is_some() {
        next_delay(status, before.last_push_at.is_some(), 0, None)
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| now + d)
    } else {
        before.next_poll_at
    };
    Written {
        status,
        substatus,
        status_changed_at,
        last_event_at: plan.last_event_at.or(before.last_event_at),
        details: plan.details.clone(),
        eta,
        original_eta,
        next_poll_at,
    }
}

/// The outcome reported to callers.
pub fn outcome(plan: MergePlan, before: &Shipment, written: &Written) -> ApplyOutcome {
    ApplyOutcome {
        inserted: plan.inserted.len(),
        enriched: plan.enriched.len(),
        eta_changed: written.eta != before.eta,
        status_change: plan.status_change,
        unmapped_codes: plan.unmapped_codes,
        changed: true,
    }
}

/// The merge input for a stored shipment and its timeline (the carrier's ETA only: a
/// predicted ETA is not the carrier's to keep or replace).
pub fn current_state(
    shipment: &Shipment,
    events: Vec<carriers::TrackingEvent>,
) -> crate::engine::CurrentState {
    crate::engine::CurrentState {
        status: shipment.status,
        substatus: shipment.substatus.clone(),
        events,
        details: shipment.details.clone(),
        carrier_eta: shipment
            .eta
            .filter(|e| e.source == super::EtaSource::Carrier)
            .map(|e| carriers::EtaWindow {
                from: e.from,
                to: e.to,
            }),
    }
}
