//! The state every handler and worker shares: configuration, store, carrier registry,
//! caches, limits and the wake-ups between the edges and the workers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carriers::{CarrierId, Registry};
use tokio::sync::Notify;

use crate::cache::ShipmentCache;
use crate::config::Config;
use crate::dispatch::sealing::{SealError, SecretSealer};
use crate::inbound::ingest::Ingest;
use crate::metrics::Metrics;
use crate::notify::templates::Templates;
use crate::store::{Merchant, Store};
use crate::workers::ratelimit::RateLimiter;

/// Everything a handler or worker needs. One reference count to clone: axum clones the state
/// for every extractor and middleware of every request, and cloning each field (a dozen
/// `Arc`s and three moka caches) cost a tenth of a cached read's CPU.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// The fields of [`AppState`].
pub struct SharedState {
    /// Configuration.
    pub config: Arc<Config>,
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Configured carriers.
    pub registry: Arc<Registry>,
    /// Cached shipment responses.
    pub cache: ShipmentCache,
    /// API key hash → merchant (None cached too, briefly, to blunt key guessing).
    pub auth_cache: moka::future::Cache<String, Option<Arc<Merchant>>>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Carrier call budgets.
    pub limiter: Arc<RateLimiter>,
    /// Last authentication failure per carrier (shown as unhealthy).
    pub carrier_health: Arc<Mutex<HashMap<CarrierId, String>>>,
    /// Wakes the poller (a new shipment is due now).
    pub wake_poller: Arc<Notify>,
    /// Group-committing webhook writer.
    pub ingest: Ingest,
    /// Wakes the inbox worker (a webhook was stored).
    pub wake_inbox: Arc<Notify>,
    /// Seals subscription signing secrets before they are stored, opens them to sign;
    /// `Err` when the configured key is unusable (then nothing is sealed or signed).
    pub sealer: Result<SecretSealer, SealError>,
    /// The notification templates, compiled once (the sender renders with them, the API
    /// validates and previews with them).
    pub templates: Arc<Templates>,
}

impl AppState {
    /// Builds state over an opened store.
    pub fn new(config: Config, store: Arc<dyn Store>) -> Self {
        let registry = config.carriers.build();
        let mut limiter = RateLimiter::new(store.clone());
        for carrier in registry.all() {
            let rl = carrier.capabilities().rate_limit;
            limiter.configure(carrier.id(), rl.per_second, rl.per_day);
        }
        let cache = ShipmentCache::new(config.cache.max_bytes);
        // Config::load refuses a bad key; a config built in code reports it on use.
        let sealer = SecretSealer::new(config.sealing_key());
        match &sealer {
            Ok(s) if !s.is_sealing() => tracing::warn!(
                "secrets.key is not set: subscription signing secrets are stored unsealed and \
                 shipments with shopper contact data are refused"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "subscription secrets cannot be sealed"),
        }
        AppState(Arc::new(SharedState {
            config: Arc::new(config),
            store: store.clone(),
            registry: Arc::new(registry),
            cache,
            auth_cache: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
            metrics: Arc::new(Metrics::default()),
            limiter: Arc::new(limiter),
            carrier_health: Arc::new(Mutex::new(HashMap::new())),
            wake_poller: Arc::new(Notify::new()),
            wake_inbox: Arc::new(Notify::new()),
            ingest: Ingest::spawn(store),
            sealer,
            templates: Arc::new(Templates::new()),
        }))
    }

    /// The public tracking-page URL of a token.
    pub fn tracking_url(&self, token: &str) -> String {
        format!("{}/t/{token}", self.config.public_url.trim_end_matches('/'))
    }
}
