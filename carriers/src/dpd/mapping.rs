//! The auditable DPD mapping tables: DPD Poland `businessCode` (carriers.md §2.2/§5) and the
//! DPD Europe ParcelLifeCycle `status` values, each to a unified status and dotted substatus,
//! plus the sequence rules for codes whose meaning depends on what happened before.

use crate::model::{Mapped, Status};

/// How a table row matches a DPD Poland business code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Exactly this six-digit code.
    Exact(&'static str),
    /// A family: every code starting with these four digits (`0405` = 0405xx).
    Prefix(&'static str),
    /// Every numeric code in this inclusive range (`500610..=500685`).
    Range(u32, u32),
}

impl Code {
    /// Whether `code` belongs to this pattern.
    pub fn matches(self, code: &str) -> bool {
        match self {
            Code::Exact(c) => code == c,
            Code::Prefix(p) => code.len() == 6 && code.starts_with(p),
            Code::Range(lo, hi) => {
                code.len() == 6 && code.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
            }
        }
    }
}

/// One row of the DPD Poland table.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// Which codes.
    pub code: Code,
    /// What they mean in the unified model (before sequence rules).
    pub mapped: Mapped,
    /// True when the event shows the parcel physically in DPD's network (courier or depot):
    /// used by the sequence rules.
    pub handled: bool,
    /// The meaning, as carriers.md gives it.
    pub meaning: &'static str,
}

const fn row(
    code: Code,
    status: Status,
    sub: &'static str,
    handled: bool,
    meaning: &'static str,
) -> Row {
    Row {
        code,
        mapped: Mapped::new(status, sub),
        handled,
        meaning,
    }
}

use Code::{Exact as E, Prefix as P, Range as R};
use Status::*;

/// Substatus of a pickup-point adoption when the sender dropped the parcel off there.
pub const DROPPED_OFF: Mapped = Mapped::new(InTransit, "in_transit.dropped_off_at_pickup_point");
/// Substatus of a parcel waiting in a pickup point for the recipient.
pub const AT_PICKUP_POINT: Mapped =
    Mapped::new(AvailableForPickup, "available_for_pickup.pickup_point");

