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

use std::collections::HashMap;

use carriers::{CarrierId, EtaWindow, ShipmentDetails, Status, TrackingEvent};
use chrono::{DateTime, NaiveDate, Utc};

use super::working_days::{end_of_day, local_date, start_of_day, zone_for, Calendar};
use super::MergePlan;
use crate::analytics::percentile::nearest_rank;
use crate::store::{Eta, EtaSource, Shipment};

/// A scope needs this many deliveries to be used on its own.
pub const MIN_SAMPLES: u64 = 20;
/// Below [`MIN_SAMPLES`] everywhere, the richest scope is used if it has this many.
pub const MIN_FALLBACK_SAMPLES: u64 = 5;
/// Lower and upper percentile of the window.
pub const WINDOW: (f64, f64) = (0.2, 0.8);
/// Deliveries older than this many days are not used for predictions.
pub const HISTORY_DAYS: i64 = 183;
/// Longer transits are counted as this many working days.
pub const MAX_TRANSIT_WD: u32 = 30;

/// How wide a history group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Carrier, service, both countries and the destination postal prefix.
    Lane,
    /// Carrier, service and both countries.
    Service,
    /// Carrier and both countries, any service.
    Route,
    /// The carrier, anywhere.
    Carrier,
}

impl Scope {
    /// Confidence factor for predictions from this scope.
    fn factor(self) -> f64 {
        match self {
            Scope::Lane => 1.0,
            Scope::Service => 0.95,
            Scope::Route => 0.85,
            Scope::Carrier => 0.7,
        }
    }
}

/// Transit working days → deliveries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    counts: Vec<u64>,
}

impl Histogram {
    /// Adds `n` deliveries that took `wd` working days.
    pub fn add(&mut self, wd: u32, n: u64) {
        let i = wd.min(MAX_TRANSIT_WD) as usize;
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += n;
    }

    /// Deliveries counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn pairs(&self) -> Vec<(i64, u64)> {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(v, c)| (v as i64, *c))
            .collect()
    }

    /// The nearest-rank percentile in working days.
    pub fn percentile(&self, q: f64) -> Option<u32> {
        nearest_rank(&self.pairs(), q).map(|v| v.max(0) as u32)
    }

    /// Only the deliveries that took at least `min` working days.
    pub fn at_least(&self, min: u32) -> Histogram {
        let mut counts = self.counts.clone();
        for c in counts.iter_mut().take(min as usize) {
            *c = 0;
        }
        Histogram { counts }
    }

    /// Share of deliveries within `lo..=hi` working days.
    pub fn share_within(&self, lo: u32, hi: u32) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        let inside: u64 = (lo..=hi.min(MAX_TRANSIT_WD))
            .filter_map(|i| self.counts.get(i as usize))
            .sum();
        inside as f64 / total as f64
    }
}

/// What a shipment's history is looked up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LaneKey {
    /// Carrier.
    pub carrier: CarrierId,
    /// Service, empty when unknown.
    pub service: String,
    /// Origin country, `??` when unknown.
    pub origin: String,
    /// Destination country, `??` when unknown.
    pub destination: String,
    /// First two digits of the destination postal code, empty when unknown.
    pub prefix: String,
}

impl LaneKey {
    /// The key of a shipment, preferring what the merchant registered over carrier details.
    pub fn of(shipment: &Shipment, details: &ShipmentDetails) -> LaneKey {
        let pick = |a: &Option<String>, b: &Option<String>| {
            a.as_deref()
                .or(b.as_deref())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let country = |c: Option<String>| c.map(|c| c.to_ascii_uppercase()).unwrap_or("??".into());
        LaneKey {
            carrier: shipment.carrier,
            service: pick(&shipment.service, &details.service)
                .map(|s| s.to_ascii_lowercase())
                .unwrap_or_default(),
            origin: country(pick(&shipment.origin_country, &details.origin_country)),
            destination: country(pick(
                &shipment.destination_country,
                &details.destination_country,
            )),
            prefix: postal_prefix(
                pick(
                    &shipment.destination_postal_code,
                    &details.destination_postal_code,
                )
                .as_deref(),
            ),
        }
    }

    /// `ORIGIN-DESTINATION-PREFIX`, the lane as reports show it.
    pub fn lane(&self) -> String {
        format!("{}-{}-{}", self.origin, self.destination, self.prefix)
    }

    /// The rollup key of each scope, most specific first.
    pub fn scopes(&self) -> [(Scope, String); 4] {
        let c = self.carrier.as_str();
        let (s, o, d, p) = (&self.service, &self.origin, &self.destination, &self.prefix);
        [
            (Scope::Lane, format!("{c}|{s}|{o}|{d}|{p}")),
            (Scope::Service, format!("{c}|{s}|{o}|{d}")),
            (Scope::Route, format!("{c}|*|{o}|{d}")),
            (Scope::Carrier, format!("{c}|*")),
        ]
    }

    /// The working-day calendar of the lane.
    pub fn calendar(&self) -> Calendar {
        Calendar::for_lane(Some(&self.origin), Some(&self.destination))
    }
}

/// The first two digits of a postal code (`30-001` → `30`, `10115` → `10`).
pub fn postal_prefix(code: Option<&str>) -> String {
    code.unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .take(2)
        .collect()
}

/// The histograms of a lane's scopes, most specific first (absent scopes are empty).
#[derive(Debug, Clone, Default)]
pub struct LaneHistory {
    /// `(scope, histogram)` pairs.
    pub levels: Vec<(Scope, Histogram)>,
}

impl LaneHistory {
    /// The scope a prediction uses (see the module docs).
    fn choose(&self) -> Option<(Scope, &Histogram)> {
        self.levels
            .iter()
            .find(|(_, h)| h.total() >= MIN_SAMPLES)
            .or_else(|| {
                self.levels
                    .iter()
                    .filter(|(_, h)| h.total() >= MIN_FALLBACK_SAMPLES)
                    .max_by_key(|(_, h)| h.total())
            })
            .map(|(s, h)| (*s, h))
    }
}

/// An in-memory history over many lanes (backtests, bulk generation).
#[derive(Debug, Clone, Default)]
pub struct HistoryIndex {
    by_scope: HashMap<String, Histogram>,
}

impl HistoryIndex {
    /// Records one delivery of `key` that took `wd` working days.
    pub fn record(&mut self, key: &LaneKey, wd: u32) {
        for (_, k) in key.scopes() {
            self.by_scope.entry(k).or_default().add(wd, 1);
        }
    }

    /// The history of a lane.
    pub fn history(&self, key: &LaneKey) -> LaneHistory {
        LaneHistory {
            levels: key
                .scopes()
                .into_iter()
                .map(|(s, k)| (s, self.by_scope.get(&k).cloned().unwrap_or_default()))
                .collect(),
        }
    }
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
    let (scope, hist) = history.choose()?;
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
    let confidence = coverage * n as f64 / (n as f64 + 20.0) * scope.factor();
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
    let cal = key.calendar();
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
