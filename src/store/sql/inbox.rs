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
/// Marks one body done or parked.
pub const FINISH: &str = "UPDATE webhook_inbox SET state = $1, error = $2, processed_at = $3, \
     locked_until = NULL WHERE id = $4";
/// One row.
pub const BY_ID: &str = concat!(
    "SELECT ",
    inbox_columns!(),
    " FROM webhook_inbox WHERE id = $1"
);

/// Implements [`InboxStore`](crate::store::InboxStore) for a backend type with `read()`,
/// `write()`, `begin()`, the associated `CLAIM_INBOX` statement and the inherent
/// `insert_inbox_batch` and `finish_inbox_batch`.
macro_rules! inbox_impl {
    ($store:ty) => {
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
                let state = match error {
                    Some(_) => $crate::store::InboxState::Failed,
                    None => $crate::store::InboxState::Done,
                };
                sqlx::query($crate::store::sql::inbox::FINISH)
                    .bind(state.as_str())
                    .bind(error)
                    .bind($crate::store::rows::DbTime(now))
                    .bind(id)
                    .execute(self.write())
                    .await?;
                Ok(())
            }

            async fn inbox_finish_batch(
                &self,
                done: &[(i64, Option<String>)],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                self.finish_inbox_batch(done, now).await
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
