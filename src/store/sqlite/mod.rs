//! `SqliteStore`: the embedded default. One file in WAL mode with synchronous=FULL, one
//! writer connection (SQLite serializes writers anyway; one connection avoids busy retries),
//! `BEGIN IMMEDIATE` for every write transaction, and a small pool of readers.

mod analytics;
mod budget;
mod inbox;
mod outbox;
mod report;
mod shipments;
mod stale;
mod subscriptions;
mod update;

use std::str::FromStr;
use std::time::Duration;

use carriers::{Location, TrackingEvent};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use crate::store::codec;
use crate::store::*;

/// Microseconds since the epoch: how SQLite stores instants here (the one conversion
/// every SQLite file of the store uses).
pub(super) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Reads back a stored instant.
pub(super) fn from_ts(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(v).unwrap_or_default()
}

/// Reads back an optional stored instant.
pub(super) fn opt_ts(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.map(from_ts)
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

pub(super) use crate::store::rows::shipments::shipment_columns;

pub(super) fn shipment_from_row(r: &SqliteRow) -> StoreResult<Shipment> {
    Ok(Shipment {
        id: r.try_get("id")?,
        merchant_id: r.try_get("merchant_id")?,
        carrier: codec::carrier(r.try_get("carrier")?)?,
        tracking_number: r.try_get("tracking_number")?,
        order_ref: r.try_get("order_ref")?,
        service: r.try_get("service")?,
        origin_country: r.try_get("origin_country")?,
        destination_country: r.try_get("destination_country")?,
        destination_postal_code: r.try_get("destination_postal_code")?,
        language: r.try_get("language")?,
        email_hash: r.try_get("email_hash")?,
        public_token: r.try_get("public_token")?,
        status: codec::status(r.try_get("status")?)?,
        substatus: r.try_get("substatus")?,
        status_changed_at: opt_ts(r.try_get("status_changed_at")?),
        last_event_at: opt_ts(r.try_get("last_event_at")?),
        details: codec::json("details", r.try_get("details")?)?,
        eta: codec::json_opt("eta", r.try_get("eta")?)?,
        original_eta: codec::json_opt("original_eta", r.try_get("original_eta")?)?,
        next_poll_at: opt_ts(r.try_get("next_poll_at")?),
        poll_failures: r.try_get::<i64, _>("poll_failures")?.max(0) as u32,
        last_error: r.try_get("last_error")?,
        last_polled_at: opt_ts(r.try_get("last_polled_at")?),
        last_push_at: opt_ts(r.try_get("last_push_at")?),
        created_at: from_ts(r.try_get("created_at")?),
        updated_at: from_ts(r.try_get("updated_at")?),
        version: r.try_get("version")?,
    })
}

pub(super) fn event_from_row(r: &SqliteRow) -> StoreResult<TrackingEvent> {
    Ok(TrackingEvent {
        event_id: r.try_get("event_id")?,
        status: codec::status(r.try_get("status")?)?,
        substatus: r.try_get("substatus")?,
        raw_code: r.try_get("raw_code")?,
        raw_text: r.try_get("raw_text")?,
        occurred_at: from_ts(r.try_get("occurred_at")?),
        utc_offset_seconds: r.try_get::<i64, _>("utc_offset_seconds")? as i32,
        tz_source: codec::tz_source(r.try_get("tz_source")?),
        location: Location {
            text: r.try_get("location_text")?,
            postal_code: r.try_get("postal_code")?,
            country: r.try_get("country")?,
        },
    })
}
