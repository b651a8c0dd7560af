//! SQLite side of the analytics store: the shared facts reads and writes
//! (`store::sql::analytics`) plus what SQLite does its own way: the lane history lookup,
//! facts upserts and lane bumps one row at a time, and the bulk history import. The report
//! reads the rollups (`report.rs`); every facts write moves the row's share of them.

use sqlx::{Row, Sqlite, Transaction};

use super::report::apply_rollup;
use super::SqliteStore;
use crate::domain::lane::{Histogram, LaneHistory, LaneKey};
use crate::domain::rollup::RollupDelta;
use crate::domain::ShipmentFacts;
use crate::store::analytics::*;
use crate::store::rows::analytics::source_name;
use crate::store::sql::analytics::{analytics_impl, facts_writes};
use crate::store::{codec, Shipment, StoreResult};

use super::ts;

/// The delivered history of a lane's scopes since `since` (`YYYY-MM`).
pub(super) async fn lane_history(
    tx: &mut Transaction<'static, Sqlite>,
    key: &LaneKey,
    since: &str,
) -> StoreResult<LaneHistory> {
    let scopes = key.scopes();
    let rows = sqlx::query(
        "SELECT scope_key, wd, SUM(n) AS n FROM lane_transit \
         WHERE scope_key IN (?, ?, ?, ?) AND month >= ? GROUP BY scope_key, wd",
    )
    .bind(&scopes[0].1)
    .bind(&scopes[1].1)
    .bind(&scopes[2].1)
    .bind(&scopes[3].1)
    .bind(since)
    .fetch_all(&mut **tx)
    .await?;
    let mut levels: Vec<(_, Histogram)> = scopes
        .iter()
        .map(|(s, _)| (*s, Histogram::default()))
        .collect();
    for r in &rows {
        let scope: String = r.try_get("scope_key")?;
        let wd: i64 = r.try_get("wd")?;
        let n: i64 = r.try_get("n")?;
        if let Some(i) = scopes.iter().position(|(_, k)| *k == scope) {
            levels[i]
                .1
                .add(wd.clamp(0, i64::from(u32::MAX)) as u32, n.max(0) as u64);
        }
    }
    Ok(LaneHistory { levels })
}

