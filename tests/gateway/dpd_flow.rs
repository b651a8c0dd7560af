//! DPD through the whole gateway: the waybill poll over SOAP, and the account event feed
//! whose acknowledgement comes only after the events are committed.

use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::app::{fixture, TestApp};
use crate::common::db;

const ENDPOINT: &str = "/DPDInfoServicesObjEventsService/DPDInfoServicesObjEvents";

#[tokio::test]
async fn waybill_poll_receiver_absent_then_delivered() {
    let app = TestApp::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(body_string_contains("getEventsForWaybillV1"))
        .and(body_string_contains("<waybill>1000727398457U</waybill>"))
        .and(body_string_contains("<channel>1495</channel>"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/xml; charset=utf-8")
                .set_body_string(fixture("dpd/waybill_receiver_absent_then_delivered.xml")),
        )
        .expect(1..)
        .mount(&app.dpd)
        .await;
    let s = app
        .register(json!({"tracking_number": "1000727398457U"}))
        .await;
    assert_eq!(s["carrier"], "dpd", "13 digits + U is a DPD Poland waybill");
    let v = app
        .wait_for(s["id"].as_str().unwrap(), |v| v["status"] == "delivered")
        .await;
    let timeline = v["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 6);
    let failed = timeline
        .iter()
        .find(|e| e["status"] == "failed_attempt")
        .unwrap();
    assert_eq!(failed["raw_code"], "200201");
    assert_eq!(
        failed["local_time"], "2026-05-19T14:30:00+02:00",
        "eventTime read as Europe/Warsaw"
    );
    assert_eq!(failed["tz_source"], "assumed");
    assert_eq!(v["progress"][3]["state"], "done");
}

async fn mount_feed(app: &TestApp, confirm_fails_first: bool) {
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(body_string_contains("getEventsForCustomerV4"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("dpd/feed_batch.xml")))
        .mount(&app.dpd)
        .await;
    if confirm_fails_first {
        Mock::given(method("POST"))
            .and(path(ENDPOINT))
            .and(body_string_contains("markEventsAsProcessedV1"))
            .respond_with(ResponseTemplate::new(503).set_body_string("down"))
            .up_to_n_times(3)
            .with_priority(1)
            .mount(&app.dpd)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(body_string_contains("markEventsAsProcessedV1"))
        .and(body_string_contains("8f3c2a1e-5d47-4b1a-9e0c-7a9d2b6f4e11"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("dpd/mark_processed.xml")))
        .mount(&app.dpd)
        .await;
}

#[tokio::test]
async fn feed_is_acknowledged_only_after_commit_and_redelivery_is_absorbed() {
    let app = TestApp::start_with(db::sqlite_store().await, |c| c.poller.enabled = false).await;
    mount_feed(&app, true).await;
    let a = app
        .register(json!({"tracking_number": "0000111122223A", "carrier": "dpd"}))
        .await;
    let b = app
        .register(json!({"tracking_number": "0000111122224A", "carrier": "dpd"}))
        .await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());

    // The acknowledgement keeps failing through its retries (as if the process died right
    // after committing).
    let first = parcelgate::workers::feed::drain_once(app.state()).await;
    assert!(first.is_err(), "acknowledgement failure is reported");
    let va: Value = app
        .get(&format!("/v1/shipments/{a}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        va["timeline"].as_array().unwrap().len(),
        2,
        "events were committed before the ack"
    );
    let changes_a = app.state().store.status_changes(a).await.unwrap().len();

    // DPD re-delivers the same batch: nothing doubles, and this time it is acknowledged.
    assert_eq!(
        parcelgate::workers::feed::drain_once(app.state())
            .await
            .unwrap(),
        3
    );
    let va: Value = app
        .get(&format!("/v1/shipments/{a}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(va["timeline"].as_array().unwrap().len(), 2);
    assert_eq!(va["status"], "in_transit");
    assert_eq!(
        app.state().store.status_changes(a).await.unwrap().len(),
        changes_a
    );
    let vb: Value = app
        .get(&format!("/v1/shipments/{b}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(vb["timeline"].as_array().unwrap().len(), 3);
    // 0000111122225A is nobody's: counted, then dropped (the default).
    let dropped = app.state().metrics.counter(
        "parcelgate_unregistered_updates_total",
        &[("carrier", "dpd")],
    );
    assert_eq!(dropped, 2, "once per delivery of the batch");
    let confirms = app
        .dpd
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("markEventsAsProcessedV1"))
        .count();
    assert_eq!(
        confirms, 4,
        "three failed tries (one + two retries), then one success"
    );
}

#[tokio::test]
async fn feed_events_for_unregistered_parcels_can_be_kept() {
    let app = TestApp::start_with(db::sqlite_store().await, |c| {
        c.poller.enabled = false;
        c.carriers.dpd.adapter.keep_unregistered_feed_events = true;
    })
    .await;
    mount_feed(&app, false).await;
    assert_eq!(
        parcelgate::workers::feed::drain_once(app.state())
            .await
            .unwrap(),
        3
    );
    // All three parcels were unregistered; each is kept, parked with the reason.
    let mut kept = Vec::new();
    for id in 1..=3 {
        if let Some(item) = app.state().store.inbox_item(id).await.unwrap() {
            kept.push(item);
        }
    }
    assert_eq!(kept.len(), 3);
    assert!(kept
        .iter()
        .all(|i| i.error.as_deref().unwrap().contains("unregistered")));
    assert!(String::from_utf8_lossy(&kept[0].body).contains("0000111122223A"));
}
