//! SQLite side of the webhook inbox: the shared implementation (`store::sql::inbox`) plus
//! the claim (a conditional `UPDATE … RETURNING` under `BEGIN IMMEDIATE`), the batch
//! insert (one statement per body, one transaction per batch: one fsync for the batch) and
//! the `json_each` rows of the batch finish.

use super::SqliteStore;
use crate::store::rows::DbTime;
use crate::store::sql::inbox::{inbox_columns, inbox_impl, INSERT};
use crate::store::{NewInboxItem, StoreResult};

inbox_impl!(
    SqliteStore,
    finished_rows: "SELECT json_extract(value, '$.id') AS id, \
                    json_extract(value, '$.error') AS error FROM json_each($1)"
);

impl SqliteStore {
    /// The inbox claim: a conditional `UPDATE … RETURNING` under `BEGIN IMMEDIATE`.
    const CLAIM_INBOX: &'static str = concat!(
        "UPDATE webhook_inbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN (\
           SELECT id FROM webhook_inbox WHERE state = 'pending' \
           AND (locked_until IS NULL OR locked_until < $2) ORDER BY id LIMIT $3) RETURNING ",
        inbox_columns!()
    );

    /// Stores many bodies in one transaction; ids in input order.
    async fn insert_inbox_batch(&self, items: &[NewInboxItem]) -> StoreResult<Vec<i64>> {
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(items.len());
        for item in items {
            let id: i64 = run!(scalar &mut *tx,
                INSERT, item.carrier.as_str(), &item.body, &item.remote_addr,
                DbTime(item.received_at)
            );
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }
}