/// Adds deliveries to the lane rollup: `(scope key, month, working days, deliveries)`.
async fn bump_lanes(
    tx: &mut Transaction<'static, Sqlite>,
    counts: &[(String, String, i64, i64)],
) -> StoreResult<()> {
    for (scope, month, wd, n) in counts {
        sqlx::query(
            "INSERT INTO lane_transit (scope_key, month, wd, n) VALUES (?,?,?,?) \
         ON CONFLICT (scope_key, month, wd) DO UPDATE SET n = n + excluded.n",
        )
        .bind(scope)
        .bind(month)
        .bind(wd)
        .bind(n)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Inserts or rewrites facts rows (the carrier's first announced window is kept).
async fn upsert_facts(
    tx: &mut Transaction<'static, Sqlite>,
    rows: &[ShipmentFacts],
) -> StoreResult<()> {
    for f in rows {
        sqlx::query(
            "INSERT INTO shipment_facts (shipment_id, merchant_id, carrier, service, lane, week, \
         created_at, first_scan_at, delivered_at, status, transit_minutes, transit_wd, \
         first_scan_minutes, delivered, first_attempt, exception, returned, eta_source, eta_from, \
         eta_to, carrier_eta_from, carrier_eta_to, on_time, eta_in_window, eta_error_days) \
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) \
         ON CONFLICT (shipment_id) DO UPDATE SET service = excluded.service, \
         lane = excluded.lane, first_scan_at = excluded.first_scan_at, \
         delivered_at = excluded.delivered_at, status = excluded.status, \
         transit_minutes = excluded.transit_minutes, transit_wd = excluded.transit_wd, \
         first_scan_minutes = excluded.first_scan_minutes, delivered = excluded.delivered, \
         first_attempt = excluded.first_attempt, exception = excluded.exception, \
         returned = excluded.returned, eta_source = excluded.eta_source, \
         eta_from = excluded.eta_from, eta_to = excluded.eta_to, on_time = excluded.on_time, \
         carrier_eta_from = COALESCE(shipment_facts.carrier_eta_from, excluded.carrier_eta_from), \
         carrier_eta_to = COALESCE(shipment_facts.carrier_eta_to, excluded.carrier_eta_to), \
         eta_in_window = excluded.eta_in_window, eta_error_days = excluded.eta_error_days",
        )
        .bind(&f.shipment_id)
        .bind(&f.merchant_id)
        .bind(f.carrier.as_str())
        .bind(&f.service)
        .bind(&f.lane)
        .bind(&f.week)
        .bind(ts(f.created_at))
        .bind(f.first_scan_at.map(ts))
        .bind(f.delivered_at.map(ts))
        .bind(f.status.as_str())
        .bind(f.transit_minutes)
        .bind(f.transit_wd)
        .bind(f.first_scan_minutes)
        .bind(i64::from(f.delivered()))
        .bind(i64::from(f.first_attempt))
        .bind(i64::from(f.exception))
        .bind(i64::from(f.returned))
        .bind(f.eta_source.map(source_name))
        .bind(f.eta_from.map(ts))
        .bind(f.eta_to.map(ts))
        .bind(f.carrier_eta_from.map(ts))
        .bind(f.carrier_eta_to.map(ts))
        .bind(f.on_time.map(i64::from))
        .bind(f.eta_in_window.map(i64::from))
        .bind(f.eta_error_days)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

facts_writes!(Sqlite);
analytics_impl!(SqliteStore);

impl SqliteStore {
    /// The carrier report's sums (`report.rs`).
    async fn summary(&self, q: &FactsQuery) -> StoreResult<FactsSummary> {
        super::report::summary(self.read(), q).await
    }

    /// Bulk-writes finished shipments with their facts and rollup counts.
    async fn import(&self, rows: &[(Shipment, ShipmentFacts)]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let mut delta = RollupDelta::default();
        for (s, f) in rows {
            // A replaced row (re-imported id) leaves the rollups before the new one enters.
            if let Some(old) = stored_facts(&mut tx, &f.shipment_id).await? {
                delta.add(&old, -1);
            }
            delta.add(f, 1);
            sqlx::query(
                "INSERT INTO shipments (id, merchant_id, carrier, tracking_number, order_ref, \
                 service, origin_country, destination_country, destination_postal_code, \
                 public_token, status, substatus, status_changed_at, last_event_at, details, eta, \
                 original_eta, created_at, updated_at) \
                 VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            )
            .bind(&s.id)
            .bind(&s.merchant_id)
            .bind(s.carrier.as_str())
            .bind(&s.tracking_number)
            .bind(&s.order_ref)
            .bind(&s.service)
            .bind(&s.origin_country)
            .bind(&s.destination_country)
            .bind(&s.destination_postal_code)
            .bind(&s.public_token)
            .bind(s.status.as_str())
            .bind(&s.substatus)
            .bind(s.status_changed_at.map(ts))
            .bind(s.last_event_at.map(ts))
            .bind(codec::to_json(&s.details))
            .bind(s.eta.as_ref().map(codec::to_json))
            .bind(s.original_eta.as_ref().map(codec::to_json))
            .bind(ts(s.created_at))
            .bind(ts(s.updated_at))
            .execute(&mut *tx)
            .await?;
            upsert_facts(&mut tx, std::slice::from_ref(f)).await?;
        }
        apply_rollup(&mut tx, &delta).await?;
        let facts: Vec<ShipmentFacts> = rows.iter().map(|(_, f)| f.clone()).collect();
        for (scope, month, wd, n) in rollup_counts(&facts) {
            bump_lanes(&mut tx, &[(scope, month, wd, n)]).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
