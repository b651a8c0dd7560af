//! The sandbox's shared state: the accelerated clock, the parcels and how far each has been
//! pushed, DPD's feed of unconfirmed events, DHL push subscriptions, the InPost webhook URL,
//! and request counters.
//!
//! Time: one journey hour lasts `hour_ms` real milliseconds after [`World::play`]. Event
//! timestamps are set in the past (each parcel's last step lands just before the sandbox
//! started), so the gateway never sees an event from the future while the hours between
//! events stay realistic.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use carriers::CarrierId;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::Serialize;

use super::journeys::{last_hour, Journey, Planned};
use super::knobs::Knobs;
use super::scripts::Step;

/// Locks a mutex, recovering the data if a holder panicked (the state stays usable).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The credentials the sandbox's carrier APIs accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// DHL `DHL-API-Key`.
    pub dhl_api_key: String,
    /// DPD Poland `authDataV1.login`.
    pub dpd_login: String,
    /// DPD Poland `authDataV1.password`.
    pub dpd_password: String,
    /// DPD Poland `authDataV1.channel`.
    pub dpd_channel: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            dhl_api_key: "sandbox-dhl-consumer-key".into(),
            dpd_login: "sandbox".into(),
            dpd_password: "sandbox-password".into(),
            dpd_channel: "1495".into(),
        }
    }
}

/// A parcel in play.
#[derive(Debug, Clone)]
pub struct Parcel {
    /// What it is and its script.
    pub plan: Planned,
    /// The timestamp of journey hour 0.
    pub anchor: DateTime<Utc>,
}

impl Parcel {
    /// The journey hour of step `i` (the label step is at 0; later steps wait `start_h`).
    pub fn step_hour(&self, i: usize) -> f64 {
        match self.plan.script.steps.get(i) {
            Some(s) if s.h > 0 => f64::from(s.h + self.plan.start_h),
            _ => 0.0,
        }
    }

    /// The carrier timestamp of step `i`.
    pub fn time_of(&self, i: usize) -> DateTime<Utc> {
        let secs = (self.step_hour(i) * 3600.0) as i64 + (i as i64 * 37) % 600;
        self.anchor + Duration::seconds(secs)
    }

    /// The steps.
    pub fn steps(&self) -> &'static [Step] {
        self.plan.script.steps
    }

    /// How many steps are visible `elapsed` journey hours after play.
    pub fn visible(&self, elapsed: f64) -> usize {
        (0..self.steps().len())
            .take_while(|&i| self.step_hour(i) <= elapsed)
            .count()
    }
}

/// One event waiting in DPD's account feed.
#[derive(Debug, Clone, Copy)]
pub struct FeedEvent {
    /// Feed sequence number.
    pub seq: u64,
    /// Parcel index.
    pub parcel: usize,
    /// Step index.
    pub step: usize,
}

/// DPD Poland's feed: events stay until a batch holding them is confirmed.
#[derive(Debug, Default)]
pub struct Feed {
    next_seq: u64,
    pending: VecDeque<FeedEvent>,
    batches: HashMap<String, Vec<u64>>,
}

impl Feed {
    /// Appends an event.
    pub fn push(&mut self, parcel: usize, step: usize) {
        self.next_seq += 1;
        self.pending.push_back(FeedEvent {
            seq: self.next_seq,
            parcel,
            step,
        });
    }

