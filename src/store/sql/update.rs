//! The tracking pipeline's transaction: the SQL both dialects share and the
//! [`UpdateTx`](crate::store::UpdateTx) implementation over it ([`update_tx_impl!`]). What
//! differs is passed in: the statement that loads the shipment (`FOR UPDATE` on PostgreSQL;
//! on SQLite the plain `sql::shipments::SHIPMENT_BY_ID`, since the single writer under
//! `BEGIN IMMEDIATE` already excludes every other writer) and
//! the inherent `publish` of each backend (`pg_notify`, or nothing).

use crate::store::rows::shipments::{event_columns, shipment_columns};

/// Loads a shipment and locks its row until commit (PostgreSQL): a second apply on this
/// shipment waits, then merges against what this one wrote.
pub const SHIPMENT_FOR_UPDATE: &str = concat!(
    "SELECT ",
    shipment_columns!(),
    " FROM shipments WHERE id = $1 FOR UPDATE"
);
/// The stored timeline, in no particular order (the merge orders it).
pub const EVENTS: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE shipment_id = $1"
);
/// Notes a push that changed nothing else.
pub const TOUCH_PUSH: &str = "UPDATE shipments SET last_push_at = $1 WHERE id = $2";
/// Inserts an event, or rewrites the detail of a stored one (same fingerprint).
pub const UPSERT_EVENT: &str = "INSERT INTO events (shipment_id, event_id, status, substatus, \
     raw_code, raw_text, occurred_at, utc_offset_seconds, tz_source, location_text, postal_code, \
     country, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
     ON CONFLICT (shipment_id, event_id) DO UPDATE SET raw_text = excluded.raw_text, \
     occurred_at = excluded.occurred_at, utc_offset_seconds = excluded.utc_offset_seconds, \
     tz_source = excluded.tz_source, location_text = excluded.location_text, \
     postal_code = excluded.postal_code, country = excluded.country";
/// Records a status change.
pub const INSERT_STATUS_CHANGE: &str = "INSERT INTO status_changes (shipment_id, from_status, \
     from_substatus, to_status, to_substatus, event_id, occurred_at, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
/// Writes the shipment's columns after an apply.
pub const WRITE_SHIPMENT: &str = "UPDATE shipments SET status = $1, substatus = $2, \
     status_changed_at = $3, last_event_at = $4, details = $5, eta = $6, original_eta = $7, \
     next_poll_at = $8, last_push_at = COALESCE($9, last_push_at), updated_at = $10, \
     version = version + 1 WHERE id = $11";

