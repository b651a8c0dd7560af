//! Durable webhook ingest: InPost-shaped bodies, each with its own tracking number, posted
//! to `POST /v1/webhooks/inpost/{secret}` on SQLite and on PostgreSQL (a fresh database,
//! dropped afterwards). Every 2xx must be a committed row; the count is checked after.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::Request;
use sqlx::{Connection, PgConnection};

use crate::load::{self, ms, LoadReport, MakeRequest};
use crate::process::{gateway_env, spawn_gateway, INPOST_SECRET, NOWHERE};
use crate::report::{record, section};
use crate::{seed, Opts};

/// The tracking number inside the webhook fixture.
const FIXTURE_NUMBER: &str = "602677439331630337653846";

/// The InPost webhook fixture, split around its tracking number.
pub fn webhook_template() -> (String, String) {
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/wiremock-fixtures/inpost/webhook_status_changed.json"
    ))
    .expect("read InPost webhook fixture");
    let (head, tail) = fixture
        .split_once(FIXTURE_NUMBER)
        .expect("fixture holds its number");
    (head.to_string(), tail.to_string())
}

/// POSTs of the fixture with tracking number `inpost_number(prefix, seq)`.
fn post_webhooks(addr: SocketAddr, prefix: u64) -> MakeRequest {
    let (head, tail) = webhook_template();
    let host = addr.to_string();
    let path = format!("/v1/webhooks/inpost/{INPOST_SECRET}");
    Arc::new(move |n| {
        let body = format!("{head}{}{tail}", seed::inpost_number(prefix, n));
        Request::post(path.as_str())
            .header(HOST, host.as_str())
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("request")
    })
}

/// Runs the load against a gateway on `db_url`; returns the report and the stored row count.
async fn measure(opts: &Opts, db_url: &str) -> (LoadReport, i64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut env = gateway_env(db_url, NOWHERE);
    env.push(("PARCELGATE_POLLER__ENABLED".into(), "false".into()));
    let mut gw = spawn_gateway(dir.path(), crate::process::free_addr(), &env);
    gw.wait_ready(Duration::from_secs(30)).await;
    let _ = load::run(gw.addr, opts.conns, opts.warmup, post_webhooks(gw.addr, 1)).await;
    let r = load::run(gw.addr, opts.conns, opts.secs, post_webhooks(gw.addr, 2)).await;
    gw.kill();
    let rows = inbox_rows(db_url).await;
    (r, rows)
}

/// Rows in `webhook_inbox`.
async fn inbox_rows(db_url: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM webhook_inbox";
    if db_url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(db_url)
            .await
            .expect("open sqlite");
        sqlx::query_scalar(sql)
            .fetch_one(&mut c)
            .await
            .expect("count")
    } else {
        let mut c = PgConnection::connect(db_url).await.expect("open postgres");
        sqlx::query_scalar(sql)
            .fetch_one(&mut c)
            .await
            .expect("count")
    }
}

fn judge(backend: &str, r: &LoadReport, rows: i64, warm: u64, hello: &LoadReport) {
    println!("  gateway ({backend:<8}) {}", r.summary());
    println!(
        "  rows in webhook_inbox: {rows} (2xx answers incl. warm-up: at least {})",
        r.ok + warm
    );
    let p99 = ms(r.percentile(99.0));
    record(
        &format!("webhook ingest rate, {backend}"),
        format!(
            "{:.0}/s = {:.2} x hello-world",
            r.rate(),
            r.rate() / hello.rate()
        ),
        ">= 5000/s",
        r.rate() >= 5000.0 && r.non_2xx == 0 && r.errors == 0,
    );
    record(
        &format!("webhook ingest p99, {backend}"),
        format!("{p99:.2} ms"),
        "<= 25 ms",
        p99 <= 25.0,
    );
}

/// The SQLite ingest scenario.
pub async fn sqlite(opts: &Opts, hello: &LoadReport) {
    section(&format!(
        "webhook ingest, SQLite (synchronous=FULL), {} connections, {} s",
        opts.conns,
        opts.secs.as_secs()
    ));
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("ingest.db").display());
    let (r, rows) = measure(opts, &url).await;
    judge("sqlite", &r, rows, 0, hello);
    assert!(
        rows as u64 >= r.ok,
        "a 2xx webhook is missing from the inbox"
    );
}

/// The PostgreSQL ingest scenario (skipped when the server cannot be reached).
pub async fn postgres(opts: &Opts, hello: &LoadReport) {
    section(&format!(
        "webhook ingest, PostgreSQL, {} connections, {} s",
        opts.conns,
        opts.secs.as_secs()
    ));
    let Some(admin) = opts.pg_admin_url.as_deref() else {
        println!("  skipped: BENCH_POSTGRES_URL is empty");
        return;
    };
    let name = format!("parcelgate_bench_{}", uuid::Uuid::new_v4().simple());
    if let Err(e) = admin_sql(admin, &format!("CREATE DATABASE \"{name}\"")).await {
        record(
            "webhook ingest, postgres",
            format!("not run: {e}"),
            ">= 5000/s",
            false,
        );
        return;
    }
    let mut url = url::Url::parse(admin).expect("BENCH_POSTGRES_URL");
    url.set_path(&format!("/{name}"));
    let (r, rows) = measure(opts, url.as_str()).await;
    let _ = admin_sql(admin, &format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await;
    println!("  database {name} created and dropped");
    judge("postgres", &r, rows, 0, hello);
    assert!(
        rows as u64 >= r.ok,
        "a 2xx webhook is missing from the inbox"
    );
}

async fn admin_sql(admin: &str, sql: &str) -> Result<(), sqlx::Error> {
    let mut c = PgConnection::connect(admin).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut c)
        .await?;
    c.close().await
}
