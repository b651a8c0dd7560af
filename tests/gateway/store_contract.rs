//! The store contract: one suite, run against every store `common::db::stores()` returns
//! (SQLite always, PostgreSQL when `TEST_POSTGRES_URL` is set). Each test gets fresh
//! databases; every assertion names the backend it failed on.

use std::collections::HashSet;
use std::sync::Arc;

use carriers::time::LocalTime;
use carriers::{
    CarrierId, EtaWindow, Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use parcelgate::domain::{Eta, Merchant, MerchantSettings, NewShipment, Shipment, ShipmentFilter};
use parcelgate::store::{
    new_id, InboxState, NewInboxItem, PollRecord, Store, StoreError, UpdateSource,
};
use parcelgate::tracking::{ApplyUpdates, PollDone};

use crate::common::db::{pg_store, stores, TestStore};

/// The suite's clock: whole seconds, so every backend stores the instants exactly.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 8, 0, 0)
        .single()
        .expect("valid instant")
        + Duration::minutes(minutes)
}

const NUMBER: &str = "520000011122233344";

fn event(
    number: &str,
    status: Status,
    substatus: &'static str,
    code: &str,
    minute: i64,
) -> TrackingEvent {
    TrackingEvent::new(
        CarrierId::Inpost,
        number,
        Mapped::new(status, substatus),
        code,
        Some(format!("{code} text")),
        LocalTime {
            utc: at(minute),
            offset_seconds: 7200,
            source: TzSource::Carrier,
        },
        Location {
            text: Some("Kraków".into()),
            postal_code: Some("30-001".into()),
            country: Some("PL".into()),
        },
    )
}

fn snapshot(number: &str, events: Vec<TrackingEvent>) -> TrackingSnapshot {
    let mut s = TrackingSnapshot::new(CarrierId::Inpost, number);
    s.events = events;
    s
}

fn new_shipment(merchant: &Merchant, carrier: CarrierId, number: &str) -> NewShipment {
    NewShipment {
        merchant_id: merchant.id.clone(),
        carrier: Some(carrier),
        tracking_number: number.to_string(),
        ..Default::default()
    }
}

async fn merchant(s: &TestStore, name: &str) -> Merchant {
    s.create_merchant(name, at(0))
        .await
        .unwrap_or_else(|e| panic!("[{}] create merchant: {e}", s.name))
}

/// Registers a shipment at `at(0)` (due for polling from then on).
async fn register(s: &TestStore, new: &NewShipment) -> (Shipment, bool) {
    s.register_shipment(new, &new_id("tok"), at(0))
        .await
        .unwrap_or_else(|e| panic!("[{}] register: {e}", s.name))
}

async fn shipment_now(s: &TestStore, id: &str) -> Shipment {
    s.shipment_by_id(id)
        .await
        .unwrap_or_else(|e| panic!("[{}] load {id}: {e}", s.name))
        .unwrap_or_else(|| panic!("[{}] shipment {id} vanished", s.name))
}

fn ids(list: &[Shipment]) -> Vec<String> {
    list.iter().map(|s| s.id.to_string()).collect()
}

#[tokio::test]
async fn merchants_and_api_keys() {
    for s in stores().await {
        let n = s.name;
        s.ping().await.unwrap_or_else(|e| panic!("[{n}] ping: {e}"));
        let acme = merchant(&s, "Acme").await;
        let other = merchant(&s, "Other").await;
        assert_ne!(acme.id, other.id, "[{n}]");
        assert_eq!(
            s.merchant(&acme.id).await.unwrap(),
            Some(acme.clone()),
            "[{n}]"
        );
        assert_eq!(s.merchant("mer_missing").await.unwrap(), None, "[{n}]");

        s.add_api_key(&acme.id, "hash-acme", "pk_live_ab", at(1))
            .await
            .unwrap();
        s.add_api_key(&other.id, "hash-other", "pk_live_cd", at(1))
            .await
            .unwrap();
        let found = s.merchant_by_key_hash("hash-acme").await.unwrap();
        assert_eq!(found.map(|m| m.id), Some(acme.id.clone()), "[{n}]");
        let found = s.merchant_by_key_hash("hash-other").await.unwrap();
        assert_eq!(found.map(|m| m.id), Some(other.id.clone()), "[{n}]");
        assert_eq!(
            s.merchant_by_key_hash("hash-unknown").await.unwrap(),
            None,
            "[{n}]"
        );

        let settings = MerchantSettings {
            display_name: Some("ACME Sklep".into()),
            accent_color: Some("#ff0066".into()),
            allowed_origins: vec!["https://acme.example".into()],
            ..Default::default()
        };
        s.update_merchant_settings(&acme.id, &settings)
            .await
            .unwrap();
        let stored = s.merchant(&acme.id).await.unwrap().expect("merchant");
        assert_eq!(stored.settings, settings, "[{n}]");
        let missing = s.update_merchant_settings("mer_missing", &settings).await;
        assert!(
            matches!(missing, Err(StoreError::NotFound)),
            "[{n}] {missing:?}"
        );
    }
}

