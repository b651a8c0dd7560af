//! Scale-out on PostgreSQL: two real `parcelgate serve` processes on one database never poll
//! the same shipment twice, together stay inside the carrier's rate, and both honour a 429's
//! Retry-After; and between them send every shopper message exactly once. Runs when
//! `TEST_POSTGRES_URL` is set (CI sets it).

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::app::fixture;
use crate::common::db;

/// Answers every tracking call, remembering which number was asked and when; the first call
/// gets a 429 with Retry-After.
struct Recorder {
    calls: Arc<Mutex<Vec<(String, Instant)>>>,
}

impl Respond for Recorder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let number = req
            .url
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let mut calls = self.calls.lock().unwrap();
        calls.push((number, Instant::now()));
        if calls.len() == 1 {
            return ResponseTemplate::new(429).insert_header("Retry-After", "2");
        }
        ResponseTemplate::new(200).set_body_string(fixture("inpost/locker_ready_to_pickup.json"))
    }
}

struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_gateway(db_url: &str, inpost: &str) -> Gateway {
    let child = Command::new(env!("CARGO_BIN_EXE_parcelgate"))
        .arg("serve")
        .env("PARCELGATE_DATABASE_URL", db_url)
        .env("PARCELGATE_LISTEN", "127.0.0.1:0")
        .env("PARCELGATE_CARRIERS__INPOST__BASE_URL", inpost)
        .env("PARCELGATE_CARRIERS__INPOST__RATE_PER_SECOND", "10")
        .env("PARCELGATE_CARRIERS__DHL__ENABLED", "false")
        .env("PARCELGATE_CARRIERS__DPD__ENABLED", "false")
        .env("PARCELGATE_POLLER__TICK_SECS", "1")
        .env("PARCELGATE_POLLER__BATCH", "5")
        .env("PARCELGATE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gateway binary starts");
    Gateway(child)
}

#[tokio::test]
async fn two_processes_share_leases_budgets_and_pauses() {
    let Some(pg) = db::pg_store().await else {
        eprintln!("TEST_POSTGRES_URL not set: scale-out test runs on PostgreSQL only");
        return;
    };
    let carrier = MockServer::start().await;
    let calls = Arc::new(Mutex::new(Vec::new()));
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(Recorder {
            calls: calls.clone(),
        })
        .mount(&carrier)
        .await;
    let now = chrono::Utc::now();
    let m = pg.create_merchant("Scale", now).await.unwrap();
    const N: usize = 40;
    for i in 0..N {
        let new = parcelgate::store::NewShipment {
            merchant_id: m.id.clone(),
            carrier: Some(carriers::CarrierId::Inpost),
            tracking_number: format!("6026774393316303376{i:05}"),
            ..Default::default()
        };
        pg.register_shipment(&new, &format!("tok{i}"), now)
            .await
            .unwrap();
    }
    let _a = spawn_gateway(&pg.url, &carrier.uri());
    let _b = spawn_gateway(&pg.url, &carrier.uri());

    let deadline = Instant::now() + Duration::from_secs(30);
    while calls.lock().unwrap().len() < N && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // anything extra would show up now
    let calls = calls.lock().unwrap().clone();
    // The shipment that got the 429 is retried only after its backoff (a minute), so within
    // this window every shipment is asked exactly once.
    assert_eq!(calls.len(), N, "each shipment polled once");

    // Never the same shipment twice: leases keep the two processes apart.
    let mut numbers: Vec<_> = calls.iter().map(|(n, _)| n.clone()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        N,
        "every shipment polled, none by both processes"
    );

    // Retry-After: once the 429 is out, neither process starts a call for 2 s (a call
    // already in flight at that moment cannot be recalled, hence the short grace).
    let t429 = calls[0].1;
    let during_pause = calls
        .iter()
        .filter(|(_, t)| {
            let d = t.duration_since(t429);
            d > Duration::from_millis(250) && d < Duration::from_millis(1900)
        })
        .count();
    assert_eq!(during_pause, 0, "calls during the pause");

    // Rate: slots are handed out 1/(0.97·10) s apart across both processes, so the calls
    // leave evenly spaced; what the carrier sees also carries network and scheduler jitter,
    // so a one-second window may hold one call more than the spacing allows (GCRA with a
    // burst of one), never two.
    let times: Vec<Instant> = calls.iter().skip(1).map(|(_, t)| *t).collect();
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < Duration::from_secs(1))
            .count();
        assert!(in_window <= 11, "{in_window} calls within one second");
    }
    let elapsed = times.last().unwrap().duration_since(times[0]);
    assert!(
        elapsed >= Duration::from_millis(3800),
        "{N} calls at 10/s take ≥ 3.9 s, took {elapsed:?}"
    );
}

