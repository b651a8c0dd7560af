//! The dashboard's numbers per carrier, computed from the store's shipments and timelines.
//!
//! This module is the only place the dashboard gets numbers from: [`report`] can be swapped
//! for the analytics module's aggregates (`shipment_facts`) without touching the pages. The
//! definitions match the analytics module's: *transit* is first carrier scan → delivery;
//! *first attempt* is delivered with no failed attempt or redirection before; *on time* is
//! delivered by the end of the first ETA shown; *exception* is any exception event;
//! *returned* is returned to sender or on its way back.
//!
//! It walks at most [`MAX_SHIPMENTS`] shipments of the range (newest first) and says so when
//! it stopped early.

use carriers::{CarrierId, Status, TrackingEvent};
use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::store::{Shipment, ShipmentFilter, StoreResult};

/// Most shipments one report reads.
pub const MAX_SHIPMENTS: usize = 5000;
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
    /// Whether [`MAX_SHIPMENTS`] cut the range short.
    pub truncated: bool,
}

/// What one shipment contributes.
#[derive(Debug, Default)]
struct Facts {
    transit_minutes: Option<i64>,
    on_time: Option<bool>,
    first_attempt: bool,
    exception: bool,
    returned: bool,
}

fn facts(s: &Shipment, events: &[TrackingEvent]) -> Facts {
    let scanned = |e: &&TrackingEvent| {
        matches!(
            e.status,
            Status::InTransit
                | Status::OutForDelivery
                | Status::AvailableForPickup
                | Status::FailedAttempt
                | Status::Delivered
        )
    };
    let first_scan = events.iter().find(scanned).map(|e| e.occurred_at);
    let delivered_at = (s.status == Status::Delivered)
        .then(|| {
            events
                .iter()
                .find(|e| e.status == Status::Delivered)
                .map(|e| e.occurred_at)
                .or(s.status_changed_at)
        })
        .flatten();
    let before = |e: &TrackingEvent| delivered_at.is_none_or(|d| e.occurred_at <= d);
    let troubled = events.iter().filter(|e| before(e)).any(|e| {
        e.status == Status::FailedAttempt
            || e.substatus.contains("redirect")
            || e.substatus == "available_for_pickup.pickup_point_after_attempt"
    });
    Facts {
        transit_minutes: match (first_scan, delivered_at) {
            (Some(a), Some(b)) if b >= a => Some((b - a).num_minutes()),
            _ => None,
        },
        on_time: delivered_at.and_then(|d| s.original_eta.or(s.eta).map(|e| d <= e.to)),
        first_attempt: delivered_at.is_some() && !troubled,
        exception: events.iter().any(|e| e.status == Status::Exception),
        returned: s.status == Status::ReturnedToSender
            || events
                .iter()
                .any(|e| e.status == Status::ReturnedToSender || e.substatus.contains("return")),
    }
}

/// The per-carrier report of a merchant's shipments registered in `[from, to)`.
pub async fn report(
    app: &AppState,
    merchant_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Report> {
    let mut by: Vec<(CarrierStats, Vec<i64>)> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut seen = 0usize;
    let mut truncated = false;
    'pages: loop {
        let filter = ShipmentFilter {
            before_id: cursor.clone(),
            limit: 200,
            ..ShipmentFilter::default()
        };
        let page = app.store.list_shipments(merchant_id, &filter).await?;
        let Some(last) = page.last() else { break };
        cursor = Some(last.id.clone());
        let short = page.len() < 200;
        for s in page {
            if s.created_at >= to {
                continue;
            }
            if s.created_at < from {
                break 'pages;
            }
            if seen >= MAX_SHIPMENTS {
                truncated = true;
                break 'pages;
            }
            seen += 1;
            let events = app.store.events(&s.id).await?;
            let f = facts(&s, &events);
            let idx = match by.iter().position(|(c, _)| c.carrier == Some(s.carrier)) {
                Some(i) => i,
                None => {
                    by.push((
                        CarrierStats {
                            carrier: Some(s.carrier),
                            transit_days: vec![0; TRANSIT_BUCKETS],
                            ..CarrierStats::default()
                        },
                        Vec::new(),
                    ));
                    by.len() - 1
                }
            };
            let (c, transit) = &mut by[idx];
            c.shipments += 1;
            if s.status == Status::Delivered {
                c.delivered += 1;
            }
            if let Some(m) = f.transit_minutes {
                let days = usize::try_from(m / 1440)
                    .unwrap_or(0)
                    .min(TRANSIT_BUCKETS - 1);
                c.transit_days[days] += 1;
                transit.push(m);
            }
            if let Some(ok) = f.on_time {
                c.with_eta += 1;
                c.on_time += u64::from(ok);
            }
            c.first_attempt += u64::from(f.first_attempt);
            c.exceptions += u64::from(f.exception);
            c.returned += u64::from(f.returned);
        }
        if short {
            break;
        }
    }
    let mut carriers: Vec<CarrierStats> = by
        .into_iter()
        .map(|(mut c, mut t)| {
            t.sort_unstable();
            c.median_days = t
                .get(t.len() / 2)
                .filter(|_| !t.is_empty())
                .map(|m| (*m as f64 / 144.0).round() / 10.0);
            c
        })
        .collect();
    carriers.sort_by_key(|c| c.carrier);
    Ok(Report {
        carriers,
        truncated,
    })
}
