//! The analytics side of the store: the `AnalyticsStore` trait (carrier report aggregates,
//! delivered history for backtests, bulk history import) and what both backends share for
//! keeping `shipment_facts`, the `lane_transit` rollup and the report rollups
//! (`store::rollup`) current inside `apply_snapshot`.
//!
//! Why per-shipment facts plus small rollups, and not aggregates over `events`: a report over
//! a quarter must answer in under a second with a million deliveries, and the ETA lookup runs
//! on the apply hot path. `shipment_facts` (one narrow row per shipment, rewritten in the
//! apply transaction, indexed by merchant and registration time) holds the definitions;
//! `report_days` / `report_hist` (sums of those rows per day, and per month × bucket) turn
//! a report into summing a few thousand to a few hundred thousand rollup rows plus at most
//! half a period of raw facts at each unaligned edge; `lane_transit` (deliveries per scope ×
//! month × transit working days, bumped once when a shipment becomes delivered) turns the
//! ETA lookup into reading ≤ 4 scopes × ~10 rows by primary key, whatever the history's size.

use async_trait::async_trait;
use carriers::{EtaWindow, Status, TrackingEvent};
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Shipment, StoreResult};
use crate::analytics::facts::{compute, ShipmentFacts};
use crate::engine::eta::{needs_history, LaneKey, HISTORY_DAYS};
use crate::engine::MergePlan;

/// How report rows are grouped (always within a carrier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One row per carrier.
    #[default]
    Carrier,
    /// Per carrier service.
    Service,
    /// Per lane (origin, destination, destination postal prefix).
    Lane,
    /// Per ISO week of registration.
    Week,
}

impl GroupBy {
    /// The name used in queries and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Carrier => "carrier",
            GroupBy::Service => "service",
            GroupBy::Lane => "lane",
            GroupBy::Week => "week",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<GroupBy> {
        [
            GroupBy::Carrier,
            GroupBy::Service,
            GroupBy::Lane,
            GroupBy::Week,
        ]
        .into_iter()
        .find(|g| g.as_str() == s.trim())
    }
}

/// Which facts a report covers.
#[derive(Debug, Clone)]
pub struct FactsQuery {
    /// The merchant.
    pub merchant_id: String,
    /// Registered at or after.
    pub from: DateTime<Utc>,
    /// Registered before.
    pub to: DateTime<Utc>,
    /// Grouping.
    pub group_by: GroupBy,
}

/// Counters of one report group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupCounters {
    /// Carrier id.
    pub carrier: String,
    /// Group value (service, lane or week; empty when grouping by carrier).
    pub group: String,
    /// Shipments.
    pub shipments: i64,
    /// Delivered.
    pub delivered: i64,
    /// Delivered at the first attempt.
    pub first_attempt: i64,
    /// With an exception.
    pub exceptions: i64,
    /// Returned.
    pub returned: i64,
    /// Delivered with an original ETA.
    pub with_eta: i64,
    /// Of those, delivered by the end of the window.
    pub on_time: i64,
    /// Of those, delivered inside the window.
    pub in_window: i64,
    /// Sum of |ETA error| in days.
    pub eta_abs_error_days: i64,
    /// Sum of signed ETA error in days.
    pub eta_error_days: i64,
    /// Shipments with a first scan.
    pub scanned: i64,
    /// Sum of registration → first scan minutes.
    pub first_scan_minutes: i64,
}

/// Which distribution a histogram row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Transit first scan → delivery; values are `analytics::buckets` of minutes.
    TransitHours,
    /// Transit in working days (exact values).
    TransitWorkingDays,
    /// Registration → first scan; values are `analytics::buckets` of minutes.
    FirstScanHours,
}

