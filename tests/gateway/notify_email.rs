//! Shopper e-mail end to end, through a real SMTP server the test starts: a registered
//! shipment with the shopper's address gets its message on the status change, in its
//! language, multipart, with the tracking link, a stable Message-ID and a one-click
//! unsubscribe that works; a 5.1.1 at RCPT suppresses the address; the contact is stored
//! sealed, erased on request, and refused without a key on PostgreSQL.

use std::time::Duration;

use carriers::Status;
use parcelgate::notify::email::sink::Rejection;
use serde_json::{json, Value};

use crate::common::app::{assert_problem, TestApp};
use crate::common::db;
use crate::common::notify::{app_with_sink, log_until, register, status};

#[tokio::test]
async fn the_shopper_gets_one_multipart_message_per_change_with_a_working_unsubscribe() {
    let (app, sink) = app_with_sink().await;
    let number = "602677439331630337650001";
    let sh = register(&app, number, "anna@example.pl").await;
    let id = sh["id"].as_str().expect("id");
    // Stored sealed: the address appears nowhere in the contact row.
    let sealed = app
        .state()
        .store
        .contact(&id.into())
        .await
        .expect("read")
        .expect("stored");
    assert!(
        sealed.starts_with("enc2:") && !sealed.contains("anna"),
        "{sealed}"
    );

    status(&app, id, number, Status::InTransit, "in_transit").await;
    let got = sink
        .wait_for(1, Duration::from_secs(10))
        .await
        .expect("an e-mail");
    let p = got[0].parse().expect("parses");
    assert_eq!(got[0].rcpt_to, vec!["anna@example.pl".to_string()]);
    assert!(
        p.subject()
            .unwrap_or_default()
            .to_lowercase()
            .contains("w drodze"),
        "{:?}",
        p.subject()
    );
    assert_eq!(p.header_raw("Content-Language").map(str::trim), Some("pl"));
    let text = p.body_text(0).expect("text part").to_string();
    let html = p.body_html(0).expect("html part").to_string();
    let token = sh["public_token"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_default();
    assert!(text.contains("http://parcelgate.test/t/"), "{text}");
    assert!(html.contains("http://parcelgate.test/t/"), "{html}");
    assert!(token.is_empty() || text.contains(&token));
    let message_id = p.message_id().expect("Message-ID").to_string();
    assert!(
        message_id.starts_with("ntf_") && message_id.ends_with("@shop.example"),
        "{message_id}"
    );
    assert_eq!(
        p.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    let unsubscribe = p
        .header_raw("List-Unsubscribe")
        .map(|v| {
            v.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .expect("List-Unsubscribe");
    assert!(
        unsubscribe.starts_with("http://parcelgate.test/u/"),
        "{unsubscribe}"
    );
    let sent = log_until(&app, id, |l| l.iter().any(|m| m["status"] == "sent")).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0]["trigger"].as_str(), sent[0]["channel"].as_str()),
        (Some("shipped"), Some("email"))
    );

    // A second scan of the same status sends nothing new.
    status(&app, id, number, Status::InTransit, "in_transit.sorted").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.received(), 1);

    // The GET shows a page with a button; the one-click POST answers 200 and suppresses.
    let path = unsubscribe.trim_start_matches("http://parcelgate.test");
    let page = app.get(path).await;
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .expect("page")
        .contains("<form method=post>"));
    let click = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .expect("post");
    assert_eq!(click.status(), 200);
    // The merchant's list shows whom the unsubscribe was for, masked.
    let list: serde_json::Value = app
        .get("/v1/suppressions")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["data"][0]["reason"], "unsubscribed", "{list}");
    assert!(
        list["data"][0]["masked"]
            .as_str()
            .is_some_and(|m| m.contains("***@")),
        "{list}"
    );
    let forged = app.get(&format!("{path}x")).await;
    assert_eq!(forged.status(), 404);

    status(&app, id, number, Status::OutForDelivery, "out_for_delivery").await;
    let after = log_until(&app, id, |l| l.len() == 2 && l[1]["status"] != "queued").await;
    assert_eq!(after[1]["status"], "suppressed", "{after:?}");
    assert_eq!(sink.received(), 1, "nothing reaches a suppressed address");
}

