//! The dashboard's numbers per carrier, read from the analytics module's per-shipment facts
//! (`shipment_facts`, kept current inside every apply), so the dashboard and
//! `GET /v1/analytics/carriers` can never disagree: *transit* is first carrier scan →
//! delivery in working days; *first attempt* is delivered with no failed attempt or
//! redirection before; *on time* is delivered by the end of the first ETA shown;
//! *exception* is any exception; *returned* is returned (or returning) to the sender.

use carriers::CarrierId;
use chrono::{DateTime, Utc};

use crate::state::AppState;
use crate::store::analytics::{FactsQuery, GroupBy, Metric};
use crate::store::StoreResult;

/// Transit buckets: 0, 1, … days, the last one meaning "this many or more".
pub const TRANSIT_BUCKETS: usize = 8;

/// One carrier's numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CarrierStats {
    /// Carrier.
    pub carrier: Option<CarrierId>,
    /// Shipments registered in the range.
    pub shipments: u64,
    /// Of those, delivered.
    pub delivered: u64,
    /// Delivered shipments per whole days of transit (`TRANSIT_BUCKETS`, last = more).
    pub transit_days: Vec<u64>,
    /// Median transit, days (one decimal).
    pub median_days: Option<f64>,
    /// Delivered with an ETA shown.
    pub with_eta: u64,
    /// Of those, delivered by the end of the first ETA window.
    pub on_time: u64,
    /// Delivered at the first attempt.
    pub first_attempt: u64,
    /// Shipments with an exception.
    pub exceptions: u64,
    /// Shipments returned (or returning) to the sender.
    pub returned: u64,
}

impl CarrierStats {
    /// On-time share of deliveries with an ETA.
    pub fn on_time_rate(&self) -> Option<f64> {
        ratio(self.on_time, self.with_eta)
    }
    /// First-attempt share of deliveries.
    pub fn first_attempt_rate(&self) -> Option<f64> {
        ratio(self.first_attempt, self.delivered)
    }
    /// Exception share of shipments.
    pub fn exception_rate(&self) -> Option<f64> {
        ratio(self.exceptions, self.shipments)
    }
    /// Return share of shipments.
    pub fn return_rate(&self) -> Option<f64> {
        ratio(self.returned, self.shipments)
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The report over a date range.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// One entry per carrier with shipments, in carrier order.
    pub carriers: Vec<CarrierStats>,
}

/// The per-carrier report of a merchant's shipments in `[from, to)`.
pub async fn report(
    app: &AppState,
    merchant_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Report> {
    let summary = app
        .store
        .facts_summary(&FactsQuery {
            merchant_id: merchant_id.to_string(),
            from,
            to,
            group_by: GroupBy::Carrier,
        })
        .await?;
    let count = |v: i64| u64::try_from(v).unwrap_or(0);
    let mut carriers: Vec<CarrierStats> = summary
        .counters
        .iter()
        .map(|c| {
            let mut days: Vec<(i64, u64)> = summary
                .histograms
                .iter()
                .filter(|h| h.carrier == c.carrier && h.metric == Metric::TransitWorkingDays)
                .map(|h| (h.value, h.count))
                .collect();
            days.sort_unstable();
            let mut transit_days = vec![0; TRANSIT_BUCKETS];
            for (d, n) in &days {
                let bucket = usize::try_from(*d).unwrap_or(0).min(TRANSIT_BUCKETS - 1);
                transit_days[bucket] += n;
            }
            CarrierStats {
                carrier: CarrierId::parse(&c.carrier),
                shipments: count(c.shipments),
                delivered: count(c.delivered),
                transit_days,
                median_days: median(&days),
                with_eta: count(c.with_eta),
                on_time: count(c.on_time),
                first_attempt: count(c.first_attempt),
                exceptions: count(c.exceptions),
                returned: count(c.returned),
            }
        })
        .collect();
    carriers.sort_by_key(|c| c.carrier);
    Ok(Report { carriers })
}

/// Nearest-rank median of a `(value, count)` distribution sorted by value.
fn median(dist: &[(i64, u64)]) -> Option<f64> {
    let total: u64 = dist.iter().map(|(_, n)| n).sum();
    let rank = total.div_ceil(2);
    let mut seen = 0;
    dist.iter().find_map(|(v, n)| {
        seen += n;
        (seen >= rank && total > 0).then_some(*v as f64)
    })
}
