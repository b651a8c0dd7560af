//! SQLite side of the analytics store: the shared facts reads and writes
//! (`store::sql::analytics`) plus what SQLite does its own way: the lane history lookup,
//! facts upserts and lane bumps one row at a time, and the bulk history import. The report
//! reads the rollups (`report.rs`); every facts write moves the row's share of them.

use sqlx::{Sqlite, Transaction};

use super::report::apply_rollup;
use super::SqliteStore;
use crate::domain::ShipmentFacts;
use crate::store::sql::analytics::{
    analytics_impl, bind_facts, bind_imported, facts_writes, import_shipments_sql, upsert_facts_sql,
};
use crate::store::{Shipment, StoreResult};

/// Adds deliveries to the lane rollup: `(scope key, month, working days, deliveries)`.
async fn bump_lanes(
    tx: &mut Transaction<'static, Sqlite>,
    counts: &[(String, String, i64, i64)],
) -> StoreResult<()> {
    for (scope, month, wd, n) in counts {
        run!(exec &mut **tx,
            "INSERT INTO lane_transit (scope_key, month, wd, n) VALUES (?,?,?,?) \
         ON CONFLICT (scope_key, month, wd) DO UPDATE SET n = n + excluded.n",
            scope, month, wd, n
        );
    }
    Ok(())
}

/// Inserts or rewrites facts rows, one statement each.
async fn upsert_facts(
    tx: &mut Transaction<'static, Sqlite>,
    rows: &[ShipmentFacts],
) -> StoreResult<()> {
    let sql = upsert_facts_sql!(
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22, $23, $24, $25)"
    );
    each_row!(&mut **tx, rows, sql, bind_facts);
    Ok(())
}

/// Inserts a chunk of imported shipments, one statement each.
async fn insert_shipments(
    tx: &mut Transaction<'static, Sqlite>,
    rows: &[&Shipment],
) -> StoreResult<()> {
    let sql = import_shipments_sql!(
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19)"
    );
    each_row!(&mut **tx, rows.iter().copied(), sql, bind_imported);
    Ok(())
}

/// The stored facts of the rows an import is about to replace.
async fn replaced_facts(
    tx: &mut Transaction<'static, Sqlite>,
    facts: &[ShipmentFacts],
) -> StoreResult<Vec<ShipmentFacts>> {
    let mut replaced = Vec::new();
    for f in facts {
        replaced.extend(stored_facts(tx, &f.shipment_id).await?);
    }
    Ok(replaced)
}

facts_writes!(Sqlite);
analytics_impl!(SqliteStore, chunk: 500);
