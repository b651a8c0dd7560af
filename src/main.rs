//! The `parcelgate` command line: serve, migrate, merchants, one-off tracking lookups.

mod analytics_cli;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use carriers::registry::normalize_number;
use carriers::{CarrierId, TrackRequest};
use chrono::FixedOffset;
use clap::{Parser, Subcommand};
use parcelgate::app::AppState;
use parcelgate::config::Config;

#[derive(Parser)]
#[command(
    name = "parcelgate",
    version,
    about = "Shipment-tracking gateway for DHL, DPD and InPost"
)]
struct Cli {
    /// Config file (default: ./parcelgate.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    EtaBacktest(analytics_cli::BacktestArgs),
    /// Write synthetic shipment history (tests, backtests, benchmarks).
    GenerateHistory(analytics_cli::GenerateArgs),
    /// Look one number up at its carrier and print the normalized timeline.
    Track {
        /// The tracking number.
        number: String,
        /// Carrier (detected when left out).
        #[arg(long)]
        carrier: Option<String>,
    },
}

#[derive(Subcommand)]
enum DhlPushCommand {
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
struct SandboxArgs {
    /// Real milliseconds per journey hour (1000: the demo's journeys take about 90 s).
    #[arg(long, default_value_t = 1000)]
    hour_ms: u64,
    /// Fixed latency of every carrier API answer, in ms.
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// Random extra latency, up to this many ms.
    #[arg(long, default_value_t = 30)]
    jitter_ms: u64,
    /// Fraction of carrier API calls answered with a 5xx (0–1).
    #[arg(long, default_value_t = 0.02)]
    error_rate: f64,
    /// Fraction of carrier API calls answered with a 429 (0–1).
    #[arg(long, default_value_t = 0.01)]
    rate_429: f64,
    /// Retry-After seconds sent with a 429.
    #[arg(long, default_value_t = 1)]
    retry_after_secs: u64,
}

impl SandboxArgs {
    fn knobs(&self) -> parcelgate::sandbox::Knobs {
        parcelgate::sandbox::Knobs {
            latency_ms: self.latency_ms,
            jitter_ms: self.jitter_ms,
            error_rate: self.error_rate,
            rate_429: self.rate_429,
            retry_after_secs: self.retry_after_secs,
        }
    }
}

#[derive(Subcommand)]
enum MerchantCommand {
    /// Create a merchant and print its API key (shown once; only its hash is stored).
    Create {
        /// Merchant name.
        #[arg(long)]
        name: String,
    },
}

fn init_tracing(format: &str, default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PARCELGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    // The demo and the sandbox talk to the terminal; their logs stay quiet unless asked.
    let quiet = matches!(cli.command, Command::Demo { .. } | Command::Sandbox { .. });
    init_tracing(
        &config.log_format,
        if quiet {
            "warn,sqlx=error"
        } else {
            "info,sqlx=warn"
        },
    );
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let store = parcelgate::store::connect(&config.database_url).await?;
            store.migrate().await?;
            println!(
                "migrations applied to {}",
                parcelgate::store::redact_url(&config.database_url)
            );
            Ok(())
        }
        Command::Merchant {
            command: MerchantCommand::Create { name },
        } => {
            let name = name.trim();
            if name.is_empty() || name.len() > 200 {
                bail!("--name must be 1 to 200 characters");
            }
            let store = parcelgate::store::connect(&config.database_url).await?;
            store.migrate().await?;
            let now = chrono::Utc::now();
            let merchant = store.create_merchant(name, now).await?;
            let key = parcelgate::auth::generate_key();
            store
                .add_api_key(
                    &merchant.id,
                    &parcelgate::auth::hash_key(&key),
                    &parcelgate::auth::key_display_prefix(&key),
                    now,
                )
                .await?;
            println!("merchant_id: {}", merchant.id);
            println!("api_key:     {key}");
            eprintln!("Store the API key now: it is not shown again.");
            Ok(())
        }
        Command::DhlPush {
            command:
                DhlPushCommand::Subscribe {
                    service,
                    account,
                    shipment,
                    event,
                },
        } => {
            let store = parcelgate::store::connect("sqlite::memory:").await?;
            let state = AppState::new(config, store);
            let req = parcelgate::api::dhl_push::NewDhlPush {
                service,
                account_id: account,
                shipment_ids: shipment,
                events: event,
            };
            let created = parcelgate::api::dhl_push::subscribe(&state, req).await?;
            println!(
                "DHL push subscription {} active, pushing to {}",
                created.id, created.hook_url
            );
            Ok(())
        }
        Command::Track { number, carrier } => track(config, &number, carrier.as_deref()).await,
        Command::EtaBacktest(args) => analytics_cli::eta_backtest(&config, &args).await,
        Command::GenerateHistory(args) => analytics_cli::generate_history(&config, &args).await,
        Command::Demo { listen, sandbox } => demo(listen, &sandbox).await,
        Command::Sandbox {
            listen,
            inpost_webhook,
            sandbox,
        } => run_sandbox(listen, inpost_webhook.as_deref(), &sandbox).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let running = parcelgate::app::start(config).await?;
    println!("parcelgate listening on http://{}", running.addr);
    shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight work");
    running.shutdown().await;
    Ok(())
}

