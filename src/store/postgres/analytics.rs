//! PostgreSQL side of the analytics store: the shared facts reads and writes
//! (`store::sql::analytics`) plus what PostgreSQL does its own way: the lane history lookup
//! (`= ANY` over an array), facts upserts, lane bumps and the bulk history import as
//! `UNNEST` over column arrays. The report reads the rollups (`report.rs`).

use sqlx::Postgres;

use super::report::apply_rollup;
use super::PgStore;
use crate::domain::ShipmentFacts;
use crate::store::rows::analytics::{facts as facts_of, FactsRow};
use crate::store::sql::analytics::{
    analytics_impl, bind_facts, bind_imported, facts_writes, import_shipments_sql, upsert_facts_sql,
};
use crate::store::{Shipment, StoreResult};

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
    run!(exec conn,
        "INSERT INTO lane_transit (scope_key, month, wd, n) \
         SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::INT[], $4::BIGINT[]) \
         ON CONFLICT (scope_key, month, wd) DO UPDATE SET n = lane_transit.n + EXCLUDED.n",
        &scope, &month, &wd, &n
    );
    Ok(())
}

/// Inserts or rewrites facts rows in one statement, `UNNEST` over column arrays.
async fn upsert_facts(conn: &mut sqlx::PgConnection, rows: &[ShipmentFacts]) -> StoreResult<()> {
    macro_rules! col {
        ($f:expr) => {
            rows.iter().map($f).collect::<Vec<_>>()
        };
    }
    let query = sqlx::query(upsert_facts_sql!(
        "SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
         $6::TEXT[], $7::TIMESTAMPTZ[], $8::TIMESTAMPTZ[], $9::TIMESTAMPTZ[], $10::TEXT[], \
         $11::INT[], $12::INT[], $13::INT[], $14::INT[], $15::INT[], $16::INT[], $17::INT[], \
         $18::TEXT[], $19::TIMESTAMPTZ[], $20::TIMESTAMPTZ[], $21::TIMESTAMPTZ[], \
         $22::TIMESTAMPTZ[], $23::INT[], $24::INT[], $25::INT[])"
    ));
    bind_facts!(query, col).execute(conn).await?;
    Ok(())
}

/// Inserts a chunk of imported shipments in one statement.
async fn insert_shipments(conn: &mut sqlx::PgConnection, rows: &[&Shipment]) -> StoreResult<()> {
    macro_rules! col {
        ($f:expr) => {
            rows.iter().copied().map($f).collect::<Vec<_>>()
        };
    }
    let query = sqlx::query(import_shipments_sql!(
        "SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
         $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], \
         $12::TEXT[], $13::TIMESTAMPTZ[], $14::TIMESTAMPTZ[], $15::TEXT[], $16::TEXT[], \
         $17::TEXT[], $18::TIMESTAMPTZ[], $19::TIMESTAMPTZ[])"
    ));
    bind_imported!(query, col).execute(conn).await?;
    Ok(())
}

/// The stored facts of the rows an import is about to replace.
async fn replaced_facts(
    conn: &mut sqlx::PgConnection,
    facts: &[ShipmentFacts],
) -> StoreResult<Vec<ShipmentFacts>> {
    let ids: Vec<&str> = facts.iter().map(|f| f.shipment_id.as_str()).collect();
    let replaced: Vec<FactsRow> =
        run!(all conn, "SELECT * FROM shipment_facts WHERE shipment_id = ANY($1)", &ids);
    facts_of(replaced)
}

facts_writes!(Postgres);
analytics_impl!(PgStore, chunk: 5000);
