//! Polling and memory: 100,000 active InPost shipments polled against a local fake ShipX
//! limited to N calls/s (token bucket, 429 when empty), then every shipment read once through
//! the API so the response cache fills, and the gateway's resident memory read from `/proc`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, HOST};
use hyper::Request;

use crate::fake_carrier::{self, burst_needed};
use crate::load::{self, LoadReport, MakeRequest};
use crate::process::{gateway_env, spawn_gateway, Gateway};
use crate::report::{record, section};
use crate::{seed, Opts};

/// Seconds of polling before the measured window starts.
const SETTLE: Duration = Duration::from_secs(5);

/// Runs polling, then memory, on one gateway process.
pub async fn run(opts: &Opts, hello: Option<&Gateway>) {
    let limit = if opts.poll_burst > 0.0 {
        format!("token bucket of {}", opts.poll_burst)
    } else {
        "in any one-second window".to_string()
    };
    section(&format!(
        "polling {} shipments, fake carrier at {} calls/s ({limit}), window {} s",
        opts.shipments,
        opts.poll_rate,
        opts.poll_window.as_secs()
    ));
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("poll.db").display());
    let store = parcelgate::store::connect(&url).await.expect("open store");
    store.migrate().await.expect("migrate");
    let (merchant, key) = seed::merchant_with_key(&store).await;
    drop(store);
    let t = Instant::now();
    let ids = seed::bulk_shipments(&url, &merchant, opts.shipments).await;
    println!(
        "  inserted {} shipments in {:.1} s",
        ids.len(),
        t.elapsed().as_secs_f64()
    );

    let (fake_addr, fake) = fake_carrier::start(opts.poll_rate, opts.poll_burst).await;
    let mut env = gateway_env(&url, &format!("http://{fake_addr}"));
    env.push((
        "PARCELGATE_CARRIERS__INPOST__RATE_PER_SECOND".into(),
        opts.poll_rate.to_string(),
    ));
    env.extend(opts.gateway_env.iter().cloned());
    let mut gw = spawn_gateway(dir.path(), crate::process::free_addr(), &env);
    gw.wait_ready(Duration::from_secs(30)).await;
    measure_polling(opts, &fake).await;
    fill_cache_and_measure_memory(opts, &gw, &key, Arc::new(ids), hello).await;
    gw.kill();
}

async fn measure_polling(opts: &Opts, fake: &fake_carrier::Fake) {
    let waited = Instant::now();
    while fake.seen().arrivals.is_empty() {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "the gateway never polled"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(SETTLE).await;
    let from = Instant::now();
    tokio::time::sleep(opts.poll_window).await;
    let to = Instant::now();
    let seen = fake.seen();
    let in_window = seen
        .arrivals
        .iter()
        .filter(|a| **a >= from && **a < to)
        .count();
    let window = to.duration_since(from).as_secs_f64();
    let rate = in_window as f64 / window;
    let used = rate / opts.poll_rate;
    println!(
        "  calls in window: {in_window} in {window:.2} s = {rate:.1}/s; 429s so far: {} of {} calls",
        seen.limited,
        seen.arrivals.len()
    );
    println!(
        "  burst the calls needed (GCRA at {} /s): {:.2} calls",
        opts.poll_rate,
        burst_needed(&seen.arrivals, opts.poll_rate)
    );
    record(
        "polling: share of allowed rate used",
        format!("{rate:.1}/s = {:.1}% of {}/s", used * 100.0, opts.poll_rate),
        ">= 95%",
        used >= 0.95,
    );
    record(
        "polling: 429s caused",
        format!("{}", seen.limited),
        "0",
        seen.limited == 0,
    );
}

/// GETs of each shipment in `ids` once, in order.
fn get_each(addr: std::net::SocketAddr, key: &str, ids: Arc<Vec<String>>) -> MakeRequest {
    let host = addr.to_string();
    let auth = format!("Bearer {key}");
    Arc::new(move |n| {
        let id = &ids[(n as usize) % ids.len()];
        Request::get(format!("/v1/shipments/{id}"))
            .header(HOST, host.as_str())
            .header(AUTHORIZATION, auth.as_str())
            .body(Full::new(Bytes::new()))
            .expect("request")
    })
}

async fn cache_entries(addr: std::net::SocketAddr) -> String {
    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with("parcelgate_cache_entries "))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("?")
        .to_string()
}

async fn fill_cache_and_measure_memory(
    opts: &Opts,
    gw: &Gateway,
    key: &str,
    ids: Arc<Vec<String>>,
    hello: Option<&Gateway>,
) {
    section(&format!(
        "memory: {} shipments stored, every one read once (cache fill), 64 connections",
        ids.len()
    ));
    let count = ids.len() as u64;
    let r: LoadReport = load::run_limited(
        gw.addr,
        opts.conns,
        Duration::from_secs(600),
        count,
        get_each(gw.addr, key, ids),
    )
    .await;
    println!("  reads (mostly misses) {}", r.summary());
    println!("  cache entries: {}", cache_entries(gw.addr).await);
    let (rss, hwm) = gw.memory_kib();
    let mib = rss as f64 / 1024.0;
    let hello_mib = hello.map(|h| h.memory_kib().0 as f64 / 1024.0);
    println!(
        "  gateway VmRSS {mib:.1} MiB, VmHWM {:.1} MiB; hello-world VmRSS {}",
        hwm as f64 / 1024.0,
        hello_mib.map_or("?".into(), |m| format!("{m:.1} MiB"))
    );
    let ratio = hello_mib.map_or(String::new(), |h| {
        format!(" = {:.1} x hello-world", mib / h)
    });
    record(
        "resident memory, 100k shipments, cache full",
        format!("{mib:.1} MiB{ratio}"),
        "<= 300 MB",
        rss as f64 * 1024.0 <= 300e6 && r.ok == count,
    );
}
