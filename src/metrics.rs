//! Prometheus metrics: labelled counters and gauges kept in memory, rendered as text.
//!
//! Counters sit on the request path (every API request counts itself, every cache lookup
//! too), so an increment of an existing series allocates nothing and takes only a shared
//! lock: series are found by a hash of name and labels and bumped atomically. The exclusive
//! lock is taken once per new series.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

/// A metric name with its label pairs.
type Key = (&'static str, Vec<(&'static str, String)>);

/// One counter series.
struct Series {
    name: &'static str,
    labels: Vec<(&'static str, String)>,
    value: AtomicU64,
}

impl Series {
    fn is(&self, name: &str, labels: &[(&'static str, &str)]) -> bool {
        self.name == name
            && self.labels.len() == labels.len()
            && self
                .labels
                .iter()
                .zip(labels)
                .all(|((k, v), (k2, v2))| k == k2 && v == v2)
    }
}

fn series_hash(name: &str, labels: &[(&'static str, &str)]) -> u64 {
    let mut h = DefaultHasher::new();
    name.hash(&mut h);
    labels.hash(&mut h);
    h.finish()
}

/// The series of `name` and `labels`, if recorded.
fn find<'a>(
    m: &'a HashMap<u64, Vec<Series>>,
    hash: u64,
    name: &str,
    labels: &[(&'static str, &str)],
) -> Option<&'a Series> {
    m.get(&hash)?.iter().find(|s| s.is(name, labels))
}

/// The process's metrics.
#[derive(Default)]
pub struct Metrics {
    /// Series by `series_hash` (a bucket holds the rare collisions).
    counters: RwLock<HashMap<u64, Vec<Series>>>,
    gauges: Mutex<BTreeMap<Key, f64>>,
}

/// Help text of each metric family.
const HELP: &[(&str, &str)] = &[
    (
        "parcelgate_http_requests_total",
        "HTTP requests by route and status class",
    ),
    (
        "parcelgate_webhooks_received_total",
        "Carrier webhooks stored, by carrier",
    ),
    (
        "parcelgate_webhooks_rejected_total",
        "Carrier webhooks refused, by carrier and reason",
    ),
    (
        "parcelgate_inbox_processed_total",
        "Webhook bodies processed, by carrier and outcome",
    ),
    (
        "parcelgate_polls_total",
        "Carrier polls, by carrier and outcome",
    ),
    (
        "parcelgate_unmapped_codes_total",
        "Carrier codes the mapping tables do not know",
    ),
    (
        "parcelgate_status_changes_total",
        "Status changes recorded, by carrier and new status",
    ),
    (
        "parcelgate_unregistered_updates_total",
        "Carrier updates for numbers nobody registered",
    ),
    (
        "parcelgate_cache_requests_total",
        "Shipment cache lookups, by result",
    ),
    ("parcelgate_cache_entries", "Shipment cache entries"),
    (
        "parcelgate_callback_deliveries_total",
        "Callback delivery attempts, by outcome",
    ),
    ("parcelgate_carrier_quota_used", "Carrier calls used today"),
];

impl Metrics {
    /// Adds `by` to a counter.
    pub fn inc_by(&self, name: &'static str, labels: &[(&'static str, &str)], by: u64) {
        let hash = series_hash(name, labels);
        if let Ok(m) = self.counters.read() {
            if let Some(s) = find(&m, hash, name, labels) {
                s.value.fetch_add(by, Ordering::Relaxed);
                return;
            }
        }
        let mut m = self.counters.write().unwrap_or_else(|p| p.into_inner());
        // Another thread may have added the series between the two locks.
        if let Some(s) = find(&m, hash, name, labels) {
            s.value.fetch_add(by, Ordering::Relaxed);
            return;
        }
        m.entry(hash).or_default().push(Series {
            name,
            labels: labels.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            value: AtomicU64::new(by),
        });
    }

    /// Every counter series with its value, sorted.
    fn counter_values(&self) -> BTreeMap<Key, u64> {
        let m = self.counters.read().unwrap_or_else(|p| p.into_inner());
        m.values()
            .flatten()
            .map(|s| ((s.name, s.labels.clone()), s.value.load(Ordering::Relaxed)))
            .collect()
    }

    /// Adds one to a counter.
    pub fn inc(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        self.inc_by(name, labels, 1);
    }

    /// Sets a gauge.
    pub fn set(&self, name: &'static str, labels: &[(&'static str, &str)], value: f64) {
        let key = (
            name,
            labels.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        );
        if let Ok(mut m) = self.gauges.lock() {
            m.insert(key, value);
        }
    }

    /// A counter's current value (tests, the carriers endpoint).
    pub fn counter(&self, name: &'static str, labels: &[(&'static str, &str)]) -> u64 {
        let m = self.counters.read().unwrap_or_else(|p| p.into_inner());
        find(&m, series_hash(name, labels), name, labels)
            .map_or(0, |s| s.value.load(Ordering::Relaxed))
    }

    /// Renders the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters = self.counter_values();
        let gauges = self.gauges.lock().map(|m| m.clone()).unwrap_or_default();
        // Every documented family, then any recorded one the table lacks: a metric that is
        // counted is always exported, documented or not.
        let mut families: Vec<(&str, &str)> = HELP.to_vec();
        for (name, _) in counters.keys().chain(gauges.keys()) {
            if !families.iter().any(|(n, _)| n == name) {
                families.push((name, "(undocumented)"));
            }
        }
        for (name, help) in families {
            let is_gauge = gauges.keys().any(|(n, _)| *n == name)
                || name.ends_with("_entries")
                || name.ends_with("_used");
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(
                out,
                "# TYPE {name} {}",
                if is_gauge { "gauge" } else { "counter" }
            );
            for ((n, labels), v) in &counters {
                if *n == name {
                    let _ = writeln!(out, "{n}{} {v}", render_labels(labels));
                }
            }
            for ((n, labels), v) in &gauges {
                if *n == name {
                    let _ = writeln!(out, "{n}{} {v}", render_labels(labels));
                }
            }
        }
        out
    }
}

fn render_labels(labels: &[(&'static str, String)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| {
            let v = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{k}=\"{v}\"")
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.inc(
            "parcelgate_polls_total",
            &[("carrier", "dhl"), ("outcome", "ok")],
        );
        m.inc(
            "parcelgate_polls_total",
            &[("carrier", "dhl"), ("outcome", "ok")],
        );
        m.inc_by(
            "parcelgate_polls_total",
            &[("carrier", "dhl"), ("outcome", "x")],
            5,
        );
        assert_eq!(
            m.counter(
                "parcelgate_polls_total",
                &[("carrier", "dhl"), ("outcome", "ok")]
            ),
            2
        );
        assert_eq!(
            m.counter("parcelgate_polls_total", &[("carrier", "dhl")]),
            0
        );
        m.set("parcelgate_cache_entries", &[], 3.0);
        let text = m.render();
        assert!(text.contains("parcelgate_polls_total{carrier=\"dhl\",outcome=\"ok\"} 2"));
        assert!(text.contains("# TYPE parcelgate_cache_entries gauge"));
        assert!(text.contains("parcelgate_cache_entries 3"));
        m.inc("parcelgate_not_in_the_table_total", &[]);
        assert!(m.render().contains("parcelgate_not_in_the_table_total 1"));
    }
}
