//! The delivery worker: claims due deliveries with leases, sends them with bounded
//! concurrency, and records results in batches.
//!
//! Isolation: at most `per_endpoint_concurrency` deliveries per subscription are in flight
//! (the claim itself skips subscriptions at their cap), out of `concurrency` overall, so a
//! dead endpoint that holds every connection until the timeout only ever occupies its own
//! share while healthy endpoints keep the rest. Results are committed in one transaction per
//! batch; a delivery's in-flight slot is released only after its result is committed, which
//! is also when the next delivery of the same shipment becomes claimable (ordering).
//!
//! Crash safety: a delivery is marked done only after its response; if the process dies
//! first, its lease expires and it is sent again with the same `webhook-id` (at least once).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use tokio::sync::{mpsc, watch, Notify};

use crate::config::CallbacksConfig;
use crate::workers::step::{idle, Outcome};

use super::contact::{for_delivery, OptIn, OptIns};
use super::schedule::decide;
use super::sealing::SealError;
use super::sender::Sender;
use crate::state::AppState;
use crate::store::callbacks::{AttemptRecord, Claim, NextStep};
use crate::store::{Delivery, DeliveryAttempt, StoreError, Subscription};

/// Most attempts recorded in one transaction.
const RECORD_BATCH: usize = 1000;

/// In-flight bookkeeping shared by the claim loop and the recorder.
#[derive(Default)]
struct InFlight {
    per_subscription: Mutex<HashMap<String, u32>>,
    freed: Notify,
}

impl InFlight {
    fn snapshot(&self) -> (u32, Vec<(String, u32)>) {
        let map = self
            .per_subscription
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let total = map.values().sum();
        (total, map.iter().map(|(k, v)| (k.clone(), *v)).collect())
    }

    fn add(&self, sub: &str) {
        let mut map = self
            .per_subscription
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *map.entry(sub.to_string()).or_insert(0) += 1;
    }

    fn release(&self, sub: &str) {
        let mut map = self
            .per_subscription
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(sub) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(sub);
            }
        }
    }
}

/// Runs until `stop` turns true, then finishes in-flight attempts and records them.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let cfg = state.config.callbacks.clone();
    let sender = match Sender::new(&cfg, &state.config.public_url) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "callback HTTP client could not be built; callbacks are not sent");
            return;
        }
    };
    let in_flight = Arc::new(InFlight::default());
    let (tx, rx) = mpsc::unbounded_channel::<AttemptRecord>();
    let recorder = tokio::spawn(record_loop(state.clone(), rx, in_flight.clone()));
    let poll = Duration::from_millis(cfg.poll_interval_ms.max(10));
    let worker = Deliverer {
        lease: chrono::Duration::seconds(i64::try_from(cfg.lease_secs).unwrap_or(60)),
        schedule: Arc::new(cfg.retry_schedule_ms.clone()),
        cfg,
        state,
        sender,
        in_flight,
        tx,
    };
    loop {
        if *stop.borrow() {
            break;
        }
        match worker.tick().await {
            Outcome::Worked(_) => {}
            // Woken early when an in-flight slot is freed.
            Outcome::Idle => {
                if idle(poll, &worker.in_flight.freed, &mut stop).await {
                    break;
                }
            }
            Outcome::Stop => break,
        }
    }
    drop(worker);
    let _ = recorder.await;
}

/// The claim side of the worker: what each step needs.
struct Deliverer {
    state: AppState,
    cfg: CallbacksConfig,
    sender: Sender,
    in_flight: Arc<InFlight>,
    tx: mpsc::UnboundedSender<AttemptRecord>,
    lease: chrono::Duration,
    schedule: Arc<Vec<u64>>,
}

impl Deliverer {
    /// One step: claims as many due deliveries as there is capacity for and starts them.
    async fn tick(&self) -> Outcome {
        let (total, busy) = self.in_flight.snapshot();
        let capacity = self
            .cfg
            .concurrency
            .saturating_sub(total)
            .min(self.cfg.batch);
        if capacity == 0 {
            return Outcome::Idle;
        }
        let now = Utc::now();
        let claimed = self
            .state
            .store
            .claim_deliveries(&Claim {
                now,
                lease_until: now + self.lease,
                limit: capacity,
                per_subscription: self.cfg.per_endpoint_concurrency,
                in_flight: &busy,
            })
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "claiming callback deliveries failed");
                Vec::new()
            });
        if claimed.is_empty() {
            return Outcome::Idle;
        }
        let count = claimed.len();
        // Read fresh for every batch: a rotated secret or a new URL applies at once.
        let mut subs: HashMap<String, Option<Arc<Subscription>>> = HashMap::new();
        let mut opt_ins = OptIns::default();
        for d in claimed {
            self.in_flight.add(&d.subscription_id);
            let sub = subscription(&self.state, &mut subs, &d.subscription_id).await;
            let opt_in = match &sub {
                Some(s) => opt_ins.of(&*self.state.store, &s.merchant_id).await,
                None => Ok(false),
            };
            let (state, sender, tx, schedule) = (
                self.state.clone(),
                self.sender.clone(),
                self.tx.clone(),
                self.schedule.clone(),
            );
            tokio::spawn(async move {
                let record = attempt(&state, &sender, d, sub, opt_in, &schedule).await;
                // The recorder outlives every sender clone; a send error means shutdown raced.
                let _ = tx.send(record);
            });
        }
        Outcome::Worked(count)
    }
}

