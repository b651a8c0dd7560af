//! `AnalyticsStore` for SQLite, and the facts/rollup writes `SqliteStore::apply_snapshot`
//! makes inside its transaction. Instants are microseconds since the epoch. The report reads
//! the rollups (`sqlite_report`); every facts write moves the row's share of them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use super::report::apply_rollup;
use super::SqliteStore;
use crate::domain::lane::{Histogram, LaneHistory, LaneKey};
use crate::domain::rollup::RollupDelta;
use crate::domain::ShipmentFacts;
use crate::store::analytics::*;
use crate::store::update::LaneBump;
use crate::store::{codec, EtaSource, Shipment, StoreError, StoreResult};

use super::{opt_ts, ts};

fn flag(v: Option<bool>) -> Option<i64> {
    v.map(i64::from)
}

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

/// Rewrites the shipment's facts row, moves its contribution in the report rollups from the
/// old row to the new one and, when this apply delivered it, bumps the lane rollup.
pub(super) async fn record_facts(
    tx: &mut Transaction<'static, Sqlite>,
    facts: &ShipmentFacts,
    bumps: &[LaneBump],
) -> StoreResult<()> {
    let old = stored_facts(tx, &facts.shipment_id).await?;
    upsert_facts(tx, facts).await?;
    let delta = RollupDelta::between(old.as_ref(), Some(facts));
    if !delta.is_empty() {
        apply_rollup(tx, &delta).await?;
    }
    for (scope, month, wd) in bumps {
        bump(tx, scope, month, *wd, 1).await?;
    }
    Ok(())
}

/// The stored facts row of a shipment, read inside a write transaction.
async fn stored_facts(
    tx: &mut Transaction<'static, Sqlite>,
    shipment_id: &str,
) -> StoreResult<Option<ShipmentFacts>> {
    sqlx::query("SELECT * FROM shipment_facts WHERE shipment_id = ?")
        .bind(shipment_id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(facts_from_row)
        .transpose()
}

/// Takes a shipment's facts row out of the report rollups, inside the transaction that
/// deletes the shipment (the facts row goes with it, ON DELETE CASCADE).
pub(super) async fn forget_facts(
    tx: &mut Transaction<'static, Sqlite>,
    merchant_id: &str,
    shipment_id: &str,
) -> StoreResult<()> {
    if let Some(old) = stored_facts(tx, shipment_id).await? {
        if old.merchant_id == merchant_id {
            apply_rollup(tx, &RollupDelta::between(Some(&old), None)).await?;
        }
    }
    Ok(())
}

async fn bump(
    tx: &mut Transaction<'static, Sqlite>,
    scope: &str,
    month: &str,
    wd: i64,
    n: i64,
) -> StoreResult<()> {
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
    Ok(())
}

async fn upsert_facts(tx: &mut Transaction<'static, Sqlite>, f: &ShipmentFacts) -> StoreResult<()> {
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
    .bind(flag(f.on_time))
    .bind(flag(f.eta_in_window))
    .bind(f.eta_error_days)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Database name of an ETA source.
pub(super) fn source_name(s: EtaSource) -> &'static str {
    match s {
        EtaSource::Carrier => "carrier",
        EtaSource::Predicted => "predicted",
    }
}

/// Parses an ETA source name.
pub(super) fn parse_source(s: Option<String>) -> Option<EtaSource> {
    match s.as_deref() {
        Some("carrier") => Some(EtaSource::Carrier),
        Some("predicted") => Some(EtaSource::Predicted),
        _ => None,
    }
}

fn facts_from_row(r: &SqliteRow) -> StoreResult<ShipmentFacts> {
    let bool_of = |v: Option<i64>| v.map(|v| v != 0);
    Ok(ShipmentFacts {
        shipment_id: r.try_get("shipment_id")?,
        merchant_id: r.try_get("merchant_id")?,
        carrier: codec::carrier(r.try_get("carrier")?)?,
        service: r.try_get("service")?,
        lane: r.try_get("lane")?,
        week: r.try_get("week")?,
        created_at: opt_ts(Some(r.try_get("created_at")?))
            .ok_or_else(|| StoreError::Corrupt("shipment_facts.created_at".into()))?,
        first_scan_at: opt_ts(r.try_get("first_scan_at")?),
        delivered_at: opt_ts(r.try_get("delivered_at")?),
        status: codec::status(r.try_get("status")?)?,
        transit_minutes: r.try_get("transit_minutes")?,
        transit_wd: r.try_get("transit_wd")?,
        first_scan_minutes: r.try_get("first_scan_minutes")?,
        first_attempt: r.try_get::<i64, _>("first_attempt")? != 0,
        exception: r.try_get::<i64, _>("exception")? != 0,
        returned: r.try_get::<i64, _>("returned")? != 0,
        eta_source: parse_source(r.try_get("eta_source")?),
        eta_from: opt_ts(r.try_get("eta_from")?),
        eta_to: opt_ts(r.try_get("eta_to")?),
        carrier_eta_from: opt_ts(r.try_get("carrier_eta_from")?),
        carrier_eta_to: opt_ts(r.try_get("carrier_eta_to")?),
        on_time: bool_of(r.try_get("on_time")?),
        eta_in_window: bool_of(r.try_get("eta_in_window")?),
        eta_error_days: r.try_get("eta_error_days")?,
    })
}

#[async_trait]
impl AnalyticsStore for SqliteStore {
    async fn facts_summary(&self, q: &FactsQuery) -> StoreResult<FactsSummary> {
        super::report::summary(&self.reader, q).await
    }

    async fn facts_between(
        &self,
        merchant_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ShipmentFacts>> {
        let rows = sqlx::query(
            "SELECT * FROM shipment_facts WHERE merchant_id = ? AND created_at >= ? \
             AND created_at < ? ORDER BY created_at, shipment_id",
        )
        .bind(merchant_id)
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(facts_from_row).collect()
    }

    async fn shipment_facts(&self, shipment_id: &str) -> StoreResult<Option<ShipmentFacts>> {
        let row = sqlx::query("SELECT * FROM shipment_facts WHERE shipment_id = ?")
            .bind(shipment_id)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(facts_from_row).transpose()
    }

    async fn delivered_facts(&self, before: DateTime<Utc>) -> StoreResult<Vec<ShipmentFacts>> {
        let rows = sqlx::query(
            "SELECT * FROM shipment_facts WHERE delivered_at IS NOT NULL AND delivered_at < ? \
             ORDER BY delivered_at, shipment_id",
        )
        .bind(ts(before))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(facts_from_row).collect()
    }

    async fn import_history(&self, rows: &[(Shipment, ShipmentFacts)]) -> StoreResult<()> {
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
            upsert_facts(&mut tx, f).await?;
        }
        apply_rollup(&mut tx, &delta).await?;
        let facts: Vec<ShipmentFacts> = rows.iter().map(|(_, f)| f.clone()).collect();
        for (scope, month, wd, n) in rollup_counts(&facts) {
            bump(&mut tx, &scope, &month, wd, n).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
