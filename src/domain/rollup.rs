//! The carrier report's rollups, shared by both backends: what one facts row contributes to
//! `report_days` (counters per UTC registration day) and `report_hist` (distributions per
//! UTC registration month), the signed delta an apply or import writes, and how a report's
//! range splits into whole rollup periods plus raw-facts pieces at its edges.
//!
//! Both tables hold sums of `shipment_facts` and nothing else: every write of a facts row
//! (apply, bulk import, delete) writes, in the same transaction, the new row's contribution
//! minus the old row's, so a rollup row always equals the sum over the facts it covers. Keys
//! are sorted (a `BTreeMap`), so concurrent transactions lock rollup rows in one order.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use crate::domain::buckets::bucket_of;
use crate::domain::facts::ShipmentFacts;
use crate::domain::report::{GroupBy, GroupCounters, HistogramRow, Metric};

/// Number of counters in a `report_days` row, in [`COUNTER_COLUMNS`] order.
pub const N_COUNTERS: usize = 12;

/// The `report_days` counter columns.
pub const COUNTER_COLUMNS: [&str; N_COUNTERS] = [
    "shipments",
    "delivered",
    "first_attempt",
    "exceptions",
    "returned",
    "with_eta",
    "on_time",
    "in_window",
    "abs_err",
    "err",
    "scanned",
    "fsm",
];

/// Key of a `report_days` row: merchant, day (`YYYY-MM-DD`, UTC), carrier, service, lane, week.
pub type DayKey = (String, String, String, String, String, String);

/// Key of a `report_hist` row: merchant, dimension (`s` service, `l` lane, `w` week), month
/// (`YYYY-MM`, UTC), carrier, group value, metric tag, bucket.
pub type HistKey = (
    String,
    &'static str,
    String,
    String,
    String,
    &'static str,
    i64,
);

/// A signed change to both rollups (zero entries dropped), keys sorted.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RollupDelta {
    /// `report_days` changes.
    pub days: BTreeMap<DayKey, [i64; N_COUNTERS]>,
    /// `report_hist` changes.
    pub hist: BTreeMap<HistKey, i64>,
}

/// The counters one facts row contributes.
pub fn counters_of(f: &ShipmentFacts) -> [i64; N_COUNTERS] {
    let b = |v: bool| i64::from(v);
    [
        1,
        b(f.delivered()),
        b(f.first_attempt),
        b(f.exception),
        b(f.returned),
        b(f.on_time.is_some()),
        b(f.on_time == Some(true)),
        b(f.eta_in_window == Some(true)),
        f.eta_error_days.map(i64::abs).unwrap_or(0),
        f.eta_error_days.unwrap_or(0),
        b(f.first_scan_minutes.is_some()),
        f.first_scan_minutes.unwrap_or(0),
    ]
}

/// The distribution values of one facts row: `(metric, value)` with hour figures bucketed.
pub fn samples_of(f: &ShipmentFacts) -> Vec<(Metric, i64)> {
    let mut out = Vec::with_capacity(3);
    if let Some(m) = f.transit_minutes {
        out.push((Metric::TransitHours, bucket_of(m)));
    }
    if let Some(wd) = f.transit_wd {
        out.push((Metric::TransitWorkingDays, wd));
    }
    if let Some(m) = f.first_scan_minutes {
        out.push((Metric::FirstScanHours, bucket_of(m)));
    }
    out
}

/// `YYYY-MM-DD` of an instant (UTC).
pub fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

impl RollupDelta {
    /// Adds `sign` times the contribution of `f`.
    pub fn add(&mut self, f: &ShipmentFacts, sign: i64) {
        let key = (
            f.merchant_id.clone(),
            day(f.created_at),
            f.carrier.as_str().to_string(),
            f.service.clone(),
            f.lane.clone(),
            f.week.clone(),
        );
        let row = self.days.entry(key.clone()).or_default();
        for (acc, v) in row.iter_mut().zip(counters_of(f)) {
            *acc += sign * v;
        }
        if row.iter().all(|v| *v == 0) {
            self.days.remove(&key);
        }
        let month = super::report::month(f.created_at);
        for (dim, grp) in [("s", &f.service), ("l", &f.lane), ("w", &f.week)] {
            for (metric, value) in samples_of(f) {
                let key = (
                    f.merchant_id.clone(),
                    dim,
                    month.clone(),
                    f.carrier.as_str().to_string(),
                    grp.clone(),
                    metric.tag(),
                    value,
                );
                let n = self.hist.entry(key.clone()).or_default();
                *n += sign;
                if *n == 0 {
                    self.hist.remove(&key);
                }
            }
        }
    }

    /// The change from `old` (the stored row, if any) to `new` (the row written, if any).
    pub fn between(old: Option<&ShipmentFacts>, new: Option<&ShipmentFacts>) -> RollupDelta {
        let mut d = RollupDelta::default();
        if let Some(old) = old {
            d.add(old, -1);
        }
        if let Some(new) = new {
            d.add(new, 1);
        }
        d
    }

    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty() && self.hist.is_empty()
    }
}

/// The `report_hist` dimension a grouping reads (carrier sums the service rows).
pub fn hist_dim(g: GroupBy) -> &'static str {
    match g {
        GroupBy::Carrier | GroupBy::Service => "s",
        GroupBy::Lane => "l",
        GroupBy::Week => "w",
    }
}

/// A rollup's time grain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    /// UTC calendar days (`report_days`).
    Day,
    /// UTC calendar months (`report_hist`).
    Month,
}

