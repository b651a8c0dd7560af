//! `/track/{merchant_id}`: order number + e-mail or postal code, constant-time answers,
//! and the per-address limit.

use std::time::{Duration, Instant};

use crate::common::app::TestApp;
use crate::pages_fixtures::{app, shipment};

async fn lookup(
    app: &TestApp,
    merchant: &str,
    order: &str,
    contact: &str,
) -> (u16, String, Duration) {
    let start = Instant::now();
    let r = app
        .http
        .post(format!("{}/track/{merchant}", app.base))
        .form(&[("order", order), ("contact", contact), ("lang", "en")])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    (status, body, start.elapsed())
}

#[tokio::test]
async fn finds_an_order_by_email_or_postal_code_and_a_miss_takes_as_long() {
    let app = app().await;
    let (_, token) = shipment(&app, "in_transit", Some("en"), "ORD-77").await;
    let m = app.merchant_id.clone();
    let r = app
        .http
        .get(format!("{}/track/{m}?lang=de", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.text().await.unwrap().contains("Bestellung verfolgen"));

    let (s, hit, t_hit) = lookup(&app, &m, "ORD-77", "  jan.kowalski@EXAMPLE.com ").await;
    assert_eq!(s, 200);
    assert!(
        hit.contains("data-result=\"found\"") && hit.contains(&format!("/t/{token}?lang=en")),
        "{hit}"
    );
    assert!(hit.contains("In transit"));
    let (_, by_postal, _) = lookup(&app, &m, "ORD-77", "30 001").await;
    assert!(by_postal.contains("data-result=\"found\""));
    let (s, miss, t_miss) = lookup(&app, &m, "ORD-77", "someone@else.example").await;
    assert_eq!(s, 200, "a miss is not distinguishable by status");
    assert!(miss.contains("data-result=\"miss\"") && !miss.contains(&token));
    let (_, wrong_order, t_wrong) = lookup(&app, &m, "ORD-78", "jan.kowalski@example.com").await;
    assert!(wrong_order.contains("data-result=\"miss\""));
    // Another merchant's form never finds this merchant's orders.
    let other_key = app.another_merchant("Other").await;
    let other = app
        .state()
        .store
        .merchant_by_key_hash(&parcelgate::domain::merchant_rules::hash_key(&other_key))
        .await
        .unwrap()
        .unwrap();
    let (_, cross, _) = lookup(&app, &other.id, "ORD-77", "jan.kowalski@example.com").await;
    assert!(cross.contains("data-result=\"miss\""));
    // Every answer is padded to the same floor.
    let floor = parcelgate::pages::lookup::FLOOR;
    for t in [t_hit, t_miss, t_wrong] {
        assert!(t >= floor, "{t:?} below the floor");
        assert!(
            t < floor + Duration::from_millis(250),
            "{t:?} well above the floor"
        );
    }
}

#[tokio::test]
async fn lookups_are_limited_per_client_address() {
    let app = app().await;
    let m = app.merchant_id.clone();
    let n = parcelgate::pages::lookup::ATTEMPTS_PER_WINDOW;
    let mut tasks = Vec::new();
    for i in 0..n {
        let (http, base, m) = (app.http.clone(), app.base.clone(), m.clone());
        tasks.push(tokio::spawn(async move {
            http.post(format!("{base}/track/{m}"))
                .form(&[
                    ("order", format!("N-{i}")),
                    ("contact", "x@y.example".to_string()),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let (s, body, _) = lookup(&app, &m, "N-x", "x@y.example").await;
    assert_eq!(s, 429);
    assert!(body.contains("data-result=\"limited\"") && body.contains("Too many attempts"));
}
