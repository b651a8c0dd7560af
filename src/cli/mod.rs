//! The command line: its arguments, and the subcommands that are more than a call into the
//! library (analytics, demo and sandbox, one-off tracking lookups).

pub mod analytics;
pub mod demo;
pub mod track;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The command line.
#[derive(Parser)]
#[command(
    name = "parcelgate",
    version,
    about = "Shipment-tracking gateway for DHL, DPD and InPost"
)]
pub struct Cli {
    /// Config file (default: ./parcelgate.toml if present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Subcommand)]
pub enum Command {
    /// Run the gateway: HTTP API, tracking pages, poller and webhook processing.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage merchants.
    Merchant {
        #[command(subcommand)]
        command: MerchantCommand,
    },
    /// DHL Unified Push: subscribe this gateway (create + activate).
    DhlPush {
        #[command(subcommand)]
        command: DhlPushCommand,
    },
    /// The whole product locally: gateway + carrier sandbox + callback receiver, ~30 shipments.
    Demo {
        /// Gateway address (loopback; port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        #[command(flatten)]
        sandbox: SandboxArgs,
    },
    /// Run only the carrier sandbox (InPost, DHL, DPD wire formats) for benchmarks and tests.
    Sandbox {
        /// Sandbox address (loopback; port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:9090")]
        listen: std::net::SocketAddr,
        /// Where to push InPost webhooks (a gateway's /v1/webhooks/inpost/{secret}).
        #[arg(long)]
        inpost_webhook: Option<String>,
        #[command(flatten)]
        sandbox: SandboxArgs,
    },
    /// Replay delivered shipments and measure ETA predictions against the carriers' own.
    EtaBacktest(analytics::BacktestArgs),
    /// Write synthetic shipment history (tests, backtests, benchmarks).
    GenerateHistory(analytics::GenerateArgs),
    /// Look one number up at its carrier and print the normalized timeline.
    Track {
        /// The tracking number.
        number: String,
        /// Carrier (detected when left out).
        #[arg(long)]
        carrier: Option<String>,
    },
}

/// `parcelgate dhl-push …`.
#[derive(Subcommand)]
pub enum DhlPushCommand {
    /// Create and activate a subscription pointed at PUBLIC_URL/v1/webhooks/dhl/<secret>.
    Subscribe {
        /// DHL service (`parcel-de`, `ecommerce-europe`, …).
        #[arg(long)]
        service: String,
        /// Follow every shipment of this DHL account.
        #[arg(long, conflicts_with = "shipment")]
        account: Option<String>,
        /// Follow these shipments (repeatable, at most 10).
        #[arg(long)]
        shipment: Vec<String>,
        /// Event classes (repeatable; default all).
        #[arg(long)]
        event: Vec<String>,
    },
}

/// Accelerated time and fault injection of the carrier sandbox.
#[derive(clap::Args)]
pub struct SandboxArgs {
    /// Real milliseconds per journey hour (1000: the demo's journeys take about 90 s).
    #[arg(long, default_value_t = 1000)]
    pub hour_ms: u64,
    /// Fixed latency of every carrier API answer, in ms.
    #[arg(long, default_value_t = 20)]
    pub latency_ms: u64,
    /// Random extra latency, up to this many ms.
    #[arg(long, default_value_t = 30)]
    pub jitter_ms: u64,
    /// Fraction of carrier API calls answered with a 5xx (0–1).
    #[arg(long, default_value_t = 0.02)]
    pub error_rate: f64,
    /// Fraction of carrier API calls answered with a 429 (0–1).
    #[arg(long, default_value_t = 0.01)]
    pub rate_429: f64,
    /// Retry-After seconds sent with a 429.
    #[arg(long, default_value_t = 1)]
    pub retry_after_secs: u64,
}

impl SandboxArgs {
    /// The sandbox's fault-injection knobs.
    pub fn knobs(&self) -> parcelgate::sandbox::Knobs {
        parcelgate::sandbox::Knobs {
            latency_ms: self.latency_ms,
            jitter_ms: self.jitter_ms,
            error_rate: self.error_rate,
            rate_429: self.rate_429,
            retry_after_secs: self.retry_after_secs,
        }
    }
}

/// `parcelgate merchant …`.
#[derive(Subcommand)]
pub enum MerchantCommand {
    /// Create a merchant and print its API key (shown once; only its hash is stored).
    Create {
        /// Merchant name.
        #[arg(long)]
        name: String,
    },
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
