//! The callback part of the store contract, on every store `common::db::stores()` returns:
//! subscriptions, the outbox written with the change, claiming in order with leases and
//! per-subscription caps, recording attempts, the log, retry and replay.

use carriers::time::LocalTime;
use carriers::{
    CarrierId, EtaWindow, Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use parcelgate::domain::{Merchant, NewShipment, Shipment};
use parcelgate::store::callbacks::{AttemptRecord, Claim, NextStep};
use parcelgate::store::{
    new_id, DeliveryAttempt, DeliveryFilter, DeliveryState, NewSubscription, SubscriptionPatch,
    UpdateSource,
};
use parcelgate::tracking::ApplyUpdates;
use serde_json::Value;

use crate::common::db::{stores, TestStore};

/// A delivery claim, positional for brevity.
fn claim<'a>(
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
    per_subscription: u32,
    in_flight: &'a [(String, u32)],
) -> Claim<'a> {
    Claim {
        now,
        lease_until,
        limit,
        per_subscription,
        in_flight,
    }
}

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 8, 0, 0).single().unwrap() + Duration::minutes(minutes)
}

fn event(
    number: &str,
    status: Status,
    sub: &'static str,
    code: &str,
    minute: i64,
) -> TrackingEvent {
    TrackingEvent::new(
        CarrierId::Inpost,
        number,
        Mapped::new(status, sub),
        code,
        Some(format!("{code} text")),
        LocalTime {
            utc: at(minute),
            offset_seconds: 7200,
            source: TzSource::Carrier,
        },
        Location {
            text: Some("Kraków".into()),
            postal_code: None,
            country: Some("PL".into()),
        },
    )
}

async fn shipment(s: &TestStore, m: &Merchant, number: &str) -> Shipment {
    let new = NewShipment {
        merchant_id: m.id.clone(),
        carrier: Some(CarrierId::Inpost),
        tracking_number: number.into(),
        order_ref: Some("ORD-7".into()),
        ..Default::default()
    };
    s.register_shipment(&new, &new_id("tok"), at(0))
        .await
        .unwrap()
        .0
}

/// Applies one event (a status change) to a shipment at `at(minute)`.
async fn change(s: &TestStore, sh: &Shipment, status: Status, sub: &'static str, minute: i64) {
    let mut snap = TrackingSnapshot::new(CarrierId::Inpost, &sh.tracking_number);
    let mut events = s.events(&sh.id).await.unwrap();
    events.push(event(&sh.tracking_number, status, sub, sub, minute));
    snap.events = events;
    let out = s
        .apply_snapshot(&sh.id, &snap, UpdateSource::Push, at(minute))
        .await
        .unwrap();
    assert!(out.status_change.is_some(), "[{}] a change", s.name);
}

fn new_sub(m: &Merchant, types: &[&str], carriers: &[&str]) -> NewSubscription {
    NewSubscription {
        merchant_id: m.id.clone(),
        url: "https://hooks.example.com/parcel".into(),
        description: Some("orders".into()),
        event_types: types.iter().map(|t| t.to_string()).collect(),
        carriers: carriers.iter().map(|t| t.to_string()).collect(),
        statuses: vec![],
        enabled: true,
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
    }
}

fn record(
    d: &parcelgate::store::Delivery,
    status: Option<u16>,
    next: NextStep,
    t: DateTime<Utc>,
) -> AttemptRecord {
    AttemptRecord {
        attempt: DeliveryAttempt {
            delivery_id: d.id.clone(),
            attempted_at: t,
            status_code: status,
            latency_ms: 12,
            error: status.filter(|s| *s >= 300).map(|s| format!("HTTP {s}")),
        },
        subscription_id: d.subscription_id.clone(),
        next,
        disable: None,
    }
}

const SC: &str = "shipment.status_changed";

