//! PostgreSQL: the callback outbox. Rows are written inside `apply_snapshot`'s transaction
//! ([`enqueue_changes`], under the shipment's row lock, which also serializes `seq`), claimed
//! with `FOR UPDATE SKIP LOCKED` leases so several processes share the work, and finished
//! in batches (one transaction per batch of attempts, so throughput does not pay one fsync
//! per delivery).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};

use super::subscriptions as subs;
use super::{event_from_row, shipment_columns, shipment_from_row, PgStore};
use crate::store::callbacks::*;
use crate::store::{codec, StatusChangeRecord, StoreError, StoreResult};

macro_rules! delivery_columns {
    () => {
        "id, subscription_id, shipment_id, seq, status_change_id, event_type, webhook_id, \
         payload, state, attempts, next_attempt_at, last_status, last_error, created_at, finished_at"
    };
}

fn delivery_from_row(r: &PgRow) -> StoreResult<Delivery> {
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
        attempts: u32::try_from(r.try_get::<i32, _>("attempts")?).unwrap_or(0),
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_status: r
            .try_get::<Option<i32>, _>("last_status")?
            .and_then(|v| u16::try_from(v).ok()),
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

pub(super) async fn insert_rows(
    tx: &mut Transaction<'static, Postgres>,
    shipment_id: &str,
    rows: &[OutboxRow],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for row in rows {
        sqlx::query(
            "INSERT INTO deliveries (id, subscription_id, shipment_id, seq, status_change_id, \
             event_type, webhook_id, payload, next_attempt_at, created_at) VALUES ($1, $2, $3, \
             (SELECT COALESCE(MAX(seq), 0) + 1 FROM deliveries WHERE subscription_id = $2 \
              AND shipment_id = $3), $4, $5, $6, $7, $8, $8)",
        )
        .bind(crate::store::new_id("dlv"))
        .bind(&row.subscription_id)
        .bind(shipment_id)
        .bind(row.status_change_id)
        .bind(row.event_type)
        .bind(crate::store::new_id("msg"))
        .bind(&row.payload)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn change_from_row(r: &PgRow) -> StoreResult<StatusChangeRecord> {
    Ok(StatusChangeRecord {
        id: r.try_get("id")?,
        shipment_id: r.try_get("shipment_id")?,
        from_status: codec::status(r.try_get("from_status")?)?,
        from_substatus: r.try_get("from_substatus")?,
        to_status: codec::status(r.try_get("to_status")?)?,
        to_substatus: r.try_get("to_substatus")?,
        event_id: r.try_get("event_id")?,
        occurred_at: r.try_get("occurred_at")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

#[async_trait]
impl CallbackStore for PgStore {
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
        // Each subscription's oldest claimable delivery, by the (subscription, due) index.
        // Leased rows do not count: a subscription whose due rows another process holds
        // must not take a share of this claim it cannot use.
        let due = sqlx::query(
            "SELECT s.id, (SELECT MIN(d.next_attempt_at) FROM deliveries d \
               WHERE d.subscription_id = s.id AND d.state = 'pending' \
               AND (d.locked_until IS NULL OR d.locked_until < $1)) AS due \
             FROM subscriptions s WHERE s.enabled",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .filter_map(|r| {
            let due: Option<DateTime<Utc>> = r.try_get("due").ok()?;
            Some(DueSubscription {
                id: r.try_get("id").ok()?,
                oldest_due: due.filter(|d| *d <= now)?,
            })
        })
        .collect();
        let plan = share_claim(due, in_flight, per_subscription, limit);
        if plan.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, rooms): (Vec<String>, Vec<i32>) = plan
            .into_iter()
            .map(|(id, n)| (id, i32::try_from(n).unwrap_or(i32::MAX)))
            .unzip();
        // One statement for every subscription: a LATERAL walk of each one's due index up to
        // its room, locking (and skipping rows another process holds) as it goes.
        let rows = sqlx::query(concat!(
            "WITH picked AS (SELECT x.id AS pick_id FROM UNNEST($2::text[], $3::int[]) AS p(sub, room), \
               LATERAL (SELECT d.id FROM deliveries d WHERE d.subscription_id = p.sub \
                 AND d.state = 'pending' AND d.next_attempt_at <= $4 \
                 AND (d.locked_until IS NULL OR d.locked_until < $4) \
                 AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription_id = p.sub \
                   AND e.shipment_id = d.shipment_id AND e.state = 'pending' AND e.seq < d.seq) \
                 ORDER BY d.next_attempt_at, d.id LIMIT p.room FOR UPDATE SKIP LOCKED) x) \
             UPDATE deliveries SET locked_until = $1 FROM picked WHERE deliveries.id = picked.pick_id \
             RETURNING ",
            delivery_columns!()
        ))
        .bind(lease_until)
        .bind(&ids)
        .bind(&rooms)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(delivery_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by_key(|d| d.next_attempt_at);
        Ok(out)
    }

    async fn record_attempts(
        &self,
        records: &[AttemptRecord],
        failing_cutoff: DateTime<Utc>,
        failing_reason: &str,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let mut failing = Vec::new();
        for r in records {
            let a = &r.attempt;
            sqlx::query(
                "INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, latency_ms, error) \
                 SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = $1)",
            )
            .bind(&a.delivery_id)
            .bind(a.attempted_at)
            .bind(a.status_code.map(i32::from))
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
                "UPDATE deliveries SET state = $1, attempts = attempts + 1, next_attempt_at = $2, \
                 locked_until = NULL, last_status = $3, last_error = $4, finished_at = $5 WHERE id = $6",
            )
            .bind(state.as_str())
            .bind(next)
            .bind(a.status_code.map(i32::from))
            .bind(&a.error)
            .bind(finished)
            .bind(&a.delivery_id)
            .execute(&mut *tx)
            .await?;
            if r.next == NextStep::Succeeded {
                sqlx::query(
                    "UPDATE subscriptions SET last_success_at = GREATEST(last_success_at, $1), \
                     failing_since = NULL WHERE id = $2",
                )
                .bind(a.attempted_at)
                .bind(&r.subscription_id)
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query(
                    "UPDATE subscriptions SET failing_since = COALESCE(failing_since, $1) WHERE id = $2",
                )
                .bind(a.attempted_at)
                .bind(&r.subscription_id)
                .execute(&mut *tx)
                .await?;
                failing.push((r.subscription_id.as_str(), a.attempted_at));
            }
            if let Some(reason) = &r.disable {
                sqlx::query(
                    "UPDATE subscriptions SET enabled = FALSE, disabled_reason = $1, updated_at = $2 \
                     WHERE id = $3 AND enabled",
                )
                .bind(reason)
                .bind(a.attempted_at)
                .bind(&r.subscription_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        failing.sort_unstable();
        failing.dedup_by(|a, b| a.0 == b.0);
        for (sub, at) in failing {
            sqlx::query(
                "UPDATE subscriptions SET enabled = FALSE, disabled_reason = $1, updated_at = $2 \
                 WHERE id = $3 AND enabled AND failing_since IS NOT NULL AND failing_since <= $4",
            )
            .bind(failing_reason)
            .bind(at)
            .bind(sub)
            .bind(failing_cutoff)
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
            " FROM deliveries WHERE subscription_id = $1 AND ($2::text IS NULL OR state = $2) \
             AND ($3::text IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        ))
        .bind(subscription_id)
        .bind(state)
        .bind(&filter.before_id)
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    async fn delivery(&self, subscription_id: &str, id: &str) -> StoreResult<Option<Delivery>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM deliveries WHERE id = $1 AND subscription_id = $2"
        ))
        .bind(id)
        .bind(subscription_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(delivery_from_row).transpose()
    }

    async fn delivery_attempts(
        &self,
        delivery_ids: &[String],
    ) -> StoreResult<Vec<DeliveryAttempt>> {
        let rows = sqlx::query(
            "SELECT delivery_id, attempted_at, status_code, latency_ms, error FROM delivery_attempts \
             WHERE delivery_id = ANY($1) ORDER BY id",
        )
        .bind(delivery_ids)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryAttempt {
                    delivery_id: r.try_get("delivery_id")?,
                    attempted_at: r.try_get("attempted_at")?,
                    status_code: r
                        .try_get::<Option<i32>, _>("status_code")?
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
            "UPDATE deliveries SET state = 'pending', next_attempt_at = $1, finished_at = NULL \
             WHERE id = $2 AND subscription_id = $3 RETURNING ",
            delivery_columns!()
        ))
        .bind(now)
        .bind(id)
        .bind(subscription_id)
        .fetch_optional(&self.pool)
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
        let mut tx = self.pool.begin().await?;
        let sub = sqlx::query(concat!(
            "SELECT ",
            subs::sub_columns!(),
            " FROM subscriptions WHERE id = $1"
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
             WHERE s.merchant_id = $1 AND c.recorded_at >= $2 AND c.recorded_at < $3 ORDER BY c.id",
        )
        .bind(&sub.merchant_id)
        .bind(from)
        .bind(to)
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
                    " FROM shipments WHERE id = $1 FOR UPDATE"
                ))
                .bind(&c.shipment_id)
                .fetch_one(&mut *tx)
                .await?;
                shipments.insert(c.shipment_id.clone(), shipment_from_row(&row)?);
            }
            let Some(shipment) = shipments.get(&c.shipment_id) else {
                continue;
            };
            let event =
                sqlx::query("SELECT * FROM events WHERE shipment_id = $1 AND event_id = $2")
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
