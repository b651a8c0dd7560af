//! The application: shared state, the router, background workers, and serving with
//! graceful shutdown.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carriers::dhl::DhlCarrier;
use carriers::dpd::DpdCarrier;
use carriers::inpost::InpostCarrier;
use carriers::{Carrier, CarrierId, Registry};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::cache::ShipmentCache;
use crate::config::Config;
use crate::domain::Merchant;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::store::Store;

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
    /// The DHL adapter, for push subscriptions.
    pub dhl: Option<Arc<DhlCarrier>>,
    /// The DPD adapter, for its event feed.
    pub dpd: Option<Arc<DpdCarrier>>,
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
    pub ingest: crate::ingest::Ingest,
    /// Wakes the inbox worker (a webhook was stored).
    pub wake_inbox: Arc<Notify>,
    /// Seals subscription signing secrets before they are stored, opens them to sign;
    /// `Err` when the configured key is unusable (then nothing is sealed or signed).
    pub sealer: Result<crate::dispatch::sealing::SecretSealer, String>,
}

impl AppState {
    /// Builds state over an opened store.
    pub fn new(config: Config, store: Arc<dyn Store>) -> Self {
        let mut registry = Registry::new();
        let mut limiter = RateLimiter::new(store.clone());
        let c = &config.carriers;
        let inpost_on = c.inpost.enabled.unwrap_or(true);
        if inpost_on {
            registry.register(Arc::new(InpostCarrier::new(c.inpost.adapter.clone())));
        }
        let dhl_on = c.dhl.enabled.unwrap_or(!c.dhl.adapter.api_key.is_empty());
        let dhl = dhl_on.then(|| Arc::new(DhlCarrier::new(c.dhl.adapter.clone())));
        if let Some(d) = &dhl {
            registry.register(d.clone() as Arc<dyn Carrier>);
        }
        let dpd_configured =
            !c.dpd.adapter.pl.login.is_empty() || !c.dpd.adapter.europe.delis_id.is_empty();
        let dpd_on = c.dpd.enabled.unwrap_or(dpd_configured);
        let dpd = dpd_on.then(|| Arc::new(DpdCarrier::new(c.dpd.adapter.clone())));
        if let Some(d) = &dpd {
            registry.register(d.clone() as Arc<dyn Carrier>);
        }
        for carrier in registry.all() {
            let rl = carrier.capabilities().rate_limit;
            limiter.configure(carrier.id(), rl.per_second, rl.per_day);
        }
        let cache = ShipmentCache::new(config.cache.max_bytes);
        // Config::load refuses a bad key; a config built in code reports it on use.
        let sealer = crate::dispatch::sealing::SecretSealer::new(&config.callbacks.secrets_key)
            .map_err(|e| e.to_string());
        match &sealer {
            Ok(s) if !s.is_sealing() => tracing::warn!(
                "callbacks.secrets_key is not set: subscription signing secrets are stored unsealed"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "subscription secrets cannot be sealed"),
        }
        AppState(Arc::new(SharedState {
            config: Arc::new(config),
            store: store.clone(),
            registry: Arc::new(registry),
            dhl,
            dpd,
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
            ingest: crate::ingest::Ingest::spawn(store),
            sealer,
        }))
    }

    /// The public tracking-page URL of a token.
    pub fn tracking_url(&self, token: &str) -> String {
        format!("{}/t/{token}", self.config.public_url.trim_end_matches('/'))
    }
}

/// A running gateway (tests and `serve`).
pub struct Running {
    /// Bound address.
    pub addr: SocketAddr,
    /// State, for tests that look inside.
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops taking work, finishes in-flight work, and waits for every task.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Opens the store, migrates, binds and starts the HTTP server and the workers.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let store = crate::store::connect(&config.database_url).await?;
    store.migrate().await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(config, store);
    let (tx, rx) = watch::channel(false);
    let mut tasks = crate::workers::spawn(&state, rx.clone());
    let router = crate::api::router(state.clone());
    let mut server_rx = rx;
    tasks.push(tokio::spawn(async move {
        let result = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = server_rx.wait_for(|stop| *stop).await;
        })
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "HTTP server failed");
        }
    }));
    tracing::info!(%addr, "parcelgate listening");
    Ok(Running {
        addr,
        state,
        shutdown: tx,
        tasks,
    })
}
