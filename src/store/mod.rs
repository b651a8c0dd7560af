//! Storage: the `Store` trait (with its smaller supertraits, one per concern) and its two
//! backends, SQLite (embedded default) and PostgreSQL (production, several gateway
//! processes), chosen by the database URL scheme. Both run one shared core: row types in
//! `rows/`, SQL and trait implementations written once in `sql/`; `sqlite/` and `postgres/`
//! keep only what differs. The store stores the rows it is handed: merging, ETAs, plans and
//! facts are decided above it (`tracking`, `domain`).

/// The poller's claim order as SQL: nearest-to-delivery classes first. Both backends index
/// this exact expression (migrations `0009_poll_priority.sql`) so a claim reads only what it
/// returns; keep the three in step.
macro_rules! poll_priority {
    () => {
        "(CASE status WHEN 'out_for_delivery' THEN 0 WHEN 'failed_attempt' THEN 1 \
         WHEN 'available_for_pickup' THEN 2 ELSE 3 END)"
    };
}
pub(crate) use poll_priority;

pub mod analytics;
pub mod budget;
pub mod callbacks;
pub(crate) mod codec;
pub mod inbox;
pub mod merchants;
pub mod notify;
pub mod rows;
#[macro_use]
mod sql;
mod model;
pub mod postgres;
pub use crate::domain::rollup;
pub mod sqlite;
pub mod stale;
pub mod update;

use std::sync::Arc;

use async_trait::async_trait;
use carriers::{CarrierId, TrackingEvent};
use chrono::{DateTime, Utc};

pub use analytics::AnalyticsStore;
pub use callbacks::{
    Delivery, DeliveryAttempt, DeliveryFilter, DeliveryState, NewSubscription, OutboxStore,
    Subscription, SubscriptionPatch, SubscriptionStore,
};
pub use inbox::InboxStore;
pub use merchants::MerchantStore;
pub use model::*;
pub use update::{LaneBump, UpdateTx};

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no (connection, constraint, syntax).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back (corrupt JSON, unknown enum name).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database URL is not one we support.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The thing to change does not exist.
    #[error("not found")]
    NotFound,
}

/// Result alias for the store.
pub type StoreResult<T> = Result<T, StoreError>;

/// Where an update came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateSource {
    /// The poller asked the carrier.
    Poll,
    /// The carrier pushed it (webhook or feed).
    Push,
}

/// Everything the gateway persists. One contract test suite runs against both implementations.
#[async_trait]
pub trait Store:
    SubscriptionStore
    + OutboxStore
    + AnalyticsStore
    + budget::BudgetStore
    + inbox::InboxStore
    + merchants::MerchantStore
    + stale::StaleStore
    + notify::NotifyStore
    + Send
    + Sync
{
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Checks the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Registers a shipment; the same merchant + carrier + number returns the existing one
    /// (`false` = not newly created).
    async fn register_shipment(
        &self,
        new: &NewShipment,
        public_token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(Shipment, bool)>;
    /// A merchant's shipment (None for another merchant's).
    async fn shipment(
        &self,
        merchant_id: &crate::domain::MerchantId,
        id: &crate::domain::ShipmentId,
    ) -> StoreResult<Option<Shipment>>;
    /// A shipment by id, whoever owns it (internal use: poller, inbox).
    async fn shipment_by_id(&self, id: &str) -> StoreResult<Option<Shipment>>;
    /// A shipment by its public tracking token.
    async fn shipment_by_token(&self, token: &str) -> StoreResult<Option<Shipment>>;
    /// Replaces a merchant's shipment's public token (revoking the old one); returns the
    /// updated shipment, None when it is not theirs or absent.
    async fn rotate_public_token(
        &self,
        merchant_id: &crate::domain::MerchantId,
        id: &crate::domain::ShipmentId,
        new_token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Shipment>>;
    /// A merchant's shipments, newest first, with filters and a cursor.
    async fn list_shipments(
        &self,
        merchant_id: &crate::domain::MerchantId,
        filter: &ShipmentFilter,
    ) -> StoreResult<Vec<Shipment>>;
    /// Deletes a merchant's shipment and its timeline; false when it was not theirs or absent.
    async fn delete_shipment(
        &self,
        merchant_id: &crate::domain::MerchantId,
        id: &crate::domain::ShipmentId,
    ) -> StoreResult<bool>;
    /// Ids of every shipment (any merchant) tracking this carrier + number.
    async fn shipment_ids_for_number(
        &self,
        carrier: CarrierId,
        tracking_number: &str,
    ) -> StoreResult<Vec<String>>;

    /// The timeline, oldest first.
    async fn events(&self, shipment_id: &str) -> StoreResult<Vec<TrackingEvent>>;
    /// Recorded status changes, oldest first.
    async fn status_changes(&self, shipment_id: &str) -> StoreResult<Vec<StatusChangeRecord>>;

    /// This store as a trait object (the tracking pipeline runs over `&dyn Store`).
    fn as_dyn(&self) -> &dyn Store;

    /// Opens the write transaction of one carrier update (`tracking::apply_update`).
    async fn begin_update(&self) -> StoreResult<Box<dyn UpdateTx>>;

    /// Claims up to `limit` shipments due for polling, leasing them until `lease_until`.
    async fn claim_due_shipments(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Shipment>>;
    /// Records a poll's result, schedules the next one and releases the lease.
    async fn record_poll(&self, shipment_id: &str, record: &PollRecord) -> StoreResult<()>;
}

/// Opens the store a URL names: `sqlite://…` or `postgres://…`.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// A URL with any password replaced, for error messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// A new time-ordered id with a type prefix (`shp_…`): UUIDv7, so ids sort by creation time
/// and serve as paging cursors.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}
