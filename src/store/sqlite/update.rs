//! SQLite side of [`UpdateTx`]: one `BEGIN IMMEDIATE` transaction on the single writer
//! connection, so the shipment is "locked" by SQLite's writer lock for the whole update.

use async_trait::async_trait;
use carriers::TrackingEvent;
use chrono::{DateTime, Utc};
use sqlx::{Sqlite, Transaction};

use super::{event_from_row, shipment_columns, shipment_from_row, ts, write_poll};
use crate::domain::outbox::OutboxRow;
use crate::domain::subscription::Subscription;
use crate::domain::{LaneHistory, LaneKey, Shipment, ShipmentFacts, StatusChange, Written};
use crate::store::update::{LaneBump, UpdateTx};
use crate::store::{codec, PollRecord, StoreResult};

/// An open SQLite write transaction of the tracking pipeline.
pub struct SqliteUpdate(pub(super) Transaction<'static, Sqlite>);

#[async_trait]
impl UpdateTx for SqliteUpdate {
    async fn lock_shipment(
        &mut self,
        shipment_id: &str,
    ) -> StoreResult<Option<(Shipment, Vec<TrackingEvent>)>> {
        let tx = &mut self.0;
        let Some(row) = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE id = ?"
        ))
        .bind(shipment_id)
        .fetch_optional(&mut **tx)
        .await?
        else {
            return Ok(None);
        };
        let shipment = shipment_from_row(&row)?;
        let events = sqlx::query("SELECT * FROM events WHERE shipment_id = ?")
            .bind(shipment_id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(event_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some((shipment, events)))
    }

    async fn touch_push(&mut self, shipment_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE shipments SET last_push_at = ? WHERE id = ?")
            .bind(ts(at))
            .bind(shipment_id)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn upsert_events(
        &mut self,
        shipment_id: &str,
        events: &[TrackingEvent],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        for e in events {
            super::upsert_event(&mut self.0, shipment_id, e, now).await?;
        }
        Ok(())
    }

    async fn insert_status_change(
        &mut self,
        shipment_id: &str,
        c: &StatusChange,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO status_changes (shipment_id, from_status, from_substatus, to_status, \
             to_substatus, event_id, occurred_at, recorded_at) VALUES (?,?,?,?,?,?,?,?) \
             RETURNING id",
        )
        .bind(shipment_id)
        .bind(c.from_status.as_str())
        .bind(&c.from_substatus)
        .bind(c.to_status.as_str())
        .bind(&c.to_substatus)
        .bind(&c.event_id)
        .bind(ts(c.occurred_at))
        .bind(ts(now))
        .fetch_one(&mut *self.0)
        .await?)
    }

    async fn write_shipment(
        &mut self,
        shipment_id: &str,
        written: &Written,
        push_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE shipments SET status = ?, substatus = ?, status_changed_at = ?, last_event_at = ?, \
             details = ?, eta = ?, original_eta = ?, next_poll_at = ?, \
             last_push_at = COALESCE(?, last_push_at), updated_at = ?, version = version + 1 WHERE id = ?",
        )
        .bind(written.status.as_str())
        .bind(&written.substatus)
        .bind(written.status_changed_at.map(ts))
        .bind(written.last_event_at.map(ts))
        .bind(codec::to_json(&written.details))
        .bind(written.eta.as_ref().map(codec::to_json))
        .bind(written.original_eta.as_ref().map(codec::to_json))
        .bind(written.next_poll_at.map(ts))
        .bind(push_at.map(ts))
        .bind(ts(now))
        .bind(shipment_id)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    async fn enabled_subscriptions(&mut self, merchant_id: &str) -> StoreResult<Vec<Subscription>> {
        super::subscriptions::enabled_for_merchant(&mut self.0, merchant_id).await
    }

    async fn insert_outbox(
        &mut self,
        shipment_id: &str,
        rows: &[OutboxRow],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        super::outbox::insert_rows(&mut self.0, shipment_id, rows, now).await
    }

    async fn lane_history(&mut self, key: &LaneKey, since: &str) -> StoreResult<LaneHistory> {
        super::analytics::lane_history(&mut self.0, key, since).await
    }

    async fn write_facts(&mut self, facts: &ShipmentFacts, bumps: &[LaneBump]) -> StoreResult<()> {
        super::analytics::record_facts(&mut self.0, facts, bumps).await
    }

    async fn write_poll(&mut self, shipment_id: &str, record: &PollRecord) -> StoreResult<()> {
        write_poll(&mut *self.0, shipment_id, record).await
    }

    async fn mark_stalled(
        &mut self,
        shipment_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Shipment, Option<TrackingEvent>)>> {
        super::stale::mark(&mut self.0, shipment_id, now).await
    }

    async fn publish_invalidation(&mut self, _shipment_id: &str) -> StoreResult<()> {
        // One process owns a SQLite database: its own caches are evicted after commit.
        Ok(())
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.0.commit().await?;
        Ok(())
    }
}
