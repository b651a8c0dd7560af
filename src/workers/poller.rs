//! The poller: claims due shipments (leases, so several processes can share a database),
//! asks their carriers within the rate limits, merges the answers, and schedules the next poll.

use std::sync::Arc;
use std::time::Duration;

use carriers::{CarrierError, Status, TrackRequest};
use chrono::Utc;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use super::ratelimit::Permit;
use super::step::{idle, Outcome};
use crate::config::PollerConfig;
use crate::domain::Shipment;
use crate::state::AppState;
use crate::store::PollRecord;
use crate::tracking::{next_poll_at, ApplyOutcome, ApplyUpdates, PollDone, PollInput};

/// Runs until `stop` turns true; in-flight polls finish and their leases are released.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let tick_every = Duration::from_secs(state.config.poller.tick_secs.max(1));
    let mut poller = Poller::new(state);
    loop {
        if *stop.borrow() {
            break;
        }
        match poller.tick(&mut stop).await {
            Outcome::Worked(_) => {}
            Outcome::Idle => {
                if idle(tick_every, &poller.state.wake_poller, &mut stop).await {
                    break;
                }
            }
            Outcome::Stop => break,
        }
    }
    // Graceful stop: every claimed shipment finishes its poll, which records it and
    // releases its lease.
    poller.finish().await;
}

/// The poller's own state between steps: its concurrency slots and the polls in flight.
struct Poller {
    state: AppState,
    cfg: PollerConfig,
    permits: Arc<Semaphore>,
    in_flight: JoinSet<()>,
}

impl Poller {
    fn new(state: AppState) -> Self {
        let cfg = state.config.poller.clone();
        Poller {
            permits: Arc::new(Semaphore::new(cfg.concurrency.max(1))),
            in_flight: JoinSet::new(),
            state,
            cfg,
        }
    }

    /// One step: waits for a free slot, claims as many due shipments as there are free
    /// slots, and starts their polls.
    async fn tick(&mut self, stop: &mut watch::Receiver<bool>) -> Outcome {
        while self.in_flight.try_join_next().is_some() {}
        // Claim only as many shipments as can be polled now: a lease is never held by a
        // shipment waiting in a local queue (another process could poll it), and a free slot
        // is refilled as soon as one poll ends instead of after a whole batch.
        let first = tokio::select! {
            p = self.permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return Outcome::Stop,
            },
            _ = stop.changed() => return Outcome::Worked(0),
        };
        let free = (self.permits.available_permits() + 1).min(self.cfg.batch.max(1) as usize);
        let now = Utc::now();
        let lease = now + chrono::Duration::seconds(self.cfg.lease_secs as i64);
        let due = match self
            .state
            .store
            .claim_due_shipments(now, lease, free as u32)
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "poller could not claim shipments");
                Vec::new()
            }
        };
        if due.is_empty() {
            return Outcome::Idle;
        }
        let claimed = due.len();
        let mut first = Some(first);
        for shipment in due {
            let permit = match first.take() {
                Some(p) => p,
                None => match self.permits.clone().acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => return Outcome::Stop,
                },
            };
            let st = self.state.clone();
            self.in_flight.spawn(async move {
                let _permit = permit;
                let _ = poll_one(&st, &shipment).await;
            });
        }
        Outcome::Worked(claimed)
    }

    /// Waits for every poll in flight.
    async fn finish(mut self) {
        while self.in_flight.join_next().await.is_some() {}
    }
}

/// The shortest gap between two fetches of one shipment the carrier accepts
/// (DHL: 10 a day → 2 h 24 min), or zero.
pub fn min_poll_gap(carrier: &dyn carriers::Carrier) -> Duration {
    carrier
        .capabilities()
        .max_polls_per_shipment_per_day
        .filter(|n| *n > 0)
        .map(|n| Duration::from_secs(86_400 / u64::from(n)))
        .unwrap_or(Duration::ZERO)
}

fn at(d: Option<Duration>) -> Option<chrono::DateTime<Utc>> {
    d.and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| Utc::now() + d)
}

/// Polls one shipment now and records the result. Also used by `POST …/refresh`.
#[tracing::instrument(name = "poll", skip(state, s),
    fields(carrier = %s.carrier, shipment_id = %s.id, tracking_number = %s.tracking_number))]