#[tokio::test]
async fn register_shipment_is_idempotent_per_merchant() {
    for s in stores().await {
        let n = s.name;
        let acme = merchant(&s, "Acme").await;
        let other = merchant(&s, "Other").await;
        let mut new = new_shipment(&acme, CarrierId::Inpost, NUMBER);
        new.order_ref = Some("ORD-1".into());
        new.destination_country = Some("PL".into());
        new.language = Some("pl".into());
        new.email_hash = Some("e-hash".into());

        let (first, created) = s.register_shipment(&new, "tok-first", at(0)).await.unwrap();
        assert!(created, "[{n}]");
        assert_eq!(first.merchant_id, acme.id, "[{n}]");
        assert_eq!(first.carrier, CarrierId::Inpost, "[{n}]");
        assert_eq!(first.order_ref.as_deref(), Some("ORD-1"), "[{n}]");
        assert_eq!(first.destination_country.as_deref(), Some("PL"), "[{n}]");
        assert_eq!(first.email_hash.as_deref(), Some("e-hash"), "[{n}]");
        assert_eq!(
            (first.status, first.substatus.as_str()),
            (Status::Pending, "pending")
        );
        assert_eq!(first.next_poll_at, Some(at(0)), "[{n}] due at once");
        assert_eq!((first.created_at, first.version), (at(0), 1), "[{n}]");
        assert_eq!((first.eta, first.last_event_at), (None, None), "[{n}]");

        let (again, created) = s
            .register_shipment(&new, "tok-second", at(5))
            .await
            .unwrap();
        assert!(!created, "[{n}] second registration must not create");
        assert_eq!(again, first, "[{n}] same row, first token and times kept");

        let (theirs, created) =
            register(&s, &new_shipment(&other, CarrierId::Inpost, NUMBER)).await;
        assert!(created, "[{n}]");
        assert_ne!(
            theirs.id, first.id,
            "[{n}] another merchant gets its own shipment"
        );
        let (dpd, created) = register(&s, &new_shipment(&acme, CarrierId::Dpd, NUMBER)).await;
        assert!(
            created && dpd.id != first.id,
            "[{n}] another carrier is another shipment"
        );

        let mut both = s
            .shipment_ids_for_number(CarrierId::Inpost, NUMBER)
            .await
            .unwrap();
        both.sort();
        let mut expected = vec![first.id.clone(), theirs.id.clone()];
        expected.sort();
        assert_eq!(both, expected, "[{n}]");
        let by_token = s.shipment_by_token("tok-first").await.unwrap();
        assert_eq!(by_token.map(|x| x.id), Some(first.id.clone()), "[{n}]");
        assert_eq!(
            s.shipment_by_token("tok-second").await.unwrap(),
            None,
            "[{n}]"
        );
    }
}

#[tokio::test]
async fn merchants_never_see_each_others_shipments() {
    for s in stores().await {
        let n = s.name;
        let acme = merchant(&s, "Acme").await;
        let other = merchant(&s, "Other").await;
        let (mine, _) = register(&s, &new_shipment(&acme, CarrierId::Inpost, NUMBER)).await;
        let snap = snapshot(
            NUMBER,
            vec![event(NUMBER, Status::InTransit, "in_transit", "a", 1)],
        );
        s.apply_snapshot(&mine.id, &snap, UpdateSource::Poll, at(2))
            .await
            .unwrap();

        assert!(
            s.shipment(&acme.id, &mine.id).await.unwrap().is_some(),
            "[{n}]"
        );
        assert_eq!(
            s.shipment(&other.id, &mine.id).await.unwrap(),
            None,
            "[{n}]"
        );
        let filter = ShipmentFilter {
            limit: 50,
            ..Default::default()
        };
        assert!(
            s.list_shipments(&other.id, &filter)
                .await
                .unwrap()
                .is_empty(),
            "[{n}]"
        );

        assert!(
            !s.delete_shipment(&other.id, &mine.id).await.unwrap(),
            "[{n}]"
        );
        assert!(
            s.shipment(&acme.id, &mine.id).await.unwrap().is_some(),
            "[{n}]"
        );
        assert!(
            s.delete_shipment(&acme.id, &mine.id).await.unwrap(),
            "[{n}]"
        );
        assert_eq!(s.shipment(&acme.id, &mine.id).await.unwrap(), None, "[{n}]");
        assert!(
            s.events(&mine.id).await.unwrap().is_empty(),
            "[{n}] timeline deleted too"
        );
        assert!(
            s.status_changes(&mine.id).await.unwrap().is_empty(),
            "[{n}]"
        );
        assert!(
            !s.delete_shipment(&acme.id, &mine.id).await.unwrap(),
            "[{n}] already gone"
        );
    }
}

