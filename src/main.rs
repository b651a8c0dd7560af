//! The `parcelgate` command line: serve, migrate, merchants, one-off tracking lookups.

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

#[derive(Subcommand)]
enum MerchantCommand {
    /// Create a merchant and print its API key (shown once; only its hash is stored).
    Create {
        /// Merchant name.
        #[arg(long)]
        name: String,
    },
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PARCELGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
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
    init_tracing(&config.log_format);
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