impl Metric {
    /// One-letter tag used in queries.
    pub fn tag(self) -> &'static str {
        match self {
            Metric::TransitHours => "h",
            Metric::TransitWorkingDays => "w",
            Metric::FirstScanHours => "s",
        }
    }

    /// Parses the tag.
    pub fn from_tag(t: &str) -> Option<Metric> {
        match t {
            "h" => Some(Metric::TransitHours),
            "w" => Some(Metric::TransitWorkingDays),
            "s" => Some(Metric::FirstScanHours),
            _ => None,
        }
    }
}

/// One bucket of a group's distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramRow {
    /// Carrier id.
    pub carrier: String,
    /// Group value.
    pub group: String,
    /// Distribution.
    pub metric: Metric,
    /// Value: working days, or the `analytics::buckets` bucket of the minutes.
    pub value: i64,
    /// Shipments in it.
    pub count: u64,
}

/// Everything a report is computed from.
#[derive(Debug, Clone, Default)]
pub struct FactsSummary {
    /// Per-group counters.
    pub counters: Vec<GroupCounters>,
    /// Per-group distributions.
    pub histograms: Vec<HistogramRow>,
}

/// Analytics storage, implemented by both backends.
#[async_trait]
pub trait AnalyticsStore: Send + Sync {
    /// Counters and distributions of a merchant's shipments registered in a range, from the
    /// report rollups (plus raw facts at unaligned edges; see `store::rollup::plan`).
    async fn facts_summary(&self, q: &FactsQuery) -> StoreResult<FactsSummary>;
    /// The facts of a merchant's shipments registered in `[from, to)`, oldest first (exports,
    /// and the reference the rollups are checked against).
    async fn facts_between(
        &self,
        merchant_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ShipmentFacts>>;
    /// The facts of one shipment.
    async fn shipment_facts(&self, shipment_id: &str) -> StoreResult<Option<ShipmentFacts>>;
    /// Every delivered shipment's facts (any merchant) delivered before `before`, oldest
    /// delivery first: the gateway's history, for backtests.
    async fn delivered_facts(&self, before: DateTime<Utc>) -> StoreResult<Vec<ShipmentFacts>>;
    /// Bulk-writes finished shipments with their facts and rollup counts (the history
    /// generator's fast path: the same rows `apply_snapshot` would leave, without events;
    /// the report rollups get the new rows' contributions minus any replaced rows').
    async fn import_history(&self, rows: &[(Shipment, ShipmentFacts)]) -> StoreResult<()>;
}

/// The first month (`YYYY-MM`) whose deliveries feed predictions made at `now`.
pub fn history_since(now: DateTime<Utc>) -> String {
    month(now - Duration::days(HISTORY_DAYS))
}

/// `YYYY-MM` of an instant (UTC).
pub fn month(t: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", t.year(), t.month())
}

/// The lane and whether an apply must load its history to decide the ETA.
pub fn history_need(before: &Shipment, plan: &MergePlan) -> Option<LaneKey> {
    let status = plan
        .status_change
        .as_ref()
        .map(|c| c.to_status)
        .unwrap_or(before.status);
    let carrier_eta: Option<EtaWindow> = plan.carrier_eta;
    needs_history(carrier_eta, status).then(|| LaneKey::of(before, &plan.details))
}

/// The facts row after an apply, and the rollup keys to bump when this apply delivered the
/// shipment (`(scope key, month, working days)`), empty otherwise.
pub fn facts_after(
    before: &Shipment,
    written: &super::apply::Written,
    timeline: &[TrackingEvent],
) -> (ShipmentFacts, Vec<(String, String, i64)>) {
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

/// Rollup counts of many delivered facts: `(scope key, month, working days) → deliveries`.
pub fn rollup_counts(facts: &[ShipmentFacts]) -> Vec<(String, String, i64, i64)> {
    let mut counts: std::collections::BTreeMap<(String, String, i64), i64> = Default::default();
    for f in facts {
        if let (Some(at), Some(wd)) = (f.delivered_at, f.transit_wd) {
            for (_, scope) in f.lane_key().scopes() {
                *counts.entry((scope, month(at), wd)).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .map(|((s, m, w), n)| (s, m, w, n))
        .collect()
}
