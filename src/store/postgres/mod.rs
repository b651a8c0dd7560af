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
mod outbox;
mod report;
mod stale;
mod subscriptions;
mod update;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use carriers::{CarrierId, Location, TrackingEvent};
use chrono::{DateTime, Utc};
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

/// The inbox columns, for the same reason.
macro_rules! inbox_columns {
    () => {
        "id, carrier, body, remote_addr, received_at, state, attempts, error"
    };
}

/// A non-negative count as stored in an `INTEGER` column.
fn to_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

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

fn merchant_from_row(r: &PgRow) -> StoreResult<Merchant> {
    Ok(Merchant {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        settings: codec::json("settings", r.try_get("settings")?)?,
        created_at: r.try_get("created_at")?,
    })
}

fn inbox_from_row(r: &PgRow) -> StoreResult<InboxItem> {
    let state: String = r.try_get("state")?;
    Ok(InboxItem {
        id: r.try_get("id")?,
        carrier: codec::carrier(r.try_get("carrier")?)?,
        body: r.try_get("body")?,
        remote_addr: r.try_get("remote_addr")?,
        received_at: r.try_get("received_at")?,
        state: InboxState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("inbox state {state:?}")))?,
        attempts: to_u32(r.try_get("attempts")?),
        error: r.try_get("error")?,
    })
}

