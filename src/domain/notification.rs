//! Shopper-notification vocabulary every layer shares: the triggers and the channels.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a shopper gets a message: one per unified-status change it covers, or a timed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// First carrier scan: the parcel is on its way.
    Shipped,
    /// The courier has the parcel and delivers today.
    OutForDelivery,
    /// Waiting in a locker, pickup point or depot, with where and "collect by".
    AvailableForPickup,
    /// A day before the pickup expires, when the carrier sends no reminder itself.
    PickupReminder,
    /// The courier tried and failed; says what happens next.
    FailedAttempt,
    /// Delivered (including `delivered.neighbour`: says where it was left).
    Delivered,
    /// Needs attention: damaged, lost, refused, held.
    Exception,
    /// The ETA moved past the original one, or its window passed with no delivery.
    Delayed,
    /// The parcel went back to the shop.
    ReturnedToSender,
    /// A few working days after delivery; marketing, off by default.
    ReviewRequest,
}

impl Trigger {
    /// Every trigger, in the order a shipment usually meets them.
    pub const ALL: [Trigger; 10] = [
        Trigger::Shipped,
        Trigger::OutForDelivery,
        Trigger::AvailableForPickup,
        Trigger::PickupReminder,
        Trigger::FailedAttempt,
        Trigger::Delivered,
        Trigger::Exception,
        Trigger::Delayed,
        Trigger::ReturnedToSender,
        Trigger::ReviewRequest,
    ];

    /// The wire name (`out_for_delivery`), the same as serde's.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Shipped => "shipped",
            Trigger::OutForDelivery => "out_for_delivery",
            Trigger::AvailableForPickup => "available_for_pickup",
            Trigger::PickupReminder => "pickup_reminder",
            Trigger::FailedAttempt => "failed_attempt",
            Trigger::Delivered => "delivered",
            Trigger::Exception => "exception",
            Trigger::Delayed => "delayed",
            Trigger::ReturnedToSender => "returned_to_sender",
            Trigger::ReviewRequest => "review_request",
        }
    }

    /// Marketing messages are suppressed and unsubscribed separately from transactional ones
    /// and go out from their own From address.
    pub fn is_marketing(self) -> bool {
        matches!(self, Trigger::ReviewRequest)
    }

    /// Whether the trigger is on for a merchant that has not said otherwise. Review requests
    /// (marketing) and return messages (a shopper may not expect to hear about a return the
    /// shop arranged) wait until the merchant turns them on.
    pub fn default_on(self) -> bool {
        !matches!(self, Trigger::ReviewRequest | Trigger::ReturnedToSender)
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of the known values; the message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}`; expected one of: {expected}")]
pub struct UnknownName {
    /// What was being parsed (`trigger`, `channel`).
    pub what: &'static str,
    /// The name given (cut to 64 characters).
    pub given: String,
    /// The valid names, comma-separated.
    pub expected: String,
}

impl UnknownName {
    fn new(what: &'static str, given: &str, valid: impl Iterator<Item = &'static str>) -> Self {
        UnknownName {
            what,
            given: given.chars().take(64).collect(),
            expected: valid.collect::<Vec<_>>().join(", "),
        }
    }
}

impl FromStr for Trigger {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Trigger::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownName::new("trigger", s, Trigger::ALL.iter().map(|t| t.as_str())))
    }
}

/// How a message reaches the shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail over SMTP.
    Email,
    /// A text message through the configured SMS provider.
    Sms,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 2] = [Channel::Email, Channel::Sms];

    /// The wire name, the same as serde's.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownName::new("channel", s, Channel::ALL.iter().map(|c| c.as_str())))
    }
}

#[cfg(test)]
#[path = "notification_tests.rs"]
mod tests;