/// DPD Poland business codes, first match wins (exact codes sit above their family).
#[rustfmt::skip]
pub const PL_TABLE: &[Row] = &[
    // Data registered
    row(E("030103"), InfoReceived, "info_received.data_registered", false, "registered parcel data"),
    row(E("250301"), InfoReceived, "info_received.data_updated", false, "weight changed (in_transit once handled)"),
    // Pickup problems: the parcel is still with the sender
    row(P("0405"), InfoReceived, "info_received.collection_postponed", false, "collection postponed"),
    row(P("0406"), InfoReceived, "info_received.collection_cancelled", false, "collection cancelled"),
    // Collected
    row(P("0401"), InTransit, "in_transit.picked_up", true, "received by courier"),
    // Sorting errors (exact, above the depot families that contain 160102)
    row(E("160102"), InTransit, "in_transit.sorting_error", true, "sorting error"),
    row(E("160202"), InTransit, "in_transit.sorting_error", true, "sorting error"),
    row(E("170205"), InTransit, "in_transit.sorting_error", true, "sorting error"),
    row(R(230207, 230210), InTransit, "in_transit.sorting_error", true, "sorting error"),
    row(E("260403"), InTransit, "in_transit.sorting_error", true, "sorting error"),
    // Depot handling
    row(P("0501"), InTransit, "in_transit.sorting", true, "sort area"),
    row(R(120100, 120104), InTransit, "in_transit.at_depot", true, "adoption at depot"),
    row(P("1601"), InTransit, "in_transit.at_depot", true, "adoption at depot"),
    row(P("1605"), InTransit, "in_transit.at_depot", true, "adoption at depot"),
    row(E("220101"), InTransit, "in_transit.at_depot", true, "adoption at depot"),
    row(E("330135"), InTransit, "in_transit.at_depot", true, "adoption at depot"),
    row(E("330137"), InTransit, "in_transit.at_depot", true, "adoption at depot"),
    row(E("370101"), InTransit, "in_transit.at_depot", true, "adoption at depot"),
    row(E("230101"), InTransit, "in_transit.stored_at_depot", true, "stored at depot"),
    row(E("320201"), InTransit, "in_transit.stored_at_depot", true, "stored at depot"),
    // Out for delivery and notifications
    row(E("170101"), OutForDelivery, "out_for_delivery.courier", true, "released to delivery"),
    row(E("170102"), OutForDelivery, "out_for_delivery.courier", true, "released to delivery"),
    row(P("1703"), InTransit, "in_transit.notification_sent", false, "notification sent"),
    row(P("5117"), AvailableForPickup, "available_for_pickup.pickup_point", false, "pickup-point notification sent"),
    // Delivered
    row(P("1901"), Delivered, "delivered.recipient", true, "delivered"),
    row(P("1902"), Delivered, "delivered.recipient", true, "delivered"),
    row(E("501300"), Delivered, "delivered.recipient", true, "delivered"),
    row(E("501304"), Delivered, "delivered.recipient", true, "delivered"),
    row(E("501340"), Delivered, "delivered.recipient", true, "delivered"),
    row(P("5013"), Delivered, "delivered.recipient", true, "delivered (5013xx family, §5)"),
    row(E("701901"), Delivered, "delivered.pickup_point", true, "delivered by (collected at) pickup point"),
    // Not delivered
    row(P("2002"), FailedAttempt, "failed_attempt.recipient_absent", true, "receiver absent"),
    row(P("2003"), FailedAttempt, "failed_attempt.address_problem", true, "wrong address"),
    row(E("210109"), FailedAttempt, "failed_attempt.address_problem", true, "wrong address"),
    row(E("500011"), FailedAttempt, "failed_attempt.address_problem", true, "wrong address"),
    row(E("200414"), Exception, "exception.damaged", true, "refused: parcel damaged"),
    row(E("200714"), Exception, "exception.damaged", true, "refused: parcel damaged"),
    row(P("2004"), Exception, "exception.refused", true, "refusal, COD, documents"),
    row(P("2007"), Exception, "exception.refused", true, "refusal with signature, COD, documents"),
    row(P("2005"), FailedAttempt, "failed_attempt.verification_failed", true, "negative receiver verification"),
    row(E("200801"), FailedAttempt, "failed_attempt.no_access", true, "drive impossible"),
    row(P("5000"), FailedAttempt, "failed_attempt.not_delivered", true, "not delivered (variant)"),
    row(P("5004"), FailedAttempt, "failed_attempt.not_delivered", true, "not delivered (variant)"),
    row(P("5008"), FailedAttempt, "failed_attempt.not_delivered", true, "not delivered (variant)"),
    // Rescheduled
    row(E("200601"), InTransit, "in_transit.delivery_rescheduled", true, "date agreed later"),
    row(E("200604"), InTransit, "in_transit.delivery_rescheduled", true, "date agreed later"),
    row(E("210111"), InTransit, "in_transit.delivery_rescheduled", true, "date agreed later"),
    row(E("200602"), AvailableForPickup, "available_for_pickup.depot", true, "personal pickup (at depot)"),
    // Redirect / return
    row(E("230402"), InTransit, "in_transit.redirected", true, "redirected"),
    row(E("230403"), Exception, "exception.returning_to_sender", true, "returned"),
    row(R(500610, 500685), Exception, "exception.returning_to_sender", true, "returned"),
    row(E("230405"), InTransit, "in_transit.sent_abroad", true, "sent abroad"),
    // Problems
    row(E("230309"), Exception, "exception.missing", true, "no parcel in delivery depot"),
    row(E("230310"), Exception, "exception.disposed", true, "discarded"),
    row(E("230506"), Exception, "exception.pickup_time_expired", true, "pickup-wait timeout"),
    // Pickup points
    row(E("502300"), InTransit, "in_transit.to_pickup_point", true, "transferred to pickup point"),
    row(E("511201"), DROPPED_OFF.status, DROPPED_OFF.substatus, false, "adoption at pickup point (sequence rule)"),
    row(E("600101"), DROPPED_OFF.status, DROPPED_OFF.substatus, false, "adoption at pickup point (sequence rule)"),
    row(E("511901"), AvailableForPickup, "available_for_pickup.pickup_point", true, "\"delivered at pickup point\": waiting there"),
    row(E("600103"), AvailableForPickup, "available_for_pickup.pickup_point", true, "\"delivered at pickup point\": waiting there"),
    row(E("703201"), AvailableForPickup, "available_for_pickup.pickup_point", true, "stored at pickup point"),
    row(E("511801"), InTransit, "in_transit.picked_up", true, "handed to courier by the point"),
    row(E("701701"), InTransit, "in_transit.picked_up", true, "handed to courier by the point"),
    row(E("600106"), InTransit, "in_transit.picked_up", true, "sent from the point"),
    row(E("700401"), InTransit, "in_transit.picked_up", true, "sent from the point"),
    row(R(370201, 370206), FailedAttempt, "failed_attempt.pickup_point_unavailable", true, "not transferred to the point"),
    row(E("600414"), Exception, "exception.damaged", true, "refused at the point: parcel damaged"),
    row(E("600714"), Exception, "exception.damaged", true, "refused at the point: parcel damaged"),
    row(P("6004"), Exception, "exception.refused", true, "refusal at the point"),
    row(P("6005"), Exception, "exception.refused", true, "refusal at the point"),
    row(P("6006"), Exception, "exception.refused", true, "refusal at the point"),
    row(P("6007"), Exception, "exception.refused", true, "refusal at the point"),
    row(E("702001"), Exception, "exception.refused", true, "refusal at the point"),
];

/// The table row for a DPD Poland business code, if the table knows it.
pub fn pl_row(code: &str) -> Option<&'static Row> {
    let code = code.trim();
    PL_TABLE.iter().find(|r| r.code.matches(code))
}

/// Context-free mapping of a business code (unknown codes → [`Mapped::UNKNOWN`]).
pub fn map_pl_code(code: &str) -> Mapped {
    pl_row(code).map(|r| r.mapped).unwrap_or(Mapped::UNKNOWN)
}