fn status_change_from_row(r: &PgRow) -> StoreResult<StatusChangeRecord> {
    Ok(StatusChangeRecord {
        id: r.try_get("id")?,
        shipment_id: r.try_get("shipment_id")?,
        from_status: codec::status(r.try_get("from_status")?)?,
        from_substatus: r.try_get("from_substatus")?,
        to_status: codec::status(r.try_get("to_status")?)?,
        to_substatus: r.try_get("to_substatus")?,
        event_id: r.try_get("event_id")?,
        occurred_at: r.try_get("occurred_at")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

pub(super) async fn upsert_event(
    tx: &mut Transaction<'static, Postgres>,
    shipment_id: &str,
    e: &TrackingEvent,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO events (shipment_id, event_id, status, substatus, raw_code, raw_text, \
         occurred_at, utc_offset_seconds, tz_source, location_text, postal_code, country, received_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) \
         ON CONFLICT (shipment_id, event_id) DO UPDATE SET raw_text = EXCLUDED.raw_text, \
         occurred_at = EXCLUDED.occurred_at, utc_offset_seconds = EXCLUDED.utc_offset_seconds, \
         tz_source = EXCLUDED.tz_source, location_text = EXCLUDED.location_text, \
         postal_code = EXCLUDED.postal_code, country = EXCLUDED.country",
    )
    .bind(shipment_id)
    .bind(&e.event_id)
    .bind(e.status.as_str())
    .bind(&e.substatus)
    .bind(&e.raw_code)
    .bind(&e.raw_text)
    .bind(e.occurred_at)
    .bind(e.utc_offset_seconds)
    .bind(e.tz_source.as_str())
    .bind(&e.location.text)
    .bind(&e.location.postal_code)
    .bind(&e.location.country)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl Store for PgStore {
    async fn migrate(&self) -> StoreResult<()> {
        // sqlx takes an advisory lock, so several processes starting at once migrate once.
        sqlx::migrate!("./migrations/postgres")
            .run(self.write())
            .await?;
        Ok(())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(self.read()).await?;
        Ok(())
    }

    async fn create_merchant(&self, name: &str, now: DateTime<Utc>) -> StoreResult<Merchant> {
        let m = Merchant {
            id: crate::store::new_id("mer"),
            name: name.to_string(),
            settings: MerchantSettings::default(),
            created_at: now,
        };
        sqlx::query("INSERT INTO merchants (id, name, settings, created_at) VALUES ($1,$2,$3,$4)")
            .bind(&m.id)
            .bind(&m.name)
            .bind(codec::to_json(&m.settings))
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(m)
    }

    async fn add_api_key(
        &self,
        merchant_id: &str,
        key_hash: &str,
        prefix: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (key_hash, merchant_id, prefix, created_at) VALUES ($1,$2,$3,$4)",
        )
        .bind(key_hash)
        .bind(merchant_id)
        .bind(prefix)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn merchant_by_key_hash(&self, key_hash: &str) -> StoreResult<Option<Merchant>> {
        let row = sqlx::query(
            "SELECT m.id, m.name, m.settings, m.created_at FROM api_keys k \
             JOIN merchants m ON m.id = k.merchant_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(merchant_from_row).transpose()
    }

    async fn merchant(&self, id: &str) -> StoreResult<Option<Merchant>> {
        let row = sqlx::query("SELECT id, name, settings, created_at FROM merchants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(merchant_from_row).transpose()
    }

    async fn update_merchant_settings(
        &self,
        id: &str,
        settings: &MerchantSettings,
    ) -> StoreResult<()> {
        let done = sqlx::query("UPDATE merchants SET settings = $1 WHERE id = $2")
            .bind(codec::to_json(settings))
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn register_shipment(
        &self,
        new: &NewShipment,
        public_token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(Shipment, bool)> {
        let carrier = new
            .carrier
            .ok_or_else(|| StoreError::Corrupt("shipment without carrier".into()))?;
        let id = crate::store::new_id("shp");
        // ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit, so
        // the SELECT that follows (a new statement, a new snapshot) always finds the row.
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO shipments (id, merchant_id, carrier, tracking_number, order_ref, service, \
             origin_country, destination_country, destination_postal_code, language, email_hash, \
             public_token, next_poll_at, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13,$13) \
             ON CONFLICT (merchant_id, carrier, tracking_number) DO NOTHING",
        )
        .bind(&id)
        .bind(&new.merchant_id)
        .bind(carrier.as_str())
        .bind(&new.tracking_number)
        .bind(&new.order_ref)
        .bind(&new.service)
        .bind(&new.origin_country)
        .bind(&new.destination_country)
        .bind(&new.destination_postal_code)
        .bind(&new.language)
        .bind(&new.email_hash)
        .bind(public_token)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let row = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE merchant_id = $1 AND carrier = $2 AND tracking_number = $3"
        ))
        .bind(&new.merchant_id)
        .bind(carrier.as_str())
        .bind(&new.tracking_number)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((shipment_from_row(&row)?, inserted))
    }

    async fn shipment(&self, merchant_id: &str, id: &str) -> StoreResult<Option<Shipment>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE id = $1 AND merchant_id = $2"
        ))
        .bind(id)
        .bind(merchant_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(shipment_from_row).transpose()
    }

    async fn shipment_by_id(&self, id: &str) -> StoreResult<Option<Shipment>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(shipment_from_row).transpose()
    }

    async fn shipment_by_token(&self, token: &str) -> StoreResult<Option<Shipment>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE public_token = $1"
        ))
        .bind(token)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(shipment_from_row).transpose()
    }

    async fn rotate_public_token(
        &self,
        merchant_id: &str,
        id: &str,
        new_token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Shipment>> {
        let row = sqlx::query(concat!(
            "UPDATE shipments SET public_token = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND merchant_id = $4 RETURNING ",
            shipment_columns!()
        ))
        .bind(new_token)
        .bind(now)
        .bind(id)
        .bind(merchant_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(shipment_from_row).transpose()
    }

    async fn list_shipments(
        &self,
        merchant_id: &str,
        filter: &ShipmentFilter,
    ) -> StoreResult<Vec<Shipment>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE merchant_id = $1 \
             AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR carrier = $3) \
             AND ($4::text IS NULL OR order_ref = $4) AND ($5::text IS NULL OR id < $5) \
             ORDER BY id DESC LIMIT $6"
        ))
        .bind(merchant_id)
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.carrier.map(|c| c.as_str()))
        .bind(&filter.order_ref)
        .bind(&filter.before_id)
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(shipment_from_row).collect()
    }

    async fn delete_shipment(&self, merchant_id: &str, id: &str) -> StoreResult<bool> {
        // Events, status changes and facts go with it (ON DELETE CASCADE); the facts' share
        // of the report rollups leaves in the same transaction, after the shipment row is
        // locked so no apply rewrites the facts in between.
        let mut tx = self.begin().await?;
        let found =
            sqlx::query("SELECT id FROM shipments WHERE id = $1 AND merchant_id = $2 FOR UPDATE")
                .bind(id)
                .bind(merchant_id)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            return Ok(false);
        }
        self::analytics::forget_facts(&mut tx, merchant_id, id).await?;
        let n = sqlx::query("DELETE FROM shipments WHERE id = $1 AND merchant_id = $2")
            .bind(id)
            .bind(merchant_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    async fn shipment_ids_for_number(
        &self,
        carrier: CarrierId,
        tracking_number: &str,
    ) -> StoreResult<Vec<String>> {
        let rows =
            sqlx::query("SELECT id FROM shipments WHERE carrier = $1 AND tracking_number = $2")
                .bind(carrier.as_str())
                .bind(tracking_number)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    async fn events(&self, shipment_id: &str) -> StoreResult<Vec<TrackingEvent>> {
        let rows = sqlx::query(
            "SELECT * FROM events WHERE shipment_id = $1 ORDER BY occurred_at, event_id",
        )
        .bind(shipment_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn status_changes(&self, shipment_id: &str) -> StoreResult<Vec<StatusChangeRecord>> {
        let rows = sqlx::query("SELECT * FROM status_changes WHERE shipment_id = $1 ORDER BY id")
            .bind(shipment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(status_change_from_row).collect()
    }

    fn as_dyn(&self) -> &dyn Store {
        self
    }

    async fn begin_update(&self) -> StoreResult<Box<dyn UpdateTx>> {
        Ok(Box::new(self::update::PgUpdate(self.pool.begin().await?)))
    }

    async fn claim_due_shipments(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Shipment>> {
        // One statement, so one implicit transaction. SKIP LOCKED passes over rows another
        // process is claiming right now; a row claimed and committed meanwhile is re-checked
        // against the lease condition when locked (READ COMMITTED) and dropped.
        // Nearest-to-delivery first: out for delivery and waiting parcels before the rest.
        let rows = sqlx::query(concat!(
            "UPDATE shipments SET lease_until = $1 WHERE id IN (\
               SELECT id FROM shipments WHERE next_poll_at IS NOT NULL AND next_poll_at <= $2 \
               AND (lease_until IS NULL OR lease_until < $2) \
               ORDER BY ",
            crate::store::poll_priority!(),
            ", next_poll_at LIMIT $3 \
               FOR UPDATE SKIP LOCKED) \
             RETURNING ",
            shipment_columns!()
        ))
        .bind(lease_until)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(shipment_from_row).collect()
    }

    async fn record_poll(&self, shipment_id: &str, record: &PollRecord) -> StoreResult<()> {
        write_poll(&self.pool, shipment_id, record).await
    }

    async fn inbox_insert(&self, item: &NewInboxItem) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO webhook_inbox (carrier, body, remote_addr, received_at) \
             VALUES ($1,$2,$3,$4) RETURNING id",
        )
        .bind(item.carrier.as_str())
        .bind(&item.body)
        .bind(&item.remote_addr)
        .bind(item.received_at)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    async fn inbox_claim(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<InboxItem>> {
        let rows = sqlx::query(concat!(
            "UPDATE webhook_inbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN (\
               SELECT id FROM webhook_inbox WHERE state = 'pending' \
               AND (locked_until IS NULL OR locked_until < $2) ORDER BY id LIMIT $3 \
               FOR UPDATE SKIP LOCKED) \
             RETURNING ",
            inbox_columns!()
        ))
        .bind(lease_until)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut items = rows
            .iter()
            .map(inbox_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        items.sort_by_key(|i| i.id);
        Ok(items)
    }

    async fn inbox_finish(
        &self,
        id: i64,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let state = if error.is_some() {
            InboxState::Failed
        } else {
            InboxState::Done
        };
        sqlx::query(
            "UPDATE webhook_inbox SET state = $1, error = $2, processed_at = $3, \
             locked_until = NULL WHERE id = $4",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn inbox_item(&self, id: i64) -> StoreResult<Option<InboxItem>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            inbox_columns!(),
            " FROM webhook_inbox WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }
}

/// Records a poll result (next poll, failures, error) and releases the lease.
pub(super) async fn write_poll<'c, E: sqlx::Executor<'c, Database = Postgres>>(
    conn: E,
    shipment_id: &str,
    record: &PollRecord,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE shipments SET last_polled_at = $1, next_poll_at = $2, poll_failures = $3, \
         last_error = $4, lease_until = NULL WHERE id = $5",
    )
    .bind(record.now)
    .bind(record.next_poll_at)
    .bind(to_i32(record.failures))
    .bind(&record.error)
    .bind(shipment_id)
    .execute(conn)
    .await?;
    Ok(())
}
