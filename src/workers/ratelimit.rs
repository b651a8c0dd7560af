//! Per-carrier call budgets, shared by every gateway process on the database: calls per
//! second (spread evenly), a daily quota resetting at 00:00 UTC (DHL: 00:00 GMT), and a pause
//! that one process's 429 Retry-After imposes on all. The arithmetic is in
//! [`crate::store::budget`]; this is the part that waits.
//!
//! Each process keeps the slots it reserved (a block of up to 100 ms, see
//! [`block_size`]) in a local queue and hands them to its callers in order, so at a
//! fast carrier one write transaction buys many calls. A slot whose interval has passed
//! unused is dropped, never spent late: spending it would put two calls closer together
//! than the spacing the carrier was promised.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use carriers::CarrierId;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::budget::{block_size, BudgetLimits, Reservation};
use crate::store::Store;

/// The outcome of asking for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// Call now (the slot has come).
    Granted,
    /// Today's quota is spent; resumes after 00:00 UTC.
    QuotaExhausted,
    /// The budget could not be read (database down): try later, no call was counted.
    Unavailable,
}

/// Quota use, for `GET /v1/carriers` and metrics.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuotaUse {
    /// Calls per second allowed (all processes together).
    pub per_second: f64,
    /// Calls per day allowed (None: unlimited).
    pub per_day: Option<u32>,
    /// Calls made today (UTC), all processes together.
    pub used_today: u32,
    /// Seconds until a 429 pause ends, if paused.
    pub paused_for_secs: Option<u64>,
}

/// Slots this process reserved and has not handed out yet, in order.
#[derive(Default)]
struct LocalSlots {
    /// `(slot, spacing)`; a slot may be used until one spacing after it.
    queue: VecDeque<(DateTime<Utc>, chrono::Duration)>,
}

impl LocalSlots {
    /// The next slot still usable at `now`, dropping those whose interval is over.
    fn take(&mut self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        while let Some((slot, gap)) = self.queue.pop_front() {
            if slot + gap > now {
                return Some(slot);
            }
        }
        None
    }

    fn fill(&mut self, first: DateTime<Utc>, gap: chrono::Duration, count: u32) {
        for i in 0..count {
            self.queue
                .push_back((first + gap * i32::try_from(i).unwrap_or(i32::MAX), gap));
        }
    }
}

/// The limiter for all carriers.
pub struct RateLimiter {
    store: Arc<dyn Store>,
    carriers: HashMap<CarrierId, CarrierBudget>,
}

/// One configured carrier: its limits and the slots this process holds.
struct CarrierBudget {
    limits: BudgetLimits,
    /// The async lock is held across a reservation, so one caller reserves a block while
    /// the others wait for its slots instead of reserving blocks of their own.
    slots: tokio::sync::Mutex<LocalSlots>,
}

impl RateLimiter {
    /// A limiter over the shared budgets in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        RateLimiter {
            store,
            carriers: HashMap::new(),
        }
    }

    /// Sets a carrier's budget (before the limiter is shared).
    pub fn configure(&mut self, carrier: CarrierId, per_second: f64, per_day: Option<u32>) {
        let limits = BudgetLimits {
            per_second: per_second.max(0.001),
            per_day: per_day.filter(|d| *d > 0),
        };
        self.carriers.insert(
            carrier,
            CarrierBudget {
                limits,
                slots: Default::default(),
            },
        );
    }

    /// The next slot for `carrier`: a local one if this process still holds one, otherwise
    /// the first of a newly reserved block.
    async fn next_slot(
        &self,
        carrier: CarrierId,
        budget: &CarrierBudget,
    ) -> Result<Option<DateTime<Utc>>, crate::store::StoreError> {
        let limits = budget.limits;
        let mut local = budget.slots.lock().await;
        if let Some(slot) = local.take(Utc::now()) {
            return Ok(Some(slot));
        }
        match self
            .store
            .reserve_calls(carrier, limits, Utc::now(), block_size(limits))
            .await?
        {
            Reservation::Slots { first, gap, count } => {
                local.fill(first, gap, count);
                // The block starts at or after now, so its first slot is usable.
                Ok(local.take(Utc::now()).or(Some(first)))
            }
            Reservation::Exhausted(_) => Ok(None),
        }
    }

    /// Drops this process's unused slots for `carrier` (after a 429: they were reserved
    /// before the pause and would call into it).
    async fn forget_slots(&self, carrier: CarrierId) {
        if let Some(budget) = self.carriers.get(&carrier) {
            budget.slots.lock().await.queue.clear();
        }
    }

    /// Waits for this process's turn to call `carrier`.
    ///
    /// A slot is reserved first and slept towards; if another process recorded a 429 pause
    /// meanwhile, the wait continues to the end of the pause and a new slot is reserved, so a
    /// Retry-After stops every process, not only the one that received it.
    pub async fn acquire(&self, carrier: CarrierId) -> Permit {
        let Some(budget) = self.carriers.get(&carrier) else {
            return Permit::Granted;
        };
        loop {
            match self.next_slot(carrier, budget).await {
                Ok(Some(at)) => {
                    if let Ok(wait) = (at - Utc::now()).to_std() {
                        tokio::time::sleep(wait).await;
                    }
                    let now = Utc::now();
                    match self.store.budget_usage(carrier, now).await {
                        Ok(u) => match u.paused_until.and_then(|p| (p - now).to_std().ok()) {
                            Some(pause) => {
                                budget.slots.lock().await.queue.clear();
                                tokio::time::sleep(pause).await
                            }
                            None => return Permit::Granted,
                        },
                        Err(_) => return Permit::Granted,
                    }
                }
                Ok(None) => return Permit::QuotaExhausted,
                Err(e) => {
                    tracing::error!(%carrier, error = %e, "carrier budget unavailable");
                    return Permit::Unavailable;
                }
            }
        }
    }

    /// Pauses every process's calls to a carrier (a 429 with Retry-After).
    pub async fn pause(&self, carrier: CarrierId, for_: Duration) {
        let until =
            Utc::now() + chrono::Duration::from_std(for_).unwrap_or(chrono::Duration::seconds(60));
        self.forget_slots(carrier).await;
        if let Err(e) = self.store.pause_carrier(carrier, until).await {
            tracing::error!(%carrier, error = %e, "could not record carrier pause");
        }
    }

    /// Current use of a carrier's budget.
    pub async fn usage(&self, carrier: CarrierId) -> Option<QuotaUse> {
        let limits = &self.carriers.get(&carrier)?.limits;
        let now = Utc::now();
        let used = self.store.budget_usage(carrier, now).await.ok()?;
        Some(QuotaUse {
            per_second: limits.per_second,
            per_day: limits.per_day,
            used_today: used.used_today,
            paused_for_secs: used
                .paused_until
                .and_then(|p| (p - now).to_std().ok())
                .map(|d| d.as_secs().max(1)),
        })
    }
}
