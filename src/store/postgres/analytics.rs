//! PostgreSQL side of the analytics store: the shared facts reads and writes
//! (`store::sql::analytics`) plus what PostgreSQL does its own way: the lane history lookup
//! (`= ANY` over an array), facts upserts, lane bumps and the bulk history import as
//! `UNNEST` over column arrays. The report reads the rollups (`report.rs`).

use sqlx::{Postgres, Row, Transaction};

use super::report::apply_rollup;
use super::PgStore;
use crate::domain::lane::{Histogram, LaneHistory, LaneKey};
use crate::domain::rollup::RollupDelta;
use crate::domain::ShipmentFacts;
use crate::store::analytics::*;
use crate::store::rows::analytics::{facts as facts_of, source_name, FactsRow};
use crate::store::sql::analytics::{analytics_impl, facts_writes};
use crate::store::{codec, Shipment, StoreResult};

/// The delivered history of a lane's scopes since `since` (`YYYY-MM`).
pub(super) async fn lane_history(
    tx: &mut Transaction<'static, Postgres>,
    key: &LaneKey,
    since: &str,
) -> StoreResult<LaneHistory> {
    let scopes = key.scopes();
    let keys: Vec<String> = scopes.iter().map(|(_, k)| k.clone()).collect();
    let rows = sqlx::query(
        "SELECT scope_key, wd, SUM(n)::BIGINT AS n FROM lane_transit \
         WHERE scope_key = ANY($1) AND month >= $2 GROUP BY scope_key, wd",
    )
    .bind(&keys)
    .bind(since)
    .fetch_all(&mut **tx)
    .await?;
    let mut levels: Vec<(_, Histogram)> = scopes
        .iter()
        .map(|(s, _)| (*s, Histogram::default()))
        .collect();
    for r in &rows {
        let scope: String = r.try_get("scope_key")?;
        let wd: i32 = r.try_get("wd")?;
        let n: i64 = r.try_get("n")?;
        if let Some(i) = keys.iter().position(|k| *k == scope) {
            levels[i].1.add(wd.max(0) as u32, n.max(0) as u64);
        }
    }
    Ok(LaneHistory { levels })
}

