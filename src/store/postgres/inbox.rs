//! PostgreSQL side of the webhook inbox: the shared implementation (`store::sql::inbox`)
//! plus the claim (`FOR UPDATE SKIP LOCKED`: two processes never claim the same row, and a
//! crashed worker's lease simply expires) and the batch insert (one `UNNEST` statement per
//! batch: a round trip per body would cap group commit at the network latency).

use chrono::{DateTime, Utc};

use super::PgStore;
use crate::store::sql::inbox::{inbox_columns, inbox_impl};
use crate::store::{NewInboxItem, StoreResult};

inbox_impl!(
    PgStore,
    finished_rows: "SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id BIGINT, error TEXT)"
);

impl PgStore {
    /// The inbox claim: `FOR UPDATE SKIP LOCKED`, so two processes never claim one row.
    const CLAIM_INBOX: &'static str = concat!(
        "UPDATE webhook_inbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN (\
           SELECT id FROM webhook_inbox WHERE state = 'pending' \
           AND (locked_until IS NULL OR locked_until < $2) ORDER BY id LIMIT $3 \
           FOR UPDATE SKIP LOCKED) RETURNING ",
        inbox_columns!()
    );

    /// Stores many bodies in one statement; ids in input order.
    async fn insert_inbox_batch(&self, items: &[NewInboxItem]) -> StoreResult<Vec<i64>> {
        let carriers: Vec<&str> = items.iter().map(|i| i.carrier.as_str()).collect();
        let bodies: Vec<&[u8]> = items.iter().map(|i| i.body.as_slice()).collect();
        let remotes: Vec<Option<&str>> = items.iter().map(|i| i.remote_addr.as_deref()).collect();
        let received: Vec<DateTime<Utc>> = items.iter().map(|i| i.received_at).collect();
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO webhook_inbox (carrier, body, remote_addr, received_at) \
             SELECT carrier, body, remote_addr, received_at FROM UNNEST($1::text[], $2::bytea[], $3::text[], $4::timestamptz[]) \
             WITH ORDINALITY AS t(carrier, body, remote_addr, received_at, n) ORDER BY n RETURNING id",
        )
        .bind(&carriers)
        .bind(&bodies)
        .bind(&remotes)
        .bind(&received)
        .fetch_all(self.write())
        .await?;
        // BIGSERIAL values follow the ORDER BY n insertion order within one statement.
        ids.sort_unstable();
        Ok(ids)
    }
}
