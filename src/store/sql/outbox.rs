//! The callback outbox, written once for both backends: the SQL (the same text in both
//! dialects) and [`outbox_impl!`], the [`OutboxStore`](crate::store::OutboxStore)
//! implementation each backend expands. Rows are written inside the update's transaction
//! (`insert_rows`, from the backend's `update.rs`), claimed with leases, and finished in
//! batches (one transaction per batch of attempts, so throughput does not pay one fsync per
//! delivery).
//!
//! What differs stays in the backend files: the claim (a conditional `UPDATE … RETURNING` per
//! subscription under SQLite's `BEGIN IMMEDIATE`, one `FOR UPDATE SKIP LOCKED` statement on
//! PostgreSQL), how a JSON list of delivery ids becomes rows, and the row lock of a replay's
//! shipment read (`FOR UPDATE` on PostgreSQL).

use crate::store::rows::callbacks::delivery_columns;

/// Each subscription's oldest claimable delivery, by the (subscription, due) index. Leased
/// rows do not count: a subscription whose due rows another process holds must not take a
/// share of this claim it cannot use.
pub const DUE: &str = "SELECT s.id, (SELECT MIN(d.next_attempt_at) FROM deliveries d \
       WHERE d.subscription_id = s.id AND d.state = 'pending' \
       AND (d.locked_until IS NULL OR d.locked_until < $1)) AS due \
     FROM subscriptions s WHERE s.enabled";

/// Enqueues one delivery; `seq` is the next of its (subscription, shipment) pair, which the
/// update's transaction serializes (`$8` is both the due time and the creation time).
pub const INSERT: &str =
    "INSERT INTO deliveries (id, subscription_id, shipment_id, seq, status_change_id, \
     event_type, webhook_id, payload, next_attempt_at, created_at) VALUES ($1, $2, $3, \
     (SELECT COALESCE(MAX(seq), 0) + 1 FROM deliveries WHERE subscription_id = $2 \
      AND shipment_id = $3), $4, $5, $6, $7, $8, $8)";

/// Records an attempt, unless its delivery was deleted meanwhile (with its subscription).
pub const INSERT_ATTEMPT: &str =
    "INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, latency_ms, error) \
     SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = $1)";

/// Writes an attempt's outcome to its delivery and releases the lease.
pub const FINISH_ATTEMPT: &str =
    "UPDATE deliveries SET state = $1, attempts = attempts + 1, next_attempt_at = $2, \
     locked_until = NULL, last_status = $3, last_error = $4, finished_at = $5 WHERE id = $6";

/// A success: `last_success_at` never moves back, and the failure streak ends.
pub const SUCCEEDED: &str = "UPDATE subscriptions SET last_success_at = CASE \
       WHEN last_success_at IS NULL OR last_success_at < $1 THEN $1 ELSE last_success_at END, \
     failing_since = NULL WHERE id = $2";

/// A failure: the streak starts at the first one.
pub const FAILED: &str =
    "UPDATE subscriptions SET failing_since = COALESCE(failing_since, $1) WHERE id = $2";

/// Disables an enabled subscription (a 410 from its endpoint).
pub const DISABLE: &str = "UPDATE subscriptions SET enabled = FALSE, disabled_reason = $1, \
     updated_at = $2 WHERE id = $3 AND enabled";

/// Disables an enabled subscription failing since `$4` or earlier.
pub const DISABLE_FAILING: &str = "UPDATE subscriptions SET enabled = FALSE, \
     disabled_reason = $1, updated_at = $2 \
     WHERE id = $3 AND enabled AND failing_since IS NOT NULL AND failing_since <= $4";

/// A subscription's deliveries, newest first, optionally of one state and below a cursor.
pub const LIST: &str = concat!(
    "SELECT ",
    delivery_columns!(),
    " FROM deliveries WHERE subscription_id = $1 AND ($2 IS NULL OR state = $2) \
     AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
);

/// One delivery of a subscription.
pub const BY_ID: &str = concat!(
    "SELECT ",
    delivery_columns!(),
    " FROM deliveries WHERE id = $1 AND subscription_id = $2"
);

/// Makes a delivery pending and due at `$1`. The lease is left alone: an attempt in flight
/// finishes before this one starts.
pub const RETRY: &str = concat!(
    "UPDATE deliveries SET state = 'pending', next_attempt_at = $1, finished_at = NULL \
     WHERE id = $2 AND subscription_id = $3 RETURNING ",
    delivery_columns!()
);