fn i32_of(v: Option<i64>) -> Option<i32> {
    v.map(|v| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
}

/// Adds deliveries to the lane rollup: `(scope key, month, working days, deliveries)`.
async fn bump_lanes(
    conn: &mut sqlx::PgConnection,
    rows: &[(String, String, i64, i64)],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let scope: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let month: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let wd: Vec<i32> = rows
        .iter()
        .map(|r| i32_of(Some(r.2)).unwrap_or(0))
        .collect();
    let n: Vec<i64> = rows.iter().map(|r| r.3).collect();
    // Sorted keys (rollup_counts sorts; single bumps come in scope order) so concurrent
    // deliveries lock rollup rows in one order and cannot deadlock.
    sqlx::query(
        "INSERT INTO lane_transit (scope_key, month, wd, n) \
         SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::INT[], $4::BIGINT[]) \
         ON CONFLICT (scope_key, month, wd) DO UPDATE SET n = lane_transit.n + EXCLUDED.n",
    )
    .bind(&scope)
    .bind(&month)
    .bind(&wd)
    .bind(&n)
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts or rewrites facts rows in one statement (the carrier's first announced window
/// is kept).
async fn upsert_facts(conn: &mut sqlx::PgConnection, rows: &[ShipmentFacts]) -> StoreResult<()> {
    macro_rules! col {
        ($f:expr) => {
            rows.iter().map($f).collect::<Vec<_>>()
        };
    }
    sqlx::query(
        "INSERT INTO shipment_facts (shipment_id, merchant_id, carrier, service, lane, week, \
         created_at, first_scan_at, delivered_at, status, transit_minutes, transit_wd, \
         first_scan_minutes, delivered, first_attempt, exception, returned, eta_source, eta_from, \
         eta_to, carrier_eta_from, carrier_eta_to, on_time, eta_in_window, eta_error_days) \
         SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
         $6::TEXT[], $7::TIMESTAMPTZ[], $8::TIMESTAMPTZ[], $9::TIMESTAMPTZ[], $10::TEXT[], \
         $11::INT[], $12::INT[], $13::INT[], $14::INT[], $15::INT[], $16::INT[], $17::INT[], \
         $18::TEXT[], $19::TIMESTAMPTZ[], $20::TIMESTAMPTZ[], $21::TIMESTAMPTZ[], \
         $22::TIMESTAMPTZ[], $23::INT[], $24::INT[], $25::INT[]) \
         ON CONFLICT (shipment_id) DO UPDATE SET service = EXCLUDED.service, \
         lane = EXCLUDED.lane, first_scan_at = EXCLUDED.first_scan_at, \
         delivered_at = EXCLUDED.delivered_at, status = EXCLUDED.status, \
         transit_minutes = EXCLUDED.transit_minutes, transit_wd = EXCLUDED.transit_wd, \
         first_scan_minutes = EXCLUDED.first_scan_minutes, delivered = EXCLUDED.delivered, \
         first_attempt = EXCLUDED.first_attempt, exception = EXCLUDED.exception, \
         returned = EXCLUDED.returned, eta_source = EXCLUDED.eta_source, \
         eta_from = EXCLUDED.eta_from, eta_to = EXCLUDED.eta_to, on_time = EXCLUDED.on_time, \
         carrier_eta_from = COALESCE(shipment_facts.carrier_eta_from, EXCLUDED.carrier_eta_from), \
         carrier_eta_to = COALESCE(shipment_facts.carrier_eta_to, EXCLUDED.carrier_eta_to), \
         eta_in_window = EXCLUDED.eta_in_window, eta_error_days = EXCLUDED.eta_error_days",
    )
    .bind(col!(|f| f.shipment_id.clone()))
    .bind(col!(|f| f.merchant_id.clone()))
    .bind(col!(|f| f.carrier.as_str().to_string()))
    .bind(col!(|f| f.service.clone()))
    .bind(col!(|f| f.lane.clone()))
    .bind(col!(|f| f.week.clone()))
    .bind(col!(|f| f.created_at))
    .bind(col!(|f| f.first_scan_at))
    .bind(col!(|f| f.delivered_at))
    .bind(col!(|f| f.status.as_str().to_string()))
    .bind(col!(|f| i32_of(f.transit_minutes)))
    .bind(col!(|f| i32_of(f.transit_wd)))
    .bind(col!(|f| i32_of(f.first_scan_minutes)))
    .bind(col!(|f| i32::from(f.delivered())))
    .bind(col!(|f| i32::from(f.first_attempt)))
    .bind(col!(|f| i32::from(f.exception)))
    .bind(col!(|f| i32::from(f.returned)))
    .bind(col!(|f| f.eta_source.map(|s| source_name(s).to_string())))
    .bind(col!(|f| f.eta_from))
    .bind(col!(|f| f.eta_to))
    .bind(col!(|f| f.carrier_eta_from))
    .bind(col!(|f| f.carrier_eta_to))
    .bind(col!(|f| f.on_time.map(i32::from)))
    .bind(col!(|f| f.eta_in_window.map(i32::from)))
    .bind(col!(|f| i32_of(f.eta_error_days)))
    .execute(conn)
    .await?;
    Ok(())
}

facts_writes!(Postgres);
analytics_impl!(PgStore);

impl PgStore {
    /// The carrier report's sums (`report.rs`).
    async fn summary(&self, q: &FactsQuery) -> StoreResult<FactsSummary> {
        super::report::summary(self.read(), q).await
    }

    /// Bulk-writes finished shipments with their facts and rollup counts, `UNNEST` over
    /// column arrays, a few thousand rows per statement.
    async fn import(&self, rows: &[(Shipment, ShipmentFacts)]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // One delta for the whole call, written once at the end: sorted keys, like a single
        // apply, so an import and concurrent applies lock rollup rows in the same order.
        let mut delta = RollupDelta::default();
        for chunk in rows.chunks(5000) {
            macro_rules! col {
                ($f:expr) => {
                    chunk.iter().map(|(s, _)| s).map($f).collect::<Vec<_>>()
                };
            }
            sqlx::query(
                "INSERT INTO shipments (id, merchant_id, carrier, tracking_number, service, \
                 origin_country, destination_country, destination_postal_code, public_token, \
                 status, substatus, status_changed_at, last_event_at, details, eta, original_eta, \
                 created_at, updated_at) \
                 SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
                 $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], \
                 $12::TIMESTAMPTZ[], $13::TIMESTAMPTZ[], $14::TEXT[], $15::TEXT[], $16::TEXT[], \
                 $17::TIMESTAMPTZ[], $18::TIMESTAMPTZ[]) ON CONFLICT DO NOTHING",
            )
            .bind(col!(|s| s.id.clone()))
            .bind(col!(|s| s.merchant_id.clone()))
            .bind(col!(|s| s.carrier.as_str().to_string()))
            .bind(col!(|s| s.tracking_number.clone()))
            .bind(col!(|s| s.service.clone()))
            .bind(col!(|s| s.origin_country.clone()))
            .bind(col!(|s| s.destination_country.clone()))
            .bind(col!(|s| s.destination_postal_code.clone()))
            .bind(col!(|s| s.public_token.clone()))
            .bind(col!(|s| s.status.as_str().to_string()))
            .bind(col!(|s| s.substatus.clone()))
            .bind(col!(|s| s.status_changed_at))
            .bind(col!(|s| s.last_event_at))
            .bind(col!(|s| codec::to_json(&s.details)))
            .bind(col!(|s| s.eta.as_ref().map(codec::to_json)))
            .bind(col!(|s| s.original_eta.as_ref().map(codec::to_json)))
            .bind(col!(|s| s.created_at))
            .bind(col!(|s| s.updated_at))
            .execute(&mut *tx)
            .await?;
            let facts: Vec<ShipmentFacts> = chunk.iter().map(|(_, f)| f.clone()).collect();
            // Rows replaced (re-imported ids) leave the rollups before the new ones enter.
            let ids: Vec<&str> = facts.iter().map(|f| f.shipment_id.as_str()).collect();
            let replaced: Vec<FactsRow> =
                sqlx::query_as("SELECT * FROM shipment_facts WHERE shipment_id = ANY($1)")
                    .bind(&ids)
                    .fetch_all(&mut *tx)
                    .await?;
            for old in facts_of(replaced)? {
                delta.add(&old, -1);
            }
            for f in &facts {
                delta.add(f, 1);
            }
            upsert_facts(&mut tx, &facts).await?;
        }
        apply_rollup(&mut tx, &delta).await?;
        let facts: Vec<ShipmentFacts> = rows.iter().map(|(_, f)| f.clone()).collect();
        bump_lanes(&mut tx, &rollup_counts(&facts)).await?;
        tx.commit().await?;
        Ok(())
    }
}