pub async fn poll_one(state: &AppState, s: &Shipment) -> Result<ApplyOutcome, CarrierError> {
    let carrier_id = s.carrier;
    let record =
        |next: Option<chrono::DateTime<Utc>>, failures: u32, error: Option<String>| PollRecord {
            now: Utc::now(),
            next_poll_at: next,
            failures,
            error,
        };
    let Some(carrier) = state.registry.get(carrier_id).cloned() else {
        let err = CarrierError::NotConfigured {
            carrier: carrier_id,
            detail: "carrier is not enabled in this gateway".into(),
        };
        save(
            state,
            &s.id,
            &record(
                at(Some(Duration::from_secs(3600))),
                s.poll_failures,
                Some(err.to_string()),
            ),
        )
        .await;
        return Err(err);
    };
    let permit = state.limiter.acquire(carrier_id).await;
    if permit == Permit::Unavailable {
        save(
            state,
            &s.id,
            &record(
                at(Some(Duration::from_secs(60))),
                s.poll_failures,
                s.last_error.clone(),
            ),
        )
        .await;
        return Err(CarrierError::Transport {
            carrier: carrier_id,
            detail: "call budget unavailable".into(),
        });
    }
    if permit == Permit::QuotaExhausted {
        // Daily quota spent: try again after midnight UTC, not a failure of this shipment.
        let tomorrow = (Utc::now() + chrono::Duration::days(1))
            .date_naive()
            .and_hms_opt(0, 5, 0)
            .map(|t| t.and_utc());
        save(
            state,
            &s.id,
            &record(tomorrow, s.poll_failures, s.last_error.clone()),
        )
        .await;
        return Err(CarrierError::RateLimited {
            carrier: carrier_id,
            retry_after: None,
        });
    }
    let floor = min_poll_gap(carrier.as_ref());
    let at = |d: Option<Duration>| at(d.map(|d| d.max(floor)));
    let request = TrackRequest {
        tracking_number: s.tracking_number.clone(),
        service: s.service.clone().or_else(|| s.details.service.clone()),
        destination_postal_code: s.destination_postal_code.clone(),
        origin_country: s.origin_country.clone(),
        language: s.language.clone(),
    };
    let outcome = carrier
        .track(std::slice::from_ref(&request))
        .await
        .pop()
        .map(|o| o.result)
        .unwrap_or_else(|| {
            Err(CarrierError::Decode {
                carrier: carrier_id,
                detail: "adapter returned no outcome".into(),
            })
        });
    let label = |o: &str| {
        state.metrics.inc(
            "parcelgate_polls_total",
            &[("carrier", carrier_id.as_str()), ("outcome", o)],
        )
    };
    match outcome {
        Ok(snapshot) => {
            // The poll is recorded (next poll, lease released) in the apply's transaction.
            let done = PollDone {
                now: Utc::now(),
                min_gap: floor,
            };
            let applied = match state.store.apply_poll(&s.id, &snapshot, &done).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::error!(error = %e, "could not store poll result");
                    save(
                        state,
                        &s.id,
                        &record(
                            at(Some(Duration::from_secs(300))),
                            s.poll_failures,
                            Some(format!("storage: {e}")),
                        ),
                    )
                    .await;
                    return Err(CarrierError::Transport {
                        carrier: carrier_id,
                        detail: "storage unavailable".into(),
                    });
                }
            };
            if let Ok(mut h) = state.carrier_health.lock() {
                h.remove(&carrier_id);
            }
            crate::tracking::after_apply(state, &s.id, carrier_id, &applied).await;
            if !applied.changed {
                // The cached response shows the poll time (after_apply dropped it otherwise).
                state.cache.invalidate(&s.id).await;
            }
            label("ok");
            Ok(applied)
        }
        Err(CarrierError::NotFound { .. }) => {
            // The carrier has nothing yet: the shipment stays pending and is asked again later.
            let next = next_poll_at(PollInput {
                status: Status::Pending,
                last_push_at: s.last_push_at,
                failures: 0,
                retry_after: None,
                min_gap: floor,
                now: Utc::now(),
            });
            save(state, &s.id, &record(next, 0, None)).await;
            label("not_found");
            Ok(ApplyOutcome::default())
        }
        Err(e) => {
            if let CarrierError::RateLimited { retry_after, .. } = &e {
                state
                    .limiter
                    .pause(carrier_id, retry_after.unwrap_or(Duration::from_secs(60)))
                    .await;
            }
            if let CarrierError::Unauthorized { .. } = &e {
                if let Ok(mut h) = state.carrier_health.lock() {
                    h.insert(carrier_id, e.to_string());
                }
            }
            let failures = s.poll_failures.saturating_add(1);
            let next = next_poll_at(PollInput {
                status: s.status,
                last_push_at: s.last_push_at,
                failures,
                retry_after: e.retry_after(),
                min_gap: floor,
                now: Utc::now(),
            });
            tracing::warn!(error = %e, failures, "poll failed");
            save(state, &s.id, &record(next, failures, Some(e.to_string()))).await;
            label(e.kind());
            Err(e)
        }
    }
}

/// Records a poll result and drops the cached response (it shows poll time and error).
async fn save(state: &AppState, shipment_id: &str, record: &PollRecord) {
    if let Err(e) = state.store.record_poll(shipment_id, record).await {
        tracing::error!(error = %e, shipment_id, "could not record poll result");
    }
    state.cache.invalidate(shipment_id).await;
}
