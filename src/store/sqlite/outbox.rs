//! SQLite: the callback outbox. Rows are written inside `apply_snapshot`'s transaction
//! ([`enqueue_changes`]), claimed with a conditional `UPDATE … RETURNING` lease, and finished
//! in batches (one transaction per batch of attempts, so throughput does not pay one fsync
//! per delivery).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use super::subscriptions::{self as subs, from_ts, ts};
use super::{event_from_row, shipment_columns, shipment_from_row, SqliteStore};
use crate::store::callbacks::*;
use crate::store::{codec, StatusChangeRecord, StoreError, StoreResult};

macro_rules! delivery_columns {
    () => {
        "id, subscription_id, shipment_id, seq, status_change_id, event_type, webhook_id, \
         payload, state, attempts, next_attempt_at, last_status, last_error, created_at, finished_at"
    };
}

fn delivery_from_row(r: &SqliteRow) -> StoreResult<Delivery> {
    let state: String = r.try_get("state")?;
    Ok(Delivery {
        id: r.try_get("id")?,
        subscription_id: r.try_get("subscription_id")?,
        shipment_id: r.try_get("shipment_id")?,
        seq: r.try_get("seq")?,
        status_change_id: r.try_get("status_change_id")?,
        event_type: r.try_get("event_type")?,
        webhook_id: r.try_get("webhook_id")?,
        payload: r.try_get("payload")?,
        state: DeliveryState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("delivery state {state:?}")))?,
        attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(0),
        next_attempt_at: from_ts(r.try_get("next_attempt_at")?),
        last_status: r
            .try_get::<Option<i64>, _>("last_status")?
            .and_then(|v| u16::try_from(v).ok()),
        last_error: r.try_get("last_error")?,
        created_at: from_ts(r.try_get("created_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(from_ts),
    })
}

