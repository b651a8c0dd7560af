//! Rows of `shipments`, `events`, `status_changes`, `merchants` and `webhook_inbox`, decoded
//! the same way from both backends, and their conversion to the domain types.

use carriers::{Location, TrackingEvent};

use super::{decoders, time, DbCount, DbInt, DbTime};
use crate::domain::{Merchant, Shipment, StatusChangeRecord};
use crate::store::codec;
use crate::store::{InboxItem, InboxState, StoreError, StoreResult};

/// The shipment columns every shipment query selects (a literal, so queries stay
/// `&'static str`: sqlx 0.9 audits dynamic SQL).
macro_rules! shipment_columns {
    () => {
        "id, merchant_id, carrier, tracking_number, order_ref, service, \
    origin_country, destination_country, destination_postal_code, language, email_hash, \
    public_token, status, substatus, status_changed_at, last_event_at, details, eta, original_eta, \
    next_poll_at, poll_failures, last_error, last_polled_at, last_push_at, created_at, updated_at, version"
    };
}
pub(crate) use shipment_columns;

/// The event columns every timeline query selects ([`EventRow`]).
macro_rules! event_columns {
    () => {
        "event_id, status, substatus, raw_code, raw_text, occurred_at, utc_offset_seconds, \
         tz_source, location_text, postal_code, country"
    };
}
pub(crate) use event_columns;

/// A `shipments` row.
#[derive(sqlx::FromRow)]
pub struct ShipmentRow {
    id: crate::domain::ShipmentId,
    merchant_id: crate::domain::MerchantId,
    carrier: String,
    tracking_number: String,
    order_ref: Option<String>,
    service: Option<String>,
    origin_country: Option<String>,
    destination_country: Option<String>,
    destination_postal_code: Option<String>,
    language: Option<String>,
    email_hash: Option<String>,
    public_token: String,
    status: String,
    substatus: String,
    status_changed_at: Option<DbTime>,
    last_event_at: Option<DbTime>,
    details: String,
    eta: Option<String>,
    original_eta: Option<String>,
    next_poll_at: Option<DbTime>,
    poll_failures: DbCount,
    last_error: Option<String>,
    last_polled_at: Option<DbTime>,
    last_push_at: Option<DbTime>,
    created_at: DbTime,
    updated_at: DbTime,
    version: i64,
}

impl TryFrom<ShipmentRow> for Shipment {
    type Error = StoreError;

    fn try_from(r: ShipmentRow) -> StoreResult<Shipment> {
        Ok(Shipment {
            carrier: codec::carrier(&r.carrier)?,
            status: codec::status(&r.status)?,
            details: codec::json("details", &r.details)?,
            eta: codec::json_opt("eta", r.eta)?,
            original_eta: codec::json_opt("original_eta", r.original_eta)?,
            id: r.id,
            merchant_id: r.merchant_id,
            tracking_number: r.tracking_number,
            order_ref: r.order_ref,
            service: r.service,
            origin_country: r.origin_country,
            destination_country: r.destination_country,
            destination_postal_code: r.destination_postal_code,
            language: r.language,
            email_hash: r.email_hash,
            public_token: r.public_token,
            substatus: r.substatus,
            status_changed_at: time(r.status_changed_at),
            last_event_at: time(r.last_event_at),
            next_poll_at: time(r.next_poll_at),
            poll_failures: r.poll_failures.0,
            last_error: r.last_error,
            last_polled_at: time(r.last_polled_at),
            last_push_at: time(r.last_push_at),
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            version: r.version,
        })
    }
}

decoders!(ShipmentRow => Shipment, shipments, shipment);

/// An `events` row.
#[derive(sqlx::FromRow)]
pub struct EventRow {
    event_id: String,
    status: String,
    substatus: String,
    raw_code: String,
    raw_text: Option<String>,
    occurred_at: DbTime,
    utc_offset_seconds: DbInt,
    tz_source: String,
    location_text: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
}

impl TryFrom<EventRow> for TrackingEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> StoreResult<TrackingEvent> {
        Ok(TrackingEvent {
            status: codec::status(&r.status)?,
            tz_source: codec::tz_source(&r.tz_source),
            event_id: r.event_id,
            substatus: r.substatus,
            raw_code: r.raw_code,
            raw_text: r.raw_text,
            occurred_at: r.occurred_at.0,
            utc_offset_seconds: r.utc_offset_seconds.0,
            location: Location {
                text: r.location_text,
                postal_code: r.postal_code,
                country: r.country,
            },
        })
    }
}

decoders!(EventRow => TrackingEvent, events);

/// A `merchants` row.
#[derive(sqlx::FromRow)]
pub struct MerchantRow {
    id: crate::domain::MerchantId,
    name: String,
    settings: String,
    created_at: DbTime,
}

impl TryFrom<MerchantRow> for Merchant {
    type Error = StoreError;

    fn try_from(r: MerchantRow) -> StoreResult<Merchant> {
        Ok(Merchant {
            settings: codec::json("settings", &r.settings)?,
            id: r.id,
            name: r.name,
            created_at: r.created_at.0,
        })
    }
}

/// A `status_changes` row.
#[derive(sqlx::FromRow)]
pub struct StatusChangeRow {
    id: i64,
    shipment_id: String,
    from_status: String,
    from_substatus: String,
    to_status: String,
    to_substatus: String,
    event_id: String,
    occurred_at: DbTime,
    recorded_at: DbTime,
}

impl TryFrom<StatusChangeRow> for StatusChangeRecord {
    type Error = StoreError;

    fn try_from(r: StatusChangeRow) -> StoreResult<StatusChangeRecord> {
        Ok(StatusChangeRecord {
            from_status: codec::status(&r.from_status)?,
            to_status: codec::status(&r.to_status)?,
            id: r.id,
            shipment_id: r.shipment_id,
            from_substatus: r.from_substatus,
            to_substatus: r.to_substatus,
            event_id: r.event_id,
            occurred_at: r.occurred_at.0,
            recorded_at: r.recorded_at.0,
        })
    }
}

/// A `webhook_inbox` row.
#[derive(sqlx::FromRow)]
pub struct InboxRow {
    id: i64,
    carrier: String,
    body: Vec<u8>,
    remote_addr: Option<String>,
    received_at: DbTime,
    state: String,
    attempts: DbCount,
    error: Option<String>,
}

impl TryFrom<InboxRow> for InboxItem {
    type Error = StoreError;

    fn try_from(r: InboxRow) -> StoreResult<InboxItem> {
        Ok(InboxItem {
            carrier: codec::carrier(&r.carrier)?,
            state: InboxState::parse(&r.state)
                .ok_or_else(|| StoreError::Corrupt(format!("inbox state {:?}", r.state)))?,
            id: r.id,
            body: r.body,
            remote_addr: r.remote_addr,
            received_at: r.received_at.0,
            attempts: r.attempts.0,
            error: r.error,
        })
    }
}