impl Grain {
    fn floor(self, t: DateTime<Utc>) -> DateTime<Utc> {
        let d = t.date_naive();
        let d = match self {
            Grain::Day => d,
            Grain::Month => NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d),
        };
        Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN))
    }

    fn next(self, start: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Grain::Day => start + Duration::days(1),
            Grain::Month => {
                let d = start.date_naive();
                let (y, m) = if d.month() == 12 {
                    (d.year() + 1, 1)
                } else {
                    (d.year(), d.month() + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1)
                    .map(|d| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN)))
                    .unwrap_or(start + Duration::days(31))
            }
        }
    }

    /// The rollup key of the period starting at `start`.
    pub fn key(self, start: DateTime<Utc>) -> String {
        match self {
            Grain::Day => day(start),
            Grain::Month => super::report::month(start),
        }
    }
}

/// Registrations in `[from, to)` of the raw facts, added (`sign` 1) or taken away (−1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// Inclusive start.
    pub from: DateTime<Utc>,
    /// Exclusive end.
    pub to: DateTime<Utc>,
    /// +1 or −1.
    pub sign: i64,
}

/// How to answer a range from one rollup: the rollup periods with keys in `[span.0, span.1)`,
/// plus the raw pieces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Rollup keys to sum, half-open; None when no period is read from the rollup.
    pub span: Option<(String, String)>,
    /// Raw-facts corrections.
    pub raw: Vec<Piece>,
}

/// Splits `[from, to)` for a rollup of `grain`: whole periods come from the rollup; a partial
/// period at an edge is read from the raw facts, either its part inside the range (added)
/// or, when that is the larger part, the whole period from the rollup minus the part outside
/// (subtracted) — so at most half a period per edge is scanned raw.
pub fn plan(from: DateTime<Utc>, to: DateTime<Utc>, grain: Grain) -> Plan {
    let mut plan = Plan::default();
    if from >= to {
        return plan;
    }
    let first = grain.floor(from);
    let last = grain.floor(to - Duration::microseconds(1));
    let mut periods = vec![edge(first, from, to, grain, &mut plan.raw)];
    if last != first {
        periods.push(edge(last, from, to, grain, &mut plan.raw));
        let inner = grain.next(first);
        if inner < last {
            periods.push(Some((inner, last)));
        }
    }
    let periods: Vec<_> = periods.into_iter().flatten().collect();
    let lo = periods.iter().map(|p| p.0).min();
    let hi = periods.iter().map(|p| p.1).max();
    if let (Some(l), Some(h)) = (lo, hi) {
        plan.span = Some((grain.key(l), grain.key(h)));
    }
    plan
}

/// Decides the period starting at `p`: the rollup period to read, if any, and raw pieces.
fn edge(
    p: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    grain: Grain,
    raw: &mut Vec<Piece>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let q = grain.next(p);
    let (a, b) = (from.max(p), to.min(q));
    let inside = b - a;
    if a == p && b == q {
        return Some((p, q));
    }
    if inside <= (q - p) - inside {
        raw.push(Piece {
            from: a,
            to: b,
            sign: 1,
        });
        return None;
    }
    for (x, y) in [(p, a), (b, q)] {
        if x < y {
            raw.push(Piece {
                from: x,
                to: y,
                sign: -1,
            });
        }
    }
    Some((p, q))
}

/// Accumulates a report's counters and distributions from rollup rows and signed raw pieces.
#[derive(Debug, Default)]
pub struct Summer {
    counters: BTreeMap<(String, String), [i64; N_COUNTERS]>,
    hist: BTreeMap<(String, String), HashMap<(Metric, i64), i64>>,
}

impl Summer {
    /// Adds `sign` times a group's counters (in [`COUNTER_COLUMNS`] order).
    pub fn counters(
        &mut self,
        carrier: String,
        group: String,
        values: [i64; N_COUNTERS],
        sign: i64,
    ) {
        let row = self.counters.entry((carrier, group)).or_default();
        for (acc, v) in row.iter_mut().zip(values) {
            *acc += sign * v;
        }
    }

    /// Adds `sign × n` samples of `value` (already bucketed for hour metrics).
    pub fn histogram(
        &mut self,
        carrier: String,
        group: String,
        metric: Metric,
        value: i64,
        n: i64,
    ) {
        *self
            .hist
            .entry((carrier, group))
            .or_default()
            .entry((metric, value))
            .or_default() += n;
    }

    /// Adds `sign ×` a group's whole distribution: bucket values and their counts.
    pub fn histograms(
        &mut self,
        carrier: String,
        group: String,
        metric: Metric,
        values: &[i64],
        counts: &[i64],
        sign: i64,
    ) {
        let dist = self.hist.entry((carrier, group)).or_default();
        for (v, n) in values.iter().zip(counts) {
            *dist.entry((metric, *v)).or_default() += sign * n;
        }
    }

    /// The summed rows; groups without shipments and empty buckets are left out.
    pub fn finish(self) -> (Vec<GroupCounters>, Vec<HistogramRow>) {
        let counters = self
            .counters
            .into_iter()
            .filter(|(_, v)| v[0] > 0)
            .map(|((carrier, group), v)| GroupCounters {
                carrier,
                group,
                shipments: v[0],
                delivered: v[1],
                first_attempt: v[2],
                exceptions: v[3],
                returned: v[4],
                with_eta: v[5],
                on_time: v[6],
                in_window: v[7],
                eta_abs_error_days: v[8],
                eta_error_days: v[9],
                scanned: v[10],
                first_scan_minutes: v[11],
            })
            .collect();
        let mut histograms = Vec::new();
        for ((carrier, group), dist) in self.hist {
            for ((metric, value), n) in dist {
                if n > 0 {
                    histograms.push(HistogramRow {
                        carrier: carrier.clone(),
                        group: group.clone(),
                        metric,
                        value,
                        count: n as u64,
                    });
                }
            }
        }
        (counters, histograms)
    }
}

#[cfg(test)]
#[path = "rollup_tests.rs"]
mod tests;