#[tokio::test]
async fn list_filters_and_cursor_paging() {
    for s in stores().await {
        let n = s.name;
        let acme = merchant(&s, "Acme").await;
        let other = merchant(&s, "Other").await;
        let mut created = Vec::new();
        for i in 0..7 {
            let carrier = if i % 2 == 0 {
                CarrierId::Inpost
            } else {
                CarrierId::Dhl
            };
            let mut new = new_shipment(&acme, carrier, &format!("NUM{i}"));
            new.order_ref = Some(if i < 3 { "ORD-A" } else { "ORD-B" }.to_string());
            created.push(register(&s, &new).await.0);
        }
        register(&s, &new_shipment(&other, CarrierId::Inpost, "NUM0")).await;
        for sh in &created[4..6] {
            let number = sh.tracking_number.as_str();
            let snap = snapshot(
                number,
                vec![event(number, Status::InTransit, "in_transit", "a", 1)],
            );
            s.apply_snapshot(&sh.id, &snap, UpdateSource::Poll, at(2))
                .await
                .unwrap();
        }
        let newest_first: Vec<String> = created.iter().rev().map(|x| x.id.to_string()).collect();
        let list = |f: ShipmentFilter| {
            let s = &s;
            let acme = &acme;
            async move { ids(&s.list_shipments(&acme.id, &f).await.unwrap()) }
        };
        let base = ShipmentFilter {
            limit: 100,
            ..Default::default()
        };
        assert_eq!(
            list(base.clone()).await,
            newest_first,
            "[{n}] newest first, own only"
        );

        let pick = |idx: &[usize]| -> Vec<String> {
            newest_first
                .iter()
                .filter(|id| idx.iter().any(|&i| created[i].id == **id))
                .cloned()
                .collect()
        };
        let f = ShipmentFilter {
            status: Some(Status::InTransit),
            ..base.clone()
        };
        assert_eq!(list(f).await, pick(&[4, 5]), "[{n}] status filter");
        let f = ShipmentFilter {
            status: Some(Status::Pending),
            ..base.clone()
        };
        assert_eq!(list(f).await, pick(&[0, 1, 2, 3, 6]), "[{n}] status filter");
        let f = ShipmentFilter {
            carrier: Some(CarrierId::Dhl),
            ..base.clone()
        };
        assert_eq!(list(f).await, pick(&[1, 3, 5]), "[{n}] carrier filter");
        let f = ShipmentFilter {
            order_ref: Some("ORD-A".into()),
            ..base.clone()
        };
        assert_eq!(list(f).await, pick(&[0, 1, 2]), "[{n}] order_ref filter");
        let f = ShipmentFilter {
            carrier: Some(CarrierId::Inpost),
            order_ref: Some("ORD-B".into()),
            ..base.clone()
        };
        assert_eq!(list(f).await, pick(&[4, 6]), "[{n}] combined filters");
        let f = ShipmentFilter {
            order_ref: Some("ORD-none".into()),
            ..base.clone()
        };
        assert!(list(f).await.is_empty(), "[{n}]");

        // Cursor paging: pages of 3 walk the whole list exactly once.
        let mut seen = Vec::new();
        let mut before_id = None;
        let mut sizes = Vec::new();
        loop {
            let page = list(ShipmentFilter {
                before_id: before_id.clone(),
                limit: 3,
                ..base.clone()
            })
            .await;
            sizes.push(page.len());
            if page.is_empty() {
                break;
            }
            before_id = page.last().cloned();
            seen.extend(page);
        }
        assert_eq!(sizes, vec![3, 3, 1, 0], "[{n}]");
        assert_eq!(seen, newest_first, "[{n}] no duplicates, nothing missing");

        // The cursor combines with filters.
        let f = ShipmentFilter {
            carrier: Some(CarrierId::Inpost),
            before_id: Some(created[4].id.to_string()),
            ..base.clone()
        };
        assert_eq!(list(f).await, pick(&[0, 2]), "[{n}] cursor + filter");
    }
}

