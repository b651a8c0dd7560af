//! Optional carrier capabilities, reached through [`crate::Carrier`]: an account-wide event
//! feed (DPD Poland) and push subscriptions the gateway sets up at the carrier (DHL Unified
//! Push). A carrier without one answers `None` and the gateway skips it.

use async_trait::async_trait;

use crate::error::CarrierError;
use crate::model::TrackingSnapshot;
use crate::secret::Secret;

/// One drained batch of a carrier's account feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedBatch {
    /// Pass to [`EventFeed::confirm_feed`] after the batch is committed; `None` when empty.
    pub confirm_id: Option<String>,
    /// Events grouped by parcel, one snapshot per parcel.
    pub snapshots: Vec<TrackingSnapshot>,
}

/// An account-wide event feed the gateway drains: fetch a batch, commit it, acknowledge it.
#[async_trait]
pub trait EventFeed: Send + Sync {
    /// Fetches up to `limit` unacknowledged events, grouped by parcel.
    async fn fetch_feed(&self, limit: u32) -> Result<FeedBatch, CarrierError>;

    /// Acknowledges a committed batch; an unacknowledged batch is delivered again.
    async fn confirm_feed(&self, confirm_id: &str) -> Result<(), CarrierError>;

    /// Whether the gateway keeps feed events of parcels that are not registered shipments.
    fn keep_unregistered(&self) -> bool {
        false
    }
}

/// What a push subscription follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushTarget {
    /// Every shipment of a carrier account.
    Account(String),
    /// Listed shipments (the carrier caps how many).
    Shipments(Vec<String>),
}

/// A push subscription to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscriptionRequest {
    /// Our public webhook URL (`POST /v1/webhooks/{carrier}/{secret}` on the gateway).
    pub hook_uri: String,
    /// Carrier service (DHL: `parcel-de`, `ecommerce-europe`, ...).
    pub service: String,
    /// Event classes; empty means all the carrier offers.
    pub events: Vec<String>,
    /// Account or shipments.
    pub target: PushTarget,
}

/// A created (not yet active) subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscription {
    /// The carrier's subscription id.
    pub id: String,
    /// The activation secret, for [`PushSubscriptions::activate_push_subscription`].
    pub secret: Secret,
}

/// Push subscriptions the gateway creates at the carrier, which then calls our webhook URL.
#[async_trait]
pub trait PushSubscriptions: Send + Sync {
    /// Most shipments one subscription may list.
    fn max_shipment_ids(&self) -> usize;

    /// Creates a subscription; returns its id and activation secret.
    async fn create_push_subscription(
        &self,
        req: PushSubscriptionRequest,
    ) -> Result<PushSubscription, CarrierError>;

    /// Activates a created subscription with the secret the carrier returned.
    async fn activate_push_subscription(
        &self,
        id: &str,
        secret: &Secret,
    ) -> Result<(), CarrierError>;
}
