//! Synthetic shipment history: realistic timelines for tests, the ETA backtest and the
//! analytics benchmark, written through the store.
//!
//! Each shipment follows a carrier/service/lane profile ([`PROFILES`]): registration during
//! the day, pickup the same or the next working day, a transit of the profile's base working
//! days plus a geometric tail (and an extra day for some remote postal prefixes), delivery on
//! working days of the lane's calendar (weekends and Polish/German holidays), and the usual
//! trouble: failed first attempts (courier services), locker pickups, exceptions that cost two
//! days, refusals returned to sender. DHL and DPD announce their own ETA on some parcels,
//! InPost never. Everything comes from a seeded RNG: the same options give the same history.
//!
//! Two writers: [`write_through_store`] registers every shipment and applies each carrier
//! update with `apply_snapshot` in global time order, exactly as production does (ETAs
//! predicted, facts and rollups written by the store). [`import_bulk`] computes the same
//! facts in memory (same `analytics::facts::compute`; the original ETA from the same
//! predictor, fed deliveries in time order, at the first carrier update, else the carrier's)
//! and writes shipments + facts + rollups in bulk without event rows, for benchmark volumes.

mod synth;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use carriers::{CarrierId, Status, TrackingEvent};
use chrono::{DateTime, Utc};

pub use synth::{creation_times, synthesize, Options, Profile, SyntheticShipment, PROFILES};

use crate::analytics::facts::compute;
use crate::domain::{Eta, EtaSource, Shipment};
use crate::engine::eta::{predict, HistoryIndex, LaneKey};
use crate::engine::merge::derive_status;
use crate::engine::working_days::{end_of_day, local_date, start_of_day, zone_for};
use crate::store::{new_id, Store, StoreResult, UpdateSource};
use crate::tracking::ApplyUpdates;

/// What a writer did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Shipments written.
    pub shipments: usize,
    /// Carrier updates applied (0 in bulk mode).
    pub updates: usize,
    /// Delivered by `until`.
    pub delivered: usize,
}

/// Registers every shipment and applies every update through the store, in time order.
pub async fn write_through_store(store: &dyn Store, opts: &Options) -> StoreResult<Summary> {
    let all: Vec<SyntheticShipment> = creation_times(opts)
        .into_iter()
        .enumerate()
        .map(|(i, t)| synthesize(opts, i, t))
        .collect();
    let mut queue: Vec<(DateTime<Utc>, usize, usize)> = Vec::new();
    for (i, s) in all.iter().enumerate() {
        queue.push((s.created_at, i, 0));
        queue.extend(s.steps.iter().enumerate().map(|(k, (t, _))| (*t, i, k + 1)));
    }
    queue.sort();
    let mut ids: Vec<Option<String>> = vec![None; all.len()];
    let mut summary = Summary {
        shipments: all.len(),
        ..Default::default()
    };
    for (t, i, k) in queue {
        let s = &all[i];
        if k == 0 {
            let (row, _) = store.register_shipment(&s.new, &new_id("tok"), t).await?;
            ids[i] = Some(row.id.into_string());
        } else if let (Some(id), Some((_, snap))) = (&ids[i], s.steps.get(k - 1)) {
            let out = store
                .apply_snapshot(id, snap, UpdateSource::Poll, t)
                .await?;
            summary.updates += 1;
            if out
                .status_change
                .is_some_and(|c| c.to_status == Status::Delivered)
            {
                summary.delivered += 1;
            }
        }
    }
    Ok(summary)
}

/// Writes the same history in bulk (shipments, facts, rollups; no event rows), `batch`
/// shipments per transaction, calling `progress` with the count written so far.
pub async fn import_bulk(
    store: &dyn Store,
    opts: &Options,
    batch: usize,
    mut progress: impl FnMut(usize),
) -> StoreResult<Summary> {
    let mut index = HistoryIndex::default();
    let mut pending: BinaryHeap<Reverse<(DateTime<Utc>, usize, u32)>> = BinaryHeap::new();
    let mut keys: Vec<LaneKey> = Vec::new();
    let mut rows = Vec::with_capacity(batch);
    let mut summary = Summary::default();
    for (i, created) in creation_times(opts).into_iter().enumerate() {
        let s = synthesize(opts, i, created);
        let Some(first) = s.steps.first().map(|(t, _)| *t) else {
            continue;
        };
        // Learn every delivery completed before this shipment's first update.
        while let Some(Reverse((t, k, wd))) = pending.peek().copied() {
            if t >= first {
                break;
            }
            pending.pop();
            if let Some(key) = keys.get(k) {
                index.record(key, wd);
            }
        }
        let timeline: Vec<TrackingEvent> = s
            .steps
            .iter()
            .flat_map(|(_, snap)| snap.events.clone())
            .collect();
        let (status, substatus, _) = derive_status(&timeline);
        let mut shipment = blank_shipment(&s, status, substatus, &timeline);
        let key = LaneKey::of(&shipment, &shipment.details);
        let tz = zone_for(Some(&key.destination));
        let carrier_eta = s
            .steps
            .iter()
            .find_map(|(_, snap)| snap.eta)
            .map(Eta::from_carrier);
        let today = local_date(first, tz);
        shipment.original_eta = predict(
            &index.history(&key),
            &crate::engine::eta::lane_calendar(&key),
            None,
            today,
        )
        .map(|p| Eta {
            from: start_of_day(p.from, tz),
            to: end_of_day(p.to, tz),
            source: EtaSource::Predicted,
            confidence: Some(p.confidence),
        })
        .or(carrier_eta);
        let facts = compute(
            &shipment,
            &key,
            status,
            shipment.original_eta,
            carrier_eta,
            &timeline,
        );
        if let (Some(at), Some(wd)) = (facts.delivered_at, facts.transit_wd) {
            keys.push(key);
            pending.push(Reverse((at, keys.len() - 1, wd.max(0) as u32)));
            summary.delivered += 1;
        }
        rows.push((shipment, facts));
        summary.shipments += 1;
        if rows.len() >= batch.max(1) {
            store.import_history(&rows).await?;
            rows.clear();
            progress(summary.shipments);
        }
    }
    if !rows.is_empty() {
        store.import_history(&rows).await?;
        progress(summary.shipments);
    }
    Ok(summary)
}

fn blank_shipment(
    s: &SyntheticShipment,
    status: Status,
    substatus: String,
    timeline: &[TrackingEvent],
) -> Shipment {
    let last = timeline.iter().map(|e| e.occurred_at).max();
    Shipment {
        id: new_id("shp").into(),
        merchant_id: s.new.merchant_id.clone(),
        carrier: s.new.carrier.unwrap_or(CarrierId::Inpost),
        tracking_number: s.new.tracking_number.clone(),
        order_ref: s.new.order_ref.clone(),
        service: s.new.service.clone(),
        origin_country: s.new.origin_country.clone(),
        destination_country: s.new.destination_country.clone(),
        destination_postal_code: s.new.destination_postal_code.clone(),
        language: None,
        email_hash: None,
        public_token: new_id("tok"),
        status,
        substatus,
        status_changed_at: last,
        last_event_at: last,
        details: Default::default(),
        eta: None,
        original_eta: None,
        next_poll_at: None,
        poll_failures: 0,
        last_error: None,
        last_polled_at: None,
        last_push_at: None,
        created_at: s.created_at,
        updated_at: last.unwrap_or(s.created_at),
        version: 1,
    }
}