#[tokio::test]
async fn a_mailbox_unknown_at_rcpt_suppresses_the_address() {
    let (app, sink) = app_with_sink().await;
    sink.reject(
        "gone@example.pl",
        Rejection::at_rcpt(550, "5.1.1 no such user"),
    );
    let number = "602677439331630337650002";
    let sh = register(&app, number, "gone@example.pl").await;
    let id = sh["id"].as_str().expect("id");
    status(&app, id, number, Status::InTransit, "in_transit").await;
    let l = log_until(&app, id, |l| l.iter().any(|m| m["status"] == "failed")).await;
    assert!(
        l[0]["answer"]
            .as_str()
            .unwrap_or_default()
            .contains("5.1.1"),
        "{l:?}"
    );
    let r = app.get("/v1/suppressions").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["data"][0]["reason"], "mailbox_unknown", "{v}");
    assert_eq!(v["data"][0]["masked"], "g***@example.pl", "{v}");
    // Another merchant sees none of it.
    let other = app.another_merchant("Other").await;
    let theirs: Value = app
        .get_as(&other, "/v1/suppressions")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(theirs["data"], json!([]));
    let sup = app
        .state()
        .store
        .suppressions(&app.merchant_id.as_str().into())
        .await
        .expect("list");
    assert_eq!(sup.len(), 1);
    assert_eq!(sup[0].reason, "mailbox_unknown");
    assert_eq!(sup[0].masked, "g***@example.pl");

    // Lifted by the address itself, then a resend goes out.
    sink.accept("gone@example.pl");
    let lifted = reqwest::Client::new()
        .delete(format!("{}/v1/suppressions/gone@example.pl", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .expect("delete");
    assert_eq!(lifted.status(), 204);
    let nid = l[0]["id"].as_str().expect("message id");
    let r = app
        .post(
            &format!("/v1/shipments/{id}/notifications/{nid}/resend"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 202);
    log_until(&app, id, |l| l[0]["status"] == "sent").await;
    let again = app
        .post(
            &format!("/v1/shipments/{id}/notifications/ntf_nope/resend"),
            &json!({}),
        )
        .await;
    assert_problem(again, 404).await;
}

#[tokio::test]
async fn contact_data_is_erased_on_request() {
    let (app, _sink) = app_with_sink().await;
    let sh = register(&app, "602677439331630337650003", "anna@example.pl").await;
    let id = sh["id"].as_str().expect("id");
    let r = reqwest::Client::new()
        .delete(format!("{}/v1/shipments/{id}/contact", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.state().store.contact(&id.into()).await.expect("read"),
        None
    );
    let other = app.another_merchant("Other").await;
    let r = reqwest::Client::new()
        .delete(format!("{}/v1/shipments/{id}/contact", app.base))
        .bearer_auth(&other)
        .send()
        .await
        .expect("delete");
    assert_problem(r, 404).await;
}

#[tokio::test]
async fn postgres_without_a_key_refuses_contact_data_naming_the_setting() {
    let Some(pg) = db::pg_store().await else {
        return;
    };
    let app = TestApp::start_with(pg, |_| {}).await;
    let r = app
        .post(
            "/v1/shipments",
            &json!({"tracking_number": "602677439331630337650004", "carrier": "inpost",
                    "customer_email": "anna@example.pl"}),
        )
        .await;
    let p = assert_problem(r, 422).await;
    assert!(p.to_string().contains("PARCELGATE_SECRETS__KEY"), "{p}");
    // Without contact data the same registration is fine.
    let ok = app
        .post(
            "/v1/shipments",
            &json!({"tracking_number": "602677439331630337650004", "carrier": "inpost"}),
        )
        .await;
    assert_eq!(ok.status(), 201);
}
