//! The `parcelgate` command line: serve, migrate, merchants, one-off tracking lookups
//! (arguments and the longer subcommands in `cli/`).

mod cli;

use anyhow::bail;
use clap::Parser;
use cli::{Cli, Command, DhlPushCommand, MerchantCommand};
use parcelgate::config::Config;
use parcelgate::state::AppState;

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
            let key = parcelgate::domain::merchant_rules::generate_key();
            store
                .add_api_key(
                    &merchant.id,
                    &parcelgate::domain::merchant_rules::hash_key(&key),
                    &parcelgate::domain::merchant_rules::key_display_prefix(&key),
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
        Command::Track { number, carrier } => {
            cli::track::track(config, &number, carrier.as_deref()).await
        }
        Command::EtaBacktest(args) => cli::analytics::eta_backtest(&config, &args).await,
        Command::GenerateHistory(args) => cli::analytics::generate_history(&config, &args).await,
        Command::Demo { listen, sandbox } => cli::demo::demo(listen, &sandbox).await,
        Command::Sandbox {
            listen,
            inpost_webhook,
            sandbox,
        } => cli::demo::run_sandbox(listen, inpost_webhook.as_deref(), &sandbox).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    // `Config::load` checked the e-mail settings, so an error cannot show up here.
    if let Ok(email) = config.email.settings() {
        for w in parcelgate::notify::email::warnings::rfc8058_warnings(
            &config.public_url,
            email.as_ref(),
        ) {
            tracing::warn!("{}", w.message());
        }
    }
    let running = parcelgate::app::start(config).await?;
    println!("parcelgate listening on http://{}", running.addr);
    cli::shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight work");
    running.shutdown().await;
    Ok(())
}
