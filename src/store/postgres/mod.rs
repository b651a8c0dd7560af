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
mod outbox;
mod report;
mod shipments;
mod stale;
mod subscriptions;
mod update;

use std::str::FromStr;
use std::time::Duration;

use carriers::{Location, TrackingEvent};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use crate::store::codec;
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

pub(super) use crate::store::rows::shipments::shipment_columns;

/// An `INTEGER` count read back (negative values cannot be written; clamp anyway).
fn to_u32(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

pub(super) fn shipment_from_row(r: &PgRow) -> StoreResult<Shipment> {
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
        status_changed_at: r.try_get("status_changed_at")?,
        last_event_at: r.try_get("last_event_at")?,
        details: codec::json("details", r.try_get("details")?)?,
        eta: codec::json_opt("eta", r.try_get("eta")?)?,
        original_eta: codec::json_opt("original_eta", r.try_get("original_eta")?)?,
        next_poll_at: r.try_get("next_poll_at")?,
        poll_failures: to_u32(r.try_get("poll_failures")?),
        last_error: r.try_get("last_error")?,
        last_polled_at: r.try_get("last_polled_at")?,
        last_push_at: r.try_get("last_push_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

pub(super) fn event_from_row(r: &PgRow) -> StoreResult<TrackingEvent> {
    Ok(TrackingEvent {
        event_id: r.try_get("event_id")?,
        status: codec::status(r.try_get("status")?)?,
        substatus: r.try_get("substatus")?,
        raw_code: r.try_get("raw_code")?,
        raw_text: r.try_get("raw_text")?,
        occurred_at: r.try_get("occurred_at")?,
        utc_offset_seconds: r.try_get("utc_offset_seconds")?,
        tz_source: codec::tz_source(r.try_get("tz_source")?),
        location: Location {
            text: r.try_get("location_text")?,
            postal_code: r.try_get("postal_code")?,
            country: r.try_get("country")?,
        },
    })
}
