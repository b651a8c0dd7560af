//! Lanes and their delivered history: the key a shipment's transit history is looked up by
//! (carrier, service, countries, postal prefix, at four widths) and histograms of transit
//! working days. Shared by the engine (predictions), analytics and the store (rollup rows).

use std::collections::HashMap;

use carriers::{CarrierId, ShipmentDetails};

use super::percentile::nearest_rank;
use super::shipment::Shipment;

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
