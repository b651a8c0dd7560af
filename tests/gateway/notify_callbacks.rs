//! The shopper's contact in callbacks, opt-in per merchant (`callbacks_include_contact`):
//! off by default (the received body carries none); once on, status-change callbacks carry
//! `customer_email`, `customer_phone` and `customer_name` and their signature still
//! verifies; the outbox rows never hold the contact; after `DELETE …/contact` callbacks
//! carry none again.

use carriers::Status;
use parcelgate::store::DeliveryFilter;
use serde_json::{json, Value};
use standardwebhooks::Webhook;

use crate::callbacks_flow::{change, quick_app, subscribe};
use crate::callbacks_receiver::{Hit, Receiver};
use crate::common::app::assert_problem;
use crate::pages_fixtures::patch_merchant;

const NUMBER: &str = "602677439331630337650077";
const CONTACT: [&str; 3] = ["customer_email", "customer_phone", "customer_name"];

/// The `n`-th delivery received (from 1), checked against the subscription's secret.
async fn verified(rx: &Receiver, n: usize, secret: &str) -> Value {
    let hit: Hit = rx.wait_hits(n, 10).await.remove(n - 1);
    Webhook::new(secret)
        .unwrap()
        .verify(&hit.body, &hit.headers)
        .unwrap_or_else(|e| panic!("delivery {n} does not verify: {e}"));
    hit.json()
}

fn assert_no_contact(body: &Value) {
    for k in CONTACT {
        assert!(body["data"].get(k).is_none(), "{k} in {body}");
    }
}

#[tokio::test]
async fn notify_callbacks_carry_the_contact_only_when_the_merchant_opts_in() {
    let app = quick_app(|_| {}).await;
    let rx = Receiver::start().await;
    let sub = subscribe(&app, &rx.url("/hooks"), json!({})).await;
    let secret = sub["secret"].as_str().unwrap().to_string();
    let s = app
        .register(
            json!({"tracking_number": NUMBER, "carrier": "inpost", "language": "pl",
            "customer_email": "anna@example.pl", "customer_phone": "600 100 200",
            "customer_name": "Anna Nowak"}),
        )
        .await;
    let id = s["id"].as_str().unwrap().to_string();

    // Off by default: the body as received carries no contact.
    change(&app, &id, Status::InTransit, "in_transit").await;
    let first = verified(&rx, 1, &secret).await;
    assert_eq!(first["data"]["status"], "in_transit");
    assert_no_contact(&first);

    // A wrong value is refused, naming the field.
    let bad = patch_merchant(&app, &json!({"callbacks_include_contact": "yes"})).await;
    let p = assert_problem(bad, 422).await;
    assert!(p.to_string().contains("callbacks_include_contact"), "{p}");

    let on = patch_merchant(&app, &json!({"callbacks_include_contact": true})).await;
    assert_eq!(on.status(), 200);
    let view: Value = on.json().await.unwrap();
    assert_eq!(view["settings"]["callbacks_include_contact"], true);

    change(&app, &id, Status::OutForDelivery, "out_for_delivery").await;
    let second = verified(&rx, 2, &secret).await;
    assert_eq!(second["data"]["status"], "out_for_delivery");
    assert_eq!(second["data"]["customer_email"], "anna@example.pl");
    assert_eq!(second["data"]["customer_phone"], "+48600100200");
    assert_eq!(second["data"]["customer_name"], "Anna Nowak");

    // The outbox rows, as stored, hold no contact.
    let rows = app
        .state()
        .store
        .list_deliveries(
            sub["id"].as_str().unwrap(),
            &DeliveryFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for d in &rows {
        assert!(
            !d.payload.contains("anna") && !d.payload.contains("600100200"),
            "{}",
            d.payload
        );
        assert!(!d.payload.contains("customer_"), "{}", d.payload);
    }

    // Erased on request: callbacks carry none, though the merchant still opts in.
    let r = app
        .http
        .delete(format!("{}/v1/shipments/{id}/contact", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    change(&app, &id, Status::Delivered, "delivered").await;
    let third = verified(&rx, 3, &secret).await;
    assert_eq!(third["data"]["status"], "delivered");
    assert_no_contact(&third);
}