pub(super) async fn insert_rows(
    tx: &mut Transaction<'static, Sqlite>,
    shipment_id: &str,
    rows: &[OutboxRow],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for row in rows {
        sqlx::query(
            "INSERT INTO deliveries (id, subscription_id, shipment_id, seq, status_change_id, \
             event_type, webhook_id, payload, next_attempt_at, created_at) VALUES (?1, ?2, ?3, \
             (SELECT COALESCE(MAX(seq), 0) + 1 FROM deliveries WHERE subscription_id = ?2 \
              AND shipment_id = ?3), ?4, ?5, ?6, ?7, ?8, ?8)",
        )
        .bind(crate::store::new_id("dlv"))
        .bind(&row.subscription_id)
        .bind(shipment_id)
        .bind(row.status_change_id)
        .bind(row.event_type)
        .bind(crate::store::new_id("msg"))
        .bind(&row.payload)
        .bind(ts(now))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn change_from_row(r: &SqliteRow) -> StoreResult<StatusChangeRecord> {
    Ok(StatusChangeRecord {
        id: r.try_get("id")?,
        shipment_id: r.try_get("shipment_id")?,
        from_status: codec::status(r.try_get("from_status")?)?,
        from_substatus: r.try_get("from_substatus")?,
        to_status: codec::status(r.try_get("to_status")?)?,
        to_substatus: r.try_get("to_substatus")?,
        event_id: r.try_get("event_id")?,
        occurred_at: from_ts(r.try_get("occurred_at")?),
        recorded_at: from_ts(r.try_get("recorded_at")?),
    })
}

#[async_trait]
impl CallbackStore for SqliteStore {
    async fn create_subscription(
        &self,
        new: &NewSubscription,
        now: DateTime<Utc>,
    ) -> StoreResult<Subscription> {
        subs::create(self, new, now).await
    }

    async fn subscription(&self, merchant_id: &str, id: &str) -> StoreResult<Option<Subscription>> {
        subs::get(self, Some(merchant_id), id).await
    }

    async fn subscription_by_id(&self, id: &str) -> StoreResult<Option<Subscription>> {
        subs::get(self, None, id).await
    }

    async fn list_subscriptions(&self, merchant_id: &str) -> StoreResult<Vec<Subscription>> {
        subs::list(self, merchant_id).await
    }

    async fn update_subscription(
        &self,
        merchant_id: &str,
        id: &str,
        patch: &SubscriptionPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Subscription>> {
        subs::update(self, merchant_id, id, patch, now).await
    }

    async fn delete_subscription(&self, merchant_id: &str, id: &str) -> StoreResult<bool> {
        subs::delete(self, merchant_id, id).await
    }

    async fn rotate_subscription_secret(
        &self,
        merchant_id: &str,
        id: &str,
        new_secret: &str,
        previous_valid_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Subscription>> {
        subs::rotate(self, merchant_id, id, new_secret, previous_valid_until, now).await
    }

    async fn disable_subscription(
        &self,
        id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        subs::disable(self, id, reason, now).await
    }

    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        per_subscription: u32,
        in_flight: &[(String, u32)],
    ) -> StoreResult<Vec<Delivery>> {
        let mut tx = self.begin().await?;
        // Each subscription's oldest claimable delivery, by the (subscription, due) index.
        // Leased rows do not count: a subscription whose due rows another process holds
        // must not take a share of this claim it cannot use.
        let due = sqlx::query(
            "SELECT s.id, (SELECT MIN(d.next_attempt_at) FROM deliveries d \
               WHERE d.subscription_id = s.id AND d.state = 'pending' \
               AND (d.locked_until IS NULL OR d.locked_until < ?1)) AS due \
             FROM subscriptions s WHERE s.enabled = 1",
        )
        .bind(ts(now))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .filter_map(|r| {
            let due: Option<i64> = r.try_get("due").ok()?;
            Some(DueSubscription {
                id: r.try_get("id").ok()?,
                oldest_due: due.filter(|d| *d <= ts(now))?,
            })
        })
        .collect();
        let mut out = Vec::new();
        for (subscription_id, room) in share_claim(due, in_flight, per_subscription, limit) {
            let rows = sqlx::query(concat!(
                "UPDATE deliveries SET locked_until = ?1 WHERE id IN (\
                   SELECT d.id FROM deliveries d WHERE d.subscription_id = ?2 \
                   AND d.state = 'pending' AND d.next_attempt_at <= ?3 \
                   AND (d.locked_until IS NULL OR d.locked_until < ?3) \
                   AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription_id = ?2 \
                     AND e.shipment_id = d.shipment_id AND e.state = 'pending' AND e.seq < d.seq) \
                   ORDER BY d.next_attempt_at, d.id LIMIT ?4) \
                 RETURNING ",
                delivery_columns!()
            ))
            .bind(ts(lease_until))
            .bind(&subscription_id)
            .bind(ts(now))
            .bind(i64::from(room))
            .fetch_all(&mut *tx)
            .await?;
            for r in &rows {
                out.push(delivery_from_row(r)?);
            }
        }
        tx.commit().await?;
        out.sort_by_key(|d| d.next_attempt_at);
        Ok(out)
    }

    async fn record_attempts(
        &self,
        records: &[AttemptRecord],
        failing_cutoff: DateTime<Utc>,
        failing_reason: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let mut failing = Vec::new();
        for r in records {
            let a = &r.attempt;
            sqlx::query(
                "INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, latency_ms, error) \
                 SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = ?1)",
            )
            .bind(&a.delivery_id)
            .bind(ts(a.attempted_at))
            .bind(a.status_code.map(i64::from))
            .bind(i64::try_from(a.latency_ms).unwrap_or(i64::MAX))
            .bind(&a.error)
            .execute(&mut *tx)
            .await?;
            let (state, next, finished) = match r.next {
                NextStep::Succeeded => (
                    DeliveryState::Succeeded,
                    a.attempted_at,
                    Some(a.attempted_at),
                ),
                NextStep::Dead => (DeliveryState::Dead, a.attempted_at, Some(a.attempted_at)),
                NextStep::RetryAt(t) => (DeliveryState::Pending, t, None),
            };
            sqlx::query(
                "UPDATE deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?, \
                 locked_until = NULL, last_status = ?, last_error = ?, finished_at = ? WHERE id = ?",
            )
            .bind(state.as_str())
            .bind(ts(next))
            .bind(a.status_code.map(i64::from))
            .bind(&a.error)
            .bind(finished.map(ts))
            .bind(&a.delivery_id)
            .execute(&mut *tx)
            .await?;
            if r.next == NextStep::Succeeded {
                sqlx::query(
                    "UPDATE subscriptions SET last_success_at = MAX(COALESCE(last_success_at, 0), ?), \
                     failing_since = NULL WHERE id = ?",
                )
                .bind(ts(a.attempted_at))
                .bind(&r.subscription_id)
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query(
                    "UPDATE subscriptions SET failing_since = COALESCE(failing_since, ?) WHERE id = ?",
                )
                .bind(ts(a.attempted_at))
                .bind(&r.subscription_id)
                .execute(&mut *tx)
                .await?;
                failing.push((r.subscription_id.as_str(), a.attempted_at));
            }
            if let Some(reason) = &r.disable {
                sqlx::query(
                    "UPDATE subscriptions SET enabled = 0, disabled_reason = ?, updated_at = ? \
                     WHERE id = ? AND enabled = 1",
                )
                .bind(reason)
                .bind(ts(a.attempted_at))
                .bind(&r.subscription_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        failing.sort_unstable();
        failing.dedup_by(|a, b| a.0 == b.0);
        for (sub, at) in failing {
            sqlx::query(
                "UPDATE subscriptions SET enabled = 0, disabled_reason = ?, updated_at = ? \
                 WHERE id = ? AND enabled = 1 AND failing_since IS NOT NULL AND failing_since <= ?",
            )
            .bind(failing_reason)
            .bind(ts(at))
            .bind(sub)
            .bind(ts(failing_cutoff))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn list_deliveries(
        &self,
        subscription_id: &str,
        filter: &DeliveryFilter,
    ) -> StoreResult<Vec<Delivery>> {
        let state = filter.state.map(|s| s.as_str());
        let rows = sqlx::query(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM deliveries WHERE subscription_id = ?1 AND (?2 IS NULL OR state = ?2) \
             AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4"
        ))
        .bind(subscription_id)
        .bind(state)
        .bind(&filter.before_id)
        .bind(i64::from(filter.limit))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    async fn delivery(&self, subscription_id: &str, id: &str) -> StoreResult<Option<Delivery>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM deliveries WHERE id = ? AND subscription_id = ?"
        ))
        .bind(id)
        .bind(subscription_id)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(delivery_from_row).transpose()
    }

    async fn delivery_attempts(
        &self,
        delivery_ids: &[String],
    ) -> StoreResult<Vec<DeliveryAttempt>> {
        let rows = sqlx::query(
            "SELECT delivery_id, attempted_at, status_code, latency_ms, error FROM delivery_attempts \
             WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY id",
        )
        .bind(codec::to_json(&delivery_ids))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryAttempt {
                    delivery_id: r.try_get("delivery_id")?,
                    attempted_at: from_ts(r.try_get("attempted_at")?),
                    status_code: r
                        .try_get::<Option<i64>, _>("status_code")?
                        .and_then(|v| u16::try_from(v).ok()),
                    latency_ms: u64::try_from(r.try_get::<i64, _>("latency_ms")?).unwrap_or(0),
                    error: r.try_get("error")?,
                })
            })
            .collect()
    }

    async fn retry_delivery(
        &self,
        subscription_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Delivery>> {
        // The lease is left alone: an attempt in flight finishes before this one starts.
        let row = sqlx::query(concat!(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = ?, finished_at = NULL \
             WHERE id = ? AND subscription_id = ? RETURNING ",
            delivery_columns!()
        ))
        .bind(ts(now))
        .bind(id)
        .bind(subscription_id)
        .fetch_optional(&self.writer)
        .await?;
        row.as_ref().map(delivery_from_row).transpose()
    }

    async fn replay(
        &self,
        subscription_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let sub = sqlx::query(concat!(
            "SELECT ",
            subs::sub_columns!(),
            " FROM subscriptions WHERE id = ?"
        ))
        .bind(subscription_id)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(subs::sub_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)?;
        let changes = sqlx::query(
            "SELECT c.* FROM status_changes c JOIN shipments s ON s.id = c.shipment_id \
             WHERE s.merchant_id = ? AND c.recorded_at >= ? AND c.recorded_at < ? ORDER BY c.id",
        )
        .bind(&sub.merchant_id)
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(change_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
        let mut shipments = std::collections::HashMap::new();
        let mut n = 0;
        for c in &changes {
            if !shipments.contains_key(&c.shipment_id) {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    shipment_columns!(),
                    " FROM shipments WHERE id = ?"
                ))
                .bind(&c.shipment_id)
                .fetch_one(&mut *tx)
                .await?;
                shipments.insert(c.shipment_id.clone(), shipment_from_row(&row)?);
            }
            let Some(shipment) = shipments.get(&c.shipment_id) else {
                continue;
            };
            let event = sqlx::query("SELECT * FROM events WHERE shipment_id = ? AND event_id = ?")
                .bind(&c.shipment_id)
                .bind(&c.event_id)
                .fetch_optional(&mut *tx)
                .await?
                .as_ref()
                .map(event_from_row)
                .transpose()?;
            if let Some(row) = replay_row(&sub, shipment, c, event.as_ref()) {
                insert_rows(&mut tx, &c.shipment_id, std::slice::from_ref(&row), now).await?;
                n += 1;
            }
        }
        tx.commit().await?;
        Ok(n)
    }
}