#[tokio::test]
async fn subscriptions_are_merchant_scoped_and_rotate() {
    for s in stores().await {
        let n = s.name;
        let acme = s.create_merchant("Acme", at(0)).await.unwrap();
        let other = s.create_merchant("Other", at(0)).await.unwrap();
        let sub = s
            .create_subscription(&new_sub(&acme, &[SC], &[]), at(1))
            .await
            .unwrap();
        assert!(sub.id.starts_with("sub_") && sub.enabled, "[{n}]");
        assert_eq!(
            s.subscription(&acme.id, &sub.id).await.unwrap(),
            Some(sub.clone()),
            "[{n}]"
        );
        assert_eq!(
            s.subscription(&other.id, &sub.id).await.unwrap(),
            None,
            "[{n}] isolation"
        );
        assert_eq!(
            s.list_subscriptions(&other.id).await.unwrap(),
            vec![],
            "[{n}]"
        );
        assert_eq!(
            s.list_subscriptions(&acme.id).await.unwrap().len(),
            1,
            "[{n}]"
        );

        let off = SubscriptionPatch {
            enabled: Some(false),
            ..Default::default()
        };
        assert_eq!(
            s.update_subscription(&other.id, &sub.id, &off, at(2))
                .await
                .unwrap(),
            None,
            "[{n}]"
        );
        let disabled = s
            .update_subscription(&acme.id, &sub.id, &off, at(2))
            .await
            .unwrap()
            .unwrap();
        assert!(
            !disabled.enabled && disabled.disabled_reason.is_some(),
            "[{n}]"
        );
        let on = SubscriptionPatch {
            enabled: Some(true),
            carriers: Some(vec!["dpd".into()]),
            description: Some(None),
            ..Default::default()
        };
        let enabled = s
            .update_subscription(&acme.id, &sub.id, &on, at(3))
            .await
            .unwrap()
            .unwrap();
        assert!(
            enabled.enabled && enabled.disabled_reason.is_none(),
            "[{n}]"
        );
        assert_eq!(
            (enabled.carriers.clone(), enabled.description.clone()),
            (vec!["dpd".to_string()], None),
            "[{n}]"
        );

        let rotated = s
            .rotate_subscription_secret(
                &acme.id,
                &sub.id,
                "whsec_bmV3",
                at(4) + Duration::hours(24),
                at(4),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rotated.secret, "whsec_bmV3", "[{n}]");
        assert_eq!(
            rotated.previous_secret.as_deref(),
            Some(sub.secret.as_str()),
            "[{n}]"
        );
        assert_eq!(
            rotated.signing_secrets(at(5)).len(),
            2,
            "[{n}] both during the overlap"
        );
        assert_eq!(
            rotated.signing_secrets(at(4) + Duration::hours(25)),
            vec!["whsec_bmV3"],
            "[{n}]"
        );
        assert!(
            s.rotate_subscription_secret(&other.id, &sub.id, "x", at(4), at(4))
                .await
                .unwrap()
                .is_none(),
            "[{n}]"
        );

        assert!(
            !s.delete_subscription(&other.id, &sub.id).await.unwrap(),
            "[{n}]"
        );
        assert!(
            s.delete_subscription(&acme.id, &sub.id).await.unwrap(),
            "[{n}]"
        );
        assert_eq!(s.subscription_by_id(&sub.id).await.unwrap(), None, "[{n}]");
    }
}

