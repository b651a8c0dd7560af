//! The notification store on both backends: messages planned in the status change's
//! transaction (once per change of unified status, only for channels with a contact, no
//! history replay), claims and outcomes, erasure on request and after retention, and the
//! suppression list.

use carriers::{CarrierId, Status};
use chrono::{DateTime, Duration, TimeZone, Utc};
use parcelgate::domain::notification::{Channel, Trigger};
use parcelgate::domain::notify_plan::MessageStatus;
use parcelgate::domain::{NewShipment, Shipment};
use parcelgate::store::notify::{MessageOutcome, Suppression};
use parcelgate::store::{new_id, UpdateSource};
use parcelgate::tracking::ApplyUpdates;

use crate::common::db::{stores, TestStore};
use crate::common::snapshots::one_event;

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .single()
        .expect("instant")
        + Duration::minutes(minutes)
}

/// A registered InPost shipment, with contact channels `(email, sms)` when given.
async fn shipment(s: &TestStore, number: &str, contact: Option<(bool, bool)>) -> Shipment {
    let m = s.create_merchant("Shop", at(0)).await.expect("merchant");
    let new = NewShipment {
        merchant_id: m.id.clone(),
        carrier: Some(CarrierId::Inpost),
        tracking_number: number.into(),
        ..Default::default()
    };
    let (sh, _) = s
        .register_shipment(&new, &new_id("tok"), at(0))
        .await
        .expect("register");
    if let Some(channels) = contact {
        s.put_contact(&sh.id, "enc2:sealed", channels, at(0))
            .await
            .expect("contact");
    }
    sh
}

async fn push(s: &TestStore, sh: &Shipment, status: Status, sub: &'static str, minute: i64) {
    let snap = one_event(
        CarrierId::Inpost,
        &sh.tracking_number,
        status,
        sub,
        at(minute),
    );
    s.apply_snapshot(&sh.id, &snap, UpdateSource::Push, at(minute))
        .await
        .expect("apply");
}

/// The (trigger, channel) of a shipment's planned messages, without the timed "delayed"
/// (planned with the ETA, for later), which is not a status change's message.
async fn change_messages(s: &TestStore, sh: &Shipment) -> Vec<(Trigger, Channel)> {
    s.messages_of(&sh.id)
        .await
        .expect("log")
        .iter()
        .filter(|m| m.trigger != Trigger::Delayed)
        .map(|m| (m.trigger, m.channel))
        .collect()
}

#[tokio::test]
async fn each_change_of_status_plans_one_message_per_contact_channel() {
    for s in stores().await {
        let n = s.name;
        let sh = shipment(&s, "520000011122233301", Some((true, true))).await;
        push(&s, &sh, Status::InTransit, "in_transit.sorted", 1).await;
        // A second scan of the same status, and a substatus change alone: nothing new.
        push(&s, &sh, Status::InTransit, "in_transit.arrived", 2).await;
        push(&s, &sh, Status::OutForDelivery, "out_for_delivery", 3).await;
        push(&s, &sh, Status::OutForDelivery, "out_for_delivery.again", 4).await;
        let got = change_messages(&s, &sh).await;
        assert_eq!(
            got,
            [
                (Trigger::Shipped, Channel::Email),
                (Trigger::Shipped, Channel::Sms),
                (Trigger::OutForDelivery, Channel::Email),
                (Trigger::OutForDelivery, Channel::Sms),
            ],
            "[{n}]"
        );
    }
}

#[tokio::test]
async fn no_contact_no_message_and_no_history_replay() {
    for s in stores().await {
        let n = s.name;
        let silent = shipment(&s, "520000011122233302", None).await;
        push(&s, &silent, Status::InTransit, "in_transit", 1).await;
        assert!(
            s.messages_of(&silent.id).await.expect("log").is_empty(),
            "[{n}]"
        );
        // Registered when already delivered: the delivered message alone, e-mail only.
        let late = shipment(&s, "520000011122233303", Some((true, false))).await;
        let mut snap = one_event(
            CarrierId::Inpost,
            &late.tracking_number,
            Status::InTransit,
            "in_transit",
            at(1),
        );
        snap.events.extend(
            one_event(
                CarrierId::Inpost,
                &late.tracking_number,
                Status::Delivered,
                "delivered",
                at(5),
            )
            .events,
        );
        s.apply_snapshot(&late.id, &snap, UpdateSource::Poll, at(6))
            .await
            .expect("apply");
        let log = s.messages_of(&late.id).await.expect("log");
        assert_eq!(log.len(), 1, "[{n}] {log:?}");
        assert_eq!(
            (log[0].trigger, log[0].channel),
            (Trigger::Delivered, Channel::Email),
            "[{n}]"
        );
    }
}

