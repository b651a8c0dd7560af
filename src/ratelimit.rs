//! Per-carrier call budgets: a token bucket for calls per second, a daily quota that resets
//! at 00:00 UTC (DHL: 00:00 GMT), and a pause that a carrier's 429 Retry-After imposes on
//! every caller.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use carriers::CarrierId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tokio::time::Instant;

/// Budget of one carrier.
#[derive(Debug)]
struct Bucket {
    per_second: f64,
    per_day: Option<u32>,
    tokens: f64,
    last_refill: Instant,
    paused_until: Option<Instant>,
    day: NaiveDate,
    used_today: u32,
}

/// What a caller must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// Go ahead (the call is counted).
    Go,
    /// Try again after this long.
    Wait(Duration),
    /// Today's quota is spent; resumes at the next UTC midnight.
    QuotaExhausted,
}

/// Quota use, for `GET /v1/carriers` and metrics.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuotaUse {
    /// Calls per second allowed.
    pub per_second: f64,
    /// Calls per day allowed (None: unlimited).
    pub per_day: Option<u32>,
    /// Calls made today (UTC).
    pub used_today: u32,
    /// Seconds until a 429 pause ends, if paused.
    pub paused_for_secs: Option<u64>,
}

/// The limiter for all carriers.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<CarrierId, Bucket>>,
}

impl RateLimiter {
    /// Sets a carrier's budget.
    pub fn configure(&self, carrier: CarrierId, per_second: f64, per_day: Option<u32>) {
        if let Ok(mut b) = self.buckets.lock() {
            b.insert(
                carrier,
                Bucket {
                    per_second: per_second.max(0.001),
                    per_day: per_day.filter(|d| *d > 0),
                    tokens: 1.0,
                    last_refill: Instant::now(),
                    paused_until: None,
                    day: Utc::now().date_naive(),
                    used_today: 0,
                },
            );
        }
    }

    /// Asks to make one call now.
    pub fn try_acquire(&self, carrier: CarrierId, now_utc: DateTime<Utc>) -> Permit {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Permit::Go;
        };
        let Some(b) = buckets.get_mut(&carrier) else {
            return Permit::Go;
        };
        let now = Instant::now();
        if let Some(until) = b.paused_until {
            if until > now {
                return Permit::Wait(until - now);
            }
            b.paused_until = None;
        }
        if b.day != now_utc.date_naive() {
            b.day = now_utc.date_naive();
            b.used_today = 0;
        }
        if let Some(limit) = b.per_day {
            if b.used_today >= limit {
                return Permit::QuotaExhausted;
            }
        }
        let elapsed = now.duration_since(b.last_refill).as_secs_f64();
        // Burst of at most one call: spreads calls evenly instead of bunching them.
        b.tokens = (b.tokens + elapsed * b.per_second).min(1.0);
        b.last_refill = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            b.used_today += 1;
            Permit::Go
        } else {
            Permit::Wait(Duration::from_secs_f64((1.0 - b.tokens) / b.per_second))
        }
    }

    /// Waits until a call is allowed; `None` when the daily quota is spent.
    pub async fn acquire(&self, carrier: CarrierId) -> Option<()> {
        loop {
            match self.try_acquire(carrier, Utc::now()) {
                Permit::Go => return Some(()),
                Permit::Wait(d) => tokio::time::sleep(d).await,
                Permit::QuotaExhausted => return None,
            }
        }
    }

    /// Pauses every call to a carrier (a 429 with Retry-After).
    pub fn pause(&self, carrier: CarrierId, for_: Duration) {
        if let Ok(mut buckets) = self.buckets.lock() {
            if let Some(b) = buckets.get_mut(&carrier) {
                let until = Instant::now() + for_;
                b.paused_until = Some(b.paused_until.map_or(until, |p| p.max(until)));
            }
        }
    }

    /// Current use of a carrier's budget.
    pub fn usage(&self, carrier: CarrierId) -> Option<QuotaUse> {
        let buckets = self.buckets.lock().ok()?;
        let b = buckets.get(&carrier)?;
        let now = Instant::now();
        Some(QuotaUse {
            per_second: b.per_second,
            per_day: b.per_day,
            used_today: if b.day == Utc::now().date_naive() {
                b.used_today
            } else {
                0
            },
            paused_for_secs: b
                .paused_until
                .filter(|u| *u > now)
                .map(|u| (u - now).as_secs().max(1)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test(start_paused = true)]
    async fn spreads_calls_at_the_configured_rate() {
        let l = RateLimiter::default();
        l.configure(CarrierId::Dhl, 2.0, None);
        let start = Instant::now();
        for _ in 0..5 {
            l.acquire(CarrierId::Dhl).await;
        }
        // First call immediate, then one every 0.5 s.
        let took = start.elapsed().as_secs_f64();
        assert!((1.9..2.2).contains(&took), "{took}");
    }

    #[tokio::test(start_paused = true)]
    async fn daily_quota_resets_at_utc_midnight() {
        let l = RateLimiter::default();
        l.configure(CarrierId::Dhl, 1000.0, Some(2));
        let day1 = Utc.with_ymd_and_hms(2026, 11, 22, 23, 59, 0).unwrap();
        assert_eq!(l.try_acquire(CarrierId::Dhl, day1), Permit::Go);
        tokio::time::advance(Duration::from_millis(10)).await;
        assert_eq!(l.try_acquire(CarrierId::Dhl, day1), Permit::Go);
        tokio::time::advance(Duration::from_millis(10)).await;
        assert_eq!(l.try_acquire(CarrierId::Dhl, day1), Permit::QuotaExhausted);
        let day2 = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 1).unwrap();
        assert_eq!(l.try_acquire(CarrierId::Dhl, day2), Permit::Go);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_everyone() {
        let l = RateLimiter::default();
        l.configure(CarrierId::Inpost, 100.0, None);
        l.pause(CarrierId::Inpost, Duration::from_secs(30));
        assert!(
            matches!(l.try_acquire(CarrierId::Inpost, Utc::now()), Permit::Wait(d) if d > Duration::from_secs(29))
        );
        tokio::time::advance(Duration::from_secs(31)).await;
        assert_eq!(l.try_acquire(CarrierId::Inpost, Utc::now()), Permit::Go);
    }
}
