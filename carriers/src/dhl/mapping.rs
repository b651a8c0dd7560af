//! DHL → unified mapping: auditable tables for `statusCode` and the `parcel-pl` event codes,
//! the rule that finds an event code in an Unified API event, and each service's home zone.
//!
//! # Where the event code is
//! DHL says `events[].status` is "sometimes a string with underscores, sometimes a plain
//! sentence" (support article 47001251141), and real `parcel-pl` events may carry no `status`
//! at all, only `statusCode` and a Polish `description`. So, for `parcel-pl` only (codes of other
//! divisions collide: `AN`, `CC`, `DD` mean other things in `parcel-de`/`express`), the code is:
//! 1. `status` when it is code-shaped (`A-Z`, `0-9`, `_`, starting with a letter, ≤ 16 chars);
//! 2. else `description` when it is code-shaped;
//! 3. else a known code written as a prefix of `status` or `description` and followed by
//!    `:` / ` - ` / ` – ` (e.g. `"DOR: Shipment was delivered"`).
//!
//! A known code wins over `statusCode`. An unknown code keeps the `statusCode` mapping, and
//! `statusCode=unknown` (or none) gives [`Mapped::UNKNOWN`], which never moves the current status.

use chrono_tz::Tz;

use crate::model::{Mapped, Status};

use Status::{
    AvailableForPickup as Pickup, Delivered, Exception, FailedAttempt as Failed, InTransit,
    InfoReceived, OutForDelivery as Ofd, ReturnedToSender as Returned,
};

/// DHL's simplified `statusCode` (support article 47001197243) → base status.
pub const STATUS_CODES: &[(&str, Mapped)] = &[
    ("pre-transit", Mapped::new(InfoReceived, "info_received")),
    ("transit", Mapped::new(InTransit, "in_transit")),
    ("delivered", Mapped::new(Delivered, "delivered")),
    // Covers failed attempts, returns, customs, expiry: refined by the event code when known.
    ("failure", Mapped::new(Exception, "exception")),
    ("unknown", Mapped::UNKNOWN),
];

