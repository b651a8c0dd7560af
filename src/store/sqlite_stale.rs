//! SQLite side of [`StaleStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::sqlite::{event_from_row, shipment_columns, shipment_from_row, SqliteStore};
use super::sqlite_subs::{self as subs, ts};
use super::stale::{plan_stalled, StaleCutoffs, StaleStore};
use super::{Shipment, StoreResult};

#[async_trait]
impl StaleStore for SqliteStore {
    async fn stalled_candidates(&self, c: &StaleCutoffs, limit: u32) -> StoreResult<Vec<Shipment>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE status NOT IN ('delivered','returned_to_sender','cancelled','expired') \
             AND (stalled_at IS NULL OR stalled_at < updated_at) \
             AND ((status IN ('pending','info_received') AND created_at < ?1) \
               OR (status NOT IN ('pending','info_received') AND last_event_at < ?2)) \
             ORDER BY created_at LIMIT ?3"
        ))
        .bind(ts(c.no_first_scan_before))
        .bind(ts(c.no_scan_since))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(shipment_from_row).collect()
    }

    async fn mark_stalled(&self, shipment_id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let marked = sqlx::query(
            "UPDATE shipments SET stalled_at = ?1 WHERE id = ?2 \
             AND (stalled_at IS NULL OR stalled_at < updated_at)",
        )
        .bind(ts(now))
        .bind(shipment_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if marked {
            let row = sqlx::query(concat!(
                "SELECT ",
                shipment_columns!(),
                " FROM shipments WHERE id = ?"
            ))
            .bind(shipment_id)
            .fetch_one(&mut *tx)
            .await?;
            let shipment = shipment_from_row(&row)?;
            let subscriptions = subs::enabled_for_merchant(&mut tx, &shipment.merchant_id).await?;
            let latest = sqlx::query(
                "SELECT * FROM events WHERE shipment_id = ? ORDER BY occurred_at DESC, event_id DESC LIMIT 1",
            )
            .bind(shipment_id)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(event_from_row)
            .transpose()?;
            let rows = plan_stalled(&subscriptions, &shipment, latest.as_ref(), now);
            super::sqlite_outbox::insert_rows(&mut tx, shipment_id, &rows, now).await?;
        }
        tx.commit().await?;
        Ok(marked)
    }

    async fn expiry_candidates(&self, c: &StaleCutoffs, limit: u32) -> StoreResult<Vec<Shipment>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE status NOT IN ('delivered','returned_to_sender','cancelled','expired') \
             AND COALESCE(last_event_at, created_at) < ?1 ORDER BY created_at LIMIT ?2"
        ))
        .bind(ts(c.expire_before))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(shipment_from_row).collect()
    }
}