fn is_pickup_point_adoption(code: &str) -> bool {
    matches!(code, "511201" | "600101")
}

fn is_return(code: &str) -> bool {
    Code::Exact("230403").matches(code) || Code::Range(500610, 500685).matches(code)
}

/// Maps one waybill's codes given in time order (oldest first), applying the sequence rules:
///
/// - 511201 / 600101 "adoption at pickup point": before any courier or depot event it is the
///   sender's drop-off (`in_transit.dropped_off_at_pickup_point`); after the parcel has been
///   in DPD's network it is arrival for the recipient (`available_for_pickup.pickup_point`).
/// - 250301 "weight changed": `info_received` before the parcel is handled, `in_transit` after.
/// - A delivery after a return event is the parcel reaching the sender:
///   `returned_to_sender.delivered_to_sender`.
pub fn map_pl_sequence(codes_oldest_first: &[&str]) -> Vec<Mapped> {
    let mut handled = false;
    let mut returning = false;
    let mut out = Vec::with_capacity(codes_oldest_first.len());
    for code in codes_oldest_first {
        let code = code.trim();
        let row = pl_row(code);
        let mut mapped = row.map(|r| r.mapped).unwrap_or(Mapped::UNKNOWN);
        if is_pickup_point_adoption(code) {
            mapped = if handled {
                AT_PICKUP_POINT
            } else {
                DROPPED_OFF
            };
        } else if code == "250301" && handled {
            mapped = Mapped::new(InTransit, "in_transit.data_updated");
        } else if returning && mapped.status == Delivered {
            mapped = Mapped::new(ReturnedToSender, "returned_to_sender.delivered_to_sender");
        }
        handled |= row.is_some_and(|r| r.handled);
        returning |= is_return(code);
        out.push(mapped);
    }
    out
}

/// DPD Europe `statusInfo.status` values (German enum, Benelux names and the §5 extras).
/// Matching is exact: `PickedUp` (Benelux, handed to DPD) and `PICKED_UP` (collected by the
/// recipient) mean different things. `SORTED*` is a prefix family.
#[rustfmt::skip]
pub const EUROPE_TABLE: &[(&str, Mapped)] = &[
    ("SHIPMENT", Mapped::new(InfoReceived, "info_received.data_received")),
    ("DATA_TRANSMITTED", Mapped::new(InfoReceived, "info_received.data_received")),
    ("ACCEPTED", Mapped::new(InTransit, "in_transit.picked_up")),
    ("PickedUp", Mapped::new(InTransit, "in_transit.picked_up")),
    ("COLLECTED", Mapped::new(InTransit, "in_transit.picked_up")),
    ("START", Mapped::new(InTransit, "in_transit.picked_up")),
    ("BetweenDepots", Mapped::new(InTransit, "in_transit.between_depots")),
    ("AT_SENDING_DEPOT", Mapped::new(InTransit, "in_transit.at_depot")),
    ("ON_THE_ROAD", Mapped::new(InTransit, "in_transit.between_depots")),
    ("PARCEL_PROCESSING", Mapped::new(InTransit, "in_transit.at_depot")),
    ("SORTED*", Mapped::new(InTransit, "in_transit.at_depot")),
    ("Depot", Mapped::new(InTransit, "in_transit.at_delivery_depot")),
    ("AT_DELIVERY_DEPOT", Mapped::new(InTransit, "in_transit.at_delivery_depot")),
    ("Courier", Mapped::new(OutForDelivery, "out_for_delivery.courier")),
    ("OUT_FOR_DELIVERY", Mapped::new(OutForDelivery, "out_for_delivery.courier")),
    ("IN_DELIVERY", Mapped::new(OutForDelivery, "out_for_delivery.courier")),
    ("DeliveryFailure", Mapped::new(FailedAttempt, "failed_attempt.not_delivered")),
    ("ReturningFromDelivery", Mapped::new(FailedAttempt, "failed_attempt.back_at_depot")),
    ("ParcelShop", Mapped::new(AvailableForPickup, "available_for_pickup.pickup_point")),
    ("AT_PARCELSHOP", Mapped::new(AvailableForPickup, "available_for_pickup.pickup_point")),
    ("Delivered", Mapped::new(Delivered, "delivered.recipient")),
    ("DELIVERED", Mapped::new(Delivered, "delivered.recipient")),
    ("PICKED_UP", Mapped::new(Delivered, "delivered.pickup_point")),
    ("RETURN_TO_SENDER", Mapped::new(Exception, "exception.returning_to_sender")),
    ("NO_TRACKINGDATA", Mapped::new(Pending, "pending.no_data")),
];

/// Maps a DPD Europe status (open string); unknown values → [`Mapped::UNKNOWN`].
pub fn map_europe_status(status: &str) -> Mapped {
    let s = status.trim();
    EUROPE_TABLE
        .iter()
        .find(|(k, _)| match k.strip_suffix('*') {
            Some(prefix) => s.starts_with(prefix),
            None => s == *k,
        })
        .map(|(_, m)| *m)
        .unwrap_or(Mapped::UNKNOWN)
}
