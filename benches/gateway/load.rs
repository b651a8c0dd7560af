//! The load generator: `conns` keep-alive HTTP/1.1 connections (hyper), each sending its
//! next request as soon as the previous answer is read, for a fixed time. Every request's
//! latency is kept and sorted, so percentiles are exact rather than bucketed.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Builds the request with this sequence number (unique across all connections of a run).
pub type MakeRequest = Arc<dyn Fn(u64) -> Request<Full<Bytes>> + Send + Sync>;

/// Longest one request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a run measured.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// 2xx answers.
    pub ok: u64,
    /// Answers outside 2xx.
    pub non_2xx: u64,
    /// Connection or protocol failures and timeouts.
    pub errors: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latency of every answered request, microseconds, sorted.
    latencies_us: Vec<u32>,
}

impl LoadReport {
    /// 2xx answers per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p`-th percentile latency (0..=100) over all answered requests.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies_us.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.latencies_us.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.latencies_us.len()) - 1;
        Duration::from_micros(u64::from(self.latencies_us[i]))
    }

    /// One line: rate, percentiles, failures.
    pub fn summary(&self) -> String {
        format!(
            "{:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  ({} ok, {} non-2xx, {} errors, {:.1} s)",
            self.rate(),
            ms(self.percentile(50.0)),
            ms(self.percentile(99.0)),
            ms(self.percentile(100.0)),
            self.ok,
            self.non_2xx,
            self.errors,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Milliseconds as a float, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `conns` connections against `addr` for `duration`.
pub async fn run(
    addr: SocketAddr,
    conns: usize,
    duration: Duration,
    make: MakeRequest,
) -> LoadReport {
    run_limited(addr, conns, duration, u64::MAX, make).await
}

/// Like [`run`], but stops early once `limit` requests have been started.
pub async fn run_limited(
    addr: SocketAddr,
    conns: usize,
    duration: Duration,
    limit: u64,
    make: MakeRequest,
) -> LoadReport {
    let seq = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let workers: Vec<_> = (0..conns)
        .map(|_| tokio::spawn(worker(addr, deadline, limit, seq.clone(), make.clone())))
        .collect();
    let mut report = LoadReport::default();
    for w in workers {
        let part = w.await.expect("load worker panicked");
        report.ok += part.ok;
        report.non_2xx += part.non_2xx;
        report.errors += part.errors;
        report.latencies_us.extend(part.latencies_us);
    }
    report.elapsed = start.elapsed();
    report.latencies_us.sort_unstable();
    report
}

/// Runs `run` twice: a warm-up whose figures are dropped, then the measured run.
pub async fn warm_then_run(
    addr: SocketAddr,
    conns: usize,
    warmup: Duration,
    duration: Duration,
    make: MakeRequest,
) -> LoadReport {
    let _ = run(addr, conns, warmup, make.clone()).await;
    run(addr, conns, duration, make).await
}

async fn worker(
    addr: SocketAddr,
    deadline: Instant,
    limit: u64,
    seq: Arc<AtomicU64>,
    make: MakeRequest,
) -> LoadReport {
    let mut part = LoadReport::default();
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    while Instant::now() < deadline {
        let s = match sender.as_mut() {
            Some(s) => s,
            None => match connect(addr).await {
                Ok(s) => sender.insert(s),
                Err(_) => {
                    part.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let n = seq.fetch_add(1, Ordering::Relaxed);
        if n >= limit {
            break;
        }
        let req = make(n);
        let t = Instant::now();
        match tokio::time::timeout(REQUEST_TIMEOUT, send(s, req)).await {
            Ok(Ok(status)) => {
                let us = t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                part.latencies_us.push(us);
                if status.is_success() {
                    part.ok += 1;
                } else {
                    part.non_2xx += 1;
                }
            }
            _ => {
                part.errors += 1;
                sender = None;
            }
        }
    }
    part
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, BoxError> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn send(
    s: &mut SendRequest<Full<Bytes>>,
    req: Request<Full<Bytes>>,
) -> Result<hyper::StatusCode, BoxError> {
    s.ready().await?;
    let resp = s.send_request(req).await?;
    let status = resp.status();
    resp.into_body().collect().await?;
    Ok(status)
}
