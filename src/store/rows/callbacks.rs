//! Rows of `subscriptions`, `deliveries` and `delivery_attempts`, decoded the same way from
//! both backends, and their conversion to the callback types. The filter lists
//! (`event_types`, `carriers`, `statuses`) are JSON text on both sides, so they need no
//! per-backend decoding.

use super::{decoders, time, DbCount, DbInt, DbTime};
use crate::domain::subscription::Subscription;
use crate::store::callbacks::{Delivery, DeliveryAttempt, DeliveryState, DueSubscription};
use crate::store::codec;
use crate::store::{StoreError, StoreResult};

/// The subscription columns every subscription query selects (a literal, so queries stay
/// `&'static str`).
macro_rules! subscription_columns {
    () => {
        "id, merchant_id, url, description, event_types, carriers, statuses, enabled, \
         disabled_reason, secret, previous_secret, previous_secret_expires_at, last_success_at, \
         failing_since, created_at, updated_at"
    };
}
pub(crate) use subscription_columns;

/// The delivery columns every delivery query selects (or returns).
macro_rules! delivery_columns {
    () => {
        "id, subscription_id, shipment_id, seq, status_change_id, event_type, webhook_id, \
         payload, state, attempts, next_attempt_at, last_status, last_error, created_at, finished_at"
    };
}
pub(crate) use delivery_columns;

/// The attempt columns.
macro_rules! attempt_columns {
    () => {
        "delivery_id, attempted_at, status_code, latency_ms, error"
    };
}
pub(crate) use attempt_columns;

/// A `subscriptions` row.
#[derive(sqlx::FromRow)]
pub struct SubscriptionRow {
    id: crate::domain::SubscriptionId,
    merchant_id: crate::domain::MerchantId,
    url: String,
    description: Option<String>,
    event_types: String,
    carriers: String,
    statuses: String,
    enabled: bool,
    disabled_reason: Option<String>,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_expires_at: Option<DbTime>,
    last_success_at: Option<DbTime>,
    failing_since: Option<DbTime>,
    created_at: DbTime,
    updated_at: DbTime,
}

impl TryFrom<SubscriptionRow> for Subscription {
    type Error = StoreError;

    fn try_from(r: SubscriptionRow) -> StoreResult<Subscription> {
        Ok(Subscription {
            event_types: codec::json("event_types", &r.event_types)?,
            carriers: codec::json("carriers", &r.carriers)?,
            statuses: codec::json("statuses", &r.statuses)?,
            id: r.id,
            merchant_id: r.merchant_id,
            url: r.url,
            description: r.description,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            secret: r.secret,
            previous_secret: r.previous_secret,
            previous_secret_expires_at: time(r.previous_secret_expires_at),
            last_success_at: time(r.last_success_at),
            failing_since: time(r.failing_since),
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

decoders!(SubscriptionRow => Subscription, subscriptions, subscription);

/// A `deliveries` row.
#[derive(sqlx::FromRow)]
pub struct DeliveryRow {
    id: String,
    subscription_id: String,
    shipment_id: String,
    seq: i64,
    status_change_id: Option<i64>,
    event_type: String,
    webhook_id: String,
    payload: String,
    state: String,
    attempts: DbCount,
    next_attempt_at: DbTime,
    last_status: Option<DbInt>,
    last_error: Option<String>,
    created_at: DbTime,
    finished_at: Option<DbTime>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;

    fn try_from(r: DeliveryRow) -> StoreResult<Delivery> {
        Ok(Delivery {
            state: DeliveryState::parse(&r.state)
                .ok_or_else(|| StoreError::Corrupt(format!("delivery state {:?}", r.state)))?,
            id: r.id,
            subscription_id: r.subscription_id,
            shipment_id: r.shipment_id,
            seq: r.seq,
            status_change_id: r.status_change_id,
            event_type: r.event_type,
            webhook_id: r.webhook_id,
            payload: r.payload,
            attempts: r.attempts.0,
            next_attempt_at: r.next_attempt_at.0,
            last_status: http_status(r.last_status),
            last_error: r.last_error,
            created_at: r.created_at.0,
            finished_at: time(r.finished_at),
        })
    }
}

decoders!(DeliveryRow => Delivery, deliveries, delivery);

/// A `delivery_attempts` row.
#[derive(sqlx::FromRow)]
pub struct AttemptRow {
    delivery_id: String,
    attempted_at: DbTime,
    status_code: Option<DbInt>,
    latency_ms: i64,
    error: Option<String>,
}

impl From<AttemptRow> for DeliveryAttempt {
    fn from(r: AttemptRow) -> DeliveryAttempt {
        DeliveryAttempt {
            delivery_id: r.delivery_id,
            attempted_at: r.attempted_at.0,
            status_code: http_status(r.status_code),
            latency_ms: u64::try_from(r.latency_ms).unwrap_or(0),
            error: r.error,
        }
    }
}

/// Decodes attempt rows.
pub fn attempts(rows: Vec<AttemptRow>) -> Vec<DeliveryAttempt> {
    rows.into_iter().map(DeliveryAttempt::from).collect()
}

/// A stored HTTP status read back (anything outside `u16` was never a status).
fn http_status(v: Option<DbInt>) -> Option<u16> {
    v.and_then(|v| u16::try_from(v.0).ok())
}

/// An HTTP status as stored (`INTEGER` on both sides).
pub fn stored_status(code: Option<u16>) -> Option<DbInt> {
    code.map(|c| DbInt(i32::from(c)))
}

/// A latency as stored (`INTEGER` on SQLite, `BIGINT` on PostgreSQL: both `i64`).
pub fn stored_latency(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// A subscription with its oldest claimable delivery (`sql::outbox::DUE`).
#[derive(sqlx::FromRow)]
pub struct DueRow {
    id: String,
    due: Option<DbTime>,
}

/// The subscriptions that have a delivery due at `now`, for
/// [`share_claim`](crate::store::callbacks::share_claim).
pub fn due_subscriptions(
    rows: Vec<DueRow>,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<DueSubscription<DbTime>> {
    rows.into_iter()
        .filter_map(|r| {
            Some(DueSubscription {
                id: r.id,
                oldest_due: r.due.filter(|d| d.0 <= now)?,
            })
        })
        .collect()
}
