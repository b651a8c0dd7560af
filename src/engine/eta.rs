//! ETA: the carrier's estimate while it has one, otherwise a window predicted from this
//! gateway's delivered history of the same lane, re-predicted on every apply that writes.
//!
//! - History is a histogram of transit working days (first carrier scan → delivery, see
//!   [`Calendar`]) per scope, most specific first: carrier + service + origin country +
//!   destination country + destination postal prefix ([`Scope::Lane`]), then without the
//!   prefix, then any service, then the whole carrier. The first scope with at least
//!   [`MIN_SAMPLES`] deliveries is used; with less everywhere, the richest scope with at least
//!   [`MIN_FALLBACK_SAMPLES`]; with less than that there is no prediction.
//! - The window is the 20th–80th percentile of the transit days still possible (a parcel
//!   not delivered after `k` working days is predicted from the deliveries that took at least
//!   `k`), counted from the first scan (today when there is none yet), as whole local days.
//! - Confidence = the share of that history inside the window × n/(n + 20) × a factor for
//!   wider scopes, rounded to two decimals, so it grows with the sample and stays honest.
//! - Out for delivery means today; a failed attempt the next working day; waiting at a
//!   pickup point today to two working days.
//! - A re-prediction with the same dates keeps the previous ETA unchanged, so a new delivery
//!   elsewhere nudging the confidence never fires `shipment.eta_changed`.

use carriers::{EtaWindow, ShipmentDetails, Status, TrackingEvent};
use chrono::{DateTime, NaiveDate, Utc};

use super::working_days::{end_of_day, local_date, start_of_day, zone_for, Calendar};
use super::MergePlan;
pub use crate::domain::lane::{
    postal_prefix, Histogram, HistoryIndex, LaneHistory, LaneKey, Scope, HISTORY_DAYS,
    MAX_TRANSIT_WD,
};
use crate::domain::{Eta, EtaSource, Shipment};

/// A scope needs this many deliveries to be used on its own.
pub const MIN_SAMPLES: u64 = 20;
/// Below [`MIN_SAMPLES`] everywhere, the richest scope is used if it has this many.
pub const MIN_FALLBACK_SAMPLES: u64 = 5;
/// Lower and upper percentile of the window.
pub const WINDOW: (f64, f64) = (0.2, 0.8);
/// Confidence factor for predictions from a scope (narrower history is trusted more).
fn scope_factor(scope: Scope) -> f64 {
    match scope {
        Scope::Lane => 1.0,
        Scope::Service => 0.95,
        Scope::Route => 0.85,
        Scope::Carrier => 0.7,
    }
}

/// The scope a prediction uses (see the module docs).
fn choose(history: &LaneHistory) -> Option<(Scope, &Histogram)> {
    history
        .levels
        .iter()
        .find(|(_, h)| h.total() >= MIN_SAMPLES)
        .or_else(|| {
            history
                .levels
                .iter()
                .filter(|(_, h)| h.total() >= MIN_FALLBACK_SAMPLES)
                .max_by_key(|(_, h)| h.total())
        })
        .map(|(s, h)| (*s, h))
}

/// The working-day calendar of a lane.
pub fn lane_calendar(key: &LaneKey) -> Calendar {
    Calendar::for_lane(Some(&key.origin), Some(&key.destination))
}

/// A predicted window in local dates.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// First local date of the window.
    pub from: NaiveDate,
    /// Last local date of the window.
    pub to: NaiveDate,
    /// 0..1.
    pub confidence: f64,
    /// Scope the history came from.
    pub scope: Scope,
    /// Deliveries in that scope.
    pub samples: u64,
    /// Point estimate (median date).
    pub median: NaiveDate,
}

