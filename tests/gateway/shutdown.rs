//! Graceful shutdown: on SIGTERM the real binary stops taking work, finishes the poll in
//! flight (recording it, which releases its lease) and exits 0.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::app::fixture;
use crate::common::db;

#[tokio::test]
async fn sigterm_finishes_in_flight_polls_and_exits_cleanly() {
    let db = db::sqlite_store().await;
    let carrier = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(1500))
                .set_body_string(fixture("inpost/locker_ready_to_pickup.json")),
        )
        .mount(&carrier)
        .await;
    let now = chrono::Utc::now();
    let m = db.create_merchant("Shutdown", now).await.unwrap();
    let new = parcelgate::store::NewShipment {
        merchant_id: m.id.clone(),
        carrier: Some(carriers::CarrierId::Inpost),
        tracking_number: "602677439331630337653846".into(),
        ..Default::default()
    };
    let (shipment, _) = db
        .register_shipment(&new, "tok-shutdown", now)
        .await
        .unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_parcelgate"))
        .arg("serve")
        .env("PARCELGATE_DATABASE_URL", &db.url)
        .env("PARCELGATE_LISTEN", "127.0.0.1:0")
        .env("PARCELGATE_CARRIERS__INPOST__BASE_URL", carrier.uri())
        .env("PARCELGATE_CARRIERS__DHL__ENABLED", "false")
        .env("PARCELGATE_CARRIERS__DPD__ENABLED", "false")
        .env("PARCELGATE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the poll is in flight at the carrier.
    let deadline = Instant::now() + Duration::from_secs(10);
    while carrier.received_requests().await.unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the poller never called the carrier"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "did not exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "exit status {exit}");
    // The in-flight poll finished and was recorded (which also released its lease).
    let after = db.shipment_by_id(&shipment.id).await.unwrap().unwrap();
    assert_eq!(after.status, carriers::Status::AvailableForPickup);
    assert!(after.last_polled_at.is_some());
    assert!(after.next_poll_at.unwrap() > chrono::Utc::now() + chrono::Duration::minutes(30));
}
