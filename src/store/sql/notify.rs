//! Shopper notifications: the SQL both dialects share and the
//! [`NotifyStore`](crate::store::notify::NotifyStore) implementation over it
//! ([`notify_impl!`]), plus the two steps the update transaction takes (which channels a
//! shipment has contacts for; enqueueing planned messages). Only the claim's lock differs.

/// Upserts a shipment's sealed contact.
pub const PUT_CONTACT: &str = "INSERT INTO shipment_contacts (shipment_id, sealed, has_email, \
     has_phone, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shipment_id) DO UPDATE \
     SET sealed = EXCLUDED.sealed, has_email = EXCLUDED.has_email, \
     has_phone = EXCLUDED.has_phone, created_at = EXCLUDED.created_at";
/// A shipment's sealed contact.
pub const CONTACT: &str = "SELECT sealed FROM shipment_contacts WHERE shipment_id = $1";
/// Which channels a shipment has contacts for.
pub const CONTACT_CHANNELS: &str =
    "SELECT has_email, has_phone FROM shipment_contacts WHERE shipment_id = $1";
/// Erases a merchant's shipment's contact.
pub const ERASE_CONTACT: &str = "DELETE FROM shipment_contacts WHERE shipment_id = \
     (SELECT id FROM shipments WHERE id = $1 AND merchant_id = $2)";
/// Erases the contacts of shipments final since before `$1`.
pub const ERASE_EXPIRED: &str = "DELETE FROM shipment_contacts WHERE shipment_id IN \
     (SELECT id FROM shipments WHERE status IN \
     ('delivered', 'returned_to_sender', 'cancelled', 'expired') AND status_changed_at < $1)";
/// Enqueues a planned message; the same trigger and channel for the same status change (or,
/// for once-per-shipment messages, status change 0) plans nothing twice: planning it again
/// only brings a still-queued one forward.
pub const INSERT_MESSAGE: &str = "INSERT INTO notifications (id, shipment_id, merchant_id, \
     trigger_name, channel, status, attempts, next_attempt_at, message_id, status_change_id, \
     created_at) VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8, $9) \
     ON CONFLICT (shipment_id, trigger_name, channel, status_change_id) DO UPDATE \
     SET next_attempt_at = excluded.next_attempt_at \
     WHERE notifications.status = 'queued' \
     AND excluded.next_attempt_at < notifications.next_attempt_at";
/// Drops a shipment's never-attempted queued messages of up to two triggers.
pub const DROP_QUEUED: &str = "DELETE FROM notifications WHERE shipment_id = $1 \
     AND status = 'queued' AND attempts = 0 AND trigger_name IN ($2, $3)";
/// Records an attempt and releases the lease.
pub const FINISH_MESSAGE: &str = "UPDATE notifications SET status = $2, attempts = $3, \
     next_attempt_at = $4, answer = $5, sent_at = COALESCE($6, sent_at), locked_until = NULL \
     WHERE id = $1";
/// Gives a claimed, still queued message back unattempted.
pub const RELEASE_MESSAGE: &str =
    "UPDATE notifications SET locked_until = NULL WHERE id = $1 AND status = 'queued'";
/// A shipment's messages.
pub const MESSAGES_OF: &str = concat!(
    "SELECT ",
    crate::store::rows::notify::message_columns!(),
    " FROM notifications WHERE shipment_id = $1 ORDER BY created_at, id"
);
/// Queues a merchant's message again, unless a sender holds it right now (a queued message
/// under a live lease): clearing that lease would let a second sender take it while the
/// first is still talking to the server, and the shopper would get it twice.
pub const REQUEUE: &str = concat!(
    "UPDATE notifications SET status = 'queued', next_attempt_at = $3, locked_until = NULL \
     WHERE id = $1 AND merchant_id = $2 \
     AND NOT (status = 'queued' AND locked_until IS NOT NULL AND locked_until > $3) RETURNING ",
    crate::store::rows::notify::message_columns!()
);
/// Suppresses a contact (an existing entry is kept with its first reason).
pub const SUPPRESS: &str = "INSERT INTO suppressions (merchant_id, contact_hash, class, masked, \
     reason, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
/// Whether a contact is suppressed for a class.
pub const IS_SUPPRESSED: &str = "SELECT COUNT(*) FROM suppressions \
     WHERE merchant_id = $1 AND contact_hash = $2 AND class = $3";
/// A merchant's suppressions.
pub const SUPPRESSIONS: &str = "SELECT contact_hash, masked, class, reason, created_at \
     FROM suppressions WHERE merchant_id = $1 ORDER BY created_at DESC, contact_hash";
