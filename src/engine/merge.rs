//! Merge rules: one entry per real-world event, status derived from the timeline.
//!
//! - An incoming event is the same as a stored one when its `event_id` matches, or when the
//!   raw code matches and the instants are within [`SAME_EVENT_WINDOW`]: a webhook's
//!   `event_ts` and a poll's `datetime` for one scan can differ by a few seconds.
//! - A re-sent event with more detail (text, location) enriches the stored one.
//! - The current status is the latest status-setting event by `occurred_at` (ties broken by
//!   journey order), except that once a terminal status (delivered, returned, cancelled) is
//!   in the timeline, only a later terminal event replaces it. `unknown` events never count.
//! - An event arriving late with an old `occurred_at` is stored in its place in the
//!   timeline and cannot roll the status back, because it is not the latest.

use carriers::{EtaWindow, ShipmentDetails, Status, TrackingEvent, TrackingSnapshot};
use chrono::{DateTime, Duration, Utc};

/// Two reports of one scan may differ by this much and still be one event.
pub const SAME_EVENT_WINDOW: Duration = Duration::seconds(120);

/// What the store holds for a shipment before a merge.
#[derive(Debug, Clone)]
pub struct CurrentState {
    /// Current status.
    pub status: Status,
    /// Current substatus.
    pub substatus: String,
    /// Stored events (any order).
    pub events: Vec<TrackingEvent>,
    /// Stored details.
    pub details: ShipmentDetails,
    /// Stored carrier ETA.
    pub carrier_eta: Option<EtaWindow>,
}

pub use crate::domain::StatusChange;

/// What a merge decided; the store writes it in one transaction.
#[derive(Debug, Clone, Default)]
pub struct MergePlan {
    /// Events not seen before.
    pub inserted: Vec<TrackingEvent>,
    /// Stored events that gained detail (same `event_id` as stored).
    pub enriched: Vec<TrackingEvent>,
    /// The status change, if any.
    pub status_change: Option<StatusChange>,
    /// Details after overlaying the snapshot's.
    pub details: ShipmentDetails,
    /// Whether details changed.
    pub details_changed: bool,
    /// The carrier's ETA after the merge (None clears it).
    pub carrier_eta: Option<EtaWindow>,
    /// Whether the carrier ETA changed.
    pub eta_changed: bool,
    /// Latest event time after the merge.
    pub last_event_at: Option<DateTime<Utc>>,
    /// Unknown carrier codes seen in this snapshot (to count and log).
    pub unmapped_codes: Vec<String>,
}

impl MergePlan {
    /// True when nothing needs writing.
    pub fn is_noop(&self) -> bool {
        self.inserted.is_empty()
            && self.enriched.is_empty()
            && self.status_change.is_none()
            && !self.details_changed
            && !self.eta_changed
    }
}

/// Merges a snapshot into the current state.
pub fn merge_snapshot(state: &CurrentState, snap: &TrackingSnapshot) -> MergePlan {
    let mut all = state.events.clone();
    let mut plan = MergePlan::default();
    for incoming in &snap.events {
        if incoming.status == Status::Unknown && !plan.unmapped_codes.contains(&incoming.raw_code) {
            plan.unmapped_codes.push(incoming.raw_code.clone());
        }
        match all.iter_mut().find(|e| same_event(e, incoming)) {
            Some(existing) => {
                if enrich(existing, incoming) {
                    upsert(&mut plan.enriched, existing.clone());
                }
            }
            None => {
                // A snapshot may list one scan twice; keep the first.
                all.push(incoming.clone());
                plan.inserted.push(incoming.clone());
            }
        }
    }
    let (status, substatus, cause) = derive_status(&all);
    if status != state.status || substatus != state.substatus {
        if let Some(cause) = cause {
            plan.status_change = Some(StatusChange {
                from_status: state.status,
                from_substatus: state.substatus.clone(),
                to_status: status,
                to_substatus: substatus,
                event_id: cause.event_id.clone(),
                occurred_at: cause.occurred_at,
            });
        }
    }
    let mut details = state.details.clone();
    details.merge_from(&snap.details);
    plan.details_changed = details != state.details;
    plan.details = details;
    // A delivered or returned parcel has no ETA any more; otherwise the carrier's latest wins.
    let final_status = plan
        .status_change
        .as_ref()
        .map(|c| c.to_status)
        .unwrap_or(state.status);
    plan.carrier_eta = if final_status.is_terminal() {
        None
    } else {
        snap.eta.or(state.carrier_eta)
    };
    plan.eta_changed = plan.carrier_eta != state.carrier_eta;
    plan.last_event_at = all.iter().map(|e| e.occurred_at).max();
    plan
}