#[tokio::test]
async fn apply_snapshot_builds_the_timeline() {
    for s in stores().await {
        let n = s.name;
        let acme = merchant(&s, "Acme").await;
        let (sh, _) = register(&s, &new_shipment(&acme, CarrierId::Inpost, NUMBER)).await;
        let info = event(NUMBER, Status::InfoReceived, "info_received", "created", 0);
        let transit = event(
            NUMBER,
            Status::InTransit,
            "in_transit",
            "taken_by_courier",
            10,
        );
        let ofd = event(
            NUMBER,
            Status::OutForDelivery,
            "out_for_delivery",
            "out_for_delivery",
            30,
        );
        // Out of order on purpose: the store keeps time order.
        let snap = snapshot(NUMBER, vec![ofd.clone(), info.clone(), transit.clone()]);
        let out = s
            .apply_snapshot(&sh.id, &snap, UpdateSource::Poll, at(31))
            .await
            .unwrap();
        assert!(out.changed, "[{n}]");
        assert_eq!(out.inserted, 3, "[{n}]");
        let change = out.status_change.expect("status change");
        assert_eq!(
            (change.from_status, change.to_status),
            (Status::Pending, Status::OutForDelivery)
        );
        assert_eq!(
            s.events(&sh.id).await.unwrap(),
            vec![info.clone(), transit.clone(), ofd.clone()],
            "[{n}] events stored exactly, in time order"
        );
        let changes = s.status_changes(&sh.id).await.unwrap();
        assert_eq!(changes.len(), 1, "[{n}]");
        let c = &changes[0];
        assert_eq!(
            (c.from_status, c.from_substatus.as_str()),
            (Status::Pending, "pending")
        );
        assert_eq!(
            (c.to_status, c.to_substatus.as_str()),
            (Status::OutForDelivery, "out_for_delivery")
        );
        assert_eq!(
            (c.event_id.as_str(), c.occurred_at, c.recorded_at),
            (ofd.event_id.as_str(), at(30), at(31))
        );
        let now = shipment_now(&s, &sh.id).await;
        assert_eq!(now.status, Status::OutForDelivery, "[{n}]");
        assert_eq!(now.status_changed_at, Some(at(30)), "[{n}]");
        assert_eq!(now.last_event_at, Some(at(30)), "[{n}]");
        assert_eq!(now.version, 2, "[{n}]");
        assert!(
            now.next_poll_at.is_some_and(|t| t > at(31)),
            "[{n}] rescheduled"
        );
        assert_eq!(now.last_push_at, None, "[{n}] a poll is not a push");

        // The same snapshot again: nothing to write.
        let out = s
            .apply_snapshot(&sh.id, &snap, UpdateSource::Poll, at(40))
            .await
            .unwrap();
        assert!(
            !out.changed && out.inserted == 0 && out.status_change.is_none(),
            "[{n}] {out:?}"
        );
        assert_eq!(s.status_changes(&sh.id).await.unwrap().len(), 1, "[{n}]");
        assert_eq!(s.events(&sh.id).await.unwrap().len(), 3, "[{n}]");
        assert_eq!(shipment_now(&s, &sh.id).await, now, "[{n}] row untouched");

        // A late event from before the current status is stored in place, status kept.
        let late = event(NUMBER, Status::InTransit, "in_transit", "sorting_hub", 5);
        let out = s
            .apply_snapshot(
                &sh.id,
                &snapshot(NUMBER, vec![late.clone()]),
                UpdateSource::Push,
                at(41),
            )
            .await
            .unwrap();
        assert_eq!(
            (out.inserted, out.status_change.is_none()),
            (1, true),
            "[{n}]"
        );
        let events = s.events(&sh.id).await.unwrap();
        assert_eq!(
            events.iter().map(|e| &e.raw_code).collect::<Vec<_>>(),
            [
                "created",
                "sorting_hub",
                "taken_by_courier",
                "out_for_delivery"
            ]
        );
        let after = shipment_now(&s, &sh.id).await;
        assert_eq!(
            (after.status, after.last_event_at),
            (Status::OutForDelivery, Some(at(30)))
        );
        assert_eq!(after.last_push_at, Some(at(41)), "[{n}] a push is recorded");

        // An unknown carrier code is kept and reported, and changes nothing else.
        let odd = event(NUMBER, Status::Unknown, "unknown", "zz99", 45);
        let out = s
            .apply_snapshot(
                &sh.id,
                &snapshot(NUMBER, vec![odd]),
                UpdateSource::Poll,
                at(46),
            )
            .await
            .unwrap();
        assert_eq!(out.unmapped_codes, vec!["zz99".to_string()], "[{n}]");
        assert!(out.status_change.is_none(), "[{n}]");
        assert_eq!(
            shipment_now(&s, &sh.id).await.status,
            Status::OutForDelivery,
            "[{n}]"
        );
        assert_eq!(s.events(&sh.id).await.unwrap().len(), 5, "[{n}]");

        // Delivery: a second change, recorded after the first; polling stops.
        let done = event(NUMBER, Status::Delivered, "delivered", "delivered", 50);
        let out = s
            .apply_snapshot(
                &sh.id,
                &snapshot(NUMBER, vec![done.clone()]),
                UpdateSource::Poll,
                at(51),
            )
            .await
            .unwrap();
        assert_eq!(
            out.status_change.map(|c| c.to_status),
            Some(Status::Delivered),
            "[{n}]"
        );
        let changes = s.status_changes(&sh.id).await.unwrap();
        let tos: Vec<_> = changes.iter().map(|c| c.to_status).collect();
        assert_eq!(tos, [Status::OutForDelivery, Status::Delivered], "[{n}]");
        assert!(changes[0].id < changes[1].id, "[{n}]");
        let delivered = shipment_now(&s, &sh.id).await;
        assert_eq!(
            (delivered.status, delivered.next_poll_at),
            (Status::Delivered, None),
            "[{n}]"
        );

        let missing = s
            .apply_snapshot("shp_missing", &snap, UpdateSource::Poll, at(52))
            .await;
        assert!(
            matches!(missing, Err(StoreError::NotFound)),
            "[{n}] {missing:?}"
        );
    }
}

