//! Quiet hours end to end, the worker's clock set by the test (`tick_at`): a status change
//! at 22:30 Warsaw time waits until 08:00; an out-for-delivery held overnight is cancelled,
//! with an answer saying why, when the parcel was delivered by the morning, and sent when it
//! is still out for delivery; the "delivered" that came at 07:00 goes at 08:00.
//!
//! The evening is two days ahead, so the app's own worker (on the real clock) never finds
//! these messages due and the test's steps are the only ones that send them.

use std::sync::Arc;
use std::time::Duration;

use carriers::Status;
use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Warsaw;
use parcelgate::domain::notification::Trigger;
use parcelgate::domain::notify_plan::{Message, MessageStatus};
use parcelgate::workers::notify::{tick_at, Senders};

use super::{change, seed};
use crate::common::app::TestApp;
use crate::common::notify::app_with_sink_and;

/// `hh:mm` Warsaw time, `days` after today.
fn warsaw(days: u64, hh: u32, mm: u32) -> DateTime<Utc> {
    let day = Utc::now().with_timezone(&Warsaw).date_naive() + Days::new(days);
    let t = NaiveTime::from_hms_opt(hh, mm, 0).expect("time");
    Warsaw
        .from_local_datetime(&day.and_time(t))
        .single()
        .expect("not a DST gap")
        .with_timezone(&Utc)
}

async fn messages(app: &TestApp, id: &str) -> Vec<Message> {
    let mut l = app
        .state()
        .store
        .messages_of(&id.into())
        .await
        .expect("log");
    l.retain(|m| m.trigger != Trigger::Delayed);
    l
}

fn of(l: &[Message], t: Trigger) -> &Message {
    l.iter().find(|m| m.trigger == t).expect("planned")
}

#[tokio::test]
async fn the_evening_waits_for_eight_and_a_stale_out_for_delivery_is_dropped() {
    let (app, sink) = app_with_sink_and(|c| {
        c.notifications.quiet_hours = "21:00-08:00".into();
        c.secrets.key = carriers::Secret::new(super::KEY);
    })
    .await;
    let state = app.state().clone();
    let senders = Arc::new(Senders::from_state(&state));
    let store = &*state.store;
    let merchant = app.merchant_id.as_str().into();
    let (evening, early, morning) = (warsaw(2, 22, 30), warsaw(3, 7, 0), warsaw(3, 8, 0));

    // Three parcels change status at 22:30.
    let (a, b, c) = (
        "602677439331630337659101",
        "602677439331630337659102",
        "602677439331630337659103",
    );
    let delivered_overnight = seed(store, &merchant, a, "a@example.pl").await;
    let shipped = seed(store, &merchant, b, "b@example.pl").await;
    let still_out = seed(store, &merchant, c, "c@example.pl").await;
    change(
        store,
        &delivered_overnight,
        a,
        Status::OutForDelivery,
        "out_for_delivery",
        evening,
    )
    .await;
    change(store, &shipped, b, Status::InTransit, "in_transit", evening).await;
    change(
        store,
        &still_out,
        c,
        Status::OutForDelivery,
        "out_for_delivery",
        evening,
    )
    .await;
    tick_at(&state, &senders, evening).await;
    for id in [&delivered_overnight, &shipped, &still_out] {
        let l = messages(&app, id).await;
        assert_eq!(l.len(), 1, "{l:?}");
        assert_eq!(l[0].status, MessageStatus::Queued);
        assert_eq!(l[0].attempts, 0, "a deferral is no attempt");
        assert_eq!(
            l[0].next_attempt_at, morning,
            "held until 08:00 Warsaw: {l:?}"
        );
        assert_eq!(
            l[0].answer.as_deref(),
            Some("waiting for the end of quiet hours")
        );
    }

    // At 07:00 the first parcel is delivered; its message waits too.
    change(
        store,
        &delivered_overnight,
        a,
        Status::Delivered,
        "delivered",
        early,
    )
    .await;
    tick_at(&state, &senders, early).await;
    let l = messages(&app, &delivered_overnight).await;
    assert_eq!(of(&l, Trigger::Delivered).next_attempt_at, morning, "{l:?}");
    tick_at(&state, &senders, morning - chrono::Duration::minutes(1)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received(), 0, "nothing before 08:00");

    // 08:00: what is still true goes; the stale out-for-delivery is cancelled.
    tick_at(&state, &senders, morning).await;
    sink.wait_for(3, Duration::from_secs(10))
        .await
        .expect("three e-mails");
    // (The parcel still out for delivery is also past its predicted ETA by the morning, so
    // its timed "delayed" may go as well; only the status-change messages are counted here.)
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = sink.messages();
    let mut to = Vec::new();
    for id in [&delivered_overnight, &shipped, &still_out] {
        for m in messages(&app, id).await {
            let mid = format!("{}@shop.example", m.message_id);
            let copies: Vec<_> = got
                .iter()
                .filter(|e| {
                    e.parse().and_then(|p| p.message_id().map(str::to_string)) == Some(mid.clone())
                })
                .collect();
            let want = usize::from(m.status == MessageStatus::Sent);
            assert_eq!(copies.len(), want, "{m:?}");
            to.extend(copies.iter().map(|e| e.rcpt_to[0].clone()));
        }
    }
    to.sort();
    assert_eq!(to, ["a@example.pl", "b@example.pl", "c@example.pl"]);
    let l = messages(&app, &delivered_overnight).await;
    let ofd = of(&l, Trigger::OutForDelivery);
    assert_eq!(ofd.status, MessageStatus::Cancelled, "{l:?}");
    assert_eq!(ofd.answer.as_deref(), Some("no longer out for delivery"));
    let delivered = of(&l, Trigger::Delivered);
    assert_eq!(delivered.status, MessageStatus::Sent, "{l:?}");
    assert!(delivered.sent_at.is_some_and(|t| t >= morning), "{l:?}");
    assert_eq!(
        of(&messages(&app, &shipped).await, Trigger::Shipped).status,
        MessageStatus::Sent
    );
    assert_eq!(
        of(&messages(&app, &still_out).await, Trigger::OutForDelivery).status,
        MessageStatus::Sent
    );
    let subject_of_a = got
        .iter()
        .find(|m| m.rcpt_to[0] == "a@example.pl")
        .and_then(|m| m.parse().and_then(|p| p.subject().map(str::to_lowercase)))
        .unwrap_or_default();
    assert!(
        subject_of_a.contains("doręczon"),
        "a got the delivered one: {subject_of_a}"
    );
}