/// Predicts from history for a parcel first scanned on `anchor` (None: not yet), as of `today`.
pub fn predict(
    history: &LaneHistory,
    cal: &Calendar,
    anchor: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<Prediction> {
    let (scope, hist) = choose(history)?;
    let anchor = anchor.unwrap_or(today).min(today);
    let elapsed = cal.working_days_between(anchor, today);
    let possible = hist.at_least(elapsed);
    let n = possible.total();
    let date = |wd: u32| cal.add_working_days(anchor, wd).max(today);
    if n < MIN_FALLBACK_SAMPLES {
        // Later than (almost) every parcel before it: expect it from the next working day on.
        let next = cal.add_working_days(today, 1);
        return Some(Prediction {
            from: next,
            to: cal.add_working_days(today, 2),
            confidence: 0.1,
            scope,
            samples: hist.total(),
            median: next,
        });
    }
    let lo = possible.percentile(WINDOW.0)?;
    let hi = possible.percentile(WINDOW.1)?;
    let mid = possible.percentile(0.5)?;
    let coverage = possible.share_within(lo, hi);
    let confidence = coverage * n as f64 / (n as f64 + 20.0) * scope_factor(scope);
    Some(Prediction {
        from: date(lo),
        to: date(hi),
        confidence: (confidence * 100.0).round() / 100.0,
        scope,
        samples: n,
        median: date(mid),
    })
}

/// Whether an apply needs lane history to decide the ETA (so the store can skip the lookup).
pub fn needs_history(carrier_eta: Option<EtaWindow>, status: Status) -> bool {
    carrier_eta.is_none()
        && matches!(
            status,
            Status::Pending
                | Status::InfoReceived
                | Status::InTransit
                | Status::Exception
                | Status::Unknown
        )
}

/// The first carrier scan: the earliest event showing the parcel in the carrier's hands.
pub fn first_scan(timeline: &[TrackingEvent]) -> Option<DateTime<Utc>> {
    timeline
        .iter()
        .filter(|e| {
            !matches!(
                e.status,
                Status::Pending
                    | Status::InfoReceived
                    | Status::Unknown
                    | Status::Cancelled
                    | Status::Expired
            )
        })
        .map(|e| e.occurred_at)
        .min()
}

/// The timeline after a merge: stored events with enrichments applied, plus new ones.
pub fn timeline_after(stored: &[TrackingEvent], plan: &MergePlan) -> Vec<TrackingEvent> {
    let mut all: Vec<TrackingEvent> = stored
        .iter()
        .map(|e| {
            plan.enriched
                .iter()
                .find(|x| x.event_id == e.event_id)
                .unwrap_or(e)
                .clone()
        })
        .collect();
    all.extend(plan.inserted.iter().cloned());
    all
}

/// What decides the shown ETA after an apply.
#[derive(Debug, Clone, Copy)]
pub struct EtaInput<'a> {
    /// The shipment before the apply.
    pub before: &'a Shipment,
    /// Details after the merge.
    pub details: &'a ShipmentDetails,
    /// The carrier's window after the merge.
    pub carrier_eta: Option<EtaWindow>,
    /// Status after the merge.
    pub status: Status,
    /// The timeline after the merge.
    pub timeline: &'a [TrackingEvent],
    /// The lane's delivered history (empty when not needed or not loaded).
    pub history: &'a LaneHistory,
    /// Now.
    pub now: DateTime<Utc>,
}

/// The ETA to show after an apply (see the module docs for the rules).
pub fn shown_eta(input: EtaInput<'_>) -> Option<Eta> {
    if let Some(w) = input.carrier_eta {
        return Some(Eta::from_carrier(w));
    }
    if input.status.is_terminal() || input.status == Status::Expired {
        return None;
    }
    let key = LaneKey::of(input.before, input.details);
    let cal = lane_calendar(&key);
    let tz = zone_for(Some(&key.destination));
    let today = local_date(input.now, tz);
    let (from, to, confidence) = match input.status {
        Status::OutForDelivery => (today, today, 0.9),
        Status::FailedAttempt => {
            let next = cal.add_working_days(today, 1);
            (next, next, 0.6)
        }
        Status::AvailableForPickup => (today, cal.add_working_days(today, 2), 0.6),
        _ => {
            let anchor = first_scan(input.timeline).map(|t| local_date(t, tz));
            match predict(input.history, &cal, anchor, today) {
                Some(p) if input.status == Status::Exception => (p.from, p.to, p.confidence / 2.0),
                Some(p) => (p.from, p.to, p.confidence),
                None => return input.before.eta.filter(|e| e.source != EtaSource::Carrier),
            }
        }
    };
    let eta = Eta {
        from: start_of_day(from, tz),
        to: end_of_day(to, tz),
        source: EtaSource::Predicted,
        confidence: Some((confidence * 100.0_f64).round() / 100.0),
    };
    match input.before.eta {
        Some(old)
            if old.source == EtaSource::Predicted && old.from == eta.from && old.to == eta.to =>
        {
            Some(old)
        }
        _ => Some(eta),
    }
}

#[cfg(test)]
#[path = "eta_tests.rs"]
mod tests;
