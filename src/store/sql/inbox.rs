//! The webhook inbox: SQL both dialects share and the [`InboxStore`](crate::store::InboxStore)
//! implementation over it ([`inbox_impl!`]). The claim (`FOR UPDATE SKIP LOCKED` against a
//! conditional update under `BEGIN IMMEDIATE`) and the batch writes (`UNNEST` against a loop
//! in one transaction) are inherent methods of each store in `<backend>/inbox.rs`.

/// The inbox columns.
macro_rules! inbox_columns {
    () => {
        "id, carrier, body, remote_addr, received_at, state, attempts, error"
    };
}
pub(crate) use inbox_columns;

/// Stores one body.
pub const INSERT: &str = "INSERT INTO webhook_inbox (carrier, body, remote_addr, received_at) \
     VALUES ($1, $2, $3, $4) RETURNING id";
/// One row.
pub const BY_ID: &str = concat!(
    "SELECT ",
    inbox_columns!(),
    " FROM webhook_inbox WHERE id = $1"
);

/// Marks a batch of bodies done or parked in one statement. `$rows` turns `$1`, a JSON array
/// of `{"id", "error"}` objects, into rows `t(id, error)` (`jsonb_to_recordset` on
/// PostgreSQL, `json_each` on SQLite): one statement whatever the batch size, where a round
/// trip per body would cap group commit at the network latency.
macro_rules! finish_batch_sql {
    ($rows:expr) => {
        concat!(
            "UPDATE webhook_inbox SET \
             state = CASE WHEN t.error IS NULL THEN 'done' ELSE 'failed' END, \
             error = t.error, processed_at = $2, locked_until = NULL FROM (",
            $rows,
            ") AS t WHERE webhook_inbox.id = t.id"
        )
    };
}
pub(crate) use finish_batch_sql;

/// Implements [`InboxStore`](crate::store::InboxStore) for a backend type with `read()`,
/// `write()`, `begin()`, the associated `CLAIM_INBOX` statement and the inherent
/// `insert_inbox_batch`; `finished_rows` is the backend's JSON row source of
/// [`finish_batch_sql!`].
macro_rules! inbox_impl {
    ($store:ty, finished_rows: $finished_rows:tt) => {
        #[async_trait::async_trait]
        impl $crate::store::InboxStore for $store {
            async fn inbox_insert(
                &self,
                item: &$crate::store::NewInboxItem,
            ) -> $crate::store::StoreResult<i64> {
                Ok(sqlx::query_scalar($crate::store::sql::inbox::INSERT)
                    .bind(item.carrier.as_str())
                    .bind(&item.body)
                    .bind(&item.remote_addr)
                    .bind($crate::store::rows::DbTime(item.received_at))
                    .fetch_one(self.write())
                    .await?)
            }

            async fn inbox_insert_batch(
                &self,
                items: &[$crate::store::NewInboxItem],
            ) -> $crate::store::StoreResult<Vec<i64>> {
                self.insert_inbox_batch(items).await
            }

            async fn inbox_claim(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                lease_until: chrono::DateTime<chrono::Utc>,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::InboxItem>> {
                let rows: Vec<$crate::store::rows::shipments::InboxRow> =
                    $crate::store::sql::claim_rows!(self, Self::CLAIM_INBOX, now, lease_until, limit);
                let mut items = rows
                    .into_iter()
                    .map($crate::store::InboxItem::try_from)
                    .collect::<$crate::store::StoreResult<Vec<_>>>()?;
                items.sort_by_key(|i| i.id);
                Ok(items)
            }

            async fn inbox_finish(
                &self,
                id: i64,
                error: Option<&str>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                self.inbox_finish_batch(&[(id, error.map(str::to_string))], now)
                    .await
            }

            async fn inbox_finish_batch(
                &self,
                done: &[(i64, Option<String>)],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                let rows: Vec<serde_json::Value> = done
                    .iter()
                    .map(|(id, error)| serde_json::json!({ "id": id, "error": error }))
                    .collect();
                sqlx::query($crate::store::sql::inbox::finish_batch_sql!($finished_rows))
                    .bind(serde_json::Value::Array(rows).to_string())
                    .bind($crate::store::rows::DbTime(now))
                    .execute(self.write())
                    .await?;
                Ok(())
            }

            async fn inbox_item(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<Option<$crate::store::InboxItem>> {
                let row: Option<$crate::store::rows::shipments::InboxRow> =
                    sqlx::query_as($crate::store::sql::inbox::BY_ID)
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?;
                row.map(TryFrom::try_from).transpose()
            }
        }
    };
}
pub(crate) use inbox_impl;