    /// The oldest `limit` unconfirmed events and the confirm id of that batch (`None` when empty).
    pub fn take(&mut self, limit: usize) -> (Option<String>, Vec<FeedEvent>) {
        let events: Vec<FeedEvent> = self.pending.iter().take(limit).copied().collect();
        if events.is_empty() {
            return (None, events);
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.batches
            .insert(id.clone(), events.iter().map(|e| e.seq).collect());
        (Some(id), events)
    }

    /// Confirms a batch: its events leave the feed. False for an unknown confirm id.
    pub fn confirm(&mut self, confirm_id: &str) -> bool {
        match self.batches.remove(confirm_id) {
            Some(seqs) => {
                self.pending.retain(|e| !seqs.contains(&e.seq));
                true
            }
            None => false,
        }
    }

    /// Unconfirmed events.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

/// A DHL Unified Push subscription.
#[derive(Debug, Clone)]
pub struct DhlSub {
    /// Subscription id.
    pub id: String,
    /// Activation secret.
    pub secret: String,
    /// Whether it was activated.
    pub active: bool,
    /// Where to push.
    pub uri: String,
    /// Header carrying the token.
    pub header: String,
    /// The token.
    pub token: String,
    /// DHL service followed.
    pub service: String,
    /// `None`: the whole account; else these shipment ids.
    pub shipment_ids: Option<Vec<String>>,
    /// Event classes pushed (`Transit`, `Delivered`, …).
    pub events: Vec<String>,
}

/// Request and push counters.
#[derive(Debug, Default)]
pub struct Stats {
    /// `GET /v1/tracking/{n}` (InPost).
    pub inpost_tracking: AtomicU64,
    /// `GET /track/shipments` (DHL).
    pub dhl_tracking: AtomicU64,
    /// DHL push subscriptions created and activated.
    pub dhl_subscription_calls: AtomicU64,
    /// `getEventsForWaybillV1`.
    pub dpd_waybill: AtomicU64,
    /// `getEventsForCustomerV4`.
    pub dpd_feed: AtomicU64,
    /// `markEventsAsProcessedV1`.
    pub dpd_confirm: AtomicU64,
    /// InPost webhooks accepted by the gateway.
    pub inpost_webhooks: AtomicU64,
    /// DHL pushes accepted by the gateway.
    pub dhl_pushes: AtomicU64,
    /// Pushes the gateway did not accept (retried).
    pub push_failures: AtomicU64,
    /// Injected 5xx answers.
    pub injected_5xx: AtomicU64,
    /// Injected 429 answers.
    pub injected_429: AtomicU64,
}

/// Counters as JSON.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatsView {
    /// Counter name → value.
    pub counters: Vec<(String, u64)>,
}

impl Stats {
    /// Adds one.
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads every counter.
    pub fn view(&self) -> StatsView {
        let c = |name: &str, v: &AtomicU64| (name.to_string(), v.load(Ordering::Relaxed));
        StatsView {
            counters: vec![
                c("inpost_tracking", &self.inpost_tracking),
                c("dhl_tracking", &self.dhl_tracking),
                c("dhl_subscription_calls", &self.dhl_subscription_calls),
                c("dpd_waybill", &self.dpd_waybill),
                c("dpd_feed", &self.dpd_feed),
                c("dpd_confirm", &self.dpd_confirm),
                c("inpost_webhooks", &self.inpost_webhooks),
                c("dhl_pushes", &self.dhl_pushes),
                c("push_failures", &self.push_failures),
                c("injected_5xx", &self.injected_5xx),
                c("injected_429", &self.injected_429),
            ],
        }
    }

    /// One counter by name (0 when unknown).
    pub fn get(&self, name: &str) -> u64 {
        self.view()
            .counters
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .unwrap_or(0)
    }
}

/// Everything the handlers and the pusher share.
#[derive(Debug)]
pub struct World {
    /// The sandbox's own base URL (`http://127.0.0.1:PORT`).
    pub base_url: String,
    /// One journey hour in real milliseconds.
    pub hour_ms: u64,
    /// When the sandbox was created (timestamps are set before it).
    pub origin: DateTime<Utc>,
    played: Mutex<Option<Instant>>,
    /// Fault knobs of the carrier APIs.
    pub knobs: Knobs,
    /// Accepted credentials.
    pub creds: Credentials,
    parcels: Mutex<Vec<Arc<Parcel>>>,
    /// Steps already pushed (webhook, push or feed) per parcel.
    pub pushed: Mutex<Vec<usize>>,
    /// DPD Poland feed.
    pub feed: Mutex<Feed>,
    /// DHL push subscriptions.
    pub dhl_subs: Mutex<Vec<DhlSub>>,
    /// Where InPost webhooks go.
    pub inpost_hook: Mutex<Option<String>>,
    /// Counters.
    pub stats: Stats,
}

impl World {
    /// A world with no parcels, its clock not yet running.
    pub fn new(base_url: String, hour_ms: u64, knobs: Knobs, creds: Credentials) -> World {
        World {
            base_url,
            hour_ms: hour_ms.max(1),
            origin: Utc::now().trunc_subsecs(0),
            played: Mutex::new(None),
            knobs,
            creds,
            parcels: Mutex::new(Vec::new()),
            pushed: Mutex::new(Vec::new()),
            feed: Mutex::new(Feed::default()),
            dhl_subs: Mutex::new(Vec::new()),
            inpost_hook: Mutex::new(None),
            stats: Stats::default(),
        }
    }

