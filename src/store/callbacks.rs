//! Callback storage: the types of subscriptions, the delivery outbox and its attempts, and
//! the two traits over them, [`SubscriptionStore`] and [`OutboxStore`]: supertraits of
//! [`Store`](super::Store), implemented once in `store::sql` for both backends.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;

mod claim;
pub use crate::domain::outbox::{plan_outbox, replay_row, AppliedChange, OutboxRow};
pub use crate::domain::subscription::Subscription;
pub use claim::*;

/// Input for creating a subscription (already validated).
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// Owner.
    pub merchant_id: crate::domain::MerchantId,
    /// Endpoint.
    pub url: String,
    /// Free text.
    pub description: Option<String>,
    /// Event types.
    pub event_types: Vec<String>,
    /// Carrier filter.
    pub carriers: Vec<String>,
    /// Status filter.
    pub statuses: Vec<String>,
    /// Enabled from the start.
    pub enabled: bool,
    /// Signing secret.
    pub secret: String,
}

/// A partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionPatch {
    /// Endpoint.
    pub url: Option<String>,
    /// Free text (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Event types.
    pub event_types: Option<Vec<String>>,
    /// Carrier filter.
    pub carriers: Option<Vec<String>>,
    /// Status filter.
    pub statuses: Option<Vec<String>>,
    /// Enable (clears the disabled reason and the failure streak) or disable.
    pub enabled: Option<bool>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its next attempt (or for an earlier delivery of the same shipment).
    Pending,
    /// A 2xx was received.
    Succeeded,
    /// Every attempt failed; kept for the log, retry by hand or replay.
    Dead,
}

impl DeliveryState {
    /// Database and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Succeeded => "succeeded",
            DeliveryState::Dead => "dead",
        }
    }

    /// Parses the database name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Succeeded, Self::Dead]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Id (`dlv_…`, time-ordered).
    pub id: String,
    /// Endpoint.
    pub subscription_id: String,
    /// Shipment.
    pub shipment_id: String,
    /// Order within (shipment, subscription).
    pub seq: i64,
    /// The status change it announces (None for ETA changes).
    pub status_change_id: Option<i64>,
    /// Event type.
    pub event_type: String,
    /// `webhook-id` header (`msg_…`): the same on every attempt.
    pub webhook_id: String,
    /// Stored body (see `dispatch::payload` for how it is rendered at send time).
    pub payload: String,
    /// State.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: DateTime<Utc>,
    /// HTTP status of the last attempt.
    pub last_status: Option<u16>,
    /// Error of the last attempt.
    pub last_error: Option<String>,
    /// Enqueued.
    pub created_at: DateTime<Utc>,
    /// Succeeded or died at.
    pub finished_at: Option<DateTime<Utc>>,
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryAttempt {
    /// Delivery.
    pub delivery_id: String,
    /// When it was sent.
    pub attempted_at: DateTime<Utc>,
    /// HTTP status (None: no response: timeout, refused address, connection error).
    pub status_code: Option<u16>,
    /// Time to the response or the failure.
    pub latency_ms: u64,
    /// What went wrong.
    pub error: Option<String>,
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Done.
    Succeeded,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// No attempts left.
    Dead,
}

/// An attempt's outcome to record.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    /// The attempt.
    pub attempt: DeliveryAttempt,
    /// Its subscription.
    pub subscription_id: String,
    /// What happens next.
    pub next: NextStep,
    /// Disable the subscription with this reason (a 410).
    pub disable: Option<String>,
}

/// Listing a subscription's deliveries.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Only this state.
    pub state: Option<DeliveryState>,
    /// Deliveries with id below this (newest first paging).
    pub before_id: Option<String>,
    /// Page size.
    pub limit: u32,
}

