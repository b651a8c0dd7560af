//! What a merge plan means for the shipment row, its facts and its lane history: pure
//! functions of the pipeline (`tracking::apply`), so every backend writes the same rows.

use carriers::{EtaWindow, Status, TrackingEvent};
use chrono::{DateTime, Utc};

use super::schedule::{next_poll_at, PollInput};
use crate::analytics::facts::compute;
use crate::domain::report::month;
use crate::domain::{EtaSource, LaneHistory, LaneKey, Shipment, ShipmentFacts, Written};
use crate::engine::eta::{needs_history, shown_eta, EtaInput};
use crate::engine::{CurrentState, MergePlan};
use crate::store::LaneBump;

/// The merge input for a stored shipment and its timeline (the carrier's ETA only: a
/// predicted ETA is not the carrier's to keep or replace).
pub fn current_state(shipment: &Shipment, events: Vec<TrackingEvent>) -> CurrentState {
    CurrentState {
        status: shipment.status,
        substatus: shipment.substatus.clone(),
        events,
        details: shipment.details.clone(),
        carrier_eta: shipment
            .eta
            .filter(|e| e.source == EtaSource::Carrier)
            .map(|e| EtaWindow {
                from: e.from,
                to: e.to,
            }),
    }
}

/// The lane whose history an apply must load to decide the ETA, if it must.
pub fn history_need(before: &Shipment, plan: &MergePlan) -> Option<LaneKey> {
    let status = plan
        .status_change
        .as_ref()
        .map(|c| c.to_status)
        .unwrap_or(before.status);
    needs_history(plan.carrier_eta, status).then(|| LaneKey::of(before, &plan.details))
}

/// Computes the row after applying `plan` to `before`; `timeline` is the timeline after the
/// merge and `history` the lane's delivered history (loaded only when [`history_need`] says
/// so), from which a missing carrier ETA is predicted. `push_at` is the push being applied.
pub fn shipment_after(
    before: &Shipment,
    plan: &MergePlan,
    now: DateTime<Utc>,
    timeline: &[TrackingEvent],
    history: &LaneHistory,
    push_at: Option<DateTime<Utc>>,
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
    let eta = shown_eta(EtaInput {
        before,
        details: &plan.details,
        carrier_eta: plan.carrier_eta,
        status,
        timeline,
        history,
        now,
    });
    let original_eta = before.original_eta.or(eta);
    // A new status gets its own polling interval from now; otherwise the schedule stands.
    let next_poll_at = if plan.status_change.is_some() {
        next_poll_at(PollInput {
            status,
            last_push_at: push_at.or(before.last_push_at),
            failures: 0,
            retry_after: None,
            min_gap: std::time::Duration::ZERO,
            now,
        })
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

/// The facts row after an apply, and the lane rollup bumps when this apply delivered the
/// shipment, empty otherwise.
pub fn facts_after(
    before: &Shipment,
    written: &Written,
    timeline: &[TrackingEvent],
) -> (ShipmentFacts, Vec<LaneBump>) {
    let key = LaneKey::of(before, &written.details);
    let facts = compute(
        before,
        &key,
        written.status,
        written.original_eta,
        written.eta,
        timeline,
    );
    let mut bumps = Vec::new();
    if before.status != Status::Delivered {
        if let (Some(at), Some(wd)) = (facts.delivered_at, facts.transit_wd) {
            for (_, scope) in key.scopes() {
                bumps.push((scope, month(at), wd));
            }
        }
    }
    (facts, bumps)
}

/// The event that caused a status change, and the newest event, from the merged timeline
/// (what the callback bodies show).
pub fn change_and_latest<'a>(
    timeline: &'a [TrackingEvent],
    change_event_id: Option<&str>,
) -> (Option<&'a TrackingEvent>, Option<&'a TrackingEvent>) {
    let change = change_event_id.and_then(|id| timeline.iter().find(|e| e.event_id == id));
    let latest = timeline
        .iter()
        .max_by(|a, b| (a.occurred_at, &a.event_id).cmp(&(b.occurred_at, &b.event_id)));
    (change, latest)
}
