//! The per-merchant send rate (`notifications.per_merchant_per_second`): fifty messages of
//! one merchant due at once at 10/s are not all sent in the first second, every one arrives
//! (held back, never failed), and a second merchant's messages are not slowed by the first's.

use std::time::{Duration, SystemTime};

use carriers::Status;
use chrono::Utc;
use parcelgate::domain::MerchantId;
use serde_json::{json, Value};

use crate::common::app::TestApp;
use crate::common::notify::{app_with_sink_and, log, patch_merchant, status, window_around_now};

/// Registers `n` shipments of the merchant with `key`, each for its own address, and moves
/// each in transit; returns `(id, address)`.
async fn shipments(app: &TestApp, key: &str, tag: &str, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let number = format!("60267743933163033765{tag}{i:03}");
        let email = format!("{tag}{i}@example.pl");
        let body = json!({"tracking_number": number, "carrier": "inpost", "customer_email": email});
        let r = app
            .http
            .post(format!("{}/v1/shipments", app.base))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .expect("register");
        assert!(r.status().is_success(), "{}", r.status());
        let id = r.json::<Value>().await.expect("json")["id"]
            .as_str()
            .expect("id")
            .to_string();
        status(app, &id, &number, Status::InTransit, "in_transit").await;
        out.push((id, email));
    }
    out
}

/// The ids of the held "shipped" messages of these shipments.
async fn held(app: &TestApp, key: &str, list: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (id, _) in list {
        let r = app
            .get_as(key, &format!("/v1/shipments/{id}/notifications"))
            .await;
        let v: Value = r.json().await.expect("json");
        for m in v["data"].as_array().cloned().unwrap_or_default() {
            if m["trigger"] == "shipped" && m["status"] == "queued" {
                out.push(m["id"].as_str().expect("id").to_string());
            }
        }
    }
    assert_eq!(out.len(), list.len(), "one held message per shipment");
    out
}

/// Brings these messages due now (as a resend does).
async fn release(app: &TestApp, merchant: &str, ids: &[String]) {
    let merchant = MerchantId::from(merchant);
    for nid in ids {
        app.state()
            .store
            .requeue_message(&merchant, nid, Utc::now())
            .await
            .expect("requeue");
    }
}

fn secs(from: SystemTime, to: SystemTime) -> f64 {
    to.duration_since(from).unwrap_or_default().as_secs_f64()
}

#[tokio::test]
async fn one_merchant_over_its_rate_waits_and_another_is_not_slowed() {
    let (app, sink) = app_with_sink_and(|c| c.notifications.per_merchant_per_second = 10).await;
    let busy_key = app.key.clone();
    let quiet_key = app.another_merchant("Drugi Sklep").await;
    let quiet_id: Value = app
        .get_as(&quiet_key, "/v1/merchant")
        .await
        .json()
        .await
        .expect("json");
    let quiet_id = quiet_id["id"].as_str().expect("id").to_string();
    // Held by quiet hours while they are planned, so all become due together.
    let hold = json!({"notifications": {"quiet_hours": window_around_now()}});
    let none = json!({"notifications": {"quiet_hours": ""}});
    for key in [&busy_key, &quiet_key] {
        assert_eq!(patch_merchant(&app, key, &hold).await.status(), 200);
    }
    let busy = shipments(&app, &busy_key, "1", 50).await;
    let other = shipments(&app, &quiet_key, "2", 5).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.received(), 0, "all held");
    let (busy_held, other_held) = (
        held(&app, &busy_key, &busy).await,
        held(&app, &quiet_key, &other).await,
    );
    for key in [&busy_key, &quiet_key] {
        assert_eq!(patch_merchant(&app, key, &none).await.status(), 200);
    }
    release(&app, &app.merchant_id, &busy_held).await;
    release(&app, &quiet_id, &other_held).await;
    let released = SystemTime::now();

    let all = sink
        .wait_for(55, Duration::from_secs(30))
        .await
        .expect("every message arrives");
    let to = |list: &[(String, String)]| -> Vec<SystemTime> {
        let mut t: Vec<SystemTime> = list
            .iter()
            .flat_map(|(_, e)| sink.messages_to(e))
            .map(|m| m.received_at)
            .collect();
        t.sort();
        t
    };
    let (b, o) = (to(&busy), to(&other));
    assert_eq!((b.len(), o.len(), all.len()), (50, 5, 55));
    let first = b[0];
    let in_first_second = b.iter().filter(|t| secs(first, **t) < 1.0).count();
    // 10 at once, then one every 100 ms: under 20 in the first second, about 4 s in all.
    assert!(
        in_first_second < 25,
        "{in_first_second} in the first second"
    );
    assert!(
        secs(first, b[49]) > 3.0,
        "spread over {} s",
        secs(first, b[49])
    );
    // The other merchant's five went out at once, within its own allowance, while the busy
    // merchant's queue was still draining.
    assert!(
        secs(released, o[4]) < 1.5,
        "the second merchant waited {} s",
        secs(released, o[4])
    );
    assert!(o[4] < b[49], "the busy merchant was still sending");
    for (id, _) in &busy {
        assert!(log(&app, id)
            .await
            .iter()
            .any(|m| m["trigger"] == "shipped" && m["status"] == "sent"));
    }
}