/// Subscription storage (the merchant's callback endpoints), implemented by both backends.
#[async_trait]
pub trait SubscriptionStore: Send + Sync {
    /// Creates a subscription.
    async fn create_subscription(
        &self,
        new: &NewSubscription,
        now: DateTime<Utc>,
    ) -> StoreResult<Subscription>;
    /// A merchant's subscription (None for another merchant's).
    async fn subscription(
        &self,
        merchant_id: &crate::domain::MerchantId,
        id: &crate::domain::SubscriptionId,
    ) -> StoreResult<Option<Subscription>>;
    /// A subscription whoever owns it (the dispatcher).
    async fn subscription_by_id(&self, id: &str) -> StoreResult<Option<Subscription>>;
    /// A merchant's subscriptions, oldest first.
    async fn list_subscriptions(
        &self,
        merchant_id: &crate::domain::MerchantId,
    ) -> StoreResult<Vec<Subscription>>;
    /// Applies a patch; None when not the merchant's.
    async fn update_subscription(
        &self,
        merchant_id: &crate::domain::MerchantId,
        id: &crate::domain::SubscriptionId,
        patch: &SubscriptionPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Subscription>>;
    /// Deletes a subscription with its deliveries; false when not the merchant's.
    async fn delete_subscription(
        &self,
        merchant_id: &crate::domain::MerchantId,
        id: &crate::domain::SubscriptionId,
    ) -> StoreResult<bool>;
    /// Replaces the secret; the old one stays valid until `previous_valid_until`.
    async fn rotate_subscription_secret(
        &self,
        merchant_id: &crate::domain::MerchantId,
        id: &crate::domain::SubscriptionId,
        new_secret: &str,
        previous_valid_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Subscription>>;
    /// Disables a subscription with a reason shown to the merchant.
    async fn disable_subscription(
        &self,
        id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// The delivery outbox: claiming with leases, attempts, the log, retry and replay,
/// implemented by both backends.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims due deliveries, leasing them until `claim.lease_until`: at most `claim.limit`,
    /// and for each subscription at most `claim.per_subscription` minus what
    /// `claim.in_flight` says it already has, oldest due first. Only the first pending
    /// delivery of each (shipment, subscription) is claimable, and only for enabled
    /// subscriptions.
    async fn claim_deliveries(&self, claim: &Claim<'_>) -> StoreResult<Vec<Delivery>>;
    /// Records attempts in one transaction, releasing their leases. A subscription failing
    /// with no success since `failing_cutoff` or earlier is disabled with `failing_reason`.
    async fn record_attempts(
        &self,
        records: &[AttemptRecord],
        failing_cutoff: DateTime<Utc>,
        failing_reason: &str,
    ) -> StoreResult<()>;
    /// A subscription's deliveries, newest first.
    async fn list_deliveries(
        &self,
        subscription_id: &str,
        filter: &DeliveryFilter,
    ) -> StoreResult<Vec<Delivery>>;
    /// One delivery of a subscription.
    async fn delivery(&self, subscription_id: &str, id: &str) -> StoreResult<Option<Delivery>>;
    /// The attempts of these deliveries, oldest first.
    async fn delivery_attempts(&self, delivery_ids: &[String])
        -> StoreResult<Vec<DeliveryAttempt>>;
    /// Makes a delivery pending and due now (same webhook id); None when absent.
    async fn retry_delivery(
        &self,
        subscription_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Delivery>>;
    /// Enqueues every status change recorded in `[from, to)` of the subscription's merchant's
    /// shipments that the subscription's filters accept, as new deliveries (new webhook ids,
    /// payloads rebuilt from the change). Returns how many.
    async fn replay(
        &self,
        subscription_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
}

/// The reason shown when the merchant disabled a subscription.
pub const DISABLED_BY_MERCHANT: &str = "disabled by the merchant";

impl SubscriptionPatch {
    /// Applies the patch to a subscription read from the store. Enabling clears the disabled
    /// reason and the failure streak; disabling records that the merchant did it.
    pub fn apply_to(&self, sub: &mut Subscription, now: DateTime<Utc>) {
        if let Some(v) = &self.url {
            sub.url = v.clone();
        }
        if let Some(v) = &self.description {
            sub.description = v.clone();
        }
        if let Some(v) = &self.event_types {
            sub.event_types = v.clone();
        }
        if let Some(v) = &self.carriers {
            sub.carriers = v.clone();
        }
        if let Some(v) = &self.statuses {
            sub.statuses = v.clone();
        }
        match self.enabled {
            Some(true) if !sub.enabled => {
                sub.enabled = true;
                sub.disabled_reason = None;
                sub.failing_since = None;
            }
            Some(false) if sub.enabled => {
                sub.enabled = false;
                sub.disabled_reason = Some(DISABLED_BY_MERCHANT.to_string());
            }
            _ => {}
        }
        sub.updated_at = now;
    }
}
