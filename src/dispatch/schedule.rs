//! The retry schedule and what an attempt's outcome means: pure functions, so the timing
//! rules are unit-tested without clocks or servers.
//!
//! Default schedule (delay before each attempt): immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
//! 10 h, 10 h: eight attempts over about 28 hours. Each delay gets ±10 % jitter so endpoints
//! that failed together are not retried in lockstep. A 2xx is success; anything else
//! (including 3xx, since redirects are never followed) is a failure; 429 and 503 wait for
//! their `Retry-After` (capped at a day) instead of the scheduled delay; 410 also disables
//! the subscription. After the last attempt the delivery is dead.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::callbacks::NextStep;

/// The default delays before attempts 1..=8, in milliseconds.
pub const DEFAULT_SCHEDULE_MS: &[u64] = &[
    0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

/// Longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The disable reason for a 410.
pub const GONE_REASON: &str = "the endpoint answered 410 Gone";

/// `base` with ±10 % jitter; `unit` is a uniform random number in [0, 1).
pub fn jittered(base: Duration, unit: f64) -> Duration {
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.5
    };
    base.mul_f64(0.9 + 0.2 * unit)
}

/// What an attempt returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    /// HTTP status; None when there was no response (timeout, refused, connection error).
    pub status: Option<u16>,
    /// Parsed `Retry-After`.
    pub retry_after: Option<Duration>,
}

/// The decision after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Next step of the delivery.
    pub next: NextStep,
    /// Disable the subscription with this reason.
    pub disable: Option<String>,
}

/// Decides what follows an attempt. `attempts_done` counts this attempt; `schedule_ms` is
/// the delay before each attempt (its length is the number of attempts).
pub fn decide(
    r: Response,
    attempts_done: u32,
    schedule_ms: &[u64],
    now: DateTime<Utc>,
    unit: f64,
) -> Decision {
    if r.status.is_some_and(|s| (200..300).contains(&s)) {
        return Decision {
            next: NextStep::Succeeded,
            disable: None,
        };
    }
    let disable = (r.status == Some(410)).then(|| GONE_REASON.to_string());
    let next_delay = usize::try_from(attempts_done)
        .ok()
        .and_then(|i| schedule_ms.get(i))
        .map(|ms| jittered(Duration::from_millis(*ms), unit));
    let next = match next_delay {
        None => NextStep::Dead,
        Some(delay) => {
            let delay = match (r.status, r.retry_after) {
                (Some(429 | 503), Some(ra)) => ra.min(MAX_RETRY_AFTER),
                _ => delay,
            };
            let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
            NextStep::RetryAt(now.checked_add_signed(delay).unwrap_or(now))
        }
    };
    Decision { next, disable }
}

/// Parses `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(v: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, 8, 0, 0).unwrap()
    }

    fn fail(status: Option<u16>) -> Response {
        Response {
            status,
            retry_after: None,
        }
    }

    fn retry_in(d: &Decision) -> Duration {
        match d.next {
            NextStep::RetryAt(t) => (t - now()).to_std().unwrap(),
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn the_default_schedule_without_jitter() {
        // unit 0.5 = no jitter; attempt n failing waits for schedule[n].
        let expected = [5, 300, 1800, 7200, 18000, 36000, 36000];
        for (i, secs) in expected.iter().enumerate() {
            let d = decide(
                fail(Some(500)),
                i as u32 + 1,
                DEFAULT_SCHEDULE_MS,
                now(),
                0.5,
            );
            assert_eq!(
                retry_in(&d),
                Duration::from_secs(*secs),
                "after attempt {}",
                i + 1
            );
            assert_eq!(d.disable, None);
        }
        let last = decide(fail(None), 8, DEFAULT_SCHEDULE_MS, now(), 0.5);
        assert_eq!(last.next, NextStep::Dead, "eight attempts, then dead");
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let base = Duration::from_secs(300);
        assert_eq!(jittered(base, 0.0), Duration::from_secs(270));
        assert_eq!(jittered(base, 0.5), base);
        assert!(jittered(base, 0.999_999) <= Duration::from_secs(330));
        assert_eq!(jittered(base, f64::NAN), base);
        assert_eq!(
            jittered(Duration::ZERO, 0.9),
            Duration::ZERO,
            "immediately stays immediate"
        );
    }

    #[test]
    fn success_redirects_gone_and_retry_after() {
        let ok = decide(fail(Some(204)), 1, DEFAULT_SCHEDULE_MS, now(), 0.5);
        assert_eq!(ok.next, NextStep::Succeeded);
        let redirect = decide(fail(Some(302)), 1, DEFAULT_SCHEDULE_MS, now(), 0.5);
        assert_eq!(
            retry_in(&redirect),
            Duration::from_secs(5),
            "3xx is a failure"
        );
        let gone = decide(fail(Some(410)), 1, DEFAULT_SCHEDULE_MS, now(), 0.5);
        assert_eq!(gone.disable.as_deref(), Some(GONE_REASON));
        for status in [429, 503] {
            let r = Response {
                status: Some(status),
                retry_after: Some(Duration::from_secs(120)),
            };
            let d = decide(r, 1, DEFAULT_SCHEDULE_MS, now(), 0.9);
            assert_eq!(
                retry_in(&d),
                Duration::from_secs(120),
                "{status} honours Retry-After"
            );
        }
        let huge = Response {
            status: Some(429),
            retry_after: Some(Duration::from_secs(10 * 86400)),
        };
        assert_eq!(
            retry_in(&decide(huge, 1, DEFAULT_SCHEDULE_MS, now(), 0.5)),
            MAX_RETRY_AFTER
        );
        let ignored = Response {
            status: Some(500),
            retry_after: Some(Duration::from_secs(1)),
        };
        assert_eq!(
            retry_in(&decide(ignored, 1, DEFAULT_SCHEDULE_MS, now(), 0.5)),
            Duration::from_secs(5),
            "Retry-After only counts on 429 and 503"
        );
        let spent = Response {
            status: Some(429),
            retry_after: Some(Duration::from_secs(1)),
        };
        assert_eq!(
            decide(spent, 8, DEFAULT_SCHEDULE_MS, now(), 0.5).next,
            NextStep::Dead
        );
    }

    #[test]
    fn retry_after_formats() {
        assert_eq!(
            parse_retry_after(" 30 ", now()),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Mon, 04 May 2026 08:01:00 GMT", now()),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now()), None);
    }
}