#[tokio::test]
async fn outbox_rows_commit_with_the_change_for_matching_subscriptions() {
    for s in stores().await {
        let n = s.name;
        let acme = s.create_merchant("Acme", at(0)).await.unwrap();
        let other = s.create_merchant("Other", at(0)).await.unwrap();
        let all = s
            .create_subscription(&new_sub(&acme, &[SC, "shipment.eta_changed"], &[]), at(0))
            .await
            .unwrap();
        let dpd_only = s
            .create_subscription(&new_sub(&acme, &[SC], &["dpd"]), at(0))
            .await
            .unwrap();
        let mut off = new_sub(&acme, &[SC], &[]);
        off.enabled = false;
        let off = s.create_subscription(&off, at(0)).await.unwrap();
        let theirs = s
            .create_subscription(&new_sub(&other, &[SC], &[]), at(0))
            .await
            .unwrap();
        let sh = shipment(&s, &acme, "520000011122233344").await;

        change(&s, &sh, Status::InTransit, "in_transit.sorting", 10).await;
        let got = s
            .list_deliveries(
                &all.id,
                &DeliveryFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            got.len(),
            1,
            "[{n}] one delivery per change and subscription"
        );
        let d = &got[0];
        assert_eq!(
            (d.state, d.seq, d.attempts, d.event_type.as_str()),
            (DeliveryState::Pending, 1, 0, SC),
            "[{n}]"
        );
        assert!(
            d.webhook_id.starts_with("msg_") && d.status_change_id.is_some(),
            "[{n}]"
        );
        assert_eq!(d.next_attempt_at, at(10), "[{n}] due immediately");
        let body: Value = serde_json::from_str(&d.payload).unwrap();
        assert_eq!(body["type"], SC, "[{n}]");
        let data = &body["data"];
        assert_eq!(
            (data["id"].as_str(), data["status"].as_str()),
            (Some(sh.id.as_str()), Some("in_transit")),
            "[{n}]"
        );
        assert_eq!(
            (data["previous_status"].as_str(), data["order_ref"].as_str()),
            (Some("pending"), Some("ORD-7")),
            "[{n}]"
        );
        assert_eq!(
            data["tracking_url"],
            format!("/t/{}", sh.public_token),
            "[{n}] relative until sent"
        );
        assert_eq!(
            data["latest_event"]["raw_code"], "in_transit.sorting",
            "[{n}]"
        );
        for sub in [&dpd_only, &off, &theirs] {
            let none = s
                .list_deliveries(
                    &sub.id,
                    &DeliveryFilter {
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert!(
                none.is_empty(),
                "[{n}] filtered, disabled or another merchant's: {none:?}"
            );
        }

        // An ETA appearing fires eta_changed (and a status change in the same apply).
        let mut snap = TrackingSnapshot::new(CarrierId::Inpost, &sh.tracking_number);
        snap.events = s.events(&sh.id).await.unwrap();
        snap.events.push(event(
            &sh.tracking_number,
            Status::OutForDelivery,
            "out_for_delivery",
            "ofd",
            20,
        ));
        snap.eta = Some(EtaWindow {
            from: at(120),
            to: at(240),
        });
        s.apply_snapshot(&sh.id, &snap, UpdateSource::Poll, at(20))
            .await
            .unwrap();
        let got = s
            .list_deliveries(
                &all.id,
                &DeliveryFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let kinds: Vec<_> = got.iter().map(|d| (d.seq, d.event_type.as_str())).collect();
        assert_eq!(
            kinds,
            [(3, "shipment.eta_changed"), (2, SC), (1, SC)],
            "[{n}] newest first, in order"
        );
        let eta: Value = serde_json::from_str(&got[0].payload).unwrap();
        assert!(
            eta["data"]["eta"]["from"].is_string() && eta["data"]["previous_eta"].is_null(),
            "[{n}] {eta}"
        );
    }
}

#[tokio::test]
async fn a_subscription_at_its_cap_leaves_the_claim_to_the_others() {
    for s in stores().await {
        let n = s.name;
        let acme = s.create_merchant("Acme", at(0)).await.unwrap();
        // Created first: on equal backlogs it is served first.
        let ok = s
            .create_subscription(&new_sub(&acme, &[SC], &[]), at(0))
            .await
            .unwrap();
        let dead = s
            .create_subscription(&new_sub(&acme, &[SC], &[]), at(0))
            .await
            .unwrap();
        for (i, number) in ["520000011122233311", "520000011122233312"]
            .iter()
            .enumerate()
        {
            let sh = shipment(&s, &acme, number).await;
            change(&s, &sh, Status::InTransit, "in_transit", i as i64 + 1).await;
        }
        // The dead endpoint's rows are as old as the healthy one's, but it holds its whole
        // cap in flight: the claim goes entirely to the other subscription.
        let got = s
            .claim_deliveries(&claim(at(30), at(31), 10, 2, &[(dead.id.to_string(), 2)]))
            .await
            .unwrap();
        assert_eq!(got.len(), 2, "[{n}]");
        assert!(got.iter().all(|d| d.subscription_id == ok.id), "[{n}]");
        // Another process's view (nothing in flight here): the healthy subscription's due
        // rows are all leased, so it takes none of the overall limit from the other one.
        let got = s
            .claim_deliveries(&claim(at(30), at(31), 1, 2, &[]))
            .await
            .unwrap();
        assert_eq!(got.len(), 1, "[{n}] the overall limit holds");
        assert_eq!(
            got[0].subscription_id, dead.id,
            "[{n}] the one not yet leased"
        );
    }
}

#[tokio::test]
async fn claims_follow_order_leases_and_per_subscription_caps() {
    for s in stores().await {
        let n = s.name;
        let acme = s.create_merchant("Acme", at(0)).await.unwrap();
        let sub = s
            .create_subscription(&new_sub(&acme, &[SC], &[]), at(0))
            .await
            .unwrap();
        let a = shipment(&s, &acme, "520000011122233301").await;
        let b = shipment(&s, &acme, "520000011122233302").await;
        let c = shipment(&s, &acme, "520000011122233303").await;
        change(&s, &a, Status::InTransit, "in_transit", 1).await;
        change(&s, &a, Status::OutForDelivery, "out_for_delivery", 2).await;
        change(&s, &b, Status::InTransit, "in_transit", 3).await;
        change(&s, &c, Status::InTransit, "in_transit", 4).await;
        let lease = at(30) + Duration::minutes(1);

        // Per-subscription cap, and in-flight counts reduce it.
        let got = s
            .claim_deliveries(&claim(at(30), lease, 10, 2, &[]))
            .await
            .unwrap();
        assert_eq!(got.len(), 2, "[{n}] capped at 2 per subscription");
        let first: Vec<_> = got.iter().map(|d| (d.shipment_id.clone(), d.seq)).collect();
        assert_eq!(
            first,
            [(a.id.to_string(), 1), (b.id.to_string(), 1)],
            "[{n}] oldest first"
        );
        let got = s
            .claim_deliveries(&claim(at(30), lease, 10, 3, &[(sub.id.to_string(), 2)]))
            .await
            .unwrap();
        assert_eq!(
            got.iter()
                .map(|d| d.shipment_id.as_str())
                .collect::<Vec<_>>(),
            [c.id.as_str()],
            "[{n}] a's second change waits for its first"
        );
        assert!(
            s.claim_deliveries(&claim(at(30), lease, 10, 10, &[]))
                .await
                .unwrap()
                .is_empty(),
            "[{n}] all leased or blocked"
        );

        // a#1 fails and is rescheduled: a#2 still waits.
        let a1 = s
            .list_deliveries(
                &sub.id,
                &DeliveryFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.shipment_id == a.id && d.seq == 1)
            .unwrap();
        s.record_attempts(
            &[record(&a1, Some(500), NextStep::RetryAt(at(40)), at(31))],
            at(-10_000),
            "x",
        )
        .await
        .unwrap();
        let blocked = s
            .claim_deliveries(&claim(at(35), at(36), 10, 10, &[]))
            .await
            .unwrap();
        assert!(
            blocked.iter().all(|d| d.shipment_id != a.id),
            "[{n}] a#2 blocked by a#1 (b and c are back: their leases expired): {blocked:?}"
        );
        let again = s
            .claim_deliveries(&claim(at(41), at(100), 10, 10, &[]))
            .await
            .unwrap();
        assert!(
            again.iter().any(|d| d.id == a1.id),
            "[{n}] due again, and b, c leases expired: {again:?}"
        );
        assert_eq!(
            again.len(),
            3,
            "[{n}] a#1 due again; b, c leases expired again"
        );
        s.record_attempts(
            &[record(&a1, Some(204), NextStep::Succeeded, at(41))],
            at(-10_000),
            "x",
        )
        .await
        .unwrap();
        let next = s
            .claim_deliveries(&claim(at(43), at(44), 10, 10, &[]))
            .await
            .unwrap();
        assert_eq!(
            next.iter()
                .map(|d| (d.shipment_id.clone(), d.seq))
                .collect::<Vec<_>>(),
            [(a.id.to_string(), 2)],
            "[{n}]"
        );

        // Disabled subscriptions are not claimed.
        s.disable_subscription(&sub.id, "test", at(45))
            .await
            .unwrap();
        assert!(
            s.claim_deliveries(&claim(at(50), at(51), 10, 10, &[]))
                .await
                .unwrap()
                .is_empty(),
            "[{n}]"
        );
    }
}

#[tokio::test]
async fn attempts_log_dead_gone_failing_retry_and_replay() {
    for s in stores().await {
        let n = s.name;
        let acme = s.create_merchant("Acme", at(0)).await.unwrap();
        let sub = s
            .create_subscription(&new_sub(&acme, &[SC], &[]), at(0))
            .await
            .unwrap();
        let a = shipment(&s, &acme, "520000011122233301").await;
        change(&s, &a, Status::InTransit, "in_transit", 1).await;
        change(&s, &a, Status::Delivered, "delivered", 100).await;
        let all = || async {
            s.list_deliveries(
                &sub.id,
                &DeliveryFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        };
        let d1 = all().await.into_iter().find(|d| d.seq == 1).unwrap();

        s.record_attempts(
            &[record(&d1, None, NextStep::RetryAt(at(3)), at(2))],
            at(-10_000),
            "x",
        )
        .await
        .unwrap();
        let failing = s.subscription_by_id(&sub.id).await.unwrap().unwrap();
        assert_eq!(failing.failing_since, Some(at(2)), "[{n}]");
        s.record_attempts(
            &[record(&d1, Some(503), NextStep::Dead, at(4))],
            at(-10_000),
            "x",
        )
        .await
        .unwrap();
        let dead = s.delivery(&sub.id, &d1.id).await.unwrap().unwrap();
        assert_eq!(
            (dead.state, dead.attempts, dead.last_status),
            (DeliveryState::Dead, 2, Some(503)),
            "[{n}]"
        );
        assert_eq!(dead.finished_at, Some(at(4)), "[{n}]");
        let attempts = s
            .delivery_attempts(std::slice::from_ref(&d1.id))
            .await
            .unwrap();
        assert_eq!(
            attempts.iter().map(|a| a.status_code).collect::<Vec<_>>(),
            [None, Some(503)],
            "[{n}]"
        );
        assert_eq!(attempts[1].latency_ms, 12, "[{n}]");
        assert_eq!(
            s.delivery("sub_other", &d1.id).await.unwrap(),
            None,
            "[{n}]"
        );

        // Retry by hand: pending, due now, same webhook id.
        let retried = s
            .retry_delivery(&sub.id, &d1.id, at(200))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                retried.state,
                retried.next_attempt_at,
                retried.webhook_id.clone()
            ),
            (DeliveryState::Pending, at(200), d1.webhook_id.clone()),
            "[{n}]"
        );
        assert!(
            s.retry_delivery("sub_other", &d1.id, at(200))
                .await
                .unwrap()
                .is_none(),
            "[{n}]"
        );
        s.record_attempts(
            &[record(&d1, Some(200), NextStep::Succeeded, at(201))],
            at(-10_000),
            "x",
        )
        .await
        .unwrap();
        let ok = s.subscription_by_id(&sub.id).await.unwrap().unwrap();
        assert_eq!(
            (ok.last_success_at, ok.failing_since),
            (Some(at(201)), None),
            "[{n}] a success clears the streak"
        );

        // Replay [at(0), at(50)): only the first change, as a new delivery with a new id.
        let before = all().await.len();
        assert_eq!(
            s.replay(&sub.id, at(0), at(50), at(300)).await.unwrap(),
            1,
            "[{n}]"
        );
        let after = all().await;
        assert_eq!(after.len(), before + 1, "[{n}]");
        let replayed = &after[0];
        assert_eq!(
            (replayed.seq, replayed.status_change_id),
            (3, d1.status_change_id),
            "[{n}]"
        );
        assert_ne!(
            replayed.webhook_id, d1.webhook_id,
            "[{n}] a replay is a new message"
        );
        let body: Value = serde_json::from_str(&replayed.payload).unwrap();
        assert_eq!(
            (
                body["data"]["status"].as_str(),
                body["data"]["previous_status"].as_str()
            ),
            (Some("in_transit"), Some("pending")),
            "[{n}]"
        );
        assert_eq!(
            s.replay(&sub.id, at(500), at(600), at(300)).await.unwrap(),
            0,
            "[{n}]"
        );

        // A 410 disables; failing past the cutoff disables with the reason given.
        let d2 = after.iter().find(|d| d.seq == 2).unwrap();
        let mut gone = record(d2, Some(410), NextStep::RetryAt(at(400)), at(301));
        gone.disable = Some("the endpoint answered 410 Gone".into());
        s.record_attempts(&[gone], at(-10_000), "x").await.unwrap();
        let sub_now = s.subscription_by_id(&sub.id).await.unwrap().unwrap();
        assert_eq!(
            (sub_now.enabled, sub_now.disabled_reason.as_deref()),
            (false, Some("the endpoint answered 410 Gone")),
            "[{n}]"
        );
        s.update_subscription(
            &acme.id,
            &sub.id,
            &SubscriptionPatch {
                enabled: Some(true),
                ..Default::default()
            },
            at(302),
        )
        .await
        .unwrap();
        s.record_attempts(
            &[record(d2, None, NextStep::RetryAt(at(900)), at(800))],
            at(400),
            "failing for days",
        )
        .await
        .unwrap();
        assert!(
            s.subscription_by_id(&sub.id)
                .await
                .unwrap()
                .unwrap()
                .enabled,
            "[{n}] failing since 800 > cutoff 400"
        );
        s.record_attempts(
            &[record(d2, None, NextStep::RetryAt(at(1900)), at(1800))],
            at(1000),
            "failing for days",
        )
        .await
        .unwrap();
        let off = s.subscription_by_id(&sub.id).await.unwrap().unwrap();
        assert_eq!(
            (off.enabled, off.disabled_reason.as_deref()),
            (false, Some("failing for days")),
            "[{n}]"
        );
    }
}
