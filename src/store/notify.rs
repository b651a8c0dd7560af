//! Shopper notifications' storage: sealed contact data (kept, erased on request or after
//! retention), the message outbox (claimed with leases, finished with the provider's answer),
//! the per-merchant suppression list and merchants' own templates.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::notify_plan::{Message, MessageStatus};
use crate::domain::{MerchantId, ShipmentId};

/// A suppressed contact, as the merchant sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Suppression {
    /// SHA-256 of the normalized address or number (how it is deleted).
    pub contact_hash: String,
    /// The contact, masked (`a***@shop.example`).
    pub masked: String,
    /// `transactional` or `marketing`.
    pub class: String,
    /// Why: `unsubscribed`, `mailbox_unknown`, `invalid_number`, `opted_out`.
    pub reason: String,
    /// Since.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

/// A merchant's own template, by its key.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct TemplateInfo {
    /// The trigger (`shipped`, …).
    pub trigger: String,
    /// `email` or `sms`.
    pub channel: String,
    /// `pl`, `en` or `de`.
    pub lang: String,
    /// When it was last saved.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// A merchant's own template with its source.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTemplate {
    /// Its key and when it was saved.
    pub info: TemplateInfo,
    /// The template source.
    pub source: String,
}

/// How one send attempt ended, as the worker records it.
#[derive(Debug, Clone)]
pub struct MessageOutcome {
    /// The new status.
    pub status: MessageStatus,
    /// Attempts counted so far (a deferral for quiet hours does not count).
    pub attempts: u32,
    /// When to try again (queued only).
    pub next_attempt_at: DateTime<Utc>,
    /// The server's or provider's answer.
    pub answer: Option<String>,
    /// When it was accepted (sent only).
    pub sent_at: Option<DateTime<Utc>>,
}

/// Notification storage, implemented by both backends (a supertrait of
/// [`Store`](super::Store)).
#[async_trait]
pub trait NotifyStore: Send + Sync {
    /// Stores (or replaces) a shipment's sealed contact data.
    async fn put_contact(
        &self,
        shipment_id: &ShipmentId,
        sealed: &str,
        channels: (bool, bool),
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// A shipment's sealed contact data.
    async fn contact(&self, shipment_id: &ShipmentId) -> StoreResult<Option<String>>;
    /// Erases a merchant's shipment's contact data at once; false when there was none or
    /// the shipment is not theirs.
    async fn erase_contact(&self, merchant_id: &MerchantId, id: &ShipmentId) -> StoreResult<bool>;
    /// Erases the contact data of every shipment whose final status (delivered, returned,
    /// cancelled, expired) was reached before `final_before`; returns how many.
    async fn erase_expired_contacts(&self, final_before: DateTime<Utc>) -> StoreResult<u64>;
    /// Claims due queued messages, leasing them until `lease_until`.
    async fn claim_messages(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Message>>;
    /// Records an attempt's outcome and releases the lease.
    async fn finish_message(&self, id: &str, outcome: &MessageOutcome) -> StoreResult<()> {
        self.finish_messages(&[(id.to_string(), outcome.clone())])
            .await
    }
    /// Records the outcomes of several attempts in one transaction (one commit for a whole
    /// batch of sends, which on SQLite's single writer is most of what a send costs).
    async fn finish_messages(&self, outcomes: &[(String, MessageOutcome)]) -> StoreResult<()>;
    /// Gives claimed messages back unattempted (their lease ends now, nothing else changes):
    /// the sender ran out of lease time before starting them.
    async fn release_messages(&self, ids: &[String]) -> StoreResult<()>;
    /// A shipment's messages, oldest first.
    async fn messages_of(&self, shipment_id: &ShipmentId) -> StoreResult<Vec<Message>>;
    /// Queues a merchant's message again (a resend); the updated message, None when not
    /// theirs or when a sender holds it right now (queued under a lease not yet expired).
    async fn requeue_message(
        &self,
        merchant_id: &MerchantId,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Message>>;
    /// Adds a contact to the merchant's suppression list (kept if already there).
    async fn suppress(&self, merchant_id: &MerchantId, entry: &Suppression) -> StoreResult<()>;
    /// Whether a contact is suppressed for a message class.
    async fn is_suppressed(
        &self,
        merchant_id: &MerchantId,
        contact_hash: &str,
        class: &str,
    ) -> StoreResult<bool>;
    /// The merchant's suppression list, newest first.
    async fn suppressions(&self, merchant_id: &MerchantId) -> StoreResult<Vec<Suppression>>;
    /// Lifts every suppression of a contact; false when there was none.
    async fn unsuppress(&self, merchant_id: &MerchantId, contact_hash: &str) -> StoreResult<bool>;
    /// Stores a merchant's own template.
    async fn put_template(
        &self,
        merchant_id: &MerchantId,
        key: (&str, &str, &str),
        source: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// A merchant's own template for (trigger, channel, language).
    async fn template(
        &self,
        merchant_id: &MerchantId,
        key: (&str, &str, &str),
    ) -> StoreResult<Option<StoredTemplate>>;
    /// Drops a merchant's own template (the built-in applies again); false when there was none.
    async fn delete_template(
        &self,
        merchant_id: &MerchantId,
        key: (&str, &str, &str),
    ) -> StoreResult<bool>;
    /// A merchant's own templates, without their sources, by trigger, channel and language.
    async fn templates(&self, merchant_id: &MerchantId) -> StoreResult<Vec<TemplateInfo>>;
}
