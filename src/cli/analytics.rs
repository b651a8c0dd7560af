//! The `eta-backtest` and `generate-history` subcommands (part of the `parcelgate` binary).

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use parcelgate::analytics::backtest::{backtest, render};
use parcelgate::config::Config;
use parcelgate::history::{import_bulk, write_through_store, Options};

/// `parcelgate eta-backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// First day (YYYY-MM-DD, UTC) of first carrier scans to evaluate.
    #[arg(long)]
    from: String,
    /// Last day (inclusive) of first carrier scans to evaluate.
    #[arg(long)]
    to: String,
}

/// `parcelgate generate-history`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many shipments.
    #[arg(long)]
    shipments: usize,
    /// The merchant (`mer_…`) that owns them (`parcelgate merchant create` makes one).
    #[arg(long)]
    merchant: String,
    /// First registration day (YYYY-MM-DD); default: `--days` before today.
    #[arg(long)]
    start: Option<String>,
    /// Registrations spread over this many days.
    #[arg(long, default_value_t = 180)]
    days: u32,
    /// RNG seed (the same seed gives the same history).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Bulk-write shipments and their facts without event rows (for benchmark volumes)
    /// instead of applying every carrier update through the store.
    #[arg(long)]
    bulk: bool,
}

fn day(field: &str, v: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .with_context(|| format!("--{field} must be a date, YYYY-MM-DD (got {v:?})"))
}

fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Runs the backtest and prints the table.
pub async fn eta_backtest(config: &Config, args: &BacktestArgs) -> anyhow::Result<()> {
    let from = start_of(day("from", &args.from)?);
    let to_day = day("to", &args.to)?;
    let to = start_of(to_day.succ_opt().unwrap_or(to_day));
    if from >= to {
        bail!("--from must not be after --to");
    }
    let store = parcelgate::store::connect(&config.database_url).await?;
    store.migrate().await?;
    let rows = backtest(&*store, from, to).await?;
    if rows.is_empty() {
        println!(
            "no delivered shipments first scanned between {} and {to_day}",
            args.from
        );
        return Ok(());
    }
    println!(
        "ETA backtest, first scans {} .. {to_day}: window = our 20th-80th percentile; MAE and \
         bias in days against our median day / the middle of the carrier's window (+ = later)",
        args.from
    );
    print!("{}", render(&rows));
    Ok(())
}

/// Generates history into the configured database.
pub async fn generate_history(config: &Config, args: &GenerateArgs) -> anyhow::Result<()> {
    if args.shipments == 0 || args.days == 0 {
        bail!("--shipments and --days must be at least 1");
    }
    let store = parcelgate::store::connect(&config.database_url).await?;
    store.migrate().await?;
    if store.merchant(&args.merchant).await?.is_none() {
        bail!(
            "no merchant {:?}: create one with `parcelgate merchant create --name …`",
            args.merchant
        );
    }
    let now = Utc::now();
    let start = match &args.start {
        Some(s) => start_of(day("start", s)?),
        None => now - chrono::Duration::days(i64::from(args.days)),
    };
    let opts = Options {
        shipments: args.shipments,
        merchant_id: args.merchant.clone(),
        start,
        days: args.days,
        until: now,
        seed: args.seed,
    };
    let began = std::time::Instant::now();
    let summary = if args.bulk {
        import_bulk(&*store, &opts, 5000, |n| {
            if n % 100_000 == 0 {
                eprintln!("{n} shipments written");
            }
        })
        .await?
    } else {
        write_through_store(&*store, &opts).await?
    };
    println!(
        "wrote {} shipments ({} delivered, {} carrier updates applied) in {:.1} s",
        summary.shipments,
        summary.delivered,
        summary.updates,
        began.elapsed().as_secs_f64()
    );
    Ok(())
}