fn same_event(stored: &TrackingEvent, incoming: &TrackingEvent) -> bool {
    stored.event_id == incoming.event_id
        || (stored.raw_code == incoming.raw_code
            && (stored.occurred_at - incoming.occurred_at).abs() <= SAME_EVENT_WINDOW)
}

/// Fills what the stored copy lacks; returns whether anything changed.
fn enrich(stored: &mut TrackingEvent, incoming: &TrackingEvent) -> bool {
    let before = stored.clone();
    if stored.raw_text.is_none() {
        stored.raw_text.clone_from(&incoming.raw_text);
    }
    stored.location.enrich_from(&incoming.location);
    // A carrier-stated offset is better than an assumed one.
    if stored.tz_source == carriers::TzSource::Assumed
        && incoming.tz_source == carriers::TzSource::Carrier
    {
        stored.utc_offset_seconds = incoming.utc_offset_seconds;
        stored.tz_source = incoming.tz_source;
        stored.occurred_at = incoming.occurred_at;
    }
    *stored != before
}

fn upsert(list: &mut Vec<TrackingEvent>, e: TrackingEvent) {
    match list.iter_mut().find(|x| x.event_id == e.event_id) {
        Some(x) => *x = e,
        None => list.push(e),
    }
}

/// Journey order, to break ties between events at the same instant.
fn journey_rank(s: Status) -> u8 {
    match s {
        Status::Pending => 0,
        Status::InfoReceived => 1,
        Status::InTransit => 2,
        Status::OutForDelivery => 3,
        Status::FailedAttempt => 4,
        Status::AvailableForPickup => 5,
        Status::Exception => 6,
        Status::Delivered => 7,
        Status::ReturnedToSender => 8,
        Status::Cancelled => 9,
        Status::Expired | Status::Unknown => 0,
    }
}

