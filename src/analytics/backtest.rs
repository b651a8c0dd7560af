//! ETA backtest: replays the gateway's delivered shipments in time order, predicting each
//! one at its first carrier scan from only the deliveries completed before that instant,
//! and compares the prediction (and the carrier's own first ETA, where there was one) with
//! the actual delivery day.
//!
//! Figures per carrier: share delivered inside the window; mean absolute error and bias in
//! days of the point estimate (our median day; the carrier window's middle day), positive
//! meaning later than estimated. The replay learns from every delivery before the instant
//! (production uses the last `engine::eta::HISTORY_DAYS`; with a history shorter than that
//! the two agree).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::facts::ShipmentFacts;
use crate::engine::eta::{predict, HistoryIndex};
use crate::engine::working_days::{local_date, zone_for};
use crate::store::{AnalyticsStore, StoreResult};

/// Accuracy figures of one estimator.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accuracy {
    /// Shipments estimated.
    pub shipments: u64,
    /// Delivered inside the window.
    pub inside: u64,
    /// Sum of |actual − estimate| in days.
    pub abs_error_days: i64,
    /// Sum of actual − estimate in days.
    pub error_days: i64,
}

impl Accuracy {
    fn add(&mut self, actual: NaiveDate, from: NaiveDate, to: NaiveDate, point: NaiveDate) {
        let err = (actual - point).num_days();
        self.shipments += 1;
        self.inside += u64::from(from <= actual && actual <= to);
        self.abs_error_days += err.abs();
        self.error_days += err;
    }

    /// Share delivered inside the window.
    pub fn inside_share(&self) -> Option<f64> {
        (self.shipments > 0).then(|| self.inside as f64 / self.shipments as f64)
    }

    /// Mean absolute error, days.
    pub fn mae_days(&self) -> Option<f64> {
        (self.shipments > 0).then(|| self.abs_error_days as f64 / self.shipments as f64)
    }

    /// Mean signed error (bias), days; positive = later than estimated.
    pub fn bias_days(&self) -> Option<f64> {
        (self.shipments > 0).then(|| self.error_days as f64 / self.shipments as f64)
    }
}

/// The backtest of one carrier.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CarrierBacktest {
    /// Carrier id.
    pub carrier: String,
    /// Delivered shipments first scanned in the range.
    pub evaluated: u64,
    /// Of those, without enough history to predict.
    pub unpredicted: u64,
    /// Our predictions.
    pub predicted: Accuracy,
    /// The carrier's own first ETA, on the shipments that had one.
    pub carrier_eta: Accuracy,
    /// Our predictions on just those shipments, for a like-for-like comparison.
    pub predicted_where_carrier: Accuracy,
}

/// Runs the backtest over shipments first scanned in `[from, to)`.
pub async fn backtest(
    store: &dyn AnalyticsStore,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<CarrierBacktest>> {
    let history = store.delivered_facts(to).await?;
    Ok(replay(&history, from, to))
}

enum Step<'a> {
    Predict(&'a ShipmentFacts),
    Learn(&'a ShipmentFacts),
}

/// The replay itself, over delivered facts (any order).
pub fn replay(
    facts: &[ShipmentFacts],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<CarrierBacktest> {
    // (instant, 0 = predict before 1 = learn at the same instant, index) keeps it strictly causal.
    let mut steps: Vec<(DateTime<Utc>, u8, usize, Step<'_>)> = Vec::new();
    for (i, f) in facts.iter().enumerate() {
        let (Some(delivered), Some(_)) = (f.delivered_at, f.transit_wd) else {
            continue;
        };
        steps.push((delivered, 1, i, Step::Learn(f)));
        if let Some(scan) = f.first_scan_at.filter(|s| *s >= from && *s < to) {
            steps.push((scan, 0, i, Step::Predict(f)));
        }
    }
    steps.sort_by_key(|(t, order, i, _)| (*t, *order, *i));
    let mut index = HistoryIndex::default();
    let mut out: BTreeMap<String, CarrierBacktest> = BTreeMap::new();
    for (_, _, _, step) in steps {
        match step {
            Step::Learn(f) => {
                if let Some(wd) = f.transit_wd {
                    index.record(&f.lane_key(), wd.clamp(0, i64::from(u32::MAX)) as u32);
                }
            }
            Step::Predict(f) => evaluate(f, &index, &mut out),
        }
    }
    out.into_values().collect()
}

fn evaluate(f: &ShipmentFacts, index: &HistoryIndex, out: &mut BTreeMap<String, CarrierBacktest>) {
    let (Some(scan), Some(delivered)) = (f.first_scan_at, f.delivered_at) else {
        return;
    };
    let key = f.lane_key();
    let tz = zone_for(Some(&key.destination));
    let row = out
        .entry(f.carrier.as_str().to_string())
        .or_insert_with(|| CarrierBacktest {
            carrier: f.carrier.as_str().to_string(),
            ..Default::default()
        });
    row.evaluated += 1;
    let actual = local_date(delivered, tz);
    let day = local_date(scan, tz);
    let prediction = predict(
        &index.history(&key),
        &crate::engine::eta::lane_calendar(&key),
        Some(day),
        day,
    );
    match &prediction {
        Some(p) => row.predicted.add(actual, p.from, p.to, p.median),
        None => row.unpredicted += 1,
    }
    if let (Some(efrom), Some(eto)) = (f.carrier_eta_from, f.carrier_eta_to) {
        let (a, b) = (local_date(efrom, tz), local_date(eto, tz));
        let mid = a + (b - a) / 2;
        row.carrier_eta.add(actual, a, b, mid);
        if let Some(p) = &prediction {
            row.predicted_where_carrier
                .add(actual, p.from, p.to, p.median);
        }
    }
}

/// The backtest as a text table.
pub fn render(rows: &[CarrierBacktest]) -> String {
    let pct = |v: Option<f64>| {
        v.map(|v| format!("{:.1}%", v * 100.0))
            .unwrap_or("-".into())
    };
    let days = |v: Option<f64>| v.map(|v| format!("{v:+.2}")).unwrap_or("-".into());
    let abs = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or("-".into());
    let mut s = format!(
        "{:<8} {:>8} {:>7} | {:>9} {:>6} {:>6} | {:>8} {:>9} {:>6} {:>6} | {:>9} {:>6} {:>6}\n",
        "carrier",
        "shipments",
        "no-pred",
        "in-window",
        "MAE",
        "bias",
        "w/carrier",
        "in-window",
        "MAE",
        "bias",
        "ours-same",
        "MAE",
        "bias"
    );
    for r in rows {
        s.push_str(&format!(
            "{:<8} {:>8} {:>7} | {:>9} {:>6} {:>6} | {:>8} {:>9} {:>6} {:>6} | {:>9} {:>6} {:>6}\n",
            r.carrier,
            r.evaluated,
            r.unpredicted,
            pct(r.predicted.inside_share()),
            abs(r.predicted.mae_days()),
            days(r.predicted.bias_days()),
            r.carrier_eta.shipments,
            pct(r.carrier_eta.inside_share()),
            abs(r.carrier_eta.mae_days()),
            days(r.carrier_eta.bias_days()),
            pct(r.predicted_where_carrier.inside_share()),
            abs(r.predicted_where_carrier.mae_days()),
            days(r.predicted_where_carrier.bias_days()),
        ));
    }
    s
}
