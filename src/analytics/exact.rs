//! The carrier report computed directly from raw facts rows, with exact percentiles of the
//! stored minutes and no rollups or buckets: the reference definition the rollup-backed
//! report (`analytics::report`) is checked against, within the bound documented there.

use std::collections::BTreeMap;

use super::facts::ShipmentFacts;
use super::report::{hours, stats, CarrierReport, Figures, Range};
use crate::domain::percentile::{nearest_rank, normalize};
use crate::store::analytics::{GroupBy, GroupCounters};

#[derive(Default)]
struct Group {
    counters: GroupCounters,
    minutes: Vec<(i64, u64)>,
    wd: Vec<(i64, u64)>,
    first_scan: Vec<(i64, u64)>,
}

/// The report over `facts` registered in `range`, grouped as asked.
pub fn exact_report(facts: &[ShipmentFacts], range: Range, group_by: GroupBy) -> CarrierReport {
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    for f in facts
        .iter()
        .filter(|f| range.from <= f.created_at && f.created_at < range.to)
    {
        let grp = match group_by {
            GroupBy::Carrier => String::new(),
            GroupBy::Service => f.service.clone(),
            GroupBy::Lane => f.lane.clone(),
            GroupBy::Week => f.week.clone(),
        };
        let carrier = f.carrier.as_str().to_string();
        let g = groups.entry((carrier.clone(), grp.clone())).or_default();
        let c = &mut g.counters;
        c.carrier = carrier;
        c.group = grp;
        c.shipments += 1;
        c.delivered += i64::from(f.delivered_at.is_some());
        c.first_attempt += i64::from(f.first_attempt);
        c.exceptions += i64::from(f.exception);
        c.returned += i64::from(f.returned);
        if let Some(on_time) = f.on_time {
            c.with_eta += 1;
            c.on_time += i64::from(on_time);
        }
        c.in_window += i64::from(f.eta_in_window == Some(true));
        if let Some(e) = f.eta_error_days {
            c.eta_abs_error_days += e.abs();
            c.eta_error_days += e;
        }
        if let Some(m) = f.first_scan_minutes {
            c.scanned += 1;
            c.first_scan_minutes += m;
            g.first_scan.push((m, 1));
        }
        if let Some(m) = f.transit_minutes {
            g.minutes.push((m, 1));
        }
        if let Some(wd) = f.transit_wd {
            g.wd.push((wd, 1));
        }
    }
    let rows = groups
        .into_values()
        .map(|mut g| {
            normalize(&mut g.minutes);
            normalize(&mut g.wd);
            normalize(&mut g.first_scan);
            let h = |p: &[(i64, u64)], q: f64| nearest_rank(p, q).map(|m| hours(m as f64));
            let figures = Figures {
                hours: (h(&g.minutes, 0.5), h(&g.minutes, 0.9)),
                wd: (nearest_rank(&g.wd, 0.5), nearest_rank(&g.wd, 0.9)),
                first_scan_p50: h(&g.first_scan, 0.5),
            };
            stats(&g.counters, &figures, group_by)
        })
        .collect();
    CarrierReport {
        from: range.from,
        to: range.to,
        group_by,
        rows,
    }
}