async fn demo(listen: std::net::SocketAddr, args: &SandboxArgs) -> anyhow::Result<()> {
    let opts = parcelgate::demo::DemoOptions {
        listen,
        hour_ms: args.hour_ms,
        knobs: args.knobs(),
    };
    println!("starting the gateway, the carrier sandbox and a callback receiver…");
    let demo = parcelgate::demo::start(opts)
        .await
        .context("the demo could not start (is the port free? try --listen 127.0.0.1:0)")?;
    println!("{}", demo.summary());
    let stop = shutdown_signal();
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    let mut announced = false;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => {
                println!("{}", demo.progress_line().await);
                if !announced && demo.sandbox.finished() && demo.all_arrived().await.unwrap_or(false) {
                    announced = true;
                    println!("every journey has reached its final status; the pages stay up until Ctrl-C");
                }
            }
        }
    }
    println!("stopping…");
    demo.shutdown().await;
    Ok(())
}

async fn run_sandbox(
    listen: std::net::SocketAddr,
    inpost_webhook: Option<&str>,
    args: &SandboxArgs,
) -> anyhow::Result<()> {
    use parcelgate::sandbox::{demo_fleet, Credentials, Sandbox, SandboxConfig};
    let creds = Credentials::default();
    let sandbox = Sandbox::start(SandboxConfig {
        listen,
        hour_ms: args.hour_ms,
        knobs: args.knobs(),
        credentials: creds.clone(),
    })
    .await?;
    for p in demo_fleet() {
        sandbox.add(p);
    }
    if let Some(url) = inpost_webhook {
        sandbox.set_inpost_webhook(url).await?;
    }
    sandbox.play();
    let base = sandbox.base_url();
    println!("carrier sandbox on {base} (parcels and counters: {base}/sandbox); Ctrl-C stops it");
    println!("point a gateway at it:");
    println!("  PARCELGATE_CARRIERS__INPOST__BASE_URL={base}");
    println!("  PARCELGATE_CARRIERS__DHL__BASE_URL={base}");
    println!("  PARCELGATE_CARRIERS__DHL__API_KEY={}", creds.dhl_api_key);
    println!("  PARCELGATE_CARRIERS__DPD__PL__BASE_URL={base}");
    println!("  PARCELGATE_CARRIERS__DPD__PL__LOGIN={}", creds.dpd_login);
    println!(
        "  PARCELGATE_CARRIERS__DPD__PL__PASSWORD={}",
        creds.dpd_password
    );
    println!(
        "  PARCELGATE_CARRIERS__DPD__PL__CHANNEL={}",
        creds.dpd_channel
    );
    for p in demo_fleet() {
        println!(
            "  {:<7} {:<24} {}",
            p.carrier.as_str(),
            p.journey.name(),
            p.number
        );
    }
    shutdown_signal().await;
    sandbox.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
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

async fn track(config: Config, number: &str, carrier: Option<&str>) -> anyhow::Result<()> {
    // No database needed: an in-memory store only to build the carrier registry.
    let store = parcelgate::store::connect("sqlite::memory:").await?;
    let state = AppState::new(config, Arc::clone(&store));
    let n = normalize_number(number);
    let id = match carrier {
        Some(c) => CarrierId::parse(c)
            .with_context(|| format!("unknown carrier {c:?}: use dhl, dpd or inpost"))?,
        None => state
            .registry
            .detect(&n)
            .first()
            .map(|d| d.carrier)
            .with_context(|| format!("no enabled carrier recognises {n}; pass --carrier"))?,
    };
    let adapter = state
        .registry
        .get(id)
        .with_context(|| format!("{id} is not enabled (configure its credentials)"))?;
    let outcome = adapter
        .track(&[TrackRequest::number(n.clone())])
        .await
        .pop()
        .context("the adapter returned nothing")?;
    let mut snap = outcome.result?;
    snap.events.sort_by_key(|e| e.occurred_at);
    let (status, substatus, _) = parcelgate::engine::merge::derive_status(&snap.events);
    println!(
        "{} {}  status: {status} ({substatus})",
        id.display_name(),
        snap.tracking_number
    );
    if let Some(eta) = snap.eta {
        println!("ETA: {} – {}", eta.from, eta.to);
    }
    for e in &snap.events {
        let local = FixedOffset::east_opt(e.utc_offset_seconds)
            .map(|o| {
                e.occurred_at
                    .with_timezone(&o)
                    .format("%Y-%m-%d %H:%M %:z")
                    .to_string()
            })
            .unwrap_or_default();
        let place = e.location.text.clone().unwrap_or_default();
        println!(
            "{local}  {:<22} {:<40} {} {}",
            e.status.as_str(),
            e.substatus,
            e.raw_code,
            if place.is_empty() {
                String::new()
            } else {
                format!("@ {place}")
            }
        );
    }
    Ok(())
}