    /// Adds a parcel; its steps' timestamps end just before the sandbox was created (stalled
    /// and label-only parcels a day and a half before, so they look stuck).
    pub fn add(&self, plan: Planned) -> usize {
        let mut parcels = lock(&self.parcels);
        let i = parcels.len();
        let quiet = matches!(plan.journey, Journey::Stalls | Journey::LabelOnly);
        let back_h = i64::from(last_hour(&plan)) + if quiet { 36 } else { 1 };
        let jitter_min = (i as i64 * 7) % 50;
        let anchor = self.origin - Duration::hours(back_h) - Duration::minutes(jitter_min);
        parcels.push(Arc::new(Parcel { plan, anchor }));
        lock(&self.pushed).push(0);
        i
    }

    /// Every parcel, in the order added.
    pub fn parcels(&self) -> Vec<Arc<Parcel>> {
        lock(&self.parcels).clone()
    }

    /// The parcel of `carrier` with this number, and its index.
    pub fn find(&self, carrier: CarrierId, number: &str) -> Option<(usize, Arc<Parcel>)> {
        lock(&self.parcels)
            .iter()
            .enumerate()
            .find(|(_, p)| p.plan.carrier == carrier && p.plan.number == number)
            .map(|(i, p)| (i, p.clone()))
    }

    /// Starts the journeys' clock (idempotent).
    pub fn play(&self) {
        lock(&self.played).get_or_insert_with(Instant::now);
    }

    /// Journey hours since play (0 before).
    pub fn elapsed_hours(&self) -> f64 {
        lock(&self.played)
            .map(|t| t.elapsed().as_millis() as f64 / self.hour_ms as f64)
            .unwrap_or(0.0)
    }

    /// How many steps of a parcel a carrier API shows now.
    pub fn visible(&self, p: &Parcel) -> usize {
        p.visible(self.elapsed_hours())
    }

    /// Whether every step of every parcel has been pushed.
    pub fn finished(&self) -> bool {
        let parcels = lock(&self.parcels);
        let pushed = lock(&self.pushed);
        parcels
            .iter()
            .zip(pushed.iter())
            .all(|(p, n)| *n >= p.steps().len())
    }
}

/// Whether `url` is `http(s)://` to a loopback host: the sandbox pushes nowhere else.
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    if !matches!(u.scheme(), "http" | "https") {
        return false;
    }
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_keeps_events_until_their_batch_is_confirmed() {
        let mut f = Feed::default();
        for i in 0..5 {
            f.push(0, i);
        }
        let (id, first) = f.take(3);
        assert_eq!(first.len(), 3);
        let (_, again) = f.take(3);
        assert_eq!(again[0].seq, first[0].seq, "unconfirmed events come again");
        assert!(f.confirm(&id.unwrap()));
        assert_eq!(f.len(), 2);
        assert!(!f.confirm("no-such-batch"));
        assert_eq!(f.take(10).1.len(), 2);
    }

    #[test]
    fn only_loopback_urls_are_push_targets() {
        assert!(is_loopback_url(
            "http://127.0.0.1:8080/v1/webhooks/inpost/x"
        ));
        assert!(is_loopback_url("http://localhost/x"));
        assert!(is_loopback_url("http://[::1]:9/x"));
        assert!(!is_loopback_url("http://10.0.0.1/x"));
        assert!(!is_loopback_url("https://example.com/x"));
        assert!(!is_loopback_url("file:///etc/passwd"));
    }

    #[test]
    fn timestamps_stay_in_the_past_and_in_order() {
        let w = World::new(String::new(), 10, Knobs::default(), Credentials::default());
        for p in super::super::journeys::demo_fleet() {
            w.add(p);
        }
        for p in w.parcels() {
            let times: Vec<_> = (0..p.steps().len()).map(|i| p.time_of(i)).collect();
            assert!(times.windows(2).all(|t| t[0] < t[1]));
            assert!(times.iter().all(|t| *t < w.origin));
            assert_eq!(w.visible(&p), 1, "only the label step before play");
        }
    }
}
