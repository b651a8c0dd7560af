//! Test data through the store: a merchant with an API key, a shipment with a 20-event
//! timeline (`apply_snapshot`), and 100,000 registered shipments in one transaction.

use std::sync::Arc;

use carriers::inpost::mapping::map_status;
use carriers::time::LocalTime;
use carriers::{CarrierId, Location, TrackingEvent, TrackingSnapshot};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use parcelgate::domain::NewShipment;
use parcelgate::store::{Store, UpdateSource};
use parcelgate::tracking::ApplyUpdates;
use sqlx::sqlite::SqlitePoolOptions;

/// ShipX status names of a realistic locker parcel's journey, repeated as needed.
const JOURNEY: &[(&str, &str)] = &[
    ("created", "Przesyłka utworzona"),
    ("offers_prepared", "Przygotowano oferty"),
    ("confirmed", "Przygotowana przez Nadawcę"),
    (
        "dispatched_by_sender",
        "Paczka nadana w automacie Paczkomat",
    ),
    ("taken_by_courier", "Odebrana od klienta"),
    ("adopted_at_source_branch", "Przyjęta w oddziale InPost"),
    ("sent_from_source_branch", "W trasie do sortowni"),
    ("adopted_at_sorting_center", "Przyjęta w Sortowni"),
    ("sent_from_sorting_center", "Wysłana z Sortowni"),
    ("adopted_at_target_branch", "Przyjęta w oddziale docelowym"),
    ("out_for_delivery", "Wydana do doręczenia"),
    (
        "ready_to_pickup",
        "Umieszczona w automacie Paczkomat (odbiorczym)",
    ),
    ("pickup_reminder_sent", "Przypomnienie o czekającej paczce"),
];

/// Depots the parcel passes (location text).
const DEPOTS: &[&str] = &["KRA01M", "KR1", "WA3", "WAW-SORT-2", "POZ1", "KRA-HUB"];

/// Creates a merchant and an API key; returns `(merchant_id, key)`.
pub async fn merchant_with_key(store: &Arc<dyn Store>) -> (String, String) {
    let now = Utc::now();
    let m = store
        .create_merchant("Benchmark Shop", now)
        .await
        .expect("create merchant");
    let key = parcelgate::domain::merchant_rules::generate_key();
    store
        .add_api_key(
            &m.id,
            &parcelgate::domain::merchant_rules::hash_key(&key),
            &parcelgate::domain::merchant_rules::key_display_prefix(&key),
            now,
        )
        .await
        .expect("add api key");
    (m.id.into_string(), key)
}

/// The `i`-th event of a synthetic timeline for `number`.
fn event(number: &str, i: usize, start: DateTime<Utc>) -> TrackingEvent {
    let (code, text) = JOURNEY[i % JOURNEY.len()];
    let warsaw = FixedOffset::east_opt(2 * 3600).expect("offset");
    let at = warsaw.from_utc_datetime(&(start + Duration::minutes(97 * i as i64)).naive_utc());
    TrackingEvent::new(
        CarrierId::Inpost,
        number,
        map_status(code),
        code,
        Some(format!("{text} (origin_status P{i:02}, skan {i})")),
        LocalTime::from_fixed(at),
        Location {
            text: Some(DEPOTS[i % DEPOTS.len()].to_string()),
            postal_code: Some(format!("31-{:03}", 100 + i)),
            country: Some("PL".into()),
        },
    )
}

/// Registers an InPost shipment for `merchant_id` and merges `events` events into it;
/// returns its id.
pub async fn shipment_with_events(
    store: &Arc<dyn Store>,
    merchant_id: &str,
    number: &str,
    events: usize,
) -> String {
    let new = NewShipment {
        merchant_id: merchant_id.into(),
        carrier: Some(CarrierId::Inpost),
        tracking_number: number.to_string(),
        order_ref: Some("BENCH-1001".into()),
        destination_country: Some("PL".into()),
        destination_postal_code: Some("31-147".into()),
        language: Some("pl".into()),
        ..Default::default()
    };
    let now = Utc::now();
    let (shipment, _) = store
        .register_shipment(&new, "bench-public-token-0000000001", now)
        .await
        .expect("register shipment");
    let start = now - Duration::days(3);
    let mut snap = TrackingSnapshot::new(CarrierId::Inpost, number);
    snap.events = (0..events).map(|i| event(number, i, start)).collect();
    store
        .apply_snapshot(&shipment.id, &snap, UpdateSource::Poll, now)
        .await
        .expect("apply snapshot");
    shipment.id.into_string()
}

/// A 24-digit InPost-style tracking number for `n`.
pub fn inpost_number(prefix: u64, n: u64) -> String {
    format!("{prefix:06}{n:018}")
}

/// Registers `count` InPost shipments, due for polling now, in one SQLite transaction.
///
/// The statement is `SqliteStore::register_shipment`'s INSERT with the same columns and
/// values (a `shp_` UUIDv7 id from `store::new_id`, a random public token, `next_poll_at =
/// created_at = updated_at = now` in microseconds); only the per-row transaction and the
/// read-back are left out, so 100,000 rows take seconds instead of 100,000 fsyncs.
pub async fn bulk_shipments(url: &str, merchant_id: &str, count: u64) -> Vec<String> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("open sqlite for bulk insert");
    let now = Utc::now().timestamp_micros();
    let mut tx = pool.begin().await.expect("begin");
    let mut ids = Vec::with_capacity(count as usize);
    for n in 0..count {
        let id = parcelgate::store::new_id("shp");
        sqlx::query(
            "INSERT INTO shipments (id, merchant_id, carrier, tracking_number, order_ref, \
             destination_country, language, public_token, next_poll_at, created_at, updated_at) \
             VALUES (?,?,'inpost',?,?,'PL','pl',?,?,?,?)",
        )
        .bind(&id)
        .bind(merchant_id)
        .bind(inpost_number(700_000, n))
        .bind(format!("ORD-{n}"))
        .bind(uuid::Uuid::new_v4().simple().to_string())
        .bind(now)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .expect("insert shipment");
        ids.push(id);
    }
    tx.commit().await.expect("commit bulk insert");
    pool.close().await;
    ids
}