#[tokio::test]
async fn carrier_eta_becomes_eta_and_first_one_is_kept_as_original() {
    for s in stores().await {
        let n = s.name;
        let acme = merchant(&s, "Acme").await;
        let (sh, _) = register(&s, &new_shipment(&acme, CarrierId::Inpost, NUMBER)).await;
        let first = EtaWindow {
            from: at(24 * 60),
            to: at(24 * 60 + 240),
        };
        let later = EtaWindow {
            from: at(48 * 60),
            to: at(48 * 60 + 120),
        };

        let mut snap = snapshot(
            NUMBER,
            vec![event(NUMBER, Status::InTransit, "in_transit", "a", 1)],
        );
        snap.eta = Some(first);
        let out = s
            .apply_snapshot(&sh.id, &snap, UpdateSource::Poll, at(2))
            .await
            .unwrap();
        assert!(out.eta_changed, "[{n}]");
        let now = shipment_now(&s, &sh.id).await;
        assert_eq!(now.eta, Some(Eta::from_carrier(first)), "[{n}]");
        assert_eq!(now.original_eta, Some(Eta::from_carrier(first)), "[{n}]");

        // The carrier moves the window: shown ETA follows, the original stays.
        let mut moved = snapshot(NUMBER, vec![]);
        moved.eta = Some(later);
        let out = s
            .apply_snapshot(&sh.id, &moved, UpdateSource::Poll, at(3))
            .await
            .unwrap();
        assert!(
            out.changed && out.eta_changed && out.status_change.is_none(),
            "[{n}] {out:?}"
        );
        let now = shipment_now(&s, &sh.id).await;
        assert_eq!(now.eta, Some(Eta::from_carrier(later)), "[{n}]");
        assert_eq!(now.original_eta, Some(Eta::from_carrier(first)), "[{n}]");

        // Same window again: no change.
        let out = s
            .apply_snapshot(&sh.id, &moved, UpdateSource::Poll, at(4))
            .await
            .unwrap();
        assert!(!out.eta_changed && !out.changed, "[{n}] {out:?}");

        // Delivered: no ETA shown any more, original kept for statistics.
        let done = snapshot(
            NUMBER,
            vec![event(NUMBER, Status::Delivered, "delivered", "d", 60)],
        );
        let out = s
            .apply_snapshot(&sh.id, &done, UpdateSource::Poll, at(61))
            .await
            .unwrap();
        assert!(out.eta_changed, "[{n}]");
        let now = shipment_now(&s, &sh.id).await;
        assert_eq!(now.eta, None, "[{n}]");
        assert_eq!(now.original_eta, Some(Eta::from_carrier(first)), "[{n}]");
    }
}

#[tokio::test]
async fn polling_claims_are_leases() {
    for s in stores().await {
        let n = s.name;
        let acme = merchant(&s, "Acme").await;
        let mut all = Vec::new();
        for i in 0..3 {
            all.push(
                register(
                    &s,
                    &new_shipment(&acme, CarrierId::Inpost, &format!("P{i}")),
                )
                .await
                .0,
            );
        }
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };

        // Limit respected; then the rest; then nothing until a lease ends.
        let first = s.claim_due_shipments(at(1), at(6), 1).await.unwrap();
        assert_eq!(first.len(), 1, "[{n}]");
        let rest = s.claim_due_shipments(at(1), at(6), 10).await.unwrap();
        assert_eq!(rest.len(), 2, "[{n}]");
        let mut claimed = ids(&first);
        claimed.extend(ids(&rest));
        assert_eq!(
            sorted(claimed),
            sorted(ids(&all)),
            "[{n}] each claimed once"
        );
        assert!(
            s.claim_due_shipments(at(2), at(7), 10)
                .await
                .unwrap()
                .is_empty(),
            "[{n}] leased"
        );

        // record_poll releases the lease and reschedules.
        let polled = &all[0];
        let record = PollRecord {
            now: at(2),
            next_poll_at: Some(at(3)),
            failures: 2,
            error: Some("timeout".into()),
        };
        s.record_poll(&polled.id, &record).await.unwrap();
        let row = shipment_now(&s, &polled.id).await;
        assert_eq!(
            (row.last_polled_at, row.next_poll_at),
            (Some(at(2)), Some(at(3))),
            "[{n}]"
        );
        assert_eq!(
            (row.poll_failures, row.last_error.as_deref()),
            (2, Some("timeout")),
            "[{n}]"
        );
        assert!(
            s.claim_due_shipments(at(2), at(7), 10)
                .await
                .unwrap()
                .is_empty(),
            "[{n}] not due yet"
        );
        let again = s.claim_due_shipments(at(4), at(9), 10).await.unwrap();
        assert_eq!(
            ids(&again),
            vec![polled.id.clone()],
            "[{n}] released and due again"
        );

        // A crashed worker's leases expire; the live lease (until 9) is still respected.
        let expired = s.claim_due_shipments(at(7), at(12), 10).await.unwrap();
        assert_eq!(sorted(ids(&expired)), sorted(ids(&all[1..])), "[{n}]");

        // Success resets failures; no next poll means never claimed again.
        let stop = PollRecord {
            now: at(8),
            next_poll_at: None,
            failures: 0,
            error: None,
        };
        for sh in &all {
            s.record_poll(&sh.id, &stop).await.unwrap();
        }
        let row = shipment_now(&s, &polled.id).await;
        assert_eq!((row.poll_failures, row.last_error), (0, None), "[{n}]");
        assert!(
            s.claim_due_shipments(at(600), at(605), 10)
                .await
                .unwrap()
                .is_empty(),
            "[{n}]"
        );
    }
}

