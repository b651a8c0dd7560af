//! The write transaction of the tracking pipeline (`tracking::apply`): the steps of one
//! carrier update, each run by the backend inside a single database transaction. The store
//! stores the rows it is handed; merging, ETAs, callback plans and facts are decided above it.

use async_trait::async_trait;
use carriers::TrackingEvent;
use chrono::{DateTime, Utc};

use super::{PollRecord, StoreResult};
use crate::domain::notification::Channel;
use crate::domain::notify_plan::PlannedMessage;
use crate::domain::outbox::OutboxRow;
use crate::domain::subscription::Subscription;
use crate::domain::{LaneHistory, LaneKey, Shipment, ShipmentFacts, StatusChange, Written};

/// A lane rollup bump: `(scope key, month, working days)`, one delivery each.
pub type LaneBump = (String, String, i64);

/// One open write transaction (object-safe, so the pipeline is written once for both
/// backends). Nothing is visible to others before [`commit`](UpdateTx::commit); dropping it
/// uncommitted rolls everything back.
#[async_trait]
pub trait UpdateTx: Send {
    /// The shipment with its timeline, locked against concurrent updates until commit
    /// (`FOR UPDATE` on PostgreSQL; SQLite's single writer under `BEGIN IMMEDIATE`).
    async fn lock_shipment(
        &mut self,
        shipment_id: &str,
    ) -> StoreResult<Option<(Shipment, Vec<TrackingEvent>)>>;
    /// Records that the carrier pushed an update for it, when nothing else changed.
    async fn touch_push(&mut self, shipment_id: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Inserts new events and rewrites enriched ones.
    async fn upsert_events(
        &mut self,
        shipment_id: &str,
        events: &[TrackingEvent],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Records a status change; returns its sequence number.
    async fn insert_status_change(
        &mut self,
        shipment_id: &str,
        change: &StatusChange,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Writes the shipment's columns after the apply (`push_at`: the push being applied).
    async fn write_shipment(
        &mut self,
        shipment_id: &str,
        written: &Written,
        push_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The merchant's enabled callback subscriptions.
    async fn enabled_subscriptions(&mut self, merchant_id: &str) -> StoreResult<Vec<Subscription>>;
    /// Inserts planned outbox rows (each gets the next per-shipment sequence number).
    async fn insert_outbox(
        &mut self,
        shipment_id: &str,
        rows: &[OutboxRow],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The merchant's settings as committed (defaults when it is gone), read where shopper
    /// messages are planned, so a switch turned off in another process counts at once.
    async fn merchant_settings(
        &mut self,
        merchant_id: &str,
    ) -> StoreResult<crate::domain::MerchantSettings>;
    /// The channels the shipment has shopper contacts for (none without contact data).
    async fn contact_channels(&mut self, shipment_id: &str) -> StoreResult<Vec<Channel>>;
    /// Enqueues planned shopper messages for a status change (each with a fresh id and
    /// `Message-ID`, due when planned); the same trigger and channel for one change (or once
    /// per shipment) is planned once, and planning it again only brings it forward.
    async fn insert_messages(
        &mut self,
        shipment: &Shipment,
        planned: &[PlannedMessage],
        change_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Drops the shipment's queued, never-attempted messages of these triggers (made moot by
    /// the change being applied).
    async fn drop_queued_messages(
        &mut self,
        shipment_id: &str,
        triggers: &[crate::domain::notification::Trigger],
    ) -> StoreResult<()>;
    /// The delivered history of a lane's scopes since `since_month` (`YYYY-MM`).
    async fn lane_history(&mut self, key: &LaneKey, since_month: &str) -> StoreResult<LaneHistory>;
    /// Rewrites the shipment's facts row, moves its share of the report rollups from the old
    /// row to the new one, and bumps the lane rollup for a delivery.
    async fn write_facts(&mut self, facts: &ShipmentFacts, bumps: &[LaneBump]) -> StoreResult<()>;
    /// Records a poll (next poll, failures, error) and releases the lease.
    async fn write_poll(&mut self, shipment_id: &str, record: &PollRecord) -> StoreResult<()>;
    /// Marks a shipment stalled unless it already is since its last change; returns the
    /// shipment and its newest event when it was marked now.
    async fn mark_stalled(
        &mut self,
        shipment_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Shipment, Option<TrackingEvent>)>>;
    /// Announces, inside the transaction, that cached views of this shipment are stale:
    /// `pg_notify` on PostgreSQL (delivered to other processes only if the transaction
    /// commits); nothing on SQLite, where one process owns the database.
    async fn publish_invalidation(&mut self, shipment_id: &str) -> StoreResult<()>;
    /// Commits.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// The channel cache invalidations are published on (PostgreSQL `NOTIFY`).
pub const INVALIDATION_CHANNEL: &str = "parcelgate_invalidate";
