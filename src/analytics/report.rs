//! The carrier report: courier performance per carrier (and service, lane or week) over a
//! merchant's shipments registered in a date range, computed from the report rollups
//! (`domain::rollup`: counters per UTC day, distributions per UTC month), which are sums of
//! `shipment_facts` kept in the same transaction as every facts write.
//!
//! Exactness. Every count, rate, mean and ETA figure is exact: counters sum exactly, and a
//! partial day or month at an unaligned range edge is read from the raw facts (added, or the
//! whole period minus the raw part outside the range). Working-day percentiles are exact
//! nearest-rank percentiles (see `analytics::percentile`). Hour percentiles (transit, time
//! to first scan) are nearest-rank percentiles over relative-error buckets of whole minutes
//! (`domain::buckets`: exact below 64 minutes, then 32 buckets per power of two), reported
//! as the bucket's middle and rounded to 0.1 h: with `x` the exact nearest-rank percentile of
//! the stored minutes, the reported value is within `x / 64 + 0.05 h` of `x` (1.6 % plus the
//! rounding). `analytics::exact` computes the same report from raw facts with no buckets,
//! and the store contract tests check the two agree within that bound.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::buckets::representative_minutes;
use crate::domain::percentile::{nearest_rank, normalize};
use crate::store::analytics::{FactsQuery, GroupBy, GroupCounters, Metric};
use crate::store::{AnalyticsStore, StoreResult};

/// A report's date range: registrations in `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Inclusive start.
    pub from: chrono::DateTime<chrono::Utc>,
    /// Exclusive end.
    pub to: chrono::DateTime<chrono::Utc>,
}

/// One row of the report.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct CarrierStats {
    /// Carrier id.
    pub carrier: String,
    /// Group value: service, lane (`PL-PL-30`) or ISO week (`2026-W05`); absent when grouping
    /// by carrier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Shipments registered in the range (with at least one carrier event).
    pub shipments: i64,
    /// Of those, delivered.
    pub delivered: i64,
    /// Median first scan → delivery, hours (within 1.6 % + 0.05 h, see the module docs).
    pub transit_hours_p50: Option<f64>,
    /// 90th percentile first scan → delivery, hours.
    pub transit_hours_p90: Option<f64>,
    /// Median first scan → delivery, working days.
    pub transit_working_days_p50: Option<i64>,
    /// 90th percentile first scan → delivery, working days.
    pub transit_working_days_p90: Option<i64>,
    /// Median registration → first carrier scan, hours.
    pub time_to_first_scan_hours_p50: Option<f64>,
    /// Mean registration → first carrier scan, hours.
    pub time_to_first_scan_hours_avg: Option<f64>,
    /// Delivered by the end of the original ETA window, among delivered with an ETA.
    pub on_time_rate: Option<f64>,
    /// Delivered with no failed attempt or pickup-point redirection, among delivered.
    pub first_attempt_rate: Option<f64>,
    /// Shipments with an exception, among shipments.
    pub exception_rate: Option<f64>,
    /// Shipments returned (or returning) to sender, among shipments.
    pub return_rate: Option<f64>,
    /// Delivered inside the original ETA window, among delivered with an ETA.
    pub eta_accuracy: Option<f64>,
    /// Mean absolute distance of the delivery day from the original window, days.
    pub eta_mae_days: Option<f64>,
    /// Mean signed distance (positive: late), days.
    pub eta_bias_days: Option<f64>,
    /// Delivered shipments that had an original ETA (the base of the three figures above).
    pub with_eta: i64,
}

/// The report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CarrierReport {
    /// Range start (inclusive).
    pub from: chrono::DateTime<chrono::Utc>,
    /// Range end (exclusive).
    pub to: chrono::DateTime<chrono::Utc>,
    /// Grouping.
    pub group_by: GroupBy,
    /// Rows, by carrier then group.
    pub rows: Vec<CarrierStats>,
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| round(num as f64 / den as f64, 4))
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

