//! The `notifications` object of `PATCH /v1/merchant`: triggers on or off per channel,
//! "send even in quiet hours", the merchant's quiet hours, From names, Reply-To and the
//! review link, each validated with a 422 naming the field (unknown trigger and channel
//! names included), then merged into the stored settings.
//!
//! Merge rules: a field present is changed, `null` resets it to the default (for
//! `quiet_hours`: follow the operator's default again); `"notifications": null` resets all.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::extract::some;
use crate::domain::notification::{Channel, Trigger};
use crate::domain::notify_settings::{NotificationSettings, TriggerSettings};
use crate::domain::quiet_hours::QuietHours;
use crate::error::ApiError;

/// The key inside a trigger's object that is not a channel.
const QUIET_FLAG: &str = "send_in_quiet_hours";
/// Longest From display name.
const MAX_NAME_CHARS: usize = 80;
/// Longest review link.
const MAX_URL_BYTES: usize = 2000;

/// `notifications` in `PATCH /v1/merchant`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsPatch {
    /// Per trigger: `{"email": bool, "sms": bool, "send_in_quiet_hours": bool}`; a value of
    /// `null` (for a trigger or one of its keys) resets it to the default.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub triggers: Option<BTreeMap<String, Option<BTreeMap<String, Value>>>>,
    /// `HH:MM-HH:MM` in the shopper's zone; `""`: no quiet hours; `null`: the operator's.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub quiet_hours: Option<Option<String>>,
    /// From display name of transactional e-mail.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub email_from_name: Option<Option<String>>,
    /// From display name of marketing e-mail (`review_request`).
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub marketing_from_name: Option<Option<String>>,
    /// Reply-To address of every e-mail.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub reply_to: Option<Option<String>>,
    /// The https link review requests point to.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub review_url: Option<Option<String>>,
}

/// Applies a patch (`None`: `"notifications": null`, reset all) to the stored settings.
pub fn apply(
    current: &NotificationSettings,
    patch: Option<NotificationsPatch>,
) -> Result<NotificationSettings, ApiError> {
    let Some(p) = patch else {
        return Ok(NotificationSettings::default());
    };
    let mut s = current.clone();
    if let Some(triggers) = p.triggers {
        apply_triggers(&mut s.triggers, triggers)?;
    }
    if let Some(v) = p.quiet_hours {
        s.quiet_hours = v.map(|q| quiet_hours(&q)).transpose()?;
    }
    if let Some(v) = p.email_from_name {
        s.email_from_name = name("notifications.email_from_name", v)?;
    }
    if let Some(v) = p.marketing_from_name {
        s.marketing_from_name = name("notifications.marketing_from_name", v)?;
    }
    if let Some(v) = p.reply_to {
        s.reply_to = reply_to(v)?;
    }
    if let Some(v) = p.review_url {
        s.review_url = review_url(v)?;
    }
    Ok(s)
}

fn apply_triggers(
    stored: &mut BTreeMap<Trigger, TriggerSettings>,
    patch: BTreeMap<String, Option<BTreeMap<String, Value>>>,
) -> Result<(), ApiError> {
    let unknown: Vec<&str> = patch
        .keys()
        .filter(|k| k.parse::<Trigger>().is_err())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let valid: Vec<&str> = Trigger::ALL.iter().map(|t| t.as_str()).collect();
        return Err(ApiError::field(
            "notifications.triggers",
            format!(
                "unknown trigger{} {}; expected one of: {}",
                if unknown.len() > 1 { "s" } else { "" },
                quoted(&unknown),
                valid.join(", ")
            ),
        ));
    }
    for (name, entry) in patch {
        let Ok(trigger) = name.parse::<Trigger>() else {
            continue; // refused above
        };
        let Some(keys) = entry else {
            stored.remove(&trigger);
            continue;
        };
        let mut t = stored.get(&trigger).copied().unwrap_or_default();
        for (key, value) in keys {
            let field = format!("notifications.triggers.{trigger}.{key}");
            let on = match value {
                Value::Null => None,
                Value::Bool(b) => Some(b),
                _ => return Err(ApiError::field(field, "must be true, false or null")),
            };
            if key == QUIET_FLAG {
                t.send_in_quiet_hours = on.unwrap_or(false);
                continue;
            }
            let channel = key.parse::<Channel>().map_err(|e| {
                ApiError::field(
                    format!("notifications.triggers.{trigger}"),
                    format!("{e} (or {QUIET_FLAG})"),
                )
            })?;
            t.set_channel(channel, on);
        }
        if t.is_empty() {
            stored.remove(&trigger);
        } else {
            stored.insert(trigger, t);
        }
    }
    Ok(())
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", n.chars().take(64).collect::<String>()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `""` (none) or a window, stored as `HH:MM-HH:MM`.
fn quiet_hours(q: &str) -> Result<String, ApiError> {
    if q.trim().is_empty() {
        return Ok(String::new());
    }
    let w = QuietHours::parse(q).ok_or_else(|| {
        ApiError::field(
            "notifications.quiet_hours",
            "must be HH:MM-HH:MM in the shopper's time zone (e.g. 22:00-07:00), \"\" for none, \
             or null to follow the operator's default",
        )
    })?;
    Ok(format!(
        "{}-{}",
        w.start.format("%H:%M"),
        w.end.format("%H:%M")
    ))
}

