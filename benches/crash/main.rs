//! Crash test (issue 6, item 7): senders post uniquely numbered InPost-shaped webhooks while
//! the real `parcelgate serve` binary (SQLite file, `PARCELGATE_*` config) is killed with
//! SIGKILL and restarted; afterwards every webhook that got a 2xx must be in `webhook_inbox`
//! exactly once, under the id its answer carried, and no webhook may be stored twice.
//!
//! `cargo bench --bench crash [-- --kills 20 --senders 16]`; `scripts/crash-test.sh` wraps
//! it. Exits 1 when a check fails.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[allow(dead_code)]
#[path = "../common/process.rs"]
mod process;

mod check;
mod sender;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;

use process::{gateway_env, spawn_gateway, Gateway, NOWHERE};

/// Run settings from the command line.
struct Opts {
    kills: usize,
    senders: usize,
}

fn flag(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = Opts {
        kills: flag(&args, "--kills", 20),
        senders: flag(&args, "--senders", 16),
    };
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    if !rt.block_on(run(&opts)) {
        std::process::exit(1);
    }
}

/// Starts the gateway on `addr` over `url` and waits until it answers.
async fn start(dir: &Path, addr: std::net::SocketAddr, url: &str) -> Gateway {
    let mut env = gateway_env(url, NOWHERE);
    env.push(("PARCELGATE_POLLER__ENABLED".into(), "false".into()));
    let mut gw = spawn_gateway(dir, addr, &env);
    gw.wait_ready(Duration::from_secs(30)).await;
    gw
}

async fn run(opts: &Opts) -> bool {
    println!(
        "crash test: {} SIGKILLs of {} with {} senders",
        opts.kills,
        process::GATEWAY_BIN,
        opts.senders
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    let addr = process::free_addr();
    let stop = Arc::new(AtomicBool::new(false));
    let log = Arc::new(sender::Log::default());
    let mut gw = start(dir.path(), addr, &url).await;
    let senders = sender::spawn_all(addr, opts.senders, stop.clone(), log.clone());
    for k in 1..=opts.kills {
        let up = rand::thread_rng().gen_range(150..600);
        tokio::time::sleep(Duration::from_millis(up)).await;
        gw.kill();
        println!(
            "  kill {k:>2}/{} after {up} ms up; 2xx so far {}",
            opts.kills,
            log.acked_count()
        );
        gw = start(dir.path(), addr, &url).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    for s in senders {
        let _ = s.await;
    }
    gw.kill();
    check::verify(&url, &log).await
}