/// Wildcard rows of [`PARCEL_PL`] end in `*` and match any code with that prefix; exact rows win,
/// then the longest prefix.
pub const PARCEL_PL: &[(&str, Mapped)] = &[
    // Info received.
    (
        "EDWP",
        Mapped::new(InfoReceived, "info_received.data_received"),
    ),
    // In transit: network scans.
    ("DWP", Mapped::new(InTransit, "in_transit.accepted")),
    ("SORT", Mapped::new(InTransit, "in_transit.sorting")),
    ("LP", Mapped::new(InTransit, "in_transit.arrived_at_depot")),
    ("LW", Mapped::new(InTransit, "in_transit")),
    ("LW_PL", Mapped::new(InTransit, "in_transit.international")),
    (
        "WEJPL",
        Mapped::new(InTransit, "in_transit.arrived_in_country"),
    ),
    ("WYJPL", Mapped::new(InTransit, "in_transit.left_country")),
    ("EXA", Mapped::new(InTransit, "in_transit.customs")),
    ("EXC", Mapped::new(InTransit, "in_transit.customs_cleared")),
    ("EDB", Mapped::new(InTransit, "in_transit.customs")),
    ("EDC", Mapped::new(InTransit, "in_transit.customs_cleared")),
    ("SEC", Mapped::new(InTransit, "in_transit.customs")),
    // "Shipment ready to be delivered on the next working day".
    (
        "TRM",
        Mapped::new(InTransit, "in_transit.next_day_delivery"),
    ),
    (
        "TRM_X",
        Mapped::new(InTransit, "in_transit.next_day_delivery"),
    ),
    (
        "BCZ",
        Mapped::new(InTransit, "in_transit.next_day_delivery"),
    ),
    (
        "LIK",
        Mapped::new(InTransit, "in_transit.next_day_delivery"),
    ),
    (
        "WER",
        Mapped::new(InTransit, "in_transit.next_day_delivery"),
    ),
    (
        "ZID",
        Mapped::new(InTransit, "in_transit.next_day_delivery"),
    ),
    (
        "ZMA",
        Mapped::new(InTransit, "in_transit.next_day_delivery"),
    ),
    (
        "ZOS",
        Mapped::new(InTransit, "in_transit.next_day_delivery"),
    ),
    (
        "ZWW_KRYZ",
        Mapped::new(InTransit, "in_transit.next_day_delivery"),
    ),
    (
        "SP_ATDSP",
        Mapped::new(InTransit, "in_transit.next_day_delivery"),
    ),
    (
        "TRM2",
        Mapped::new(InTransit, "in_transit.delivery_scheduled"),
    ),
    (
        "ZWW_NSP",
        Mapped::new(InTransit, "in_transit.to_service_point"),
    ),
    (
        "SP_DW",
        Mapped::new(InTransit, "in_transit.to_service_point"),
    ),
    (
        "SP_DWP",
        Mapped::new(InTransit, "in_transit.dropped_off_at_service_point"),
    ),
    (
        "SP_PU",
        Mapped::new(InTransit, "in_transit.picked_up_from_service_point"),
    ),
    (
        "POW",
        Mapped::new(InTransit, "in_transit.recipient_notified"),
    ),
    // In transit: recipient decisions.
    (
        "PNPT",
        Mapped::new(InTransit, "in_transit.rescheduled_by_recipient"),
    ),
    (
        "PO18",
        Mapped::new(InTransit, "in_transit.rescheduled_by_recipient"),
    ),
    (
        "SOB",
        Mapped::new(InTransit, "in_transit.rescheduled_by_recipient"),
    ),
    (
        "PSHOP",
        Mapped::new(InTransit, "in_transit.redirected_to_service_point"),
    ),
    (
        "SAS",
        Mapped::new(InTransit, "in_transit.neighbour_authorised"),
    ),
    ("ZA", Mapped::new(InTransit, "in_transit.redirected")),
    ("ZAIT", Mapped::new(InTransit, "in_transit.redirected")),
    // Out for delivery.
    ("LK", Mapped::new(Ofd, "out_for_delivery")),
    ("KWC", Mapped::new(Ofd, "out_for_delivery")),
    // Available for pickup. OWL_PS_* is a Packstation (locker), OWL_SP_* a Service Point.
    (
        "DOR_SP",
        Mapped::new(Pickup, "available_for_pickup.service_point"),
    ),
    (
        "SP_DSP",
        Mapped::new(Pickup, "available_for_pickup.service_point"),
    ),
    (
        "SP_PA",
        Mapped::new(Pickup, "available_for_pickup.service_point"),
    ),
    (
        "SP_KP",
        Mapped::new(Pickup, "available_for_pickup.service_point"),
    ),
    ("OWL", Mapped::new(Pickup, "available_for_pickup.depot")),
    ("OWL_KP", Mapped::new(Pickup, "available_for_pickup.depot")),
    ("OWL_ONO", Mapped::new(Pickup, "available_for_pickup.depot")),
    (
        "OWL_PS_*",
        Mapped::new(Pickup, "available_for_pickup.locker"),
    ),
    (
        "OWL_SP_*",
        Mapped::new(Pickup, "available_for_pickup.service_point"),
    ),
    // Delivered.
    ("DOR", Mapped::new(Delivered, "delivered")),
    ("DOR_LOK", Mapped::new(Delivered, "delivered.safe_place")),
    ("DOR_OTH", Mapped::new(Delivered, "delivered.other_person")),
    (
        "DOR_OWL",
        Mapped::new(Delivered, "delivered.collected_at_depot"),
    ),
    ("DOR_POC", Mapped::new(Delivered, "delivered.post_office")),
    ("DOR_RDZ", Mapped::new(Delivered, "delivered.family_member")),
    ("DOR_SAS", Mapped::new(Delivered, "delivered.neighbour")),
    (
        "PPDOR",
        Mapped::new(Delivered, "delivered.collected_at_service_point"),
    ),
    (
        "SP_DOR",
        Mapped::new(Delivered, "delivered.collected_at_service_point"),
    ),
    // Failed attempt.
    (
        "AWI",
        Mapped::new(Failed, "failed_attempt.recipient_absent"),
    ),
    (
        "AWI_DP2",
        Mapped::new(Failed, "failed_attempt.recipient_absent"),
    ),
    (
        "AWI_ONU",
        Mapped::new(Failed, "failed_attempt.recipient_absent"),
    ),
    (
        "AWI_NSP",
        Mapped::new(Failed, "failed_attempt.redelivery_scheduled"),
    ),
    ("AWI_OZ", Mapped::new(Failed, "failed_attempt.no_access")),
    (
        "AWI_ROD",
        Mapped::new(Failed, "failed_attempt.missing_documents"),
    ),
    (
        "AWI_SAS",
        Mapped::new(Failed, "failed_attempt.neighbour_absent"),
    ),
    (
        "AWI_SPCAP",
        Mapped::new(Failed, "failed_attempt.service_point_full"),
    ),
    (
        "SP_CAP",
        Mapped::new(Failed, "failed_attempt.service_point_full"),
    ),
    (
        "ZWW",
        Mapped::new(Failed, "failed_attempt.redelivery_scheduled"),
    ),
    (
        "AN_SAS",
        Mapped::new(Failed, "failed_attempt.neighbour_address_invalid"),
    ),
    // Exception. AN/AN_RA ("invalid address ... contact Customer Service") need action:
    // DESIGN.md lists an unknown address as an exception, so they are not failed attempts.
    ("AN", Mapped::new(Exception, "exception.bad_address")),
    ("AN_RA", Mapped::new(Exception, "exception.bad_address")),
    ("AN_BO", Mapped::new(Exception, "exception.bad_address")),
    ("OP*", Mapped::new(Exception, "exception.refused")),
    ("OP_DO", Mapped::new(Exception, "exception.id_check_failed")),
    (
        "OP_DOK",
        Mapped::new(Exception, "exception.missing_documents"),
    ),
    ("BRG*", Mapped::new(Exception, "exception.payment_required")),
    ("CC", Mapped::new(Exception, "exception.processing_problem")),
    ("PNK", Mapped::new(Exception, "exception.incomplete")),
    ("REZ", Mapped::new(Exception, "exception.return_to_sender")),
    (
        "AWI_CZAS",
        Mapped::new(Exception, "exception.return_to_sender"),
    ),
    // ZWR* = "will be returned to sender": on its way back, not back yet.
    ("ZWR*", Mapped::new(Exception, "exception.return_to_sender")),
    ("ZWR_ZB", Mapped::new(Exception, "exception.pickup_expired")),
    ("ZWR_ZT", Mapped::new(Exception, "exception.pickup_expired")),
    // ZWN = "Shipment returned to sender" (no reason, past tense): the return is complete.
    ("ZWN", Mapped::new(Returned, "returned_to_sender")),
    (
        "SP_CN",
        Mapped::new(Exception, "exception.posting_cancelled"),
    ),
    (
        "SP_ZAM",
        Mapped::new(Exception, "exception.delivery_suspended"),
    ),
    ("SP_OP", Mapped::new(Exception, "exception.refused")),
    ("SP_ZWR", Mapped::new(Exception, "exception.refused")),
    ("SP_TO", Mapped::new(Exception, "exception.pickup_expired")),
    ("SP_KZW", Mapped::new(Exception, "exception.pickup_expired")),
];

