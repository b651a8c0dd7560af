//! A merchant's shopper-notification settings (`settings.notifications`): each trigger on or
//! off per channel, "send even in quiet hours", its own quiet hours, the From display name
//! and Reply-To, and the review link; and what they mean where messages are planned (the
//! apply transaction) and sent (the worker checks again, so a switch turned off stops
//! queued messages too).
//!
//! Stored sparse: only what the merchant set. Anything unset follows the built-in default
//! (`Trigger::default_on`) or the operator's setting *as it is now*, so a later change of a
//! default reaches every merchant that did not choose otherwise.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::notification::{Channel, Trigger};
use super::quiet_hours::QuietHours;

/// `settings.notifications` of a merchant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NotificationSettings {
    /// Per trigger (`shipped`, `review_request`, …): `{"email": bool, "sms": bool,
    /// "send_in_quiet_hours": bool}`; what is not set follows the defaults.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = Object)]
    pub triggers: BTreeMap<Trigger, TriggerSettings>,
    /// Quiet hours in the shopper's zone, `HH:MM-HH:MM`; `""`: none; absent: the operator's
    /// default (`notifications.quiet_hours`) as it is at send time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<String>,
    /// The From display name of transactional e-mail (absent: the shop's display name). The
    /// From address stays the operator's, which DKIM and SPF vouch for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_from_name: Option<String>,
    /// The From display name of marketing e-mail (`review_request`); absent:
    /// `email_from_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketing_from_name: Option<String>,
    /// The Reply-To address of every e-mail (the shop's customer service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// The https link a review request points to; without one no review request is planned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_url: Option<String>,
}

/// One trigger's switches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TriggerSettings {
    /// E-mail on or off; absent: the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<bool>,
    /// SMS on or off; absent: the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms: Option<bool>,
    /// Sent even in quiet hours (a courier at the door will not wait for the morning).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub send_in_quiet_hours: bool,
}

impl TriggerSettings {
    /// The switch of one channel, if set.
    pub fn channel(&self, c: Channel) -> Option<bool> {
        match c {
            Channel::Email => self.email,
            Channel::Sms => self.sms,
        }
    }

    /// Sets (or, with None, resets) the switch of one channel.
    pub fn set_channel(&mut self, c: Channel, on: Option<bool>) {
        match c {
            Channel::Email => self.email = on,
            Channel::Sms => self.sms = on,
        }
    }

    /// Whether nothing is set (the entry can be dropped).
    pub fn is_empty(&self) -> bool {
        *self == TriggerSettings::default()
    }
}

impl NotificationSettings {
    /// Why a trigger is off on a channel for this merchant, or None when it is on: turned off
    /// (or never turned on, for those off by default), or a review request with no link.
    pub fn off_because(&self, t: Trigger, c: Channel) -> Option<String> {
        let set = self.triggers.get(&t).and_then(|s| s.channel(c));
        if !set.unwrap_or(t.default_on()) {
            return Some(match set {
                Some(_) => format!("turned off by the merchant (notifications.triggers.{t}.{c})"),
                None => {
                    format!("off unless the merchant turns it on (notifications.triggers.{t}.{c})")
                }
            });
        }
        if t == Trigger::ReviewRequest && self.review_url.is_none() {
            return Some("no review link set (notifications.review_url)".into());
        }
        None
    }

    /// Whether a trigger is on for a channel.
    pub fn enabled(&self, t: Trigger, c: Channel) -> bool {
        self.off_because(t, c).is_none()
    }

    /// Whether a trigger goes out even in quiet hours.
    pub fn sends_in_quiet_hours(&self, t: Trigger) -> bool {
        self.triggers.get(&t).is_some_and(|s| s.send_in_quiet_hours)
    }

    /// The quiet hours in force: the merchant's own window (`""`: none), else the
    /// operator's `default` as configured now.
    pub fn quiet_hours(&self, default: &str) -> Option<QuietHours> {
        QuietHours::parse(self.quiet_hours.as_deref().unwrap_or(default))
    }

    /// The From display name this merchant chose for a trigger's e-mail, if any.
    pub fn from_name(&self, t: Trigger) -> Option<&str> {
        let marketing = self
            .marketing_from_name
            .as_deref()
            .filter(|_| t.is_marketing());
        marketing.or(self.email_from_name.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_until_the_merchant_chooses() {
        let mut s = NotificationSettings::default();
        assert!(s.enabled(Trigger::Shipped, Channel::Email));
        assert!(s.enabled(Trigger::Shipped, Channel::Sms));
        assert!(!s.enabled(Trigger::ReturnedToSender, Channel::Email));
        assert!(!s.enabled(Trigger::ReviewRequest, Channel::Email));
        s.triggers.insert(
            Trigger::ReviewRequest,
            TriggerSettings {
                email: Some(true),
                ..Default::default()
            },
        );
        let why = s.off_because(Trigger::ReviewRequest, Channel::Email);
        assert!(why.is_some_and(|w| w.contains("review_url")));
        s.review_url = Some("https://shop.example/r".into());
        assert!(s.enabled(Trigger::ReviewRequest, Channel::Email));
        assert!(!s.enabled(Trigger::ReviewRequest, Channel::Sms));
        s.triggers.entry(Trigger::Shipped).or_default().sms = Some(false);
        assert!(!s.enabled(Trigger::Shipped, Channel::Sms));
        assert!(s.enabled(Trigger::Shipped, Channel::Email));
    }

    #[test]
    fn quiet_hours_follow_the_operator_until_set() {
        let mut s = NotificationSettings::default();
        let q = |t: &str| QuietHours::parse(t);
        assert_eq!(s.quiet_hours("21:00-08:00"), q("21:00-08:00"));
        assert_eq!(s.quiet_hours(""), None);
        s.quiet_hours = Some(String::new());
        assert_eq!(s.quiet_hours("21:00-08:00"), None);
        s.quiet_hours = Some("22:00-07:00".into());
        assert_eq!(s.quiet_hours(""), q("22:00-07:00"));
    }

    #[test]
    fn marketing_has_its_own_from_name() {
        let mut s = NotificationSettings {
            email_from_name: Some("Sklep".into()),
            ..Default::default()
        };
        assert_eq!(s.from_name(Trigger::ReviewRequest), Some("Sklep"));
        s.marketing_from_name = Some("Sklep Newsletter".into());
        assert_eq!(
            s.from_name(Trigger::ReviewRequest),
            Some("Sklep Newsletter")
        );
        assert_eq!(s.from_name(Trigger::Delivered), Some("Sklep"));
    }

    #[test]
    fn stored_form_is_sparse_and_round_trips() {
        let s: NotificationSettings = serde_json::from_str(
            r#"{"triggers":{"out_for_delivery":{"send_in_quiet_hours":true}},"quiet_hours":""}"#,
        )
        .expect("parses");
        assert!(s.sends_in_quiet_hours(Trigger::OutForDelivery));
        assert!(!s.sends_in_quiet_hours(Trigger::Shipped));
        let back = serde_json::to_string(&s).expect("json");
        assert_eq!(
            back,
            r#"{"triggers":{"out_for_delivery":{"send_in_quiet_hours":true}},"quiet_hours":""}"#
        );
        assert_eq!(
            serde_json::to_string(&NotificationSettings::default()).expect("json"),
            "{}"
        );
    }
}
