//! The carrier webhook inbox: bodies stored before their 2xx (group-committed in batches),
//! claimed with leases by the inbox worker, and marked done or parked with their error.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{InboxItem, NewInboxItem, StoreResult};

/// Webhook inbox storage, implemented by both backends (a supertrait of
/// [`Store`](super::Store)).
#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Stores a carrier webhook body before it is acknowledged.
    async fn inbox_insert(&self, item: &NewInboxItem) -> StoreResult<i64>;
    /// Stores many bodies in one transaction (group commit); ids in input order.
    async fn inbox_insert_batch(&self, items: &[NewInboxItem]) -> StoreResult<Vec<i64>>;
    /// Claims unprocessed webhook bodies, oldest first, leasing them until `lease_until`.
    async fn inbox_claim(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<InboxItem>>;
    /// Marks a webhook body processed, or parked with its error.
    async fn inbox_finish(
        &self,
        id: i64,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Marks many bodies (done, or parked with their error) in one transaction.
    async fn inbox_finish_batch(
        &self,
        done: &[(i64, Option<String>)],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// One inbox row (operators, tests).
    async fn inbox_item(&self, id: i64) -> StoreResult<Option<InboxItem>>;
}
