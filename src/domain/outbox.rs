//! The outbox rows a change, a stall or a replay creates: which subscriptions, which event
//! types, which payload. Pure planning: the tracking pipeline and the store's replay hand the
//! rows to the store, which only inserts them.

use chrono::{DateTime, Utc};

use super::callback::{build, PayloadInput, ETA_CHANGED, STALLED, STATUS_CHANGED};
use super::shipment::{Shipment, StatusChange, StatusChangeRecord, Written};
use super::subscription::Subscription;

/// One outbox row to insert, decided the same way by both backends.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// Subscription.
    pub subscription_id: String,
    /// Event type.
    pub event_type: &'static str,
    /// Stored payload.
    pub payload: String,
    /// The status change announced.
    pub status_change_id: Option<i64>,
}

/// What an apply recorded, as the outbox needs it.
#[derive(Debug, Clone, Copy)]
pub struct AppliedChange<'a> {
    /// The shipment before the apply.
    pub before: &'a Shipment,
    /// The row written.
    pub written: &'a Written,
    /// The status change, if one was recorded.
    pub change: Option<&'a StatusChange>,
}

impl AppliedChange<'_> {
    /// Whether anything here fires callbacks.
    pub fn fires(&self) -> bool {
        self.change.is_some() || self.eta_changed()
    }

    /// Whether the ETA shown changed.
    pub fn eta_changed(&self) -> bool {
        self.written.eta != self.before.eta
    }
}

/// The outbox rows of one apply: one per matching enabled subscription and event type.
/// `change_event` is the event that caused the status change, `latest_event` the newest one.
pub fn plan_outbox(
    subs: &[Subscription],
    applied: &AppliedChange<'_>,
    change_id: Option<i64>,
    change_event: Option<&carriers::TrackingEvent>,
    latest_event: Option<&carriers::TrackingEvent>,
    now: DateTime<Utc>,
) -> Vec<OutboxRow> {
    let before = applied.before;
    let w = applied.written;
    let carrier = before.carrier.as_str();
    let mut rows = Vec::new();
    let mut push = |event_type: &'static str, input: PayloadInput<'_>, change_id| {
        let wanted: Vec<_> = subs
            .iter()
            .filter(|s| s.enabled && s.wants(event_type, carrier, input.status.as_str()))
            .collect();
        if wanted.is_empty() {
            return;
        }
        let payload = build(event_type, &input, now);
        rows.extend(wanted.into_iter().map(|s| OutboxRow {
            subscription_id: s.id.to_string(),
            event_type,
            payload: payload.clone(),
            status_change_id: change_id,
        }));
    };
    if let Some(c) = applied.change {
        let input = PayloadInput {
            shipment: before,
            status: c.to_status,
            substatus: &c.to_substatus,
            previous: Some((c.from_status, &c.from_substatus)),
            eta: w.eta,
            previous_eta: None,
            event: change_event,
            occurred_at: Some(c.occurred_at),
        };
        push(STATUS_CHANGED, input, change_id);
    }
    if applied.eta_changed() {
        let input = PayloadInput {
            shipment: before,
            status: w.status,
            substatus: &w.substatus,
            previous: None,
            eta: w.eta,
            previous_eta: before.eta,
            event: latest_event,
            occurred_at: latest_event.map(|e| e.occurred_at),
        };
        push(ETA_CHANGED, input, None);
    }
    rows
}

/// The outbox row a replay creates for one recorded status change, if the subscription's
/// filters accept it. The body's `timestamp` is when the change was recorded, as in the
/// original; replayed payloads carry the shipment's current ETA (ETAs are not kept
/// historically).
pub fn replay_row(
    sub: &Subscription,
    shipment: &Shipment,
    change: &StatusChangeRecord,
    event: Option<&carriers::TrackingEvent>,
) -> Option<OutboxRow> {
    if !sub.wants(
        STATUS_CHANGED,
        shipment.carrier.as_str(),
        change.to_status.as_str(),
    ) {
        return None;
    }
    let input = PayloadInput {
        shipment,
        status: change.to_status,
        substatus: &change.to_substatus,
        previous: Some((change.from_status, &change.from_substatus)),
        eta: shipment.eta,
        previous_eta: None,
        event,
        occurred_at: Some(change.occurred_at),
    };
    Some(OutboxRow {
        subscription_id: sub.id.to_string(),
        event_type: STATUS_CHANGED,
        payload: build(STATUS_CHANGED, &input, change.recorded_at),
        status_change_id: Some(change.id),
    })
}

/// The outbox rows announcing a stall to the subscriptions that want it.
pub fn plan_stalled(
    subs: &[Subscription],
    shipment: &Shipment,
    latest: Option<&carriers::TrackingEvent>,
    now: DateTime<Utc>,
) -> Vec<OutboxRow> {
    let status = shipment.status;
    let wanted: Vec<_> = subs
        .iter()
        .filter(|s| s.enabled && s.wants(STALLED, shipment.carrier.as_str(), status.as_str()))
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let input = PayloadInput {
        shipment,
        status,
        substatus: &shipment.substatus,
        previous: None,
        eta: shipment.eta,
        previous_eta: None,
        event: latest,
        occurred_at: shipment.last_event_at,
    };
    let payload = build(STALLED, &input, now);
    wanted
        .into_iter()
        .map(|s| OutboxRow {
            subscription_id: s.id.to_string(),
            event_type: STALLED,
            payload: payload.clone(),
            status_change_id: None,
        })
        .collect()
}
