//! Carrier call budgets kept in the database, so several gateway processes together never
//! exceed a carrier's rate or daily quota, and one process's 429 pauses them all; and the
//! batched webhook insert used by group commit. A supertrait of [`Store`](super::Store).
//!
//! A process reserves the next free slots (`next_slot_at`, then advances it by `count/rate`)
//! in one short transaction, and its callers sleep until their slots. This is GCRA with a
//! burst of one: calls are spread evenly, which is what DHL asks for. Slots are reserved a
//! small block at a time (see [`block_size`]) so a fast carrier does not cost one write
//! transaction per call; a carrier with a daily quota reserves one at a time, because a
//! reserved slot that goes unused still counts against the quota.

use async_trait::async_trait;
use carriers::CarrierId;
use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::StoreResult;

/// A carrier's configured limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetLimits {
    /// Calls per second, all processes together.
    pub per_second: f64,
    /// Calls per UTC day, all processes together.
    pub per_day: Option<u32>,
}

/// The stored state of one carrier's budget.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetRow {
    /// The earliest instant the next call may start.
    pub next_slot_at: DateTime<Utc>,
    /// UTC day `used_today` counts (`YYYY-MM-DD`).
    pub day: String,
    /// Calls reserved on `day`.
    pub used_today: u32,
    /// No calls before this (a 429's Retry-After).
    pub paused_until: Option<DateTime<Utc>>,
}

/// The answer to a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// `count` calls of this process: the first at `first`, then one every `gap`.
    Slots {
        /// The first slot.
        first: DateTime<Utc>,
        /// Spacing of the slots.
        gap: Duration,
        /// How many (at least one).
        count: u32,
    },
    /// The daily quota is spent until this instant (next 00:00 UTC).
    Exhausted(DateTime<Utc>),
}

/// What `GET /v1/carriers` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetUsage {
    /// Calls reserved today.
    pub used_today: u32,
    /// Paused until, if in the future.
    pub paused_until: Option<DateTime<Utc>>,
}

/// Share of the carrier's rate actually scheduled. Calls leave exactly spaced, but they
/// arrive with network and scheduler jitter; 3% headroom keeps a carrier that counts per
/// second from seeing one call too many, at the cost of 3% of the budget.
pub const HEADROOM: f64 = 0.97;

