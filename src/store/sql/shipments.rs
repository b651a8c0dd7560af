//! Shipments, their timelines and polls: the SQL both dialects share,
//! and the [`Store`](crate::store::Store) implementation over it ([`store_impl!`]), written
//! once and expanded into each backend. What differs (migrations, the poller's claim, the
//! row lock before a delete) is an inherent method of each store in `<backend>/shipments.rs`.

use crate::store::rows::shipments::{event_columns, shipment_columns};

/// Registers a shipment; a second registration of the same merchant + carrier + number
/// inserts nothing. On PostgreSQL `ON CONFLICT DO NOTHING` waits for a concurrent insert of
/// the same key to commit, so the select that follows (a new statement, a new snapshot)
/// always finds the row.
pub const INSERT_SHIPMENT: &str = "INSERT INTO shipments (id, merchant_id, carrier, \
     tracking_number, order_ref, service, origin_country, destination_country, \
     destination_postal_code, language, email_hash, public_token, next_poll_at, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13) \
     ON CONFLICT (merchant_id, carrier, tracking_number) DO NOTHING";
/// `SELECT <shipment columns> FROM shipments WHERE <condition>`.
macro_rules! shipments_where {
    ($condition:literal) => {
        concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE ",
            $condition
        )
    };
}

/// A shipment by merchant, carrier and number.
pub const SHIPMENT_BY_NUMBER: &str =
    shipments_where!("merchant_id = $1 AND carrier = $2 AND tracking_number = $3");
/// A merchant's shipment.
pub const SHIPMENT_OF_MERCHANT: &str = shipments_where!("id = $1 AND merchant_id = $2");
/// A shipment by id.
pub const SHIPMENT_BY_ID: &str = shipments_where!("id = $1");
/// A shipment by its public token.
pub const SHIPMENT_BY_TOKEN: &str = shipments_where!("public_token = $1");
/// Replaces a merchant's shipment's public token.
pub const ROTATE_TOKEN: &str = concat!(
    "UPDATE shipments SET public_token = $1, updated_at = $2, version = version + 1 \
     WHERE id = $3 AND merchant_id = $4 RETURNING ",
    shipment_columns!()
);
/// A merchant's shipments, newest first, filtered, below a cursor.
pub const LIST_SHIPMENTS: &str = shipments_where!(
    "merchant_id = $1 \
     AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR carrier = $3) \
     AND ($4 IS NULL OR order_ref = $4) AND ($5 IS NULL OR id < $5) \
     ORDER BY id DESC LIMIT $6"
);
/// Deletes a merchant's shipment (events, status changes and facts cascade).
pub const DELETE_SHIPMENT: &str = "DELETE FROM shipments WHERE id = $1 AND merchant_id = $2";
/// Ids of every shipment tracking a carrier + number.
pub const IDS_FOR_NUMBER: &str =
    "SELECT id FROM shipments WHERE carrier = $1 AND tracking_number = $2";

/// A timeline, oldest first.
pub const TIMELINE: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE shipment_id = $1 ORDER BY occurred_at, event_id"
);
/// Recorded status changes, oldest first.
pub const STATUS_CHANGES: &str = "SELECT id, shipment_id, from_status, from_substatus, \
     to_status, to_substatus, event_id, occurred_at, recorded_at FROM status_changes \
     WHERE shipment_id = $1 ORDER BY id";

/// Records a poll result (next poll, failures, error) and releases the lease.
pub const WRITE_POLL: &str = "UPDATE shipments SET last_polled_at = $1, next_poll_at = $2, \
     poll_failures = $3, last_error = $4, lease_until = NULL WHERE id = $5";

