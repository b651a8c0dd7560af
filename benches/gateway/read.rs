//! Cached reads: `GET /v1/shipments/{id}` of a shipment with 20 events against hello-world,
//! 64 connections each, in the same run.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, HOST};
use hyper::Request;

use crate::load::{self, ms, LoadReport, MakeRequest};
use crate::process::{gateway_env, spawn_gateway, NOWHERE};
use crate::report::{record, section};
use crate::{seed, Opts};

/// A GET of `path` (with a bearer key when given), the same for every sequence number.
pub fn get(addr: SocketAddr, path: &str, key: Option<&str>) -> MakeRequest {
    let host = addr.to_string();
    let path = path.to_string();
    let auth = key.map(|k| format!("Bearer {k}"));
    Arc::new(move |_| {
        let mut b = Request::get(path.as_str()).header(HOST, host.as_str());
        if let Some(a) = &auth {
            b = b.header(AUTHORIZATION, a.as_str());
        }
        b.body(Full::new(Bytes::new())).expect("request")
    })
}

/// Measures hello-world (the yardstick every ratio uses).
pub async fn hello_world(opts: &Opts, hello: SocketAddr) -> LoadReport {
    section(&format!(
        "hello-world: GET /hello, {} connections, {} s",
        opts.conns,
        opts.secs.as_secs()
    ));
    let r = load::warm_then_run(
        hello,
        opts.conns,
        opts.warmup,
        opts.secs,
        get(hello, "/hello", None),
    )
    .await;
    println!("  hello-world       {}", r.summary());
    r
}

/// The cached-read scenario.
pub async fn run(opts: &Opts, hello: &LoadReport) {
    section(&format!(
        "cached GET /v1/shipments/{{id}} (20 events), {} connections, {} s",
        opts.conns,
        opts.secs.as_secs()
    ));
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("read.db").display());
    let store = parcelgate::store::connect(&url).await.expect("open store");
    store.migrate().await.expect("migrate");
    let (merchant, key) = seed::merchant_with_key(&store).await;
    let id = seed::shipment_with_events(&store, &merchant, "602677439331630337653846", 20).await;
    drop(store);

    let mut env = gateway_env(&url, NOWHERE);
    env.push(("PARCELGATE_POLLER__ENABLED".into(), "false".into()));
    let mut gw = spawn_gateway(dir.path(), crate::process::free_addr(), &env);
    gw.wait_ready(std::time::Duration::from_secs(30)).await;
    let path = format!("/v1/shipments/{id}");
    let body = reqwest::Client::new()
        .get(format!("http://{}{path}", gw.addr))
        .bearer_auth(&key)
        .send()
        .await
        .expect("first GET")
        .bytes()
        .await
        .expect("body");
    println!("  response body: {} bytes", body.len());

    let r = load::warm_then_run(
        gw.addr,
        opts.conns,
        opts.warmup,
        opts.secs,
        get(gw.addr, &path, Some(&key)),
    )
    .await;
    println!("  gateway (cached)  {}", r.summary());
    let ratio = r.rate() / hello.rate();
    let p99 = ms(r.percentile(99.0));
    record(
        "cached GET rate vs hello-world",
        format!("{:.0}/s = {ratio:.2} x hello-world", r.rate()),
        ">= 0.60",
        ratio >= 0.60 && r.non_2xx == 0 && r.errors == 0,
    );
    record(
        "cached GET p99",
        format!("{p99:.2} ms"),
        "<= 5 ms",
        p99 <= 5.0,
    );
    gw.kill();
}
