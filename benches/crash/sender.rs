//! The senders: each posts the next unused webhook number, never resending one, and logs
//! what the gateway answered (2xx with its inbox id, another status, or no answer).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::process::INPOST_SECRET;

/// The tracking number inside the webhook fixture.
const FIXTURE_NUMBER: &str = "602677439331630337653846";

/// Webhook number `n` as a 24-digit InPost tracking number.
pub fn number(n: u64) -> String {
    format!("9{n:023}")
}

/// Webhook number back from a tracking number.
pub fn parse_number(tracking: &str) -> Option<u64> {
    tracking.strip_prefix('9')?.parse().ok()
}

/// What the gateway answered, by webhook number.
#[derive(Default)]
pub struct Log {
    next: AtomicU64,
    /// Number → inbox id, for every 2xx.
    pub acked: Mutex<HashMap<u64, i64>>,
    /// Answers outside 2xx.
    pub refused: AtomicU64,
    /// Requests without an answer (connection refused or reset by the kill).
    pub lost: AtomicU64,
}

impl Log {
    /// 2xx answers so far.
    pub fn acked_count(&self) -> usize {
        self.acked.lock().expect("log").len()
    }

    /// Numbers handed out (each sent at most once).
    pub fn sent(&self) -> u64 {
        self.next.load(Ordering::SeqCst)
    }
}

/// Starts `count` senders against `addr` until `stop`.
pub fn spawn_all(
    addr: SocketAddr,
    count: usize,
    stop: Arc<AtomicBool>,
    log: Arc<Log>,
) -> Vec<JoinHandle<()>> {
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/wiremock-fixtures/inpost/webhook_status_changed.json"
    ))
    .expect("read InPost webhook fixture");
    let template = Arc::new(fixture);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("http client");
    (0..count)
        .map(|_| {
            let (http, stop, log, template) =
                (http.clone(), stop.clone(), log.clone(), template.clone());
            tokio::spawn(async move {
                let url = format!("http://{addr}/v1/webhooks/inpost/{INPOST_SECRET}");
                while !stop.load(Ordering::SeqCst) {
                    let n = log.next.fetch_add(1, Ordering::SeqCst);
                    let body = template.replace(FIXTURE_NUMBER, &number(n));
                    send_one(&http, &url, n, body, &log).await;
                }
            })
        })
        .collect()
}

#[derive(serde::Deserialize)]
struct Received {
    id: i64,
}

async fn send_one(http: &reqwest::Client, url: &str, n: u64, body: String, log: &Log) {
    let resp = http
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    let answer = match resp {
        Ok(r) if r.status().is_success() => r.json::<Received>().await.ok(),
        Ok(_) => {
            log.refused.fetch_add(1, Ordering::SeqCst);
            return;
        }
        Err(_) => None,
    };
    match answer {
        Some(r) => {
            log.acked.lock().expect("log").insert(n, r.id);
        }
        None => {
            // No (complete) answer: the gateway died or was down. Not resent, so a
            // duplicate in the inbox can only come from the gateway itself.
            log.lost.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
