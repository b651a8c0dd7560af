//! `SqliteStore`: the embedded default. One file in WAL mode with synchronous=FULL, one
//! writer connection (SQLite serializes writers anyway; one connection avoids busy retries),
//! `BEGIN IMMEDIATE` for every write transaction, and a small pool of readers.

/// Runs `$sql` once per row of `$rows` on `$conn` (an expression giving a connection),
/// its parameters bound by a column binder such as `bind_facts!` with each column closure
/// applied to the row: SQLite writes a batch as single-row statements inside the caller's
/// transaction, which costs one fsync at commit, not one per row.
macro_rules! each_row {
    ($conn:expr, $rows:expr, $sql:expr, $binder:ident) => {
        for row in $rows {
            macro_rules! one {
                ($f:expr) => {
                    ($f)(row)
                };
            }
            $binder!(sqlx::query($sql), one).execute($conn).await?;
        }
    };
}

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

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::store::*;

/// Microseconds since the epoch: how SQLite stores instants here (the one conversion
/// every SQLite file of the store uses).
pub(super) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The SQLite implementation of [`Store`].
pub struct SqliteStore {
    pub(super) writer: SqlitePool,
    pub(super) reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file a `sqlite://` URL names.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.read_only(false))
            .await?;
        Ok(SqliteStore { writer, reader })
    }

    /// A write transaction: `BEGIN IMMEDIATE` on the single writer, so it holds SQLite's
    /// write lock from the start instead of failing to upgrade later.
    pub(crate) async fn begin(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The pool reads go to (shared SQL in `store::sql` uses this name on both backends).
    pub(crate) fn read(&self) -> &SqlitePool {
        &self.reader
    }

    /// The pool single-statement writes go to: the one writer connection.
    pub(crate) fn write(&self) -> &SqlitePool {
        &self.writer
    }
}
