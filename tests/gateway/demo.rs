//! The demo machinery end to end, in accelerated time: the sandbox plays every scripted
//! journey, the gateway follows it through the real adapters (InPost webhooks and tracking,
//! DHL Unified Push and tracking, DPD InfoServices waybill lookups and feed), every shipment
//! ends at its expected status, signed callbacks reach the receiver and verify, and each
//! shopper's e-mails reach the demo's mailbox in the shopper's language. Also: the
//! sandbox's fault knobs as the real adapters see them.

use std::time::{Duration, Instant};

use carriers::dhl::{DhlCarrier, DhlConfig};
use carriers::dpd::{DpdCarrier, DpdConfig};
use carriers::inpost::{InpostCarrier, InpostConfig};
use carriers::{Carrier, CarrierError, CarrierId, Secret, TrackRequest};
use parcelgate::demo::{self, DemoOptions};
use parcelgate::sandbox::{demo_fleet, Credentials, Knobs, Sandbox, SandboxConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_scripted_journey_reaches_its_final_status_with_signed_callbacks() {
    let demo = demo::start(DemoOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        hour_ms: 40,
        knobs: Knobs::default(),
    })
    .await
    .unwrap();
    assert!((25..=35).contains(&demo.shipments.len()));

    let started = Instant::now();
    let mut arrived = false;
    while started.elapsed() < Duration::from_secs(45) {
        if demo.sandbox.finished() && demo.all_arrived().await.unwrap() {
            arrived = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let now = demo.current().await.unwrap();
    let report: Vec<String> = demo
        .shipments
        .iter()
        .zip(&now)
        .filter(|(s, (st, sub))| *st != s.expected.0 || sub != s.expected.1)
        .map(|(s, (st, sub))| {
            format!(
                "{} {} {}: {st}/{sub}, expected {}/{}",
                s.carrier,
                s.journey.name(),
                s.tracking_number,
                s.expected.0,
                s.expected.1
            )
        })
        .collect();
    assert!(arrived && report.is_empty(), "not arrived: {report:#?}");

    // Each timeline holds the carrier's own codes, in the order the script played them.
    for s in &demo.shipments {
        let v = demo
            .api
            .get(&format!("/v1/shipments/{}", s.id))
            .await
            .unwrap();
        let codes: Vec<&str> = v["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["raw_code"].as_str().unwrap())
            .collect();
        assert!(
            codes.len() >= 2 || s.journey.name() == "label_only",
            "{codes:?}"
        );
        let plan = demo_fleet()
            .into_iter()
            .find(|p| p.number == s.tracking_number)
            .unwrap();
        let last = plan.script.steps.last().unwrap();
        let want = if last.code.is_empty() {
            last.class
        } else {
            last.code
        };
        assert_eq!(codes.last().copied(), Some(want), "{}", s.tracking_number);
    }

    // Every carrier channel was used, through the real adapters.
    let stats = &demo.sandbox.world().stats;
    for counter in [
        "inpost_tracking",
        "inpost_webhooks",
        "dhl_tracking",
        "dhl_pushes",
        "dpd_waybill",
        "dpd_feed",
        "dpd_confirm",
    ] {
        assert!(
            stats.get(counter) > 0,
            "{counter} unused: {:?}",
            stats.view()
        );
    }
    assert_eq!(
        stats.get("dhl_subscription_calls"),
        4,
        "create + activate, twice"
    );

    // Signed callbacks arrived and verified; none was refused. Wait for what is asserted
    // below (enough callbacks and every final status), not only for the count: early
    // changes of ~30 journeys reach the count before the last final states are delivered.
    const FINAL: [&str; 4] = ["delivered", "exception", "returned_to_sender", "cancelled"];
    let mut received = demo.receiver.received();
    for _ in 0..40 {
        let verified: Vec<_> = received.iter().filter(|r| r.verified).collect();
        let finals = FINAL
            .iter()
            .all(|s| verified.iter().any(|r| r.status.as_deref() == Some(*s)));
        if verified.len() >= demo.shipments.len() && finals {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        received = demo.receiver.received();
    }
    let verified: Vec<_> = received.iter().filter(|r| r.verified).collect();
    assert!(
        verified.len() >= demo.shipments.len(),
        "{} verified",
        verified.len()
    );
    assert!(
        received.iter().all(|r| r.verified),
        "a callback failed verification"
    );
    for status in FINAL {
        assert!(
            verified.iter().any(|r| r.status.as_deref() == Some(status)),
            "no callback for {status}"
        );
    }

    // The shoppers' e-mails reached the mailbox, each in its shopper's language, and the
    // page shows them rendered in sandboxed frames.
    let http = reqwest::Client::new();
    let mailbox_json = format!("{}.json", demo.receiver.mailbox_url());
    let mut mails = Vec::new();
    for _ in 0..40 {
        let v: serde_json::Value = http
            .get(&mailbox_json)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        mails = v["messages"].as_array().cloned().unwrap_or_default();
        let langs: std::collections::HashSet<_> = mails
            .iter()
            .filter_map(|m| m["language"].as_str())
            .collect();
        if mails.len() >= demo.shipments.len() && langs.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        mails.len() >= demo.shipments.len(),
        "{} e-mails",
        mails.len()
    );
    for m in &mails {
        let to = m["to"][0].as_str().unwrap();
        let s = demo
            .shipments
            .iter()
            .find(|s| s.customer_email == to)
            .unwrap_or_else(|| panic!("an e-mail to a stranger: {m}"));
        assert_eq!(m["language"], s.language, "{m}");
        assert!(!m["subject"].as_str().unwrap().is_empty(), "{m}");
    }
    for lang in ["pl", "en", "de"] {
        assert!(
            mails.iter().any(|m| m["language"] == lang),
            "none in {lang}"
        );
    }
    let seqs: Vec<u64> = mails.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
    let page = http.get(demo.receiver.mailbox_url()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<iframe class=\"mail\" sandbox=\"\""),
        "{html}"
    );
    assert!(
        !html.contains("<a href=\"http://127.0.0.1"),
        "mail HTML escaped into srcdoc"
    );
    assert!(demo.summary().contains(&demo.receiver.mailbox_url()));

    // The pages the demo prints answer.
    let page = http
        .get(&demo.shipments[0].tracking_url)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let recv_page = http.get(demo.receiver.page_url()).send().await.unwrap();
    assert_eq!(recv_page.status(), 200);
    assert!(demo.summary().contains(demo.api_key()));
    demo.shutdown().await;
}

async fn sandbox(knobs: Knobs) -> Sandbox {
    let sb = Sandbox::start(SandboxConfig {
        knobs,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    for p in demo_fleet() {
        sb.add(p);
    }
    sb
}

fn adapters(base: &str, creds: &Credentials) -> Vec<(Box<dyn Carrier>, String)> {
    let fleet = demo_fleet();
    let first = |c: CarrierId| {
        fleet
            .iter()
            .find(|p| p.carrier == c)
            .unwrap()
            .number
            .clone()
    };
    let mut dhl = DhlConfig::default();
    dhl.base_url = base.to_string();
    dhl.api_key = Secret::new(creds.dhl_api_key.clone());
    let mut dpd = DpdConfig::default();
    dpd.pl.base_url = base.to_string();
    dpd.pl.login = creds.dpd_login.clone();
    dpd.pl.password = Secret::new(creds.dpd_password.clone());
    dpd.pl.channel = creds.dpd_channel.clone();
    let mut inpost = InpostConfig::default();
    inpost.base_url = base.to_string();
    vec![
        (
            Box::new(InpostCarrier::new(inpost)),
            first(CarrierId::Inpost),
        ),
        (Box::new(DhlCarrier::new(dhl)), first(CarrierId::Dhl)),
        (Box::new(DpdCarrier::new(dpd)), first(CarrierId::Dpd)),
    ]
}

async fn track(c: &dyn Carrier, number: &str) -> Result<carriers::TrackingSnapshot, CarrierError> {
    let mut req = TrackRequest::number(number);
    if c.id() == CarrierId::Dhl {
        req.service = Some("parcel-pl".into());
    }
    c.track(&[req]).await.pop().unwrap().result
}

#[tokio::test]
async fn a_well_behaved_sandbox_answers_every_adapter_with_the_label_step() {
    let sb = sandbox(Knobs::default()).await;
    for (c, number) in adapters(&sb.base_url(), &Credentials::default()) {
        let snap = track(c.as_ref(), &number).await.unwrap();
        assert_eq!(
            snap.events.len(),
            1,
            "{}: only the label before play",
            c.id()
        );
    }
    // Wrong credentials are refused the way each carrier refuses them.
    let wrong = Credentials {
        dhl_api_key: "nope".into(),
        dpd_password: "nope".into(),
        ..Credentials::default()
    };
    for (c, number) in adapters(&sb.base_url(), &wrong).into_iter().skip(1) {
        let err = track(c.as_ref(), &number).await.unwrap_err();
        assert!(
            matches!(err, CarrierError::Unauthorized { .. }),
            "{}: {err}",
            c.id()
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn injected_5xx_and_429_reach_the_adapters_as_retryable_errors() {
    let sb = sandbox(Knobs {
        error_rate: 1.0,
        ..Knobs::default()
    })
    .await;
    for (c, number) in adapters(&sb.base_url(), &Credentials::default()) {
        let err = track(c.as_ref(), &number).await.unwrap_err();
        assert!(
            matches!(err, CarrierError::Upstream { .. }),
            "{}: {err}",
            c.id()
        );
        assert!(err.is_retryable());
    }
    assert_eq!(sb.world().stats.get("injected_5xx"), 3);
    sb.shutdown().await;

    let sb = sandbox(Knobs {
        rate_429: 1.0,
        retry_after_secs: 7,
        latency_ms: 5,
        ..Knobs::default()
    })
    .await;
    for (c, number) in adapters(&sb.base_url(), &Credentials::default()) {
        let err = track(c.as_ref(), &number).await.unwrap_err();
        match err {
            CarrierError::RateLimited { retry_after, .. } => {
                assert_eq!(retry_after, Some(Duration::from_secs(7)), "{}", c.id())
            }
            other => panic!("{}: {other}", c.id()),
        }
    }
    sb.shutdown().await;
}