#[tokio::test]
async fn messages_are_claimed_once_and_keep_their_message_id() {
    for s in stores().await {
        let n = s.name;
        let sh = shipment(&s, "520000011122233304", Some((true, false))).await;
        push(&s, &sh, Status::InTransit, "in_transit", 1).await;
        let claimed = s.claim_messages(at(2), at(3), 10).await.expect("claim");
        assert_eq!(claimed.len(), 1, "[{n}]");
        assert!(
            s.claim_messages(at(2), at(3), 10)
                .await
                .expect("again")
                .is_empty(),
            "[{n}] leased"
        );
        let m = &claimed[0];
        // A temporary failure: queued again for later, the same Message-ID.
        let retry = MessageOutcome {
            status: MessageStatus::Queued,
            attempts: 1,
            next_attempt_at: at(10),
            answer: Some("451 4.3.0 try later".into()),
            sent_at: None,
        };
        s.finish_message(&m.id, &retry).await.expect("finish");
        assert!(
            s.claim_messages(at(5), at(6), 10)
                .await
                .expect("not due")
                .is_empty(),
            "[{n}]"
        );
        let again = s.claim_messages(at(10), at(11), 10).await.expect("due");
        assert_eq!(again[0].message_id, m.message_id, "[{n}]");
        assert_eq!(again[0].attempts, 1, "[{n}]");
        let sent = MessageOutcome {
            status: MessageStatus::Sent,
            attempts: 2,
            next_attempt_at: at(10),
            answer: Some("250 2.0.0 queued".into()),
            sent_at: Some(at(10)),
        };
        s.finish_message(&m.id, &sent).await.expect("sent");
        let log = s.messages_of(&sh.id).await.expect("log");
        assert_eq!(log[0].status, MessageStatus::Sent, "[{n}]");
        assert_eq!(log[0].sent_at, Some(at(10)), "[{n}]");
        // A resend queues it again, for its merchant only.
        let other = s.create_merchant("Other", at(0)).await.expect("merchant");
        assert!(
            s.requeue_message(&other.id, &m.id, at(20))
                .await
                .expect("other")
                .is_none(),
            "[{n}]"
        );
        let re = s
            .requeue_message(&sh.merchant_id, &m.id, at(20))
            .await
            .expect("resend");
        assert_eq!(re.map(|m| m.status), Some(MessageStatus::Queued), "[{n}]");
        // While a sender holds it, a resend does not clear its lease (it would be sent twice).
        let held = s.claim_messages(at(20), at(22), 10).await.expect("claim");
        assert_eq!(held.len(), 1, "[{n}]");
        assert!(
            s.requeue_message(&sh.merchant_id, &m.id, at(21))
                .await
                .expect("held")
                .is_none(),
            "[{n}] a held message is not re-leased"
        );
        assert!(
            s.claim_messages(at(21), at(23), 10)
                .await
                .expect("still held")
                .is_empty(),
            "[{n}]"
        );
        let after = s
            .requeue_message(&sh.merchant_id, &m.id, at(23))
            .await
            .expect("lease over");
        assert!(
            after.is_some(),
            "[{n}] once the lease is over it can be queued again"
        );
    }
}

#[tokio::test]
async fn contact_data_is_erased_on_request_and_after_retention() {
    for s in stores().await {
        let n = s.name;
        let asked = shipment(&s, "520000011122233305", Some((true, false))).await;
        let other = s.create_merchant("Other", at(0)).await.expect("merchant");
        assert!(
            !s.erase_contact(&other.id, &asked.id)
                .await
                .expect("not theirs"),
            "[{n}]"
        );
        assert!(s.contact(&asked.id).await.expect("read").is_some(), "[{n}]");
        assert!(
            s.erase_contact(&asked.merchant_id, &asked.id)
                .await
                .expect("erase"),
            "[{n}]"
        );
        assert_eq!(s.contact(&asked.id).await.expect("read"), None, "[{n}]");

        let done = shipment(&s, "520000011122233306", Some((true, false))).await;
        let moving = shipment(&s, "520000011122233307", Some((true, false))).await;
        push(&s, &done, Status::Delivered, "delivered", 10).await;
        push(&s, &moving, Status::InTransit, "in_transit", 10).await;
        // Delivered at minute 10: kept at a cutoff before it, erased at one after.
        assert_eq!(
            s.erase_expired_contacts(at(5)).await.expect("sweep"),
            0,
            "[{n}]"
        );
        assert_eq!(
            s.erase_expired_contacts(at(20)).await.expect("sweep"),
            1,
            "[{n}]"
        );
        assert_eq!(s.contact(&done.id).await.expect("read"), None, "[{n}]");
        assert!(
            s.contact(&moving.id).await.expect("read").is_some(),
            "[{n}] not final yet"
        );
    }
}

