//! Which shopper message a status change calls for, and the message rows the notification
//! outbox holds. Planned in the status change's own transaction (like callback rows), so no
//! change goes without its message and no message goes for a change that did not commit.

use carriers::Status;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ids::{MerchantId, ShipmentId};
use super::notification::{Channel, Trigger};
use super::notify_timing::TimedMessage;
use super::shipment::StatusChange;

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting to be sent (or retried, or for the end of quiet hours).
    Queued,
    /// Accepted by the SMTP server or the SMS provider.
    Sent,
    /// Not sent: the contact is on the merchant's suppression list.
    Suppressed,
    /// Not sent and not retried: rejected, not configured, or no longer true.
    Failed,
    /// Retried until the schedule ran out.
    Dead,
    /// Not sent: no longer true when it came due (delivered before "out for delivery" left
    /// quiet hours, picked up before the reminder, on time after all), or its trigger was
    /// turned off by the merchant meanwhile (the answer names the switch).
    Cancelled,
}

impl MessageStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Sent => "sent",
            MessageStatus::Suppressed => "suppressed",
            MessageStatus::Failed => "failed",
            MessageStatus::Dead => "dead",
            MessageStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<MessageStatus> {
        [
            MessageStatus::Queued,
            MessageStatus::Sent,
            MessageStatus::Suppressed,
            MessageStatus::Failed,
            MessageStatus::Dead,
            MessageStatus::Cancelled,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }
}

/// One message of the notification outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Id (`ntf_…`).
    pub id: String,
    /// The shipment it is about.
    pub shipment_id: ShipmentId,
    /// The merchant sending it.
    pub merchant_id: MerchantId,
    /// What it announces.
    pub trigger: Trigger,
    /// How it travels.
    pub channel: Channel,
    /// Where it is.
    pub status: MessageStatus,
    /// Send attempts so far.
    pub attempts: u32,
    /// When it is (next) due.
    pub next_attempt_at: DateTime<Utc>,
    /// The e-mail's `Message-ID` (kept across retries, so a re-send after a crash carries the
    /// same one and the shopper's mail client shows one message).
    pub message_id: String,
    /// The server's or provider's last answer.
    pub answer: Option<String>,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// When it was accepted.
    pub sent_at: Option<DateTime<Utc>>,
}

/// A message to plan: what and how, and when when not at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMessage {
    /// What it announces.
    pub trigger: Trigger,
    /// How it travels.
    pub channel: Channel,
    /// When it is due; None for at once.
    pub due_at: Option<DateTime<Utc>>,
    /// Once per shipment rather than once per status change (`delayed`); planning it again
    /// only brings a queued one forward.
    pub once_per_shipment: bool,
}

impl PlannedMessage {
    /// A message due at once, for the change that planned it.
    pub fn now(trigger: Trigger, channel: Channel) -> Self {
        PlannedMessage {
            trigger,
            channel,
            due_at: None,
            once_per_shipment: false,
        }
    }
}

/// The trigger a change of unified status calls for, if any.
///
/// Once per change of unified status, never per raw scan: a substatus change alone sends
/// nothing, and neither does a second scan of the same status. The first carrier scan is
/// `shipped` only when the parcel is merely moving; a shipment whose first scans already say
/// more (registered when out for delivery or delivered) gets that status's message alone, so
/// history is never replayed to the shopper.
pub fn trigger_for(change: &StatusChange) -> Option<Trigger> {
    if change.from_status == change.to_status {
        return None;
    }
    match change.to_status {
        Status::InTransit if !moving(change.from_status) => Some(Trigger::Shipped),
        Status::OutForDelivery => Some(Trigger::OutForDelivery),
        Status::AvailableForPickup => Some(Trigger::AvailableForPickup),
        Status::FailedAttempt => Some(Trigger::FailedAttempt),
        Status::Delivered => Some(Trigger::Delivered),
        Status::Exception => Some(Trigger::Exception),
        Status::ReturnedToSender => Some(Trigger::ReturnedToSender),
        _ => None,
    }
}

/// Whether the carrier has the parcel (a status after the first scan).
fn moving(s: Status) -> bool {
    !matches!(s, Status::Pending | Status::InfoReceived | Status::Unknown)
}

/// The messages one status change plans: its trigger on every channel the shipment has a
/// contact for, where the trigger is on for the merchant (`enabled(trigger, channel)`).
pub fn plan_messages(
    change: &StatusChange,
    channels: &[Channel],
    enabled: impl Fn(Trigger, Channel) -> bool,
) -> Vec<PlannedMessage> {
    let Some(trigger) = trigger_for(change) else {
        return Vec::new();
    };
    channels
        .iter()
        .copied()
        .filter(|c| enabled(trigger, *c))
        .map(|channel| PlannedMessage::now(trigger, channel))
        .collect()
}

/// The timed messages on every channel the shipment has a contact for, where the trigger
/// is on for the merchant.
pub fn plan_timed(
    timed: &[TimedMessage],
    channels: &[Channel],
    enabled: impl Fn(Trigger, Channel) -> bool,
) -> Vec<PlannedMessage> {
    timed
        .iter()
        .flat_map(|t| channels.iter().map(move |c| (t, *c)))
        .filter(|(t, c)| enabled(t.trigger, *c))
        .map(|(t, channel)| PlannedMessage {
            trigger: t.trigger,
            channel,
            due_at: Some(t.due_at),
            once_per_shipment: t.once_per_shipment,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(from: Status, to: Status) -> StatusChange {
        StatusChange {
            from_status: from,
            from_substatus: String::new(),
            to_status: to,
            to_substatus: String::new(),
            event_id: "e1".into(),
            occurred_at: Utc::now(),
        }
    }

    #[test]
    fn each_change_of_status_fires_its_one_trigger() {
        use Status::*;
        assert_eq!(
            trigger_for(&change(Pending, InTransit)),
            Some(Trigger::Shipped)
        );
        assert_eq!(
            trigger_for(&change(InfoReceived, InTransit)),
            Some(Trigger::Shipped)
        );
        assert_eq!(trigger_for(&change(FailedAttempt, InTransit)), None);
        assert_eq!(
            trigger_for(&change(InTransit, OutForDelivery)),
            Some(Trigger::OutForDelivery)
        );
        assert_eq!(
            trigger_for(&change(OutForDelivery, Delivered)),
            Some(Trigger::Delivered)
        );
        assert_eq!(
            trigger_for(&change(InTransit, InTransit)),
            None,
            "a substatus alone"
        );
        assert_eq!(trigger_for(&change(InTransit, Expired)), None);
    }

    #[test]
    fn a_shipment_registered_when_delivered_gets_only_the_delivered_message() {
        let c = change(Status::Pending, Status::Delivered);
        let plan = plan_messages(&c, &[Channel::Email, Channel::Sms], |_, _| true);
        assert_eq!(
            plan,
            vec![
                PlannedMessage::now(Trigger::Delivered, Channel::Email),
                PlannedMessage::now(Trigger::Delivered, Channel::Sms),
            ]
        );
        let off = plan_messages(&c, &[Channel::Email], |t, _| t != Trigger::Delivered);
        assert!(off.is_empty());
    }
}