/// Substatus given to a delivered event of a shipment DHL flags `returnFlag: true`: the only
/// delivery such a shipment can have is back to its sender (support article 47001251916).
pub const RETURN_DELIVERED: Mapped =
    Mapped::new(Returned, "returned_to_sender.delivered_to_sender");

/// Looks a code up in a table with exact rows and `PREFIX*` rows (exact first, then longest prefix).
pub fn lookup(table: &[(&str, Mapped)], code: &str) -> Option<Mapped> {
    if let Some((_, m)) = table.iter().find(|(k, _)| !k.ends_with('*') && *k == code) {
        return Some(*m);
    }
    table
        .iter()
        .filter_map(|(k, m)| k.strip_suffix('*').map(|p| (p, m)))
        .filter(|(p, _)| code.starts_with(p))
        .max_by_key(|(p, _)| p.len())
        .map(|(_, m)| *m)
}

/// The base mapping of a `statusCode`; absent or unrecognised codes are [`Mapped::UNKNOWN`].
pub fn map_status_code(status_code: Option<&str>) -> Mapped {
    status_code
        .map(|c| c.trim().to_ascii_lowercase())
        .and_then(|c| lookup(STATUS_CODES, &c))
        .unwrap_or(Mapped::UNKNOWN)
}

/// The event-code table of a DHL service, if this adapter has one.
pub fn event_table(service: Option<&str>) -> Option<&'static [(&'static str, Mapped)]> {
    match service.map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("parcel-pl") => Some(PARCEL_PL),
        _ => None,
    }
}

/// True for `SP_DSP`, `DOR`, `OWL_PS_KP`: upper-case letters, digits and `_`, starting with a letter.
pub fn is_code_shaped(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && s.len() <= 16
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Finds the event code of a `parcel-pl` event (see the module docs for the rule), returning
/// the code and its mapping when the table knows it, or the code-shaped `status` alone when not.
pub fn find_event_code(
    table: &[(&str, Mapped)],
    status: Option<&str>,
    description: Option<&str>,
) -> Option<(String, Option<Mapped>)> {
    let status = status.map(str::trim).filter(|s| !s.is_empty());
    let description = description.map(str::trim).filter(|s| !s.is_empty());
    for whole in [status, description].into_iter().flatten() {
        if is_code_shaped(whole) {
            return Some((whole.to_string(), lookup(table, whole)));
        }
    }
    for text in [status, description].into_iter().flatten() {
        if let Some(code) = known_prefix(table, text) {
            return Some((code.to_string(), lookup(table, code)));
        }
    }
    None
}

/// `"DOR: Shipment delivered"` → `DOR`, only when the table knows the code.
fn known_prefix<'a>(table: &[(&str, Mapped)], text: &'a str) -> Option<&'a str> {
    let end = text
        .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        .unwrap_or(text.len());
    let (code, rest) = text.split_at(end);
    let separated = [":", " - ", " – "].iter().any(|sep| rest.starts_with(sep));
    (separated && is_code_shaped(code) && lookup(table, code).is_some()).then_some(code)
}

/// Home zone for offset-less timestamps: DHL Parcel Poland reports Polish wall time; Parcel DE,
/// Post DE, Express and the rest are read as Europe/Berlin (DHL's Unified API is run from
/// Germany; Express scans abroad are in local time and cannot be known, so they stay "assumed").
pub fn home_zone(service: Option<&str>) -> Tz {
    match service.map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("parcel-pl") => chrono_tz::Europe::Warsaw,
        _ => chrono_tz::Europe::Berlin,
    }
}