/// A subscription, read once per claimed batch.
async fn subscription(
    state: &AppState,
    batch: &mut HashMap<String, Option<Arc<Subscription>>>,
    id: &str,
) -> Option<Arc<Subscription>> {
    if let Some(sub) = batch.get(id) {
        return sub.clone();
    }
    let sub = open_subscription(state, id)
        .await
        .map_err(|e| tracing::error!(error = %e, subscription = id, "subscription unusable"))
        .ok()
        .flatten()
        .map(Arc::new);
    batch.insert(id.to_string(), sub.clone());
    sub
}

/// Why a claimed delivery's subscription cannot be used.
#[derive(Debug, thiserror::Error)]
enum SubscriptionError<'a> {
    /// It could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configured sealing key is unusable.
    #[error(transparent)]
    Key(&'a SealError),
    /// Its stored secret does not open.
    #[error(transparent)]
    Open(#[from] SealError),
}

/// Reads a subscription and opens its signing secrets (`None`: it was deleted).
async fn open_subscription<'a>(
    state: &'a AppState,
    id: &str,
) -> Result<Option<Subscription>, SubscriptionError<'a>> {
    let Some(sub) = state.store.subscription_by_id(id).await? else {
        return Ok(None);
    };
    let sealer = state.sealer.as_ref().map_err(SubscriptionError::Key)?;
    Ok(Some(sealer.open_subscription(sub)?))
}

/// A delivery that could not be sent now (nothing went out): tried again in 30 s.
fn not_sent(d: Delivery, error: String) -> AttemptRecord {
    AttemptRecord {
        attempt: DeliveryAttempt {
            delivery_id: d.id,
            attempted_at: Utc::now(),
            status_code: None,
            latency_ms: 0,
            error: Some(error),
        },
        subscription_id: d.subscription_id,
        next: NextStep::RetryAt(Utc::now() + chrono::Duration::seconds(30)),
        disable: None,
    }
}

/// Sends one delivery and decides what follows.
#[tracing::instrument(name = "delivery", skip_all,
    fields(delivery = %d.id, subscription = %d.subscription_id, shipment_id = %d.shipment_id))]
async fn attempt(
    state: &AppState,
    sender: &Sender,
    d: Delivery,
    sub: Option<Arc<Subscription>>,
    opt_in: OptIn,
    schedule: &[u64],
) -> AttemptRecord {
    let Some(sub) = sub else {
        // Deleted (its deliveries went with it) or unreadable: record nothing useful.
        return not_sent(d, "subscription unavailable".into());
    };
    let contact = match for_delivery(
        &*state.store,
        state.sealer.as_ref().ok(),
        opt_in,
        &d.shipment_id,
    )
    .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "callback waits: the contact it should carry is unreadable");
            return not_sent(d, e);
        }
    };
    let sent = sender.send(&d, &sub, contact.as_ref()).await;
    let unit: f64 = rand::thread_rng().gen();
    let decision = decide(
        sent.response,
        d.attempts.saturating_add(1),
        schedule,
        Utc::now(),
        unit,
    );
    tracing::debug!(
        delivery = %d.id,
        subscription = %d.subscription_id,
        status = ?sent.response.status,
        latency_ms = sent.latency_ms,
        next = ?decision.next,
        "callback attempt"
    );
    if decision.next == NextStep::Dead {
        tracing::warn!(delivery = %d.id, subscription = %d.subscription_id, attempts = d.attempts + 1,
            "callback delivery is dead after its last attempt");
    }
    if let Some(reason) = &decision.disable {
        tracing::warn!(subscription = %d.subscription_id, reason = %reason, "disabling callback subscription");
    }
    AttemptRecord {
        attempt: DeliveryAttempt {
            delivery_id: d.id,
            attempted_at: sent.at,
            status_code: sent.response.status,
            latency_ms: sent.latency_ms,
            error: sent.error,
        },
        subscription_id: d.subscription_id,
        next: decision.next,
        disable: decision.disable,
    }
}

/// Commits attempt results in batches, then frees their in-flight slots.
async fn record_loop(
    state: AppState,
    mut rx: mpsc::UnboundedReceiver<AttemptRecord>,
    in_flight: Arc<InFlight>,
) {
    let hours = state.config.callbacks.disable_after_hours;
    let reason = format!(
        "disabled automatically: no successful delivery for {} days ({hours} hours) of failures",
        hours / 24
    );
    let window = chrono::Duration::hours(i64::try_from(hours).unwrap_or(120));
    let mut batch = Vec::new();
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < RECORD_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        for tries in 1..=5u32 {
            match state
                .store
                .record_attempts(&batch, Utc::now() - window, &reason)
                .await
            {
                Ok(()) => break,
                Err(e) => {
                    // Unrecorded attempts are retried when their leases expire (same webhook-id).
                    tracing::error!(error = %e, tries, "recording callback attempts failed");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(tries))).await;
                }
            }
        }
        for r in batch.drain(..) {
            let result = match r.next {
                NextStep::Succeeded => "succeeded",
                NextStep::RetryAt(_) => "failed",
                NextStep::Dead => "dead",
            };
            state.metrics.inc(
                "parcelgate_callback_deliveries_total",
                &[("result", result)],
            );
            in_flight.release(&r.subscription_id);
        }
        in_flight.freed.notify_one();
    }
}
