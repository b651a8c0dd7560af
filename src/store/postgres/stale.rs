//! PostgreSQL side of [`StaleStore`].

use async_trait::async_trait;
use carriers::TrackingEvent;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

use super::{event_from_row, shipment_columns, shipment_from_row, PgStore};
use crate::store::stale::{StaleCutoffs, StaleStore};
use crate::store::{Shipment, StoreResult};

#[async_trait]
impl StaleStore for PgStore {
    async fn stalled_candidates(&self, c: &StaleCutoffs, limit: u32) -> StoreResult<Vec<Shipment>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE status NOT IN ('delivered','returned_to_sender','cancelled','expired') \
             AND (stalled_at IS NULL OR stalled_at < updated_at) \
             AND ((status IN ('pending','info_received') AND created_at < $1) \
               OR (status NOT IN ('pending','info_received') AND last_event_at < $2)) \
             ORDER BY created_at LIMIT $3"
        ))
        .bind(c.no_first_scan_before)
        .bind(c.no_scan_since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(shipment_from_row).collect()
    }

    async fn expiry_candidates(&self, c: &StaleCutoffs, limit: u32) -> StoreResult<Vec<Shipment>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            shipment_columns!(),
            " FROM shipments WHERE status NOT IN ('delivered','returned_to_sender','cancelled','expired') \
             AND COALESCE(last_event_at, created_at) < $1 ORDER BY created_at LIMIT $2"
        ))
        .bind(c.expire_before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(shipment_from_row).collect()
    }
}

/// Marks a shipment stalled inside an update transaction unless it already is since its last
/// change; returns it with its newest event when marked now.
pub(super) async fn mark(
    tx: &mut Transaction<'static, Postgres>,
    shipment_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<(Shipment, Option<TrackingEvent>)>> {
    let marked = sqlx::query(
        "UPDATE shipments SET stalled_at = $1 WHERE id = $2 \
         AND (stalled_at IS NULL OR stalled_at < updated_at)",
    )
    .bind(now)
    .bind(shipment_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !marked {
        return Ok(None);
    }
    let row = sqlx::query(concat!(
        "SELECT ",
        shipment_columns!(),
        " FROM shipments WHERE id = $1"
    ))
    .bind(shipment_id)
    .fetch_one(&mut **tx)
    .await?;
    let latest = sqlx::query(
        "SELECT * FROM events WHERE shipment_id = $1 ORDER BY occurred_at DESC, event_id DESC LIMIT 1",
    )
    .bind(shipment_id)
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(event_from_row)
    .transpose()?;
    Ok(Some((shipment_from_row(&row)?, latest)))
}
