//! `PgStore`: PostgreSQL, for production and several gateway processes sharing one database.
//!
//! Native types throughout (`TIMESTAMPTZ` bound as `DateTime<Utc>`, `BIGINT`, `BYTEA`). Every
//! merge runs in one transaction that first takes `SELECT … FOR UPDATE` on the shipment row,
//! so concurrent applies to one shipment serialize instead of both recording the same status
//! change. Polls and inbox rows are claimed with `UPDATE … WHERE id IN (SELECT … FOR UPDATE
//! SKIP LOCKED) RETURNING …`: two processes never claim the same row, and a crashed worker's
//! lease simply expires.
//!
//! Ids (`shp_` + UUIDv7 hex) and event ids (`ev_` + hex) are fixed-format lowercase ASCII, so
//! every collation orders them bytewise and `ORDER BY id` pages the same as on SQLite.

mod analytics;
mod budget;
mod inbox;
mod notify;
mod outbox;
mod report;
mod shipments;
mod stale;
mod subscriptions;
mod update;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use crate::store::*;

/// Connections per process unless the caller asks for another number.
pub const DEFAULT_POOL_SIZE: u32 = 16;

/// The PostgreSQL implementation of [`Store`].
pub struct PgStore {
    pub(super) pool: PgPool,
}

impl PgStore {
    /// Connects to the database a `postgres://` URL names, with [`DEFAULT_POOL_SIZE`] connections.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with_pool_size(url, DEFAULT_POOL_SIZE).await
    }

    /// Connects with at most `max_connections` pooled connections.
    pub async fn connect_with_pool_size(url: &str, max_connections: u32) -> StoreResult<Self> {
        let opts = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(PgStore { pool })
    }

    /// A write transaction (row locks are taken by the statements inside it).
    pub(crate) async fn begin(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// The pool reads go to (shared SQL in `store::sql` uses this name on both backends).
    pub(crate) fn read(&self) -> &PgPool {
        &self.pool
    }

    /// The pool single-statement writes go to.
    pub(crate) fn write(&self) -> &PgPool {
        &self.pool
    }
}
