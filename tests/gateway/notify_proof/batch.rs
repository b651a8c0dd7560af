//! How a claimed batch is sent: several messages at once (up to the SMTP pool's size), one
//! shipment's messages in their order however the others interleave, and no send started
//! once the lease's start window has passed (those go back to the queue unattempted).
//!
//! The worker is stepped by the test (`tick_at`) a day ahead, so the app's own worker never
//! finds these messages due.

use std::sync::Arc;
use std::time::{Duration, Instant};

use carriers::Status;
use chrono::Utc;
use parcelgate::domain::notification::Trigger;
use parcelgate::domain::notify_plan::MessageStatus;
use parcelgate::notify::email::sink::{SinkOptions, SmtpSink};
use parcelgate::workers::notify::{tick_at, Senders};

use super::{change, seed, KEY};
use crate::common::notify::app_sending_to;

fn slow_sink(delay_ms: u64) -> SinkOptions {
    SinkOptions {
        data_delay: Duration::from_millis(delay_ms),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_batch_goes_out_concurrently_with_each_shipments_messages_in_order() {
    let sink = SmtpSink::start_with(slow_sink(150)).await.expect("sink");
    let app = app_sending_to(&sink, |c| {
        c.email.pool_size = 4;
        c.secrets.key = carriers::Secret::new(KEY);
    })
    .await;
    let state = app.state().clone();
    let senders = Arc::new(Senders::from_state(&state));
    let store = &*state.store;
    let merchant = app.merchant_id.as_str().into();
    let at = Utc::now() + chrono::Duration::days(1);
    // One shipment with four changes, seven with one each: 11 messages, one claim.
    let ordered = "602677439331630337659300";
    let id = seed(store, &merchant, ordered, "order@example.pl").await;
    let steps = [
        (Status::InTransit, "in_transit"),
        (Status::Exception, "exception.address_unknown"),
        (Status::FailedAttempt, "failed_attempt.recipient_absent"),
        (Status::Delivered, "delivered"),
    ];
    for (k, (s, sub)) in steps.iter().enumerate() {
        change(
            store,
            &id,
            ordered,
            *s,
            sub,
            at + chrono::Duration::minutes(k as i64),
        )
        .await;
    }
    for i in 1..=7 {
        let number = format!("60267743933163033765930{i}");
        let other = seed(store, &merchant, &number, &format!("s{i}@example.pl")).await;
        change(store, &other, &number, Status::InTransit, "in_transit", at).await;
    }

    let started = Instant::now();
    tick_at(&state, &senders, at + chrono::Duration::minutes(5)).await;
    let took = started.elapsed();
    let got = sink
        .wait_for(11, Duration::from_secs(10))
        .await
        .expect("all sent");
    // One after another, 11 sends would take 11 × 150 ms; four at a time about a third.
    assert!(
        took < Duration::from_millis(1100),
        "took {took:?}: not concurrent"
    );
    assert!(
        sink.connections() >= 3,
        "{} connections",
        sink.connections()
    );
    assert!(
        sink.connections() <= 4,
        "bounded by the pool: {}",
        sink.connections()
    );

    // The four messages of one shipment arrived in the order of its changes.
    let subjects: Vec<String> = got
        .iter()
        .filter(|m| m.rcpt_to[0] == "order@example.pl")
        .map(|m| {
            m.parse()
                .and_then(|p| p.message_id().map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    let log = store.messages_of(&id.as_str().into()).await.expect("log");
    let planned: Vec<String> = log
        .iter()
        .filter(|m| m.trigger != Trigger::Delayed)
        .map(|m| format!("{}@shop.example", m.message_id))
        .collect();
    assert_eq!(planned.len(), 4, "{log:?}");
    assert_eq!(subjects, planned, "in the order planned");
    assert!(log
        .iter()
        .all(|m| m.status == MessageStatus::Sent || m.trigger == Trigger::Delayed));
}

#[tokio::test]
async fn no_send_starts_after_the_lease_window_and_the_rest_go_back_unattempted() {
    // Lease 2 s, timeout 1 s: sends may start for the first second only; one connection,
    // 600 ms a message, so two go and three wait for the next claim.
    let sink = SmtpSink::start_with(slow_sink(600)).await.expect("sink");
    let app = app_sending_to(&sink, |c| {
        c.email.pool_size = 1;
        c.email.timeout_secs = 1;
        c.notifications.lease_secs = 2;
        c.secrets.key = carriers::Secret::new(KEY);
    })
    .await;
    let state = app.state().clone();
    let senders = Arc::new(Senders::from_state(&state));
    let store = &*state.store;
    let merchant = app.merchant_id.as_str().into();
    let at = Utc::now() + chrono::Duration::days(1);
    let mut ids = Vec::new();
    for i in 0..5 {
        let number = format!("60267743933163033765940{i}");
        let id = seed(store, &merchant, &number, &format!("l{i}@example.pl")).await;
        change(store, &id, &number, Status::InTransit, "in_transit", at).await;
        ids.push(id);
    }
    let started = Instant::now();
    tick_at(&state, &senders, at).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "the batch outlived its lease: {took:?}"
    );
    assert_eq!(sink.received(), 2, "two sends started inside the window");
    let mut sent = 0;
    let mut waiting = 0;
    for id in &ids {
        let log = store.messages_of(&id.as_str().into()).await.expect("log");
        let m = log
            .iter()
            .find(|m| m.trigger == Trigger::Shipped)
            .expect("shipped");
        match m.status {
            MessageStatus::Sent => sent += 1,
            MessageStatus::Queued => {
                assert_eq!(m.attempts, 0, "released unattempted: {m:?}");
                waiting += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((sent, waiting), (2, 3));
    // Released, not left leased: claimable again at once, and the next step sends them.
    let again = store.claim_messages(at, at, 10).await.expect("claim");
    assert_eq!(again.len(), 3, "{again:?}");
    tick_at(&state, &senders, at + chrono::Duration::seconds(3)).await;
    tick_at(&state, &senders, at + chrono::Duration::seconds(6)).await;
    sink.wait_for(5, Duration::from_secs(10))
        .await
        .expect("the rest go later");
}

#[tokio::test]
async fn a_shipments_later_message_waits_while_another_sender_holds_its_earlier_one() {
    for store in crate::common::db::stores().await {
        let m = store
            .create_merchant("Order", Utc::now())
            .await
            .expect("merchant");
        let number = "602677439331630337659500";
        let id = seed(&*store, &m.id, number, "o@example.pl").await;
        let at = Utc::now() - chrono::Duration::minutes(5);
        change(&*store, &id, number, Status::InTransit, "in_transit", at).await;
        let later = at + chrono::Duration::minutes(1);
        change(
            &*store,
            &id,
            number,
            Status::Exception,
            "exception.damaged",
            later,
        )
        .await;
        let now = Utc::now();
        let lease = now + chrono::Duration::minutes(2);
        // One process takes the first only (a batch of one) …
        let first = store.claim_messages(now, lease, 1).await.expect("claim");
        assert_eq!(first.len(), 1, "{}", store.name);
        assert_eq!(first[0].trigger, Trigger::Shipped);
        // … and while it holds it, nobody takes the second.
        let blocked = store.claim_messages(now, lease, 10).await.expect("claim");
        assert!(blocked.is_empty(), "{}: {blocked:?}", store.name);
        store
            .release_messages(&[first[0].id.clone()])
            .await
            .expect("release");
        let both = store.claim_messages(now, lease, 10).await.expect("claim");
        let triggers: Vec<_> = both.iter().map(|m| m.trigger).collect();
        assert_eq!(
            triggers,
            [Trigger::Shipped, Trigger::Exception],
            "{}",
            store.name
        );
    }
}