/// Lifts a contact's suppressions.
pub const UNSUPPRESS: &str =
    "DELETE FROM suppressions WHERE merchant_id = $1 AND contact_hash = $2";
/// Stores a merchant template.
pub const PUT_TEMPLATE: &str = "INSERT INTO notification_templates (merchant_id, trigger_name, \
     channel, lang, source, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (merchant_id, trigger_name, channel, lang) DO UPDATE \
     SET source = EXCLUDED.source, updated_at = EXCLUDED.updated_at";
/// A merchant template.
pub const TEMPLATE: &str = "SELECT trigger_name, channel, lang, updated_at, source \
     FROM notification_templates WHERE merchant_id = $1 \
     AND trigger_name = $2 AND channel = $3 AND lang = $4";
/// Drops a merchant template.
pub const DELETE_TEMPLATE: &str = "DELETE FROM notification_templates WHERE merchant_id = $1 \
     AND trigger_name = $2 AND channel = $3 AND lang = $4";
/// A merchant's templates, without sources.
pub const TEMPLATES: &str = "SELECT trigger_name, channel, lang, updated_at \
     FROM notification_templates WHERE merchant_id = $1 ORDER BY trigger_name, channel, lang";

/// Implements [`NotifyStore`](crate::store::notify::NotifyStore) for a backend type with
/// `read()`, `write()` and `begin()`; `claim_lock` is the suffix of the claim's inner select
/// (`" FOR UPDATE SKIP LOCKED"` on PostgreSQL, `""` under SQLite's writer lock).
macro_rules! notify_impl {
    ($store:ty, claim_lock: $claim_lock:tt) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use $crate::domain::notify_plan::Message;
            use $crate::domain::{MerchantId, ShipmentId};
            use $crate::store::notify::{
                MessageOutcome, NotifyStore, StoredTemplate, Suppression, TemplateInfo,
            };
            use $crate::store::rows::notify::{
                self as rows, MessageRow, SuppressionRow, TemplateInfoRow, TemplateRow,
            };
            use $crate::store::rows::{DbCount, DbTime};
            use $crate::store::sql::notify as sql;
            use $crate::store::StoreResult;

            impl $store {
                /// Leases due queued messages, oldest due first; none of a shipment whose
                /// earlier message is leased to a sender now (another process's batch), so
                /// one shipment's messages leave in order.
                const CLAIM_MESSAGES: &'static str = concat!(
                    "UPDATE notifications SET locked_until = $1 WHERE id IN (\
                       SELECT n.id FROM notifications n WHERE n.status = 'queued' \
                       AND n.next_attempt_at <= $2 \
                       AND (n.locked_until IS NULL OR n.locked_until < $2) \
                       AND NOT EXISTS (SELECT 1 FROM notifications o \
                         WHERE o.shipment_id = n.shipment_id AND o.status = 'queued' \
                         AND o.locked_until >= $2) \
                       ORDER BY n.next_attempt_at, n.id LIMIT $3",
                    $claim_lock,
                    ") RETURNING ",
                    $crate::store::rows::notify::message_columns!()
                );
            }

            #[async_trait::async_trait]
            impl NotifyStore for $store {
                async fn put_contact(
                    &self,
                    shipment_id: &ShipmentId,
                    sealed: &str,
                    channels: (bool, bool),
                    now: DateTime<Utc>,
                ) -> StoreResult<()> {
                    let (email, sms) = channels;
                    let at = DbTime(now);
                    run!(exec self.write(), sql::PUT_CONTACT, shipment_id, sealed, email, sms, at);
                    Ok(())
                }

                async fn contact(&self, shipment_id: &ShipmentId) -> StoreResult<Option<String>> {
                    Ok(run!(scalar_opt self.read(), sql::CONTACT, shipment_id))
                }

                async fn erase_contact(
                    &self,
                    merchant_id: &MerchantId,
                    id: &ShipmentId,
                ) -> StoreResult<bool> {
                    Ok(run!(exec self.write(), sql::ERASE_CONTACT, id, merchant_id) > 0)
                }

                async fn erase_expired_contacts(
                    &self,
                    final_before: DateTime<Utc>,
                ) -> StoreResult<u64> {
                    Ok(run!(exec self.write(), sql::ERASE_EXPIRED, DbTime(final_before)))
                }

                async fn claim_messages(
                    &self,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                    limit: u32,
                ) -> StoreResult<Vec<Message>> {
                    let rows: Vec<MessageRow> = $crate::store::sql::claim_rows!(
                        self,
                        Self::CLAIM_MESSAGES,
                        now,
                        lease_until,
                        limit
                    );
                    let mut out = rows::messages(rows)?;
                    out.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
                    Ok(out)
                }

                async fn finish_messages(
                    &self,
                    outcomes: &[(String, MessageOutcome)],
                ) -> StoreResult<()> {
                    if outcomes.is_empty() {
                        return Ok(());
                    }
                    let mut tx = self.begin().await?;
                    for (id, o) in outcomes {
                        let (status, attempts) = (o.status.as_str(), DbCount(o.attempts));
                        let (next, sent) = (DbTime(o.next_attempt_at), DbTime::opt(o.sent_at));
                        run!(exec &mut *tx, sql::FINISH_MESSAGE, id, status, attempts, next, &o.answer, sent);
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn release_messages(&self, ids: &[String]) -> StoreResult<()> {
                    if ids.is_empty() {
                        return Ok(());
                    }
                    let mut tx = self.begin().await?;
                    for id in ids {
                        run!(exec &mut *tx, sql::RELEASE_MESSAGE, id);
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn messages_of(&self, shipment_id: &ShipmentId) -> StoreResult<Vec<Message>> {
                    let rows: Vec<MessageRow> = run!(all self.read(), sql::MESSAGES_OF, shipment_id);
                    rows::messages(rows)
                }

                async fn requeue_message(
                    &self,
                    merchant_id: &MerchantId,
                    id: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<Message>> {
                    let row: Option<MessageRow> =
                        run!(opt self.write(), sql::REQUEUE, id, merchant_id, DbTime(now));
                    rows::message(row)
                }

                async fn suppress(
                    &self,
                    merchant_id: &MerchantId,
                    e: &Suppression,
                ) -> StoreResult<()> {
                    let at = DbTime(e.created_at);
                    let (hash, class, masked, reason) = (&e.contact_hash, &e.class, &e.masked, &e.reason);
                    run!(exec self.write(), sql::SUPPRESS, merchant_id, hash, class, masked, reason, at);
                    Ok(())
                }

                async fn is_suppressed(
                    &self,
                    merchant_id: &MerchantId,
                    contact_hash: &str,
                    class: &str,
                ) -> StoreResult<bool> {
                    let n: i64 =
                        run!(scalar self.read(), sql::IS_SUPPRESSED, merchant_id, contact_hash, class);
                    Ok(n > 0)
                }

                async fn suppressions(
                    &self,
                    merchant_id: &MerchantId,
                ) -> StoreResult<Vec<Suppression>> {
                    let rows: Vec<SuppressionRow> =
                        run!(all self.read(), sql::SUPPRESSIONS, merchant_id);
                    Ok(rows.into_iter().map(Suppression::from).collect())
                }

                async fn unsuppress(
                    &self,
                    merchant_id: &MerchantId,
                    contact_hash: &str,
                ) -> StoreResult<bool> {
                    Ok(run!(exec self.write(), sql::UNSUPPRESS, merchant_id, contact_hash) > 0)
                }

                async fn put_template(
                    &self,
                    merchant_id: &MerchantId,
                    key: (&str, &str, &str),
                    source: &str,
                    now: DateTime<Utc>,
                ) -> StoreResult<()> {
                    let (trigger, channel, lang) = key;
                    let at = DbTime(now);
                    run!(exec self.write(), sql::PUT_TEMPLATE, merchant_id, trigger, channel, lang, source, at);
                    Ok(())
                }

                async fn template(
                    &self,
                    merchant_id: &MerchantId,
                    key: (&str, &str, &str),
                ) -> StoreResult<Option<StoredTemplate>> {
                    let (trigger, channel, lang) = key;
                    let row: Option<TemplateRow> =
                        run!(opt self.read(), sql::TEMPLATE, merchant_id, trigger, channel, lang);
                    Ok(row.map(StoredTemplate::from))
                }

                async fn delete_template(
                    &self,
                    merchant_id: &MerchantId,
                    key: (&str, &str, &str),
                ) -> StoreResult<bool> {
                    let (trigger, channel, lang) = key;
                    let n = run!(exec self.write(), sql::DELETE_TEMPLATE, merchant_id, trigger, channel, lang);
                    Ok(n > 0)
                }

                async fn templates(&self, merchant_id: &MerchantId) -> StoreResult<Vec<TemplateInfo>> {
                    let rows: Vec<TemplateInfoRow> = run!(all self.read(), sql::TEMPLATES, merchant_id);
                    Ok(rows.into_iter().map(TemplateInfo::from).collect())
                }
            }
        };
    };
}
pub(crate) use notify_impl;
