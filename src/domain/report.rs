//! The carrier report's shapes: how rows are grouped, what a query covers, and the counters
//! and distributions every backend sums the same way.

use chrono::{DateTime, Datelike, Duration, Utc};

use super::lane::HISTORY_DAYS;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    /// Transit first scan → delivery; values are `domain::buckets` of minutes.
    TransitHours,
    /// Transit in working days (exact values).
    TransitWorkingDays,
    /// Registration → first scan; values are `domain::buckets` of minutes.
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
    /// Value: working days, or the `domain::buckets` bucket of the minutes.
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

/// The first month (`YYYY-MM`) whose deliveries feed predictions made at `now`.
pub fn history_since(now: DateTime<Utc>) -> String {
    month(now - Duration::days(HISTORY_DAYS))
}

/// `YYYY-MM` of an instant (UTC).
pub fn month(t: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", t.year(), t.month())
}