#[tokio::test]
async fn a_poll_is_applied_and_recorded_in_one_go() {
    for s in stores().await {
        let n = s.name;
        let acme = merchant(&s, "Acme").await;
        let (sh, _) = register(&s, &new_shipment(&acme, CarrierId::Inpost, "Q1")).await;
        let claimed = s.claim_due_shipments(at(1), at(6), 10).await.unwrap();
        assert_eq!(ids(&claimed), vec![sh.id.clone()], "[{n}]");
        s.record_poll(
            &sh.id,
            &PollRecord {
                now: at(1),
                next_poll_at: Some(at(1)),
                failures: 3,
                error: Some("timeout".into()),
            },
        )
        .await
        .unwrap();
        s.claim_due_shipments(at(1), at(6), 10).await.unwrap();

        // The apply changes the status; the poll record follows the new status (out for
        // delivery: polled again within the hour), clears the failures and ends the lease.
        let snap = snapshot(
            "Q1",
            vec![event(
                "Q1",
                Status::OutForDelivery,
                "out_for_delivery",
                "o",
                2,
            )],
        );
        let done = PollDone {
            now: at(3),
            min_gap: std::time::Duration::from_secs(3 * 3600),
        };
        let out = s.apply_poll(&sh.id, &snap, &done).await.unwrap();
        assert!(out.status_change.is_some(), "[{n}]");
        let row = shipment_now(&s, &sh.id).await;
        assert_eq!(row.status, Status::OutForDelivery, "[{n}]");
        assert_eq!(row.last_polled_at, Some(at(3)), "[{n}]");
        assert_eq!((row.poll_failures, row.last_error), (0, None), "[{n}]");
        // The carrier's per-shipment floor (3 h here) wins over the status interval.
        assert_eq!(row.next_poll_at, Some(at(3 + 180)), "[{n}]");
        assert_eq!(
            ids(&s
                .claim_due_shipments(at(3 + 180), at(3 + 185), 10)
                .await
                .unwrap()),
            vec![sh.id.clone()],
            "[{n}] lease released, due at the scheduled time"
        );

        // An unchanged answer records the poll too.
        let done = PollDone {
            now: at(200),
            min_gap: std::time::Duration::ZERO,
        };
        let out = s.apply_poll(&sh.id, &snap, &done).await.unwrap();
        assert!(!out.changed, "[{n}]");
        let row = shipment_now(&s, &sh.id).await;
        assert_eq!(row.last_polled_at, Some(at(200)), "[{n}]");
        assert_eq!(
            row.next_poll_at,
            Some(at(230)),
            "[{n}] out for delivery: 30 min"
        );
    }
}

#[tokio::test]
async fn nearest_to_delivery_is_claimed_first() {
    for s in stores().await {
        let n = s.name;
        let acme = merchant(&s, "Acme").await;
        let (waiting, _) = register(&s, &new_shipment(&acme, CarrierId::Inpost, "A1")).await;
        let (ofd, _) = register(&s, &new_shipment(&acme, CarrierId::Inpost, "B2")).await;
        let snap = snapshot(
            "B2",
            vec![event(
                "B2",
                Status::OutForDelivery,
                "out_for_delivery",
                "o",
                1,
            )],
        );
        s.apply_snapshot(&ofd.id, &snap, UpdateSource::Poll, at(2))
            .await
            .unwrap();
        // Both due; the pending one has been due longer, the parcel out for delivery wins.
        let first = s
            .claim_due_shipments(at(24 * 60), at(24 * 60 + 5), 1)
            .await
            .unwrap();
        assert_eq!(ids(&first), vec![ofd.id.clone()], "[{n}]");
        let next = s
            .claim_due_shipments(at(24 * 60), at(24 * 60 + 5), 1)
            .await
            .unwrap();
        assert_eq!(ids(&next), vec![waiting.id.clone()], "[{n}]");
    }
}

