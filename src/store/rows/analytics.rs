//! The `shipment_facts` row, decoded the same way from both backends (instants as
//! [`DbTime`], the small integers and 0/1 flags as [`DbInt`]: `INTEGER` in both schemas).

use super::{decoders, time, DbInt, DbTime};
use crate::domain::{EtaSource, ShipmentFacts};
use crate::store::codec;
use crate::store::{StoreError, StoreResult};

/// A `shipment_facts` row.
#[derive(sqlx::FromRow)]
pub struct FactsRow {
    shipment_id: String,
    merchant_id: String,
    carrier: String,
    service: String,
    lane: String,
    week: String,
    created_at: DbTime,
    first_scan_at: Option<DbTime>,
    delivered_at: Option<DbTime>,
    status: String,
    transit_minutes: Option<DbInt>,
    transit_wd: Option<DbInt>,
    first_scan_minutes: Option<DbInt>,
    first_attempt: DbInt,
    exception: DbInt,
    returned: DbInt,
    eta_source: Option<String>,
    eta_from: Option<DbTime>,
    eta_to: Option<DbTime>,
    carrier_eta_from: Option<DbTime>,
    carrier_eta_to: Option<DbTime>,
    on_time: Option<DbInt>,
    eta_in_window: Option<DbInt>,
    eta_error_days: Option<DbInt>,
}

/// Database name of an ETA source.
pub fn source_name(s: EtaSource) -> &'static str {
    match s {
        EtaSource::Carrier => "carrier",
        EtaSource::Predicted => "predicted",
    }
}

/// Parses an ETA source name.
fn parse_source(s: Option<&str>) -> Option<EtaSource> {
    match s {
        Some("carrier") => Some(EtaSource::Carrier),
        Some("predicted") => Some(EtaSource::Predicted),
        _ => None,
    }
}

/// A small stored integer (minutes, working days), clamped to 32 bits.
pub fn small(v: Option<i64>) -> Option<DbInt> {
    v.map(|v| DbInt(v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32))
}

/// A 0/1 flag column.
pub fn flag_of(b: bool) -> DbInt {
    DbInt(i32::from(b))
}

fn int(v: Option<DbInt>) -> Option<i64> {
    v.map(|v| i64::from(v.0))
}

fn flag(v: Option<DbInt>) -> Option<bool> {
    v.map(|v| v.0 != 0)
}

impl TryFrom<FactsRow> for ShipmentFacts {
    type Error = StoreError;

    fn try_from(r: FactsRow) -> StoreResult<ShipmentFacts> {
        Ok(ShipmentFacts {
            carrier: codec::carrier(&r.carrier)?,
            status: codec::status(&r.status)?,
            eta_source: parse_source(r.eta_source.as_deref()),
            shipment_id: r.shipment_id,
            merchant_id: r.merchant_id,
            service: r.service,
            lane: r.lane,
            week: r.week,
            created_at: r.created_at.0,
            first_scan_at: time(r.first_scan_at),
            delivered_at: time(r.delivered_at),
            transit_minutes: int(r.transit_minutes),
            transit_wd: int(r.transit_wd),
            first_scan_minutes: int(r.first_scan_minutes),
            first_attempt: r.first_attempt.0 != 0,
            exception: r.exception.0 != 0,
            returned: r.returned.0 != 0,
            eta_from: time(r.eta_from),
            eta_to: time(r.eta_to),
            carrier_eta_from: time(r.carrier_eta_from),
            carrier_eta_to: time(r.carrier_eta_to),
            on_time: flag(r.on_time),
            eta_in_window: flag(r.eta_in_window),
            eta_error_days: int(r.eta_error_days),
        })
    }
}

decoders!(FactsRow => ShipmentFacts, facts);
