//! `SqliteStore`: the embedded default. One file in WAL mode with synchronous=FULL, one
//! writer connection (SQLite serializes writers anyway; one connection avoids busy retries),
//! `BEGIN IMMEDIATE` for every write transaction, and a small pool of readers.

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

fn merchant_from_row(r: &SqliteRow) -> StoreResult<Merchant> {
    Ok(Merchant {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        settings: codec::json("settings", r.try_get("settings")?)?,
        created_at: from_ts(r.try_get("created_at")?),
    })
}

fn inbox_from_row(r: &SqliteRow) -> StoreResult<InboxItem> {
    let state: String = r.try_get("state")?;
    Ok(InboxItem {
        id: r.try_get("id")?,
        carrier: codec::carrier(r.try_get("carrier")?)?,
        body: r.try_get("body")?,
        remote_addr: r.try_get("remote_addr")?,
        received_at: from_ts(r.try_get("received_at")?),
        state: InboxState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("inbox state {state:?}")))?,
        attempts: r.try_get::<i64, _>("attempts")?.max(0) as u32,
        error: r.try_get("error")?,
    })
}

pub(super) async fn upsert_event(
    tx: &mut Transaction<'static, Sqlite>,
    shipment_id: &str,
    e: &TrackingEvent,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO events (shipment_id, event_id, status, substatus, raw_code, raw_text, \
         occurred_at, utc_offset_seconds, tz_source, location_text, postal_code, country, received_at) \
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) \
         ON CONFLICT (shipment_id, event_id) DO UPDATE SET raw_text = excluded.raw_text, \
         occurred_at = excluded.occurred_at, utc_offset_seconds = excluded.utc_offset_seconds, \
         tz_source = excluded.tz_source, location_text = excluded.location_text, \
         postal_code = excluded.postal_code, country = excluded.country",
    )
    .bind(shipment_id)
    .bind(&e.event_id)
    .bind(e.status.as_str())
    .bind(&e.substatus)
    .bind(&e.raw_code)
    .bind(&e.raw_text)
    .bind(ts(e.occurred_at))
    .bind(e.utc_offset_seconds as i64)
    .bind(e.tz_source.as_str())
    .bind(&e.location.text)
    .bind(&e.location.postal_code)
    .bind(&e.location.country)
    .bind(ts(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/sqlite")
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
        sqlx::query("INSERT INTO merchants (id, name, settings, created_at) VALUES (?,?,?,?)")
            .bind(&m.id)
            .bind(&m.name)
            .bind(codec::to_json(&m.settings))
            .bind(ts(now))
            .execute(&self.writer)
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
            "INSERT INTO api_keys (key_hash, merchant_id, prefix, created_at) VALUES (?,?,?,?)",
        )
        .bind(key_hash)
        .bind(merchant_id)
        .bind(prefix)
        .bind(ts(now))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn merchant_by_key_hash(&self, key_hash: &str) -> StoreResult<Option<Merchant>> {
        let row = sqlx::query(
            "SELECT m.id, m.name, m.settings, m.created_at FROM api_keys k \
             JOIN merchants m ON m.id = k.merchant_id WHERE k.key_hash = ? AND k.revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(merchant_from_row).transpose()
    }

    async fn merchant(&self, id: &str) -> StoreResult<Option<Merchant>> {
        let row = sqlx::query("SELECT id, name, settings, created_at FROM merchants WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(merchant_from_row).transpose()
    }

    async fn update_merchant_settings(
        &self,
        id: &str,
        settings: &MerchantSettings,
    ) -> StoreResult<()> {
        let done = sqlx::query("UPDATE merchants SET settings = ? WHERE id = ?")
            .bind(codec::to_json(settings))
            .bind(id)
            .execute(&self.writer)
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
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO shipments (id, merchant_id, carrier, tracking_number, order_ref, service, \
             origin_country, destination_country, destination_postal_code, language, email_hash, \
             public_token, next_poll_at, created_at, updated_at) \
             VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) \
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
        .bind(ts(now))
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let row = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE merchant_id = ? AND carrier = ? AND tracking_number = ?"
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
            " FROM shipments WHERE id = ? AND merchant_id = ?"
        ))
        .bind(id)
        .bind(merchant_id)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(shipment_from_row).transpose()
    }

    async fn shipment_by_id(&self, id: &str) -> StoreResult<Option<Shipment>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(shipment_from_row).transpose()
    }

    async fn shipment_by_token(&self, token: &str) -> StoreResult<Option<Shipment>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE public_token = ?"
        ))
        .bind(token)
        .fetch_optional(&self.reader)
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
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!(
            "UPDATE shipments SET public_token = ?, updated_at = ?, version = version + 1 \
             WHERE id = ? AND merchant_id = ? RETURNING ",
            shipment_columns!()
        ))
        .bind(new_token)
        .bind(ts(now))
        .bind(id)
        .bind(merchant_id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
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
            " FROM shipments WHERE merchant_id = ? \
             AND (? IS NULL OR status = ?) AND (? IS NULL OR carrier = ?) \
             AND (? IS NULL OR order_ref = ?) AND (? IS NULL OR id < ?) \
             ORDER BY id DESC LIMIT ?"
        ))
        .bind(merchant_id)
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.carrier.map(|c| c.as_str()))
        .bind(filter.carrier.map(|c| c.as_str()))
        .bind(&filter.order_ref)
        .bind(&filter.order_ref)
        .bind(&filter.before_id)
        .bind(&filter.before_id)
        .bind(filter.limit as i64)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(shipment_from_row).collect()
    }

    async fn delete_shipment(&self, merchant_id: &str, id: &str) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        // The facts row goes with the shipment (ON DELETE CASCADE); its share of the report
        // rollups leaves in the same transaction.
        self::analytics::forget_facts(&mut tx, merchant_id, id).await?;
        let n = sqlx::query("DELETE FROM shipments WHERE id = ? AND merchant_id = ?")
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
            sqlx::query("SELECT id FROM shipments WHERE carrier = ? AND tracking_number = ?")
                .bind(carrier.as_str())
                .bind(tracking_number)
                .fetch_all(&self.reader)
                .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    async fn events(&self, shipment_id: &str) -> StoreResult<Vec<TrackingEvent>> {
        let rows = sqlx::query(
            "SELECT * FROM events WHERE shipment_id = ? ORDER BY occurred_at, event_id",
        )
        .bind(shipment_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn status_changes(&self, shipment_id: &str) -> StoreResult<Vec<StatusChangeRecord>> {
        let rows = sqlx::query("SELECT * FROM status_changes WHERE shipment_id = ? ORDER BY id")
            .bind(shipment_id)
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(StatusChangeRecord {
                    id: r.try_get("id")?,
                    shipment_id: r.try_get("shipment_id")?,
                    from_status: codec::status(r.try_get("from_status")?)?,
                    from_substatus: r.try_get("from_substatus")?,
                    to_status: codec::status(r.try_get("to_status")?)?,
                    to_substatus: r.try_get("to_substatus")?,
                    event_id: r.try_get("event_id")?,
                    occurred_at: from_ts(r.try_get("occurred_at")?),
                    recorded_at: from_ts(r.try_get("recorded_at")?),
                })
            })
            .collect()
    }

    fn as_dyn(&self) -> &dyn Store {
        self
    }

    async fn begin_update(&self) -> StoreResult<Box<dyn UpdateTx>> {
        Ok(Box::new(self::update::SqliteUpdate(self.begin().await?)))
    }

    async fn claim_due_shipments(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Shipment>> {
        let mut tx = self.begin().await?;
        // Nearest-to-delivery first: out for delivery and waiting parcels before the rest.
        let rows = sqlx::query(concat!(
            "UPDATE shipments SET lease_until = ? WHERE id IN (\
               SELECT id FROM shipments WHERE next_poll_at IS NOT NULL AND next_poll_at <= ? \
               AND (lease_until IS NULL OR lease_until < ?) \
               ORDER BY ",
            crate::store::poll_priority!(),
            ", next_poll_at LIMIT ?) \
             RETURNING ",
            shipment_columns!(),
            ""
        ))
        .bind(ts(lease_until))
        .bind(ts(now))
        .bind(ts(now))
        .bind(limit as i64)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter().map(shipment_from_row).collect()
    }

    async fn record_poll(&self, shipment_id: &str, record: &PollRecord) -> StoreResult<()> {
        write_poll(&self.writer, shipment_id, record).await
    }

    async fn inbox_insert(&self, item: &NewInboxItem) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO webhook_inbox (carrier, body, remote_addr, received_at) VALUES (?,?,?,?) RETURNING id",
        )
        .bind(item.carrier.as_str())
        .bind(&item.body)
        .bind(&item.remote_addr)
        .bind(ts(item.received_at))
        .fetch_one(&self.writer)
        .await?;
        Ok(row.try_get("id")?)
    }

    async fn inbox_claim(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<InboxItem>> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query(
            "UPDATE webhook_inbox SET locked_until = ?, attempts = attempts + 1 WHERE id IN (\
               SELECT id FROM webhook_inbox WHERE state = 'pending' \
               AND (locked_until IS NULL OR locked_until < ?) ORDER BY id LIMIT ?) \
             RETURNING *",
        )
        .bind(ts(lease_until))
        .bind(ts(now))
        .bind(limit as i64)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
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
            "UPDATE webhook_inbox SET state = ?, error = ?, processed_at = ?, locked_until = NULL WHERE id = ?",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(ts(now))
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn inbox_item(&self, id: i64) -> StoreResult<Option<InboxItem>> {
        let row = sqlx::query("SELECT * FROM webhook_inbox WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }
}

/// Records a poll result (next poll, failures, error) and releases the lease.
pub(super) async fn write_poll<'c, E: sqlx::Executor<'c, Database = Sqlite>>(
    conn: E,
    shipment_id: &str,
    record: &PollRecord,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE shipments SET last_polled_at = ?, next_poll_at = ?, poll_failures = ?, \
         last_error = ?, lease_until = NULL WHERE id = ?",
    )
    .bind(ts(record.now))
    .bind(record.next_poll_at.map(ts))
    .bind(record.failures as i64)
    .bind(&record.error)
    .bind(shipment_id)
    .execute(conn)
    .await?;
    Ok(())
}