#[tokio::test]
async fn webhook_inbox_claims_and_finishes() {
    for s in stores().await {
        let n = s.name;
        let item = |body: &[u8], minute| NewInboxItem {
            carrier: CarrierId::Inpost,
            body: body.to_vec(),
            remote_addr: Some("203.0.113.7".into()),
            received_at: at(minute),
        };
        // Raw bytes survive exactly, even when they are not UTF-8.
        let raw: &[u8] = b"{\"status\":\"delivered\"}\xff\x00";
        let a = s.inbox_insert(&item(raw, 0)).await.unwrap();
        let b = s.inbox_insert(&item(b"{}", 1)).await.unwrap();
        assert!(b > a, "[{n}]");
        let stored = s.inbox_item(a).await.unwrap().expect("inbox row");
        assert_eq!(
            (stored.body.as_slice(), stored.state, stored.attempts),
            (raw, InboxState::Pending, 0)
        );
        assert_eq!(
            (stored.carrier, stored.received_at),
            (CarrierId::Inpost, at(0)),
            "[{n}]"
        );
        assert_eq!(stored.remote_addr.as_deref(), Some("203.0.113.7"), "[{n}]");
        assert!(s.inbox_item(a + 1000).await.unwrap().is_none(), "[{n}]");

        let claimed = s.inbox_claim(at(2), at(7), 10).await.unwrap();
        assert_eq!(
            claimed.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![a, b],
            "[{n}] oldest first"
        );
        assert!(claimed.iter().all(|i| i.attempts == 1), "[{n}]");
        assert!(
            s.inbox_claim(at(3), at(8), 10).await.unwrap().is_empty(),
            "[{n}] leased"
        );

        s.inbox_finish(a, None, at(4)).await.unwrap();
        s.inbox_finish(b, Some("bad signature"), at(4))
            .await
            .unwrap();
        let done = s.inbox_item(a).await.unwrap().expect("row a");
        assert_eq!((done.state, done.error), (InboxState::Done, None), "[{n}]");
        let failed = s.inbox_item(b).await.unwrap().expect("row b");
        assert_eq!(
            (failed.state, failed.error.as_deref()),
            (InboxState::Failed, Some("bad signature"))
        );
        assert!(
            s.inbox_claim(at(60), at(65), 10).await.unwrap().is_empty(),
            "[{n}] finished rows stay put"
        );

        // A worker that dies mid-way: its item comes back once the lease ends.
        let c = s.inbox_insert(&item(b"[]", 70)).await.unwrap();
        let d = s.inbox_insert(&item(b"[1]", 71)).await.unwrap();
        let one = s.inbox_claim(at(72), at(77), 1).await.unwrap();
        assert_eq!(
            one.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![c],
            "[{n}] limit"
        );
        let other = s.inbox_claim(at(73), at(78), 10).await.unwrap();
        assert_eq!(
            other.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![d],
            "[{n}]"
        );
        assert!(
            s.inbox_claim(at(76), at(81), 10).await.unwrap().is_empty(),
            "[{n}]"
        );
        let back = s
            .inbox_claim(at(77) + Duration::seconds(1), at(90), 10)
            .await
            .unwrap();
        assert_eq!(
            back.iter().map(|i| (i.id, i.attempts)).collect::<Vec<_>>(),
            vec![(c, 2)],
            "[{n}]"
        );
    }
}

/// Concurrent merges of one snapshot into one shipment record its status change once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_applies_on_one_shipment_serialize() {
    for s in stores().await {
        let n = s.name;
        let acme = merchant(&s, "Acme").await;
        // Several rounds: a missing row lock shows up as a race, not on every attempt.
        for round in 0..5 {
            let number = format!("R{round}");
            let (sh, _) = register(&s, &new_shipment(&acme, CarrierId::Inpost, &number)).await;
            let snap = Arc::new(snapshot(
                &number,
                vec![
                    event(&number, Status::InTransit, "in_transit", "a", 1),
                    event(&number, Status::OutForDelivery, "out_for_delivery", "b", 2),
                ],
            ));
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let (store, snap, id) =
                        (Arc::clone(&s.store), Arc::clone(&snap), sh.id.clone());
                    tokio::spawn(async move {
                        store
                            .apply_snapshot(&id, &snap, UpdateSource::Push, at(3))
                            .await
                    })
                })
                .collect();
            let mut changes = 0;
            for t in tasks {
                let out = t
                    .await
                    .expect("task")
                    .unwrap_or_else(|e| panic!("[{n}] apply: {e}"));
                changes += usize::from(out.status_change.is_some());
            }
            assert_eq!(changes, 1, "[{n}] exactly one apply saw the change");
            assert_eq!(s.status_changes(&sh.id).await.unwrap().len(), 1, "[{n}]");
            assert_eq!(s.events(&sh.id).await.unwrap().len(), 2, "[{n}]");
            assert_eq!(shipment_now(&s, &sh.id).await.version, 2, "[{n}] one write");
        }
    }
}

