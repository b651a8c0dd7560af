//! Child processes for benchmarks: the real `parcelgate serve` binary configured through
//! `PARCELGATE_*` variables, readiness checks, SIGKILL, and resident memory from `/proc`.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The release (or dev, matching this build) `parcelgate` binary Cargo built alongside.
pub const GATEWAY_BIN: &str = env!("CARGO_BIN_EXE_parcelgate");

/// A free loopback port (bound, then released for the child to take).
pub fn free_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr")
}

/// A gateway child process.
pub struct Gateway {
    /// The child.
    pub child: Child,
    /// Its listen address.
    pub addr: SocketAddr,
}

/// Starts `parcelgate serve` in `dir` with `env` (and a quiet log) listening on `addr`.
pub fn spawn_gateway(dir: &Path, addr: SocketAddr, env: &[(String, String)]) -> Gateway {
    let mut cmd = Command::new(GATEWAY_BIN);
    cmd.arg("serve")
        .current_dir(dir)
        .env("PARCELGATE_LISTEN", addr.to_string())
        .env("PARCELGATE_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start parcelgate serve");
    Gateway { child, addr }
}

impl Gateway {
    /// Waits until `/healthz` answers 200 (panics after `limit`, or when the child exits).
    pub async fn wait_ready(&mut self, limit: Duration) {
        let url = format!("http://{}/healthz", self.addr);
        let http = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if let Ok(r) = http.get(&url).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("gateway exited during start-up: {status}");
            }
            assert!(start.elapsed() < limit, "gateway not ready after {limit:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL (no graceful shutdown) and reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Resident and peak resident memory in KiB (`VmRSS`, `VmHWM` from `/proc/PID/status`).
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The InPost webhook secret benchmark gateways are configured with.
pub const INPOST_SECRET: &str = "bench-inpost-webhook-secret-0123";

/// `PARCELGATE_*` settings of a benchmark gateway: its database, the InPost webhook secret,
/// and InPost's API at `inpost_base` (a local fake; nothing ever leaves the machine).
pub fn gateway_env(db_url: &str, inpost_base: &str) -> Vec<(String, String)> {
    [
        ("PARCELGATE_DATABASE_URL", db_url),
        ("PARCELGATE_CARRIERS__INPOST__WEBHOOK_SECRET", INPOST_SECRET),
        ("PARCELGATE_CARRIERS__INPOST__BASE_URL", inpost_base),
        ("PARCELGATE_PUBLIC_URL", "http://127.0.0.1:8080"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A loopback URL nothing listens on (the discard port): carrier calls fail fast.
pub const NOWHERE: &str = "http://127.0.0.1:9";
