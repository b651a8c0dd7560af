//! Crash safety with a real process: the SMTP sink has the message but holds its `250`, the
//! sender is SIGKILLed right there, a new process starts on the same SQLite file, and once
//! the lease expires the message goes again, with the same Message-ID, and is logged sent
//! once (one row, one attempt).

use std::time::{Duration, Instant};

use carriers::Status;
use chrono::Utc;
use parcelgate::domain::notify_plan::MessageStatus;
use parcelgate::notify::email::sink::SmtpSink;

use super::{change, seed, spawn_serve};
use crate::common::db;

#[tokio::test]
async fn a_sigkill_mid_send_resends_once_with_the_same_message_id() {
    let store = db::sqlite_store().await;
    let dir = tempfile::tempdir().expect("dir");
    let sink = SmtpSink::start().await.expect("sink");
    let m = store
        .create_merchant("Crash Shop", Utc::now())
        .await
        .expect("merchant");
    let number = "602677439331630337659001";
    let id = seed(&*store, &m.id, number, "anna@example.pl").await;
    change(
        &*store,
        &id,
        number,
        Status::InTransit,
        "in_transit",
        Utc::now(),
    )
    .await;
    let planned = store.messages_of(&id.as_str().into()).await.expect("log");
    assert_eq!(planned.len(), 1, "{planned:?}");

    // A short lease, above the 2 s SMTP timeout, so the restart need not wait two minutes.
    let settings = [
        ("NOTIFICATIONS__LEASE_SECS", "3"),
        ("EMAIL__TIMEOUT_SECS", "2"),
    ];
    sink.hold_replies(true);
    let mut first = spawn_serve(dir.path(), &store.url, &sink.smtp_url(), &settings);
    let got = sink
        .wait_for(1, Duration::from_secs(30))
        .await
        .expect("the first process hands the message over");
    first.kill(); // before the 250 (and before the 2 s timeout could record a retry)
    let first_id = got[0]
        .parse()
        .expect("parses")
        .message_id()
        .map(str::to_string);
    let after_kill = store.messages_of(&id.as_str().into()).await.expect("log");
    assert_eq!(
        after_kill[0].status,
        MessageStatus::Queued,
        "{after_kill:?}"
    );
    assert_eq!(after_kill[0].attempts, 0, "the kill left no outcome");

    sink.hold_replies(false);
    let _second = spawn_serve(dir.path(), &store.url, &sink.smtp_url(), &settings);
    let got = sink
        .wait_for(2, Duration::from_secs(30))
        .await
        .expect("sent again once the lease expired");
    let ids: Vec<_> = got
        .iter()
        .map(|e| e.parse().expect("parses").message_id().map(str::to_string))
        .collect();
    assert!(first_id.is_some());
    assert_eq!(
        ids,
        [first_id.clone(), first_id],
        "the same Message-ID both times"
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    let log = loop {
        let log = store.messages_of(&id.as_str().into()).await.expect("log");
        if log[0].status != MessageStatus::Queued || Instant::now() > deadline {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].status, MessageStatus::Sent, "{log:?}");
    assert_eq!(log[0].attempts, 1, "logged sent once: {log:?}");
    assert!(
        log[0]
            .answer
            .as_deref()
            .unwrap_or_default()
            .starts_with("250"),
        "{log:?}"
    );
    // Nothing more follows: at most one re-send.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.received(), 2);
}
