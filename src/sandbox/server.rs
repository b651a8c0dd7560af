//! The sandbox server: one axum router (InPost ShipX, DHL Unified Tracking and Push, DPD
//! InfoServices, plus `GET /sandbox` describing the parcels in play), bound on loopback
//! (port 0 allowed), with the pusher running beside it until shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::journeys::Planned;
use super::knobs::{BadKnob, Knobs};
use super::world::{is_loopback_url, lock, Credentials, StatsView, World};
use super::{dhl, dpd, inpost, push};

/// How the sandbox runs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen: a loopback address; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Real milliseconds per journey hour.
    pub hour_ms: u64,
    /// Latency and fault injection of the carrier APIs.
    pub knobs: Knobs,
    /// Credentials the carrier APIs accept.
    pub credentials: Credentials,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            hour_ms: 1000,
            knobs: Knobs::default(),
            credentials: Credentials::default(),
        }
    }
}

/// Why the sandbox could not start or be configured.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The sandbox listens on loopback only.
    #[error("the sandbox listens on loopback only, not {0}")]
    NotLoopback(SocketAddr),
    /// Binding failed.
    #[error("sandbox cannot listen: {0}")]
    Bind(#[from] std::io::Error),
    /// A knob is out of range.
    #[error(transparent)]
    Knob(#[from] BadKnob),
    /// A webhook URL was refused.
    #[error("webhook URL refused: {0}")]
    Hook(String),
}

/// A running sandbox.
pub struct Sandbox {
    addr: SocketAddr,
    world: Arc<World>,
    http: reqwest::Client,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// One parcel as `GET /sandbox` shows it.
#[derive(Debug, Serialize)]
struct ParcelView {
    carrier: &'static str,
    tracking_number: String,
    journey: &'static str,
    service: &'static str,
    steps: usize,
    visible: usize,
    pushed: usize,
    latest_code: Option<&'static str>,
    expected_status: &'static str,
    expected_substatus: &'static str,
}

/// `GET /sandbox`.
#[derive(Debug, Serialize)]
struct StatusView {
    hour_ms: u64,
    elapsed_hours: f64,
    finished: bool,
    dpd_feed_waiting: usize,
    dhl_subscriptions: usize,
    stats: StatsView,
    parcels: Vec<ParcelView>,
}

async fn status(State(world): State<Arc<World>>) -> Json<StatusView> {
    let pushed = lock(&world.pushed).clone();
    let parcels = world
        .parcels()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let visible = world.visible(p);
            ParcelView {
                carrier: p.plan.carrier.as_str(),
                tracking_number: p.plan.number.clone(),
                journey: p.plan.journey.name(),
                service: p.plan.script.service,
                steps: p.steps().len(),
                visible,
                pushed: pushed.get(i).copied().unwrap_or(0),
                latest_code: visible
                    .checked_sub(1)
                    .and_then(|s| p.steps().get(s))
                    .map(|s| if s.code.is_empty() { s.class } else { s.code }),
                expected_status: p.plan.script.expected.0.as_str(),
                expected_substatus: p.plan.script.expected.1,
            }
        })
        .collect();
    Json(StatusView {
        hour_ms: world.hour_ms,
        elapsed_hours: world.elapsed_hours(),
        finished: world.finished(),
        dpd_feed_waiting: lock(&world.feed).len(),
        dhl_subscriptions: lock(&world.dhl_subs).iter().filter(|s| s.active).count(),
        stats: world.stats.view(),
        parcels,
    })
}

/// The sandbox's router over `world`.
pub fn router(world: Arc<World>) -> Router {
    inpost::routes()
        .merge(dhl::routes())
        .merge(dpd::routes())
        .route("/sandbox", get(status))
        .with_state(world)
}

impl Sandbox {
    /// Binds, then serves the carrier APIs and runs the pusher. The journeys' clock waits for
    /// [`Sandbox::play`].
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        if !config.listen.ip().is_loopback() {
            return Err(SandboxError::NotLoopback(config.listen));
        }
        config.knobs.validate()?;
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let world = Arc::new(World::new(
            format!("http://{addr}"),
            config.hour_ms,
            config.knobs,
            config.credentials,
        ));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let (stop, rx) = watch::channel(false);
        let app = router(world.clone());
        let mut server_rx = rx.clone();
        let server = tokio::spawn(async move {
            let shutdown = async move {
                let _ = server_rx.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "sandbox server failed");
            }
        });
        let pusher = tokio::spawn(push::run(world.clone(), http.clone(), rx));
        tracing::info!(%addr, "carrier sandbox listening");
        Ok(Sandbox {
            addr,
            world,
            http,
            stop,
            tasks: vec![server, pusher],
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the base URL for every carrier adapter.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state (parcels, clock, counters).
    pub fn world(&self) -> &Arc<World> {
        &self.world
    }

    /// Puts a parcel in play; returns its index.
    pub fn add(&self, plan: Planned) -> usize {
        self.world.add(plan)
    }

    /// Sets where InPost webhooks go. Like ShipX, the URL must answer a GET with 200 first.
    pub async fn set_inpost_webhook(&self, url: &str) -> Result<(), SandboxError> {
        if !is_loopback_url(url) {
            return Err(SandboxError::Hook(
                "the sandbox pushes only to loopback URLs".into(),
            ));
        }
        match self.http.get(url).send().await {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => {
                return Err(SandboxError::Hook(format!(
                    "GET answered {}, not 200",
                    r.status()
                )))
            }
            Err(e) => return Err(SandboxError::Hook(format!("GET failed: {e}"))),
        }
        *lock(&self.world.inpost_hook) = Some(url.to_string());
        Ok(())
    }

    /// Starts the journeys' clock.
    pub fn play(&self) {
        self.world.play();
    }

    /// Whether every step of every parcel has been announced.
    pub fn finished(&self) -> bool {
        self.world.finished()
    }

    /// Stops the server and the pusher and waits for them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