/// Implements [`Store`](crate::store::Store) for a backend type that has `read()`,
/// `write()` and `begin()`. The backend names its migrations folder and how it locks: the
/// suffix of the poller's claim (`FOR UPDATE SKIP LOCKED` on PostgreSQL; nothing on SQLite,
/// whose conditional `UPDATE … RETURNING` runs under `BEGIN IMMEDIATE`) and of the owned-row
/// check before a delete (`FOR UPDATE`; nothing where the writer lock already guards it).
macro_rules! store_impl {
    ($store:ty, $backend:ident, $db:ident, $migrations:tt, claim_lock: $claim_lock:tt, row_lock: $row_lock:tt) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn migrate(&self) -> $crate::store::StoreResult<()> {
                self.run_migrations().await
            }

            async fn ping(&self) -> $crate::store::StoreResult<()> {
                sqlx::query("SELECT 1").execute(self.read()).await?;
                Ok(())
            }

            async fn register_shipment(
                &self,
                new: &$crate::domain::NewShipment,
                public_token: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<($crate::domain::Shipment, bool)> {
                use $crate::store::rows::shipments::{shipment, ShipmentRow};
                use $crate::store::sql::shipments::{INSERT_SHIPMENT, SHIPMENT_BY_NUMBER};
                let carrier = new.carrier.ok_or_else(|| {
                    $crate::store::StoreError::Corrupt("shipment without carrier".into())
                })?;
                let mut tx = self.begin().await?;
                let inserted = $crate::store::sql::run!(exec &mut *tx, INSERT_SHIPMENT,
                    $crate::store::new_id("shp"), &new.merchant_id, carrier.as_str(),
                    &new.tracking_number, &new.order_ref, &new.service, &new.origin_country,
                    &new.destination_country, &new.destination_postal_code, &new.language,
                    &new.email_hash, public_token, $crate::store::rows::DbTime(now)) == 1;
                let row: Option<ShipmentRow> = $crate::store::sql::run!(opt &mut *tx,
                    SHIPMENT_BY_NUMBER, &new.merchant_id, carrier.as_str(), &new.tracking_number);
                tx.commit().await?;
                let found = shipment(row)?.ok_or($crate::store::StoreError::NotFound)?;
                Ok((found, inserted))
            }

            async fn shipment(
                &self,
                merchant_id: &$crate::domain::MerchantId,
                id: &$crate::domain::ShipmentId,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Shipment>> {
                let sql = $crate::store::sql::shipments::SHIPMENT_OF_MERCHANT;
                let row = $crate::store::sql::run!(opt self.read(), sql, id, merchant_id);
                $crate::store::rows::shipments::shipment(row)
            }

            async fn shipment_by_id(
                &self,
                id: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Shipment>> {
                let sql = $crate::store::sql::shipments::SHIPMENT_BY_ID;
                self.shipment_where(sql, id).await
            }

            async fn shipment_by_token(
                &self,
                token: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Shipment>> {
                let sql = $crate::store::sql::shipments::SHIPMENT_BY_TOKEN;
                self.shipment_where(sql, token).await
            }

            async fn rotate_public_token(
                &self,
                merchant_id: &$crate::domain::MerchantId,
                id: &$crate::domain::ShipmentId,
                new_token: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Shipment>> {
                let row = $crate::store::sql::run!(opt self.write(),
                    $crate::store::sql::shipments::ROTATE_TOKEN,
                    new_token, $crate::store::rows::DbTime(now), id, merchant_id);
                $crate::store::rows::shipments::shipment(row)
            }

            async fn list_shipments(
                &self,
                merchant_id: &$crate::domain::MerchantId,
                filter: &$crate::domain::ShipmentFilter,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Shipment>> {
                let rows = $crate::store::sql::run!(all self.read(),
                    $crate::store::sql::shipments::LIST_SHIPMENTS, merchant_id,
                    filter.status.map(|s| s.as_str()), filter.carrier.map(|c| c.as_str()),
                    &filter.order_ref, &filter.before_id, i64::from(filter.limit));
                $crate::store::rows::shipments::shipments(rows)
            }

            async fn delete_shipment(
                &self,
                merchant_id: &$crate::domain::MerchantId,
                id: &$crate::domain::ShipmentId,
            ) -> $crate::store::StoreResult<bool> {
                // The row is locked first so no apply rewrites the facts in between; the
                // facts' share of the report rollups leaves in the same transaction (the
                // facts row, events and status changes go with the shipment, ON DELETE
                // CASCADE).
                let mut tx = self.begin().await?;
                if !Self::lock_owned_shipment(&mut tx, merchant_id, id).await? {
                    return Ok(false);
                }
                $crate::store::$backend::analytics::forget_facts(&mut tx, merchant_id, id).await?;
                let n = $crate::store::sql::run!(exec &mut *tx,
                    $crate::store::sql::shipments::DELETE_SHIPMENT, id, merchant_id);
                tx.commit().await?;
                Ok(n == 1)
            }

            async fn shipment_ids_for_number(
                &self,
                carrier: carriers::CarrierId,
                tracking_number: &str,
            ) -> $crate::store::StoreResult<Vec<String>> {
                let sql = $crate::store::sql::shipments::IDS_FOR_NUMBER;
                Ok(sqlx::query_scalar(sql)
                    .bind(carrier.as_str())
                    .bind(tracking_number)
                    .fetch_all(self.read())
                    .await?)
            }

            async fn events(
                &self,
                shipment_id: &str,
            ) -> $crate::store::StoreResult<Vec<carriers::TrackingEvent>> {
                let sql = $crate::store::sql::shipments::TIMELINE;
                let rows = $crate::store::sql::run!(all self.read(), sql, shipment_id);
                $crate::store::rows::shipments::events(rows)
            }

            async fn status_changes(
                &self,
                shipment_id: &str,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::StatusChangeRecord>> {
                use $crate::store::rows::shipments::StatusChangeRow;
                let sql = $crate::store::sql::shipments::STATUS_CHANGES;
                let rows: Vec<StatusChangeRow> = $crate::store::sql::run!(all self.read(), sql, shipment_id);
                rows.into_iter().map(TryFrom::try_from).collect()
            }

            fn as_dyn(&self) -> &dyn $crate::store::Store {
                self
            }

            async fn begin_update(
                &self,
            ) -> $crate::store::StoreResult<Box<dyn $crate::store::UpdateTx>> {
                Ok(Box::new($crate::store::$backend::update::Update(
                    self.begin().await?,
                )))
            }

            async fn claim_due_shipments(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                lease_until: chrono::DateTime<chrono::Utc>,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Shipment>> {
                // Nearest-to-delivery first, along the index of exactly that order; how rows
                // are locked is the backend's (`CLAIM_DUE`).
                let rows: Vec<$crate::store::rows::shipments::ShipmentRow> =
                    $crate::store::sql::claim_rows!(self, Self::CLAIM_DUE, now, lease_until, limit);
                $crate::store::rows::shipments::shipments(rows)
            }

            async fn record_poll(
                &self,
                shipment_id: &str,
                record: &$crate::store::PollRecord,
            ) -> $crate::store::StoreResult<()> {
                $crate::store::sql::shipments::write_poll!(self.write(), shipment_id, record)
            }
        }

        impl $store {
            /// The poller's claim: only rows whose lease is free, so SKIP LOCKED (where
            /// there is one) passes over rows another process is claiming right now, and a
            /// row claimed and committed meanwhile is re-checked when locked and dropped.
            const CLAIM_DUE: &'static str = concat!(
                "UPDATE shipments SET lease_until = $1 WHERE id IN (\
                   SELECT id FROM shipments WHERE next_poll_at IS NOT NULL AND next_poll_at <= $2 \
                   AND (lease_until IS NULL OR lease_until < $2) ORDER BY ",
                $crate::store::poll_priority!(),
                ", next_poll_at LIMIT $3",
                $claim_lock,
                ") RETURNING ",
                $crate::store::rows::shipments::shipment_columns!()
            );

            /// Applies pending migrations (on PostgreSQL sqlx takes an advisory lock, so
            /// several processes starting at once migrate once).
            async fn run_migrations(&self) -> $crate::store::StoreResult<()> {
                sqlx::migrate!($migrations).run(self.write()).await?;
                Ok(())
            }

            /// Locks the merchant's shipment row until commit where the backend has row
            /// locks; false when it is not theirs.
            async fn lock_owned_shipment(
                tx: &mut sqlx::Transaction<'static, sqlx::$db>,
                merchant_id: &$crate::domain::MerchantId,
                id: &$crate::domain::ShipmentId,
            ) -> $crate::store::StoreResult<bool> {
                let sql = concat!("SELECT id FROM shipments WHERE id = $1 AND merchant_id = $2", $row_lock);
                let found: Option<String> = $crate::store::sql::run!(scalar_opt &mut **tx, sql, id, merchant_id);
                Ok(found.is_some())
            }

            /// One shipment by a single key.
            async fn shipment_where(
                &self,
                sql: &'static str,
                key: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Shipment>> {
                let row = $crate::store::sql::run!(opt self.read(), sql, key);
                $crate::store::rows::shipments::shipment(row)
            }
        }
    };
}
pub(crate) use store_impl;

/// Runs [`WRITE_POLL`] for one shipment on an executor (a pool or a transaction).
macro_rules! write_poll {
    ($executor:expr, $shipment_id:expr, $record:expr) => {{
        let record: &$crate::store::PollRecord = $record;
        $crate::store::sql::run!(exec $executor, $crate::store::sql::shipments::WRITE_POLL,
            $crate::store::rows::DbTime(record.now),
            $crate::store::rows::DbTime::opt(record.next_poll_at),
            $crate::store::rows::DbCount(record.failures), &record.error, $shipment_id);
        Ok(())
    }};
}
pub(crate) use write_poll;