#[tokio::test]
async fn suppressions_are_per_merchant_and_per_class() {
    for s in stores().await {
        let n = s.name;
        let a = s.create_merchant("A", at(0)).await.expect("merchant");
        let b = s.create_merchant("B", at(0)).await.expect("merchant");
        let entry = Suppression {
            contact_hash: "h1".into(),
            masked: "a***@shop.example".into(),
            class: "transactional".into(),
            reason: "unsubscribed".into(),
            created_at: at(1),
        };
        s.suppress(&a.id, &entry).await.expect("suppress");
        s.suppress(&a.id, &entry).await.expect("twice is fine");
        assert!(
            s.is_suppressed(&a.id, "h1", "transactional")
                .await
                .expect("q"),
            "[{n}]"
        );
        assert!(
            !s.is_suppressed(&a.id, "h1", "marketing").await.expect("q"),
            "[{n}]"
        );
        assert!(
            !s.is_suppressed(&b.id, "h1", "transactional")
                .await
                .expect("q"),
            "[{n}]"
        );
        assert_eq!(
            s.suppressions(&a.id).await.expect("list"),
            vec![entry],
            "[{n}]"
        );
        assert!(
            s.suppressions(&b.id).await.expect("list").is_empty(),
            "[{n}]"
        );
        assert!(s.unsuppress(&a.id, "h1").await.expect("lift"), "[{n}]");
        assert!(
            !s.is_suppressed(&a.id, "h1", "transactional")
                .await
                .expect("q"),
            "[{n}]"
        );
    }
}

#[tokio::test]
async fn the_merchants_switches_count_in_the_planning_transaction() {
    use parcelgate::domain::notify_settings::TriggerSettings;
    for s in stores().await {
        let n = s.name;
        let sh = shipment(&s, "520000011122233309", Some((true, true))).await;
        let mut m = s
            .merchant(&sh.merchant_id)
            .await
            .expect("read")
            .expect("merchant");
        let off = TriggerSettings {
            sms: Some(false),
            ..Default::default()
        };
        m.settings
            .notifications
            .triggers
            .insert(Trigger::Shipped, off);
        let on = TriggerSettings {
            email: Some(true),
            ..Default::default()
        };
        let t = &mut m.settings.notifications.triggers;
        t.insert(Trigger::ReturnedToSender, on);
        s.update_merchant_settings(&m.id, &m.settings)
            .await
            .expect("settings");
        push(&s, &sh, Status::InTransit, "in_transit", 1).await;
        push(&s, &sh, Status::ReturnedToSender, "returned_to_sender", 2).await;
        let got = change_messages(&s, &sh).await;
        assert_eq!(
            got,
            [
                (Trigger::Shipped, Channel::Email),
                (Trigger::ReturnedToSender, Channel::Email),
            ],
            "{n}"
        );
    }
}

#[tokio::test]
async fn templates_are_kept_listed_and_deleted_per_merchant() {
    for s in stores().await {
        let n = s.name;
        let a = s.create_merchant("A", at(0)).await.expect("merchant");
        let b = s.create_merchant("B", at(0)).await.expect("merchant");
        let key = ("shipped", "sms", "pl");
        s.put_template(&a.id, key, "one", at(1)).await.expect("put");
        s.put_template(&a.id, key, "two", at(2))
            .await
            .expect("replace");
        s.put_template(&a.id, ("delivered", "email", "de"), "x", at(3))
            .await
            .expect("put");
        let got = s.template(&a.id, key).await.expect("read").expect("[{n}]");
        assert_eq!(
            (got.source.as_str(), got.info.updated_at),
            ("two", at(2)),
            "[{n}]"
        );
        assert_eq!(got.info.trigger, "shipped", "[{n}]");
        assert!(
            s.template(&b.id, key).await.expect("read").is_none(),
            "[{n}]"
        );
        assert!(s.templates(&b.id).await.expect("list").is_empty(), "[{n}]");
        assert!(
            !s.delete_template(&b.id, key).await.expect("delete"),
            "[{n}]"
        );
        let listed = s.templates(&a.id).await.expect("list");
        let keys: Vec<_> = listed
            .iter()
            .map(|t| (t.trigger.as_str(), t.channel.as_str(), t.lang.as_str()))
            .collect();
        assert_eq!(keys, vec![("delivered", "email", "de"), key], "[{n}]");
        assert!(
            s.delete_template(&a.id, key).await.expect("delete"),
            "[{n}]"
        );
        assert!(
            !s.delete_template(&a.id, key).await.expect("again"),
            "[{n}]"
        );
        assert!(
            s.template(&a.id, key).await.expect("read").is_none(),
            "[{n}]"
        );
        assert_eq!(s.templates(&a.id).await.expect("list").len(), 1, "[{n}]");
    }
}
