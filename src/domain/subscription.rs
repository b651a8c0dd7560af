//! A merchant's callback endpoint as the tracking pipeline sees it: where deliveries go,
//! which event types, carriers and statuses it wants, and its signing secrets.

use super::ids::{MerchantId, SubscriptionId};
use chrono::{DateTime, Utc};

/// A merchant's callback endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// Id (`sub_…`).
    pub id: SubscriptionId,
    /// Owner.
    pub merchant_id: MerchantId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// Free text.
    pub description: Option<String>,
    /// Event types sent (`shipment.status_changed`, …).
    pub event_types: Vec<String>,
    /// Only shipments of these carriers (empty: all).
    pub carriers: Vec<String>,
    /// Only these (new) statuses (empty: all).
    pub statuses: Vec<String>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// Why it was disabled (by the merchant, a 410, or failing for too long).
    pub disabled_reason: Option<String>,
    /// Signing secret (`whsec_…`).
    pub secret: String,
    /// The secret before the last rotation, still signed with until its expiry.
    pub previous_secret: Option<String>,
    /// When the previous secret stops being used.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Last 2xx.
    pub last_success_at: Option<DateTime<Utc>>,
    /// First failure since the last success.
    pub failing_since: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Subscription {
    /// The secrets to sign with at `now`: the current one, then the previous one during the
    /// rotation overlap.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut v = vec![self.secret.as_str()];
        if let (Some(prev), Some(until)) = (&self.previous_secret, self.previous_secret_expires_at)
        {
            if until > now {
                v.push(prev.as_str());
            }
        }
        v
    }

    /// Whether a change of a shipment of `carrier` to `status` should go to this endpoint.
    pub fn wants(&self, event_type: &str, carrier: &str, status: &str) -> bool {
        self.event_types.iter().any(|t| t == event_type)
            && (self.carriers.is_empty() || self.carriers.iter().any(|c| c == carrier))
            && (self.statuses.is_empty() || self.statuses.iter().any(|s| s == status))
    }
}
