//! A local fake InPost ShipX: `GET /v1/tracking/{number}` answers a locker parcel's timeline,
//! behind a rate limit; a call over it gets 429 with `Retry-After: 1`. Every arrival time is
//! recorded.
//!
//! The limit is "`rate` requests per second" read strictly: at most `rate` calls in *any*
//! one-second window (a sliding window, the way API gateways count "too many requests within
//! defined time period", DHL's words). With `burst > 0` it is a token bucket of `rate`
//! tokens per second holding at most `burst` instead; `burst = 1` demands that no two calls
//! arrive closer than `1/rate`, which no client can promise once loopback and scheduler
//! jitter (about a millisecond here) exceed the spacing headroom.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The number inside the fixture, replaced by the requested one.
const FIXTURE_NUMBER: &str = "602677439331630337653846";

/// Shared state of the fake.
pub struct Fake {
    rate: f64,
    burst: f64,
    body: (String, String),
    inner: Mutex<Bucket>,
}

struct Bucket {
    tokens: f64,
    /// Arrivals accepted in the last second (sliding-window mode).
    window: std::collections::VecDeque<Instant>,
    last: Instant,
    arrivals: Vec<Instant>,
    limited: u64,
}

/// What the fake saw.
pub struct Seen {
    /// Arrival time of every call, in order.
    pub arrivals: Vec<Instant>,
    /// Calls answered 429.
    pub limited: u64,
}

impl Fake {
    /// Calls and 429s so far.
    pub fn seen(&self) -> Seen {
        let b = self.inner.lock().expect("bucket lock");
        Seen {
            arrivals: b.arrivals.clone(),
            limited: b.limited,
        }
    }

    fn take(&self) -> bool {
        let mut b = self.inner.lock().expect("bucket lock");
        let now = Instant::now();
        b.arrivals.push(now);
        if self.burst <= 0.0 {
            while b
                .window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= std::time::Duration::from_secs(1))
            {
                b.window.pop_front();
            }
            if (b.window.len() as f64) < self.rate {
                b.window.push_back(now);
                return true;
            }
            b.limited += 1;
            return false;
        }
        let refill = now.duration_since(b.last).as_secs_f64() * self.rate;
        b.tokens = (b.tokens + refill).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            b.limited += 1;
            false
        }
    }
}

/// The smallest bucket size that would have answered every arrival at `rate` without a 429
/// (GCRA: how far ahead of the evenly spaced schedule the calls ran, in calls).
pub fn burst_needed(arrivals: &[Instant], rate: f64) -> f64 {
    let gap = 1.0 / rate;
    let Some(first) = arrivals.first() else {
        return 0.0;
    };
    let mut tat = 0.0_f64; // theoretical arrival time, seconds after `first`
    let mut worst = 0.0_f64;
    for a in arrivals {
        let t = a.duration_since(*first).as_secs_f64();
        tat = tat.max(t) + gap;
        worst = worst.max((tat - t) / gap);
    }
    worst
}

async fn track(State(fake): State<Arc<Fake>>, Path(number): Path<String>) -> Response {
    if !fake.take() {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            r#"{"status":429,"error":"too_many_requests","message":"Rate limit exceeded"}"#,
        )
            .into_response();
    }
    let body = format!("{}{number}{}", fake.body.0, fake.body.1);
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Starts the fake on a loopback port; returns its address and state.
pub async fn start(rate: f64, burst: f64) -> (SocketAddr, Arc<Fake>) {
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/wiremock-fixtures/inpost/locker_ready_to_pickup.json"
    ))
    .expect("read InPost tracking fixture");
    let (head, tail) = fixture
        .split_once(FIXTURE_NUMBER)
        .expect("fixture holds its number");
    let fake = Arc::new(Fake {
        rate,
        burst: if burst <= 0.0 { 0.0 } else { burst.max(1.0) },
        body: (head.to_string(), tail.to_string()),
        inner: Mutex::new(Bucket {
            tokens: burst.max(1.0),
            window: std::collections::VecDeque::new(),
            last: Instant::now(),
            arrivals: Vec::new(),
            limited: 0,
        }),
    });
    let app = Router::new()
        .route("/v1/tracking/{number}", get(track))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind fake carrier");
    let addr = listener.local_addr().expect("fake carrier addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, fake)
}
