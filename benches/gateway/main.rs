//! The parcelgate benchmark suite (issue 6): loopback only, bounded in time, every figure
//! measured in the same run as an axum hello-world JSON handler built alongside.
//!
//! `cargo bench --bench gateway [-- SCENARIO…]` (scenarios: `read`, `ingest`, `poll`; all by
//! default; `poll` includes the memory figure). `scripts/bench.sh` wraps it. Settings come
//! from the environment: `BENCH_SECS` (10), `BENCH_WARMUP` (2), `BENCH_CONNS` (64),
//! `BENCH_SHIPMENTS` (100000), `BENCH_POLL_RATE` (200), `BENCH_POLL_BURST` (0: at most N calls in any
//! one-second window; >0: a token bucket of that size),
//! `BENCH_POLL_WINDOW` (30), `BENCH_POSTGRES_URL` (`postgres://postgres@127.0.0.1:5432/postgres`,
//! empty to skip), and `BENCH_GATEWAY_ENV` (extra `K=V,K=V` for the polled gateway).
//!
//! The gateway runs as the real `parcelgate serve` binary Cargo built for this bench (release
//! under `cargo bench`), configured through `PARCELGATE_*` variables; hello-world runs as a
//! child of this binary; the load generator and the fake carrier run here.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../common/machine.rs"]
mod machine;
#[path = "../common/process.rs"]
mod process;

mod fake_carrier;
mod hello;
mod ingest;
mod load;
mod poll;
mod read;
mod report;
mod seed;

use std::time::Duration;

/// Run settings.
pub struct Opts {
    /// Measured seconds per load run.
    pub secs: Duration,
    /// Warm-up seconds before each load run (not counted).
    pub warmup: Duration,
    /// Concurrent connections.
    pub conns: usize,
    /// Shipments for the polling and memory figures.
    pub shipments: u64,
    /// The fake carrier's (and the gateway's) calls per second.
    pub poll_rate: f64,
    /// The fake carrier's token-bucket size (0: a sliding one-second window instead).
    pub poll_burst: f64,
    /// The measured polling window.
    pub poll_window: Duration,
    /// Server to create (and drop) the PostgreSQL benchmark database on.
    pub pg_admin_url: Option<String>,
    /// Extra `PARCELGATE_*` settings for the polled gateway.
    pub gateway_env: Vec<(String, String)>,
    /// Scenarios to run.
    pub only: Vec<String>,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Opts {
    fn from_env(args: &[String]) -> Opts {
        let pg = std::env::var("BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let extra = std::env::var("BENCH_GATEWAY_ENV").unwrap_or_default();
        Opts {
            secs: Duration::from_secs(env_or("BENCH_SECS", 10)),
            warmup: Duration::from_secs(env_or("BENCH_WARMUP", 2)),
            conns: env_or("BENCH_CONNS", 64),
            shipments: env_or("BENCH_SHIPMENTS", 100_000),
            poll_rate: env_or("BENCH_POLL_RATE", 200.0),
            poll_burst: env_or("BENCH_POLL_BURST", 0.0),
            poll_window: Duration::from_secs(env_or("BENCH_POLL_WINDOW", 30)),
            pg_admin_url: Some(pg).filter(|u| !u.is_empty()),
            gateway_env: extra
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect(),
            // Cargo passes `--bench`; anything not starting with `-` names a scenario.
            only: args
                .iter()
                .filter(|a| !a.starts_with('-'))
                .cloned()
                .collect(),
        }
    }

    fn wants(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == scenario)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == hello::SERVE_FLAG) {
        hello::serve(args.get(i + 1).map_or("127.0.0.1:0", String::as_str));
        return;
    }
    let opts = Opts::from_env(&args);
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let all_met = rt.block_on(run(&opts));
    if !all_met {
        std::process::exit(1);
    }
}

async fn run(opts: &Opts) -> bool {
    println!(
        "parcelgate benchmarks (loopback); gateway binary {}",
        process::GATEWAY_BIN
    );
    machine::print();
    let mut hello = hello::spawn().await;
    let yardstick = read::hello_world(opts, hello.addr).await;
    if opts.wants("read") {
        read::run(opts, &yardstick).await;
    }
    if opts.wants("ingest") {
        ingest::sqlite(opts, &yardstick).await;
        ingest::postgres(opts, &yardstick).await;
    }
    if opts.wants("poll") {
        poll::run(opts, Some(&hello)).await;
    }
    hello.kill();
    report::print_summary()
}
