//! Whether and when a due shopper message may go, decided just before it is sent: the
//! merchant's switches (checked again here, so a trigger turned off also stops the messages
//! already queued), the quiet hours in force for it, and the merchant's send rate.
//!
//! The settings come from the store on every message (never an in-process copy), so a
//! `PATCH /v1/merchant` served by any process counts at once in every other. The send rate
//! is kept per process (a keyed GCRA, `governor`): with N processes on one database a
//! merchant may send up to N times the configured rate; see the README.

use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::domain::notify_plan::Message;
use crate::domain::notify_settings::NotificationSettings;
use crate::domain::quiet_hours::zone_of;
use crate::domain::Shipment;

/// What to do with a due message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Send it now.
    Go,
    /// Do not send it: the merchant turned its trigger off (the reason says which switch).
    Cancel(String),
    /// Not yet: keep it queued until then, without counting an attempt.
    Wait {
        /// When it is due again.
        until: DateTime<Utc>,
        /// Why, for the message log.
        why: &'static str,
    },
}

/// The merchant's switches and quiet hours for a due message. `operator_quiet` is the
/// operator's default window as configured now (`notifications.quiet_hours`).
pub fn settings_gate(
    settings: &NotificationSettings,
    m: &Message,
    shipment: &Shipment,
    operator_quiet: &str,
    now: DateTime<Utc>,
) -> Gate {
    if let Some(why) = settings.off_because(m.trigger, m.channel) {
        return Gate::Cancel(why);
    }
    if settings.sends_in_quiet_hours(m.trigger) {
        return Gate::Go;
    }
    // Quiet hours in the shopper's zone: wait for the morning.
    if let Some(q) = settings.quiet_hours(operator_quiet) {
        let release = q.release_at(now, zone_of(shipment.destination_country.as_deref()));
        if release > now {
            return Gate::Wait {
                until: release,
                why: "waiting for the end of quiet hours",
            };
        }
    }
    Gate::Go
}

/// Messages per second per merchant, in this process (burst: one second's worth).
pub struct SendRate {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
}

impl SendRate {
    /// A limit of `per_second` messages per merchant; 0: unlimited.
    pub fn new(per_second: u32) -> SendRate {
        SendRate {
            limiter: NonZeroU32::new(per_second)
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_second(n))),
        }
    }

    /// Takes one send from the merchant's allowance: [`Gate::Go`], or wait until the time
    /// the next one is allowed (the message stays queued and goes out then, never failed).
    pub fn take(&self, merchant_id: &str, now: DateTime<Utc>) -> Gate {
        let Some(limiter) = &self.limiter else {
            return Gate::Go;
        };
        match limiter.check_key(&merchant_id.to_string()) {
            Ok(()) => Gate::Go,
            Err(not_until) => {
                let wait = not_until.wait_time_from(limiter.clock().now());
                let wait = chrono::Duration::from_std(wait)
                    .unwrap_or(chrono::Duration::seconds(1))
                    .max(chrono::Duration::milliseconds(1));
                Gate::Wait {
                    until: now + wait,
                    why: "waiting for the merchant's send rate limit",
                }
            }
        }
    }

    /// Forgets merchants whose allowance is full again (bounds the memory per merchant).
    pub fn forget_idle(&self) {
        if let Some(l) = &self.limiter {
            l.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_merchant_waits_past_its_rate_and_another_does_not() {
        let rate = SendRate::new(3);
        let now = Utc::now();
        for _ in 0..3 {
            assert_eq!(rate.take("mer_a", now), Gate::Go);
        }
        match rate.take("mer_a", now) {
            Gate::Wait { until, .. } => {
                assert!(until > now && until <= now + chrono::Duration::milliseconds(400))
            }
            other => panic!("expected a wait, got {other:?}"),
        }
        assert_eq!(rate.take("mer_b", now), Gate::Go);
        let unlimited = SendRate::new(0);
        for _ in 0..100 {
            assert_eq!(unlimited.take("mer_a", now), Gate::Go);
        }
    }
}