fn day_of(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn next_midnight(t: DateTime<Utc>) -> DateTime<Utc> {
    (t.date_naive() + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc()
}

/// Seconds of calls a process reserves at once.
const BLOCK_SECS: f64 = 0.1;

/// How many slots a process reserves per transaction: 100 ms worth of calls (at least one),
/// or one when the carrier has a daily quota (an unused slot would waste quota).
pub fn block_size(limits: BudgetLimits) -> u32 {
    if limits.per_day.is_some() {
        return 1;
    }
    ((limits.per_second * HEADROOM * BLOCK_SECS).floor() as u32).clamp(1, 1000)
}

/// The pure reservation rule both backends apply inside their transaction: up to `want`
/// consecutive slots (fewer when the daily quota has fewer left).
/// Returns the row to write (None: leave it) and the answer.
pub fn plan_reservation(
    row: Option<&BudgetRow>,
    limits: BudgetLimits,
    now: DateTime<Utc>,
    want: u32,
) -> (Option<BudgetRow>, Reservation) {
    let today = day_of(now);
    let mut r = row.cloned().unwrap_or(BudgetRow {
        next_slot_at: now,
        day: today.clone(),
        used_today: 0,
        paused_until: None,
    });
    let mut slot = r.next_slot_at.max(now);
    if let Some(p) = r.paused_until {
        slot = slot.max(p);
    }
    // The slot may fall on a later day than now (a long pause): count it there.
    let slot_day = day_of(slot);
    if r.day != slot_day {
        r.day = slot_day;
        r.used_today = 0;
    }
    let mut count = want.max(1);
    if let Some(limit) = limits.per_day.filter(|l| *l > 0) {
        if r.used_today >= limit {
            return (None, Reservation::Exhausted(next_midnight(slot)));
        }
        count = count.min(limit - r.used_today);
    }
    let gap_us = (1_000_000.0 / (limits.per_second * HEADROOM).max(0.000_001)).round() as i64;
    let gap = Duration::microseconds(gap_us.max(1));
    r.next_slot_at = slot + gap * i32::try_from(count).unwrap_or(i32::MAX);
    r.used_today += count;
    (
        Some(r),
        Reservation::Slots {
            first: slot,
            gap,
            count,
        },
    )
}

/// Budget and batched-ingest storage.
#[async_trait]
pub trait BudgetStore: Send + Sync {
    /// Reserves up to `want` consecutive calls for `carrier` under `limits`.
    async fn reserve_calls(
        &self,
        carrier: CarrierId,
        limits: BudgetLimits,
        now: DateTime<Utc>,
        want: u32,
    ) -> StoreResult<Reservation>;
    /// Pauses every process's calls to `carrier` until `until` (never shortens a pause).
    async fn pause_carrier(&self, carrier: CarrierId, until: DateTime<Utc>) -> StoreResult<()>;
    /// Today's use of a carrier's budget.
    async fn budget_usage(
        &self,
        carrier: CarrierId,
        now: DateTime<Utc>,
    ) -> StoreResult<BudgetUsage>;
}

/// Usage from a stored row.
pub fn usage_of(row: Option<BudgetRow>, now: DateTime<Utc>) -> BudgetUsage {
    match row {
        Some(r) => BudgetUsage {
            used_today: if r.day == day_of(now) {
                r.used_today
            } else {
                0
            },
            paused_until: r.paused_until.filter(|p| *p > now),
        },
        None => BudgetUsage {
            used_today: 0,
            paused_until: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, s).unwrap()
    }

    #[test]
    fn slots_are_spread_at_the_rate() {
        let limits = BudgetLimits {
            per_second: 2.0,
            per_day: None,
        };
        let gap = Duration::microseconds(515_464); // 2/s with 3% headroom
        let slots = |first, count| Reservation::Slots { first, gap, count };
        let (row, r) = plan_reservation(None, limits, t(10, 0, 0), 1);
        assert_eq!(r, slots(t(10, 0, 0), 1));
        let (row, r) = plan_reservation(row.as_ref(), limits, t(10, 0, 0), 1);
        assert_eq!(r, slots(t(10, 0, 0) + gap, 1));
        // A block of three: the next reservation starts after all three.
        let (row, r) = plan_reservation(row.as_ref(), limits, t(10, 0, 0), 3);
        assert_eq!(r, slots(t(10, 0, 0) + gap * 2, 3));
        let (row, r) = plan_reservation(row.as_ref(), limits, t(10, 0, 0), 1);
        assert_eq!(r, slots(t(10, 0, 0) + gap * 5, 1));
        assert_eq!(row.as_ref().map(|r| r.used_today), Some(6));
        // After idling, the next call goes now, not in the past.
        let (_, r) = plan_reservation(row.as_ref(), limits, t(10, 5, 0), 1);
        assert_eq!(r, slots(t(10, 5, 0), 1));
    }

    #[test]
    fn blocks_are_a_tenth_of_a_second_unless_there_is_a_daily_quota() {
        let fast = BudgetLimits {
            per_second: 200.0,
            per_day: None,
        };
        assert_eq!(block_size(fast), 19);
        let slow = BudgetLimits {
            per_second: 2.0,
            per_day: None,
        };
        assert_eq!(block_size(slow), 1);
        let quota = BudgetLimits {
            per_second: 200.0,
            per_day: Some(1000),
        };
        assert_eq!(block_size(quota), 1);
        // A block never takes more than the quota has left.
        let row = BudgetRow {
            next_slot_at: t(10, 0, 0),
            day: "2026-11-22".into(),
            used_today: 998,
            paused_until: None,
        };
        let (_, r) = plan_reservation(Some(&row), quota, t(10, 0, 0), 5);
        assert!(matches!(r, Reservation::Slots { count: 2, .. }));
    }

    #[test]
    fn daily_quota_and_pause() {
        let limits = BudgetLimits {
            per_second: 100.0,
            per_day: Some(2),
        };
        let (row, _) = plan_reservation(None, limits, t(23, 0, 0), 1);
        let (row, _) = plan_reservation(row.as_ref(), limits, t(23, 0, 0), 1);
        let (none, r) = plan_reservation(row.as_ref(), limits, t(23, 0, 1), 1);
        assert!(none.is_none());
        assert_eq!(
            r,
            Reservation::Exhausted(Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap())
        );
        // A new UTC day resets the count.
        let (_, r) = plan_reservation(
            row.as_ref(),
            limits,
            Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 1).unwrap(),
            1,
        );
        assert!(matches!(r, Reservation::Slots { .. }));
        // A pause moves the slot.
        let mut paused = row.unwrap();
        paused.used_today = 0;
        paused.paused_until = Some(t(23, 30, 0));
        let (_, r) = plan_reservation(Some(&paused), limits, t(23, 0, 2), 1);
        assert!(matches!(r, Reservation::Slots { first, .. } if first == t(23, 30, 0)));
    }
}
