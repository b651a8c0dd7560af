//! The analytics side of the store: the `AnalyticsStore` trait (carrier report aggregates,
//! delivered history for backtests, bulk history import) and what both backends share for
//! keeping `shipment_facts`, the `lane_transit` rollup and the report rollups
//! (`domain::rollup`) current inside the update transaction (`tracking::apply_update`).
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
use chrono::{DateTime, Utc};

pub use crate::domain::report::{
    history_since, month, FactsQuery, FactsSummary, GroupBy, GroupCounters, HistogramRow, Metric,
};

use super::{Shipment, StoreResult};
use crate::domain::ShipmentFacts;

/// Analytics storage, implemented by both backends.
#[async_trait]
pub trait AnalyticsStore: Send + Sync {
    /// Counters and distributions of a merchant's shipments registered in a range, from the
    /// report rollups (plus raw facts at unaligned edges; see `domain::rollup::plan`).
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