#[derive(Default)]
struct Dists {
    hours: Vec<(i64, u64)>,
    wd: Vec<(i64, u64)>,
    first_scan: Vec<(i64, u64)>,
}

/// A group's percentile figures, in the report's units.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Figures {
    /// Transit hours p50, p90.
    pub hours: (Option<f64>, Option<f64>),
    /// Transit working days p50, p90.
    pub wd: (Option<i64>, Option<i64>),
    /// Time to first scan p50, hours.
    pub first_scan_p50: Option<f64>,
}

/// Hours (rounded to 0.1) of a number of minutes.
pub(crate) fn hours(minutes: f64) -> f64 {
    round(minutes / 60.0, 1)
}

impl Dists {
    /// Percentiles of bucketed hour figures and exact working days.
    fn figures(&mut self) -> Figures {
        normalize(&mut self.hours);
        normalize(&mut self.wd);
        normalize(&mut self.first_scan);
        let h =
            |p: &[(i64, u64)], q: f64| nearest_rank(p, q).map(|b| hours(representative_minutes(b)));
        Figures {
            hours: (h(&self.hours, 0.5), h(&self.hours, 0.9)),
            wd: (nearest_rank(&self.wd, 0.5), nearest_rank(&self.wd, 0.9)),
            first_scan_p50: h(&self.first_scan, 0.5),
        }
    }
}

/// One report row from a group's counters and percentile figures.
pub(crate) fn stats(c: &GroupCounters, p: &Figures, group_by: GroupBy) -> CarrierStats {
    CarrierStats {
        carrier: c.carrier.clone(),
        group: (group_by != GroupBy::Carrier).then(|| c.group.clone()),
        shipments: c.shipments,
        delivered: c.delivered,
        transit_hours_p50: p.hours.0,
        transit_hours_p90: p.hours.1,
        transit_working_days_p50: p.wd.0,
        transit_working_days_p90: p.wd.1,
        time_to_first_scan_hours_p50: p.first_scan_p50,
        time_to_first_scan_hours_avg: (c.scanned > 0)
            .then(|| round(c.first_scan_minutes as f64 / c.scanned as f64 / 60.0, 2)),
        on_time_rate: ratio(c.on_time, c.with_eta),
        first_attempt_rate: ratio(c.first_attempt, c.delivered),
        exception_rate: ratio(c.exceptions, c.shipments),
        return_rate: ratio(c.returned, c.shipments),
        eta_accuracy: ratio(c.in_window, c.with_eta),
        eta_mae_days: (c.with_eta > 0)
            .then(|| round(c.eta_abs_error_days as f64 / c.with_eta as f64, 3)),
        eta_bias_days: (c.with_eta > 0)
            .then(|| round(c.eta_error_days as f64 / c.with_eta as f64, 3)),
        with_eta: c.with_eta,
    }
}

/// The carrier report of a merchant: what `GET /v1/analytics/carriers` and the dashboard show.
pub async fn carrier_report(
    store: &dyn AnalyticsStore,
    merchant_id: &str,
    range: Range,
    group_by: GroupBy,
) -> StoreResult<CarrierReport> {
    let summary = store
        .facts_summary(&FactsQuery {
            merchant_id: merchant_id.to_string(),
            from: range.from,
            to: range.to,
            group_by,
        })
        .await?;
    let mut dists: BTreeMap<(String, String), Dists> = BTreeMap::new();
    for h in summary.histograms {
        let d = dists.entry((h.carrier, h.group)).or_default();
        let target = match h.metric {
            Metric::TransitHours => &mut d.hours,
            Metric::TransitWorkingDays => &mut d.wd,
            Metric::FirstScanHours => &mut d.first_scan,
        };
        target.push((h.value, h.count));
    }
    let mut counters = summary.counters;
    counters.sort_by(|a, b| (&a.carrier, &a.group).cmp(&(&b.carrier, &b.group)));
    let rows = counters
        .iter()
        .map(|c| {
            let mut d = dists
                .remove(&(c.carrier.clone(), c.group.clone()))
                .unwrap_or_default();
            stats(c, &d.figures(), group_by)
        })
        .collect();
    Ok(CarrierReport {
        from: range.from,
        to: range.to,
        group_by,
        rows,
    })
}