/// A display name: trimmed, at most 80 printable characters; empty: unset.
fn name(field: &str, v: Option<String>) -> Result<Option<String>, ApiError> {
    match v.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > MAX_NAME_CHARS || n.chars().any(char::is_control) => Err(
            ApiError::field(field, "must be at most 80 printable characters"),
        ),
        other => Ok(other),
    }
}

/// A bare e-mail address (`obsluga@shop.example`); empty: unset.
fn reply_to(v: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(a) = v.map(|a| a.trim().to_string()).filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    match a.parse::<crate::notify::email::Address>() {
        Ok(addr) if a.len() <= 254 => Ok(Some(addr.to_string())),
        _ => Err(ApiError::field(
            "notifications.reply_to",
            "must be an e-mail address such as obsluga@shop.example (no display name)",
        )),
    }
}

/// An absolute https URL with a host and no credentials; empty: unset.
fn review_url(v: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(raw) = v.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let ok = raw.len() <= MAX_URL_BYTES
        && url::Url::parse(&raw).is_ok_and(|u| {
            u.scheme() == "https"
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.username().is_empty()
                && u.password().is_none()
        });
    if ok {
        Ok(Some(raw))
    } else {
        Err(ApiError::field(
            "notifications.review_url",
            "must be an https:// URL (at most 2000 characters, no credentials)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(v: Value) -> Result<NotificationSettings, ApiError> {
        let p: NotificationsPatch = serde_json::from_value(v).expect("shape");
        apply(&NotificationSettings::default(), Some(p))
    }

    fn field(r: Result<NotificationSettings, ApiError>) -> String {
        match r {
            Err(ApiError::Validation { field, message }) => format!("{field}: {message}"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn switches_merge_and_null_resets() {
        let s = patch(serde_json::json!({"triggers": {
            "review_request": {"email": true},
            "out_for_delivery": {"sms": false, "send_in_quiet_hours": true}}}))
        .expect("valid");
        assert_eq!(s.triggers[&Trigger::ReviewRequest].email, Some(true));
        assert!(s.sends_in_quiet_hours(Trigger::OutForDelivery));
        let p: NotificationsPatch = serde_json::from_value(serde_json::json!({"triggers": {
            "review_request": null, "out_for_delivery": {"sms": null}}}))
        .expect("shape");
        let s = apply(&s, Some(p)).expect("valid");
        assert!(!s.triggers.contains_key(&Trigger::ReviewRequest));
        assert_eq!(s.triggers[&Trigger::OutForDelivery].sms, None);
        assert_eq!(
            apply(&s, None).expect("reset"),
            NotificationSettings::default()
        );
    }

    #[test]
    fn bad_input_names_the_field() {
        let e = field(patch(
            serde_json::json!({"triggers": {"shiped": {}, "lost": {}}}),
        ));
        assert!(
            e.contains("`lost`, `shiped`") && e.contains("shipped"),
            "{e}"
        );
        let e = field(patch(
            serde_json::json!({"triggers": {"shipped": {"fax": true}}}),
        ));
        assert!(
            e.starts_with("notifications.triggers.shipped") && e.contains("`fax`"),
            "{e}"
        );
        let e = field(patch(
            serde_json::json!({"triggers": {"shipped": {"email": "yes"}}}),
        ));
        assert!(e.starts_with("notifications.triggers.shipped.email"), "{e}");
        let e = field(patch(serde_json::json!({"quiet_hours": "22-7"})));
        assert!(e.starts_with("notifications.quiet_hours"), "{e}");
        let e = field(patch(serde_json::json!({"reply_to": "Obsługa <a@b.pl>"})));
        assert!(e.starts_with("notifications.reply_to"), "{e}");
        let e = field(patch(
            serde_json::json!({"review_url": "http://shop.example/r"}),
        ));
        assert!(e.starts_with("notifications.review_url"), "{e}");
        let e = field(patch(serde_json::json!({"email_from_name": "a\nBcc: x@y"})));
        assert!(e.starts_with("notifications.email_from_name"), "{e}");
    }

    #[test]
    fn quiet_hours_are_normalized_empty_or_inherited() {
        let s = patch(serde_json::json!({"quiet_hours": " 22:00 - 07:00 "})).expect("valid");
        assert_eq!(s.quiet_hours.as_deref(), Some("22:00-07:00"));
        let s = patch(serde_json::json!({"quiet_hours": ""})).expect("valid");
        assert_eq!(s.quiet_hours.as_deref(), Some(""));
        let s = patch(serde_json::json!({"quiet_hours": null})).expect("valid");
        assert_eq!(s.quiet_hours, None);
    }
}