/// The status changes a replay re-sends: the merchant's, recorded in `[$2, $3)`.
pub const REPLAY_CHANGES: &str =
    "SELECT c.* FROM status_changes c JOIN shipments s ON s.id = c.shipment_id \
     WHERE s.merchant_id = $1 AND c.recorded_at >= $2 AND c.recorded_at < $3 ORDER BY c.id";

/// The event a replayed change points at.
pub const REPLAY_EVENT: &str = "SELECT * FROM events WHERE shipment_id = $1 AND event_id = $2";

/// Implements [`OutboxStore`](crate::store::OutboxStore) for a backend
/// (`outbox_impl!(SqliteStore, sqlx::Sqlite)`), plus `insert_rows`, which the backend's
/// `update.rs` calls inside the update's transaction. The store supplies `read()`,
/// `write()`, `begin()` and the inherent `lease_shares` (leasing each subscription's share of
/// a [`Claim`](crate::store::callbacks::Claim) inside the claim's transaction). `row_lock` holds a replayed
/// shipment's row as an update does (so the replayed rows' `seq` cannot collide with a
/// concurrent update's; `""` where the writer lock already does), and `id_rows` turns `$1`, a
/// JSON array of strings, into rows of one column.
macro_rules! outbox_impl {
    ($store:ty, $db:ty, row_lock: $row_lock:tt, id_rows: $id_rows:tt) => {
        /// Enqueues the outbox rows of one shipment, inside a write transaction.
        pub(super) async fn insert_rows(
            tx: &mut sqlx::Transaction<'static, $db>,
            shipment_id: &str,
            rows: &[$crate::store::callbacks::OutboxRow],
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::store::StoreResult<()> {
            for row in rows {
                run!(exec &mut **tx,
                    $crate::store::sql::outbox::INSERT, $crate::store::new_id("dlv"),
                    &row.subscription_id, shipment_id, row.status_change_id, row.event_type,
                    $crate::store::new_id("msg"), &row.payload, $crate::store::rows::DbTime(now)
                );
            }
            Ok(())
        }

        const _: () = {
            use carriers::TrackingEvent;
            use chrono::{DateTime, Utc};
            use $crate::domain::{Shipment, StatusChangeRecord};
            use $crate::store::callbacks::*;
            use $crate::store::rows::callbacks::{
                self as rows, stored_latency, stored_status, AttemptRow, DeliveryRow,
                SubscriptionRow,
            };
            use $crate::store::rows::shipments::{EventRow, ShipmentRow, StatusChangeRow};
            use $crate::store::rows::DbTime;
            use $crate::store::sql::outbox as sql;
            use $crate::store::{StoreError, StoreResult};

            #[async_trait::async_trait]
            impl OutboxStore for $store {
                async fn claim_deliveries(&self, claim: &Claim<'_>) -> StoreResult<Vec<Delivery>> {
                    let mut tx = self.begin().await?;
                    let due: Vec<rows::DueRow> = run!(all &mut *tx,
                        $crate::store::sql::outbox::DUE, DbTime(claim.now)
                    );
                    let shares = claim.share(rows::due_subscriptions(due, claim.now));
                    let mut out = if shares.is_empty() {
                        Vec::new()
                    } else {
                        Self::lease_shares(&mut tx, claim, shares).await?
                    };
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
                        run!(exec &mut *tx,
                            sql::INSERT_ATTEMPT, &a.delivery_id, DbTime(a.attempted_at),
                            stored_status(a.status_code), stored_latency(a.latency_ms), &a.error
                        );
                        let (state, next, finished) = match r.next {
                            NextStep::Succeeded => (
                                DeliveryState::Succeeded,
                                a.attempted_at,
                                Some(a.attempted_at),
                            ),
                            NextStep::Dead => {
                                (DeliveryState::Dead, a.attempted_at, Some(a.attempted_at))
                            }
                            NextStep::RetryAt(t) => (DeliveryState::Pending, t, None),
                        };
                        run!(exec &mut *tx,
                            sql::FINISH_ATTEMPT, state.as_str(), DbTime(next),
                            stored_status(a.status_code), &a.error, DbTime::opt(finished),
                            &a.delivery_id
                        );
                        let streak = if r.next == NextStep::Succeeded {
                            sql::SUCCEEDED
                        } else {
                            failing.push((r.subscription_id.as_str(), a.attempted_at));
                            sql::FAILED
                        };
                        run!(exec &mut *tx, streak, DbTime(a.attempted_at), &r.subscription_id);
                        if let Some(reason) = &r.disable {
                            run!(exec &mut *tx,
                                sql::DISABLE, reason, DbTime(a.attempted_at), &r.subscription_id
                            );
                        }
                    }
                    failing.sort_unstable();
                    failing.dedup_by(|a, b| a.0 == b.0);
                    for (sub, at) in failing {
                        run!(exec &mut *tx,
                            sql::DISABLE_FAILING, failing_reason, DbTime(at), sub,
                            DbTime(failing_cutoff)
                        );
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn list_deliveries(
                    &self,
                    subscription_id: &str,
                    filter: &DeliveryFilter,
                ) -> StoreResult<Vec<Delivery>> {
                    let rows: Vec<DeliveryRow> = sqlx::query_as(sql::LIST)
                        .bind(subscription_id)
                        .bind(filter.state.map(|s| s.as_str()))
                        .bind(&filter.before_id)
                        .bind(i64::from(filter.limit))
                        .fetch_all(self.read())
                        .await?;
                    rows::deliveries(rows)
                }

                async fn delivery(
                    &self,
                    subscription_id: &str,
                    id: &str,
                ) -> StoreResult<Option<Delivery>> {
                    let row: Option<DeliveryRow> = sqlx::query_as(sql::BY_ID)
                        .bind(id)
                        .bind(subscription_id)
                        .fetch_optional(self.read())
                        .await?;
                    rows::delivery(row)
                }

                async fn delivery_attempts(
                    &self,
                    delivery_ids: &[String],
                ) -> StoreResult<Vec<DeliveryAttempt>> {
                    // The attempts of a list of deliveries, oldest first: the ids travel as
                    // one JSON array.
                    const ATTEMPTS_OF: &str = concat!(
                        "SELECT ",
                        $crate::store::rows::callbacks::attempt_columns!(),
                        " FROM delivery_attempts WHERE delivery_id IN (",
                        $id_rows,
                        ") ORDER BY id"
                    );
                    let rows: Vec<AttemptRow> = sqlx::query_as(ATTEMPTS_OF)
                        .bind($crate::store::codec::to_json(&delivery_ids))
                        .fetch_all(self.read())
                        .await?;
                    Ok(rows::attempts(rows))
                }

                async fn retry_delivery(
                    &self,
                    subscription_id: &str,
                    id: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<Delivery>> {
                    let row: Option<DeliveryRow> = sqlx::query_as(sql::RETRY)
                        .bind(DbTime(now))
                        .bind(id)
                        .bind(subscription_id)
                        .fetch_optional(self.write())
                        .await?;
                    rows::delivery(row)
                }

                async fn replay(
                    &self,
                    subscription_id: &str,
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                    now: DateTime<Utc>,
                ) -> StoreResult<u64> {
                    let mut tx = self.begin().await?;
                    let sub: Option<SubscriptionRow> =
                        run!(opt &mut *tx,
                            $crate::store::sql::subscriptions::BY_ID, subscription_id
                        );
                    let sub = rows::subscription(sub)?.ok_or(StoreError::NotFound)?;
                    let changes: Vec<StatusChangeRow> = run!(all &mut *tx,
                        sql::REPLAY_CHANGES, &sub.merchant_id, DbTime(from), DbTime(to)
                    );
                    let changes = changes
                        .into_iter()
                        .map(StatusChangeRecord::try_from)
                        .collect::<StoreResult<Vec<_>>>()?;
                    let mut shipments = std::collections::HashMap::new();
                    let mut n = 0;
                    for c in &changes {
                        if !shipments.contains_key(&c.shipment_id) {
                            const SHIPMENT_FOR_REPLAY: &str = concat!(
                                "SELECT ",
                                $crate::store::rows::shipments::shipment_columns!(),
                                " FROM shipments WHERE id = $1",
                                $row_lock
                            );
                            let row: ShipmentRow = run!(one &mut *tx,
                                SHIPMENT_FOR_REPLAY, &c.shipment_id
                            );
                            shipments.insert(c.shipment_id.clone(), Shipment::try_from(row)?);
                        }
                        let Some(shipment) = shipments.get(&c.shipment_id) else {
                            continue;
                        };
                        let event: Option<EventRow> = run!(opt &mut *tx,
                            sql::REPLAY_EVENT, &c.shipment_id, &c.event_id
                        );
                        let event = event.map(TrackingEvent::try_from).transpose()?;
                        if let Some(row) = replay_row(&sub, shipment, c, event.as_ref()) {
                            insert_rows(&mut tx, &c.shipment_id, std::slice::from_ref(&row), now)
                                .await?;
                            n += 1;
                        }
                    }
                    tx.commit().await?;
                    Ok(n)
                }
            }
        };
    };
}
pub(crate) use outbox_impl;