/// The current status from a set of events: `(status, substatus, causing event)`.
pub fn derive_status(events: &[TrackingEvent]) -> (Status, String, Option<&TrackingEvent>) {
    let key = |e: &&TrackingEvent| (e.occurred_at, journey_rank(e.status));
    let counted = events.iter().filter(|e| e.status.sets_current());
    let latest_terminal = counted
        .clone()
        .filter(|e| e.status.is_terminal())
        .max_by_key(key);
    let latest = latest_terminal.or_else(|| counted.max_by_key(key));
    match latest {
        Some(e) => (e.status, e.substatus.clone(), Some(e)),
        None => (Status::Pending, "pending".to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carriers::time::LocalTime;
    use carriers::{CarrierId, Location, Mapped};
    use chrono::TimeZone;

    fn ev(code: &str, status: Status, minute: u32) -> TrackingEvent {
        let t = Utc.with_ymd_and_hms(2026, 5, 1, 10, minute, 0).unwrap();
        let sub: &'static str = Box::leak(format!("{}.x", status.as_str()).into_boxed_str());
        TrackingEvent::new(
            CarrierId::Inpost,
            "1",
            Mapped::new(status, sub),
            code,
            None,
            LocalTime {
                utc: t,
                offset_seconds: 7200,
                source: carriers::TzSource::Carrier,
            },
            Location::default(),
        )
    }

    fn state(events: Vec<TrackingEvent>) -> CurrentState {
        let (status, substatus, _) = derive_status(&events);
        CurrentState {
            status,
            substatus,
            events,
            details: Default::default(),
            carrier_eta: None,
        }
    }

    fn snap(events: Vec<TrackingEvent>) -> TrackingSnapshot {
        let mut s = TrackingSnapshot::new(CarrierId::Inpost, "1");
        s.events = events;
        s
    }

    #[test]
    fn first_events_change_status_once() {
        let plan = merge_snapshot(
            &state(vec![]),
            &snap(vec![
                ev("a", Status::InTransit, 1),
                ev("b", Status::OutForDelivery, 2),
            ]),
        );
        assert_eq!(plan.inserted.len(), 2);
        let c = plan.status_change.unwrap();
        assert_eq!(
            (c.from_status, c.to_status),
            (Status::Pending, Status::OutForDelivery)
        );
    }

    #[test]
    fn same_event_twice_is_one_and_no_change() {
        let s = state(vec![ev("a", Status::InTransit, 1)]);
        let plan = merge_snapshot(&s, &snap(vec![ev("a", Status::InTransit, 1)]));
        assert!(plan.is_noop(), "{plan:?}");
    }

    #[test]
    fn near_identical_reports_merge_and_enrich() {
        let s = state(vec![ev("a", Status::InTransit, 1)]);
        let mut richer = ev("a", Status::InTransit, 2); // a minute apart: webhook vs poll
        richer.location.text = Some("KR1".into());
        let plan = merge_snapshot(&s, &snap(vec![richer]));
        assert!(plan.inserted.is_empty());
        assert_eq!(plan.enriched.len(), 1);
        assert_eq!(plan.enriched[0].location.text.as_deref(), Some("KR1"));
        assert_eq!(plan.enriched[0].event_id, s.events[0].event_id);
        assert!(plan.status_change.is_none());
    }

    #[test]
    fn late_old_event_never_rolls_back() {
        let s = state(vec![ev("b", Status::OutForDelivery, 5)]);
        let plan = merge_snapshot(&s, &snap(vec![ev("a", Status::InTransit, 1)]));
        assert_eq!(plan.inserted.len(), 1);
        assert!(plan.status_change.is_none());
    }

    #[test]
    fn terminal_status_holds_against_later_non_terminal_events() {
        let s = state(vec![ev("d", Status::Delivered, 5)]);
        let plan = merge_snapshot(&s, &snap(vec![ev("t", Status::InTransit, 9)]));
        assert!(plan.status_change.is_none());
        let plan = merge_snapshot(&s, &snap(vec![ev("r", Status::ReturnedToSender, 9)]));
        assert_eq!(
            plan.status_change.unwrap().to_status,
            Status::ReturnedToSender
        );
    }

    #[test]
    fn unknown_codes_are_kept_counted_and_ignored_for_status() {
        let s = state(vec![ev("a", Status::InTransit, 1)]);
        let plan = merge_snapshot(&s, &snap(vec![ev("zzz", Status::Unknown, 9)]));
        assert_eq!(plan.inserted.len(), 1);
        assert_eq!(plan.unmapped_codes, vec!["zzz".to_string()]);
        assert!(plan.status_change.is_none());
    }

    #[test]
    fn ties_follow_journey_order() {
        let plan = merge_snapshot(
            &state(vec![]),
            &snap(vec![
                ev("d", Status::Delivered, 3),
                ev("o", Status::OutForDelivery, 3),
            ]),
        );
        assert_eq!(plan.status_change.unwrap().to_status, Status::Delivered);
    }

    #[test]
    fn eta_follows_carrier_and_clears_on_delivery() {
        let t = Utc.with_ymd_and_hms(2026, 5, 2, 8, 0, 0).unwrap();
        let eta = EtaWindow {
            from: t,
            to: t + Duration::hours(4),
        };
        let mut s1 = snap(vec![ev("a", Status::InTransit, 1)]);
        s1.eta = Some(eta);
        let plan = merge_snapshot(&state(vec![]), &s1);
        assert!(plan.eta_changed && plan.carrier_eta == Some(eta));
        let mut st = state(vec![ev("a", Status::InTransit, 1)]);
        st.carrier_eta = Some(eta);
        let plan = merge_snapshot(&st, &snap(vec![ev("d", Status::Delivered, 9)]));
        assert!(plan.eta_changed && plan.carrier_eta.is_none());
    }
}