/// Several pollers sharing one PostgreSQL never get the same shipment.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_never_overlap_on_postgres() {
    let Some(s) = pg_store().await else {
        return; // TEST_POSTGRES_URL not set
    };
    let acme = merchant(&s, "Acme").await;
    for i in 0..60 {
        register(
            &s,
            &new_shipment(&acme, CarrierId::Inpost, &format!("C{i:02}")),
        )
        .await;
    }
    let mut seen = HashSet::new();
    loop {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let store: Arc<dyn Store> = Arc::clone(&s.store);
                tokio::spawn(async move { store.claim_due_shipments(at(1), at(60), 7).await })
            })
            .collect();
        let mut round = 0;
        for w in workers {
            for sh in w.await.expect("task").expect("claim") {
                round += 1;
                assert!(seen.insert(sh.id.clone()), "{} claimed twice", sh.id);
            }
        }
        if round == 0 {
            break;
        }
    }
    assert_eq!(seen.len(), 60, "every due shipment claimed exactly once");
}

/// "Push-fed" means one thing on every path: the carrier pushed for this shipment within the
/// last two days (`tracking::PUSH_FRESH`). A fresh push makes the next poll a fallback (4 ×
/// the status interval) both when the push itself changes the status and when a later poll
/// is recorded; a push older than that no longer slows polling down.
#[tokio::test]
async fn push_fed_means_a_push_within_two_days_on_every_path() {
    for s in stores().await {
        let n = s.name;
        let acme = merchant(&s, "Acme").await;
        let (sh, _) = register(&s, &new_shipment(&acme, CarrierId::Inpost, "PF1")).await;
        // A push changes the status to in transit at minute 10: next poll 4 × 3 h later.
        let pushed = snapshot(
            "PF1",
            vec![event("PF1", Status::InTransit, "in_transit", "t", 5)],
        );
        s.apply_snapshot(&sh.id, &pushed, UpdateSource::Push, at(10))
            .await
            .unwrap();
        let row = shipment_now(&s, &sh.id).await;
        assert_eq!(row.next_poll_at, Some(at(10 + 4 * 180)), "[{n}] push path");

        // A poll an hour later that changes nothing: still push-fed.
        let done = PollDone {
            now: at(70),
            min_gap: std::time::Duration::ZERO,
        };
        s.apply_poll(&sh.id, &pushed, &done).await.unwrap();
        let row = shipment_now(&s, &sh.id).await;
        assert_eq!(row.next_poll_at, Some(at(70 + 4 * 180)), "[{n}] poll path");

        // Three days after the push the shipment is polled at the plain interval again.
        let later = 10 + 3 * 24 * 60;
        let done = PollDone {
            now: at(later),
            min_gap: std::time::Duration::ZERO,
        };
        s.apply_poll(&sh.id, &pushed, &done).await.unwrap();
        let row = shipment_now(&s, &sh.id).await;
        assert_eq!(
            row.next_poll_at,
            Some(at(later + 180)),
            "[{n}] a stale push no longer counts"
        );
    }
}

/// On PostgreSQL the update transaction publishes the shipment's invalidation with
/// `pg_notify` inside the transaction: a listener hears it once the apply commits, and
/// hears nothing from an apply that changed nothing.
#[tokio::test]
async fn a_committed_apply_publishes_its_invalidation_on_postgres() {
    let Some(s) = pg_store().await else {
        return; // TEST_POSTGRES_URL not set (announced once by pg_store)
    };
    let mut listener = sqlx::postgres::PgListener::connect(&s.url)
        .await
        .expect("listen connection");
    listener
        .listen(parcelgate::store::update::INVALIDATION_CHANNEL)
        .await
        .expect("LISTEN");
    let acme = merchant(&s, "Acme").await;
    let (sh, _) = register(&s, &new_shipment(&acme, CarrierId::Inpost, "NT1")).await;
    let snap = snapshot(
        "NT1",
        vec![event("NT1", Status::InTransit, "in_transit", "t", 5)],
    );
    s.apply_snapshot(&sh.id, &snap, UpdateSource::Push, at(10))
        .await
        .unwrap();
    let heard = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
        .await
        .expect("a notification within 5 s")
        .expect("listener alive");
    assert_eq!(heard.payload(), format!("shipment:{}", sh.id));
    // The same snapshot again changes nothing: no notification.
    s.apply_snapshot(&sh.id, &snap, UpdateSource::Poll, at(11))
        .await
        .unwrap();
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(500), listener.recv()).await;
    assert!(quiet.is_err(), "a no-op apply publishes nothing");
}