/// The report as CSV (RFC 4180, header row, empty cells for absent figures).
pub fn to_csv(report: &CarrierReport) -> String {
    let mut out = String::from(
        "carrier,group,shipments,delivered,transit_hours_p50,transit_hours_p90,\
         transit_working_days_p50,transit_working_days_p90,time_to_first_scan_hours_p50,\
         time_to_first_scan_hours_avg,on_time_rate,first_attempt_rate,exception_rate,\
         return_rate,eta_accuracy,eta_mae_days,eta_bias_days,with_eta\r\n",
    );
    let f = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let i = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in &report.rows {
        let cells = [
            csv_cell(&r.carrier),
            csv_cell(r.group.as_deref().unwrap_or("")),
            r.shipments.to_string(),
            r.delivered.to_string(),
            f(r.transit_hours_p50),
            f(r.transit_hours_p90),
            i(r.transit_working_days_p50),
            i(r.transit_working_days_p90),
            f(r.time_to_first_scan_hours_p50),
            f(r.time_to_first_scan_hours_avg),
            f(r.on_time_rate),
            f(r.first_attempt_rate),
            f(r.exception_rate),
            f(r.return_rate),
            f(r.eta_accuracy),
            f(r.eta_mae_days),
            f(r.eta_bias_days),
            r.with_eta.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Quotes a CSV cell when needed, and defuses spreadsheet formulas (`=`, `+`, `-`, `@`).
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses() {
        assert_eq!(csv_cell("dpd"), "dpd");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_cell("=cmd()"), "'=cmd()");
    }

    #[test]
    fn rows_from_counters_and_histograms() {
        let c = GroupCounters {
            carrier: "dpd".into(),
            shipments: 4,
            delivered: 3,
            first_attempt: 2,
            exceptions: 1,
            returned: 1,
            with_eta: 2,
            on_time: 1,
            in_window: 1,
            eta_abs_error_days: 2,
            eta_error_days: 2,
            scanned: 4,
            first_scan_minutes: 480,
            ..Default::default()
        };
        // 24.5 h, 10 h and 48 h: 1470 min sits in bucket 1440–1471 (reported 24.3 h), 2880
        // in 2880–2943 (48.5 h); 120 min in 120–121 (2.0 h).
        let b = crate::domain::buckets::bucket_of;
        let mut d = Dists {
            hours: vec![(b(1470), 1), (b(600), 1), (b(2880), 1)],
            wd: vec![(1, 2), (3, 1)],
            first_scan: vec![(b(120), 4)],
        };
        let s = stats(&c, &d.figures(), GroupBy::Carrier);
        assert_eq!(
            (s.transit_hours_p50, s.transit_hours_p90),
            (Some(24.3), Some(48.5))
        );
        assert_eq!(
            (s.transit_working_days_p50, s.transit_working_days_p90),
            (Some(1), Some(3))
        );
        assert_eq!(s.time_to_first_scan_hours_avg, Some(2.0));
        assert_eq!(s.first_attempt_rate, Some(0.6667));
        assert_eq!((s.on_time_rate, s.eta_mae_days), (Some(0.5), Some(1.0)));
        assert_eq!(s.group, None);
        let report = CarrierReport {
            from: chrono::DateTime::UNIX_EPOCH,
            to: chrono::DateTime::UNIX_EPOCH,
            group_by: GroupBy::Carrier,
            rows: vec![s],
        };
        let csv = to_csv(&report);
        assert_eq!(csv.lines().count(), 2);
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .starts_with("dpd,,4,3,24.3,48.5,1,3,2,2,0.5,0.6667,0.25,0.25,0.5,1,1,2"),
            "{csv}"
        );
    }
}