/// Implements [`UpdateTx`](crate::store::UpdateTx) for `$tx`, a one-field tuple struct over
/// the backend's `Transaction<'static, _>` with an inherent `publish`, loading the shipment
/// with `$lock_sql`. Expanded in `<backend>/update.rs`, whose siblings `subscriptions`,
/// `outbox` and `analytics` provide the concern-specific steps.
macro_rules! update_tx_impl {
    ($tx:ty, $backend:ident, $lock_sql:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::UpdateTx for $tx {
            async fn lock_shipment(
                &mut self,
                shipment_id: &str,
            ) -> $crate::store::StoreResult<
                Option<($crate::domain::Shipment, Vec<carriers::TrackingEvent>)>,
            > {
                use $crate::store::rows::shipments::{events, shipment, EventRow, ShipmentRow};
                let row: Option<ShipmentRow> = run!(opt &mut *self.0, $lock_sql, shipment_id);
                let Some(found) = shipment(row)? else {
                    return Ok(None);
                };
                let rows: Vec<EventRow> = run!(all &mut *self.0,
                    $crate::store::sql::update::EVENTS, shipment_id
                );
                Ok(Some((found, events(rows)?)))
            }

            async fn touch_push(
                &mut self,
                shipment_id: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                run!(exec &mut *self.0,
                    $crate::store::sql::update::TOUCH_PUSH, $crate::store::rows::DbTime(at),
                    shipment_id
                );
                Ok(())
            }

            async fn upsert_events(
                &mut self,
                shipment_id: &str,
                events: &[carriers::TrackingEvent],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::rows::{DbInt, DbTime};
                for e in events {
                    run!(exec &mut *self.0,
                        $crate::store::sql::update::UPSERT_EVENT, shipment_id, &e.event_id,
                        e.status.as_str(), &e.substatus, &e.raw_code, &e.raw_text,
                        DbTime(e.occurred_at), DbInt(e.utc_offset_seconds), e.tz_source.as_str(),
                        &e.location.text, &e.location.postal_code, &e.location.country, DbTime(now)
                    );
                }
                Ok(())
            }

            async fn insert_status_change(
                &mut self,
                shipment_id: &str,
                c: &$crate::domain::StatusChange,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::rows::DbTime;
                Ok(
                    run!(scalar &mut *self.0,
                        $crate::store::sql::update::INSERT_STATUS_CHANGE, shipment_id,
                        c.from_status.as_str(), &c.from_substatus, c.to_status.as_str(),
                        &c.to_substatus, &c.event_id, DbTime(c.occurred_at), DbTime(now)
                    ),
                )
            }

            async fn write_shipment(
                &mut self,
                shipment_id: &str,
                w: &$crate::domain::Written,
                push_at: Option<chrono::DateTime<chrono::Utc>>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::codec::to_json;
                use $crate::store::rows::DbTime;
                run!(exec &mut *self.0,
                    $crate::store::sql::update::WRITE_SHIPMENT, w.status.as_str(), &w.substatus,
                    DbTime::opt(w.status_changed_at), DbTime::opt(w.last_event_at),
                    to_json(&w.details), w.eta.as_ref().map(to_json),
                    w.original_eta.as_ref().map(to_json), DbTime::opt(w.next_poll_at),
                    DbTime::opt(push_at), DbTime(now), shipment_id
                );
                Ok(())
            }

            async fn enabled_subscriptions(
                &mut self,
                merchant_id: &str,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::subscription::Subscription>> {
                $crate::store::$backend::subscriptions::enabled_for_merchant(
                    &mut self.0,
                    merchant_id,
                )
                .await
            }

            async fn insert_outbox(
                &mut self,
                shipment_id: &str,
                rows: &[$crate::domain::outbox::OutboxRow],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                $crate::store::$backend::outbox::insert_rows(&mut self.0, shipment_id, rows, now)
                    .await
            }

            async fn merchant_settings(
                &mut self,
                merchant_id: &str,
            ) -> $crate::store::StoreResult<$crate::domain::MerchantSettings> {
                let row: Option<(String,)> =
                    sqlx::query_as($crate::store::sql::merchants::MERCHANT_SETTINGS)
                        .bind(merchant_id)
                        .fetch_optional(&mut *self.0)
                        .await?;
                match row {
                    Some((json,)) => $crate::store::codec::json("settings", &json),
                    None => Ok(Default::default()),
                }
            }

            async fn contact_channels(
                &mut self,
                shipment_id: &str,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::notification::Channel>> {
                use $crate::domain::notification::Channel;
                let row: Option<(bool, bool)> =
                    run!(opt &mut *self.0,
                        $crate::store::sql::notify::CONTACT_CHANNELS, shipment_id
                    );
                let (email, sms) = row.unwrap_or_default();
                Ok([(email, Channel::Email), (sms, Channel::Sms)]
                    .into_iter()
                    .filter_map(|(on, c)| on.then_some(c))
                    .collect())
            }

            async fn insert_messages(
                &mut self,
                shipment: &$crate::domain::Shipment,
                planned: &[$crate::domain::notify_plan::PlannedMessage],
                change_id: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                for p in planned {
                    let id = $crate::store::new_id("ntf");
                    // Stable across retries: a re-send after a crash carries the same one (the
                    // sender's domain is added when the e-mail is composed).
                    let message_id = id.clone();
                    run!(exec &mut *self.0,
                        $crate::store::sql::notify::INSERT_MESSAGE, &id, &shipment.id,
                        &shipment.merchant_id, p.trigger.as_str(), p.channel.as_str(),
                        $crate::store::rows::DbTime(p.due_at.unwrap_or(now)), message_id,
                        if p.once_per_shipment {
                            Some(0)
                        } else {
                            change_id
                        },
                        $crate::store::rows::DbTime(now)
                    );
                }
                Ok(())
            }

            async fn drop_queued_messages(
                &mut self,
                shipment_id: &str,
                triggers: &[$crate::domain::notification::Trigger],
            ) -> $crate::store::StoreResult<()> {
                for pair in triggers.chunks(2) {
                    let last = pair[pair.len() - 1];
                    run!(exec &mut *self.0,
                        $crate::store::sql::notify::DROP_QUEUED, shipment_id, pair[0].as_str(),
                        last.as_str()
                    );
                }
                Ok(())
            }

            async fn lane_history(
                &mut self,
                key: &$crate::domain::LaneKey,
                since: &str,
            ) -> $crate::store::StoreResult<$crate::domain::LaneHistory> {
                $crate::store::$backend::analytics::lane_history(&mut self.0, key, since).await
            }

            async fn write_facts(
                &mut self,
                facts: &$crate::domain::ShipmentFacts,
                bumps: &[$crate::store::LaneBump],
            ) -> $crate::store::StoreResult<()> {
                $crate::store::$backend::analytics::record_facts(&mut self.0, facts, bumps).await
            }

            async fn write_poll(
                &mut self,
                shipment_id: &str,
                record: &$crate::store::PollRecord,
            ) -> $crate::store::StoreResult<()> {
                $crate::store::sql::shipments::write_poll!(&mut *self.0, shipment_id, record)
            }

            async fn mark_stalled(
                &mut self,
                shipment_id: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<
                Option<($crate::domain::Shipment, Option<carriers::TrackingEvent>)>,
            > {
                use $crate::store::rows::shipments::{shipment, EventRow, ShipmentRow};
                use $crate::store::sql::stale::{LATEST_EVENT, MARK};
                let marked = run!(exec &mut *self.0,
                    MARK, $crate::store::rows::DbTime(now), shipment_id
                )
                    == 1;
                if !marked {
                    return Ok(None);
                }
                let row: Option<ShipmentRow> =
                    run!(opt &mut *self.0,
                        $crate::store::sql::shipments::SHIPMENT_BY_ID, shipment_id
                    );
                let latest: Option<EventRow> = run!(opt &mut *self.0, LATEST_EVENT, shipment_id);
                let latest = latest.map(TryFrom::try_from).transpose()?;
                Ok(shipment(row)?.map(|s| (s, latest)))
            }

            async fn publish_invalidation(
                &mut self,
                shipment_id: &str,
            ) -> $crate::store::StoreResult<()> {
                self.publish(shipment_id).await
            }

            async fn commit(self: Box<Self>) -> $crate::store::StoreResult<()> {
                self.0.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use update_tx_impl;