#[tokio::test]
async fn two_processes_send_every_shopper_message_exactly_once() {
    use std::collections::{HashMap, HashSet};

    use carriers::Status;
    use parcelgate::domain::notify_plan::MessageStatus;
    use parcelgate::notify::email::sink::SmtpSink;

    use crate::notify_proof::{change, seed, spawn_serve};

    let Some(pg) = db::pg_store().await else {
        eprintln!("TEST_POSTGRES_URL not set: the two-process send test runs on PostgreSQL only");
        return;
    };
    let sink = SmtpSink::start().await.expect("sink");
    let dir = tempfile::tempdir().expect("dir");
    let m = pg
        .create_merchant("Scale Mail", chrono::Utc::now())
        .await
        .unwrap();
    const N: usize = 100;
    let mut shipments = Vec::new();
    for i in 0..N {
        let number = format!("6026774393316303376{:05}", 50_000 + i);
        let id = seed(&*pg, &m.id, &number, &format!("s{i}@example.pl")).await;
        shipments.push((id, number));
    }
    let _a = spawn_serve(dir.path(), &pg.url, &sink.smtp_url(), &[]);
    let _b = spawn_serve(dir.path(), &pg.url, &sink.smtp_url(), &[]);
    // Three changes per parcel while both processes run: 300 messages (an out-for-delivery
    // not yet sent when the parcel is delivered is cancelled instead, as it should be).
    for (s, sub) in [
        (Status::InTransit, "in_transit"),
        (Status::OutForDelivery, "out_for_delivery"),
        (Status::Delivered, "delivered"),
    ] {
        for (id, number) in &shipments {
            change(&*pg, id, number, s, sub, chrono::Utc::now()).await;
        }
    }

    let deadline = Instant::now() + Duration::from_secs(60);
    let rows = loop {
        let mut rows = Vec::new();
        for (id, _) in &shipments {
            rows.extend(pg.messages_of(&id.as_str().into()).await.unwrap());
        }
        if rows.iter().all(|r| r.status != MessageStatus::Queued) {
            break rows;
        }
        assert!(
            Instant::now() < deadline,
            "messages still queued after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::time::sleep(Duration::from_millis(1000)).await; // a second copy would show by now
    assert_eq!(rows.len(), 3 * N, "three messages planned per parcel");
    let sent: HashSet<String> = rows
        .iter()
        .filter(|r| r.status == MessageStatus::Sent)
        .map(|r| format!("{}@shop.example", r.message_id))
        .collect();
    assert!(
        rows.iter().all(|r| r.status == MessageStatus::Sent
            || (r.status == MessageStatus::Cancelled
                && r.trigger == parcelgate::domain::notification::Trigger::OutForDelivery)),
        "only a stale out-for-delivery may be cancelled"
    );
    assert!(
        sent.len() >= 2 * N,
        "shipped and delivered always go: {}",
        sent.len()
    );
    assert!(rows
        .iter()
        .all(|r| r.status != MessageStatus::Sent || r.attempts == 1));
    let mut arrivals: HashMap<String, usize> = HashMap::new();
    for mail in sink.messages() {
        let id = mail
            .parse()
            .and_then(|p| p.message_id().map(str::to_string));
        *arrivals.entry(id.expect("Message-ID")).or_default() += 1;
    }
    let twice: Vec<_> = arrivals.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    let arrived: HashSet<String> = arrivals.into_keys().collect();
    assert_eq!(
        arrived, sent,
        "every sent message arrived, nothing else did"
    );
}
