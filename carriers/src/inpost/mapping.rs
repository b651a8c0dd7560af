//! The InPost ShipX status table: every one of the 53 live status names, auditable in one place.
//!
//! Decisions where carriers.md marks a name as ambiguous:
//! - `avizo` (courier left a notice, parcel goes to a point) is a failed attempt: the courier
//!   did try, and first-attempt statistics must count it. `courier_avizo_in_customer_service_point`
//!   is the follow-up "now waiting at the point".
//! - `stack_in_*` (parked in a temporary locker/point because the target was full) is
//!   available for pickup: the recipient can collect it there.
//! - `unstack_from_*` moves it on again: in transit.
//! - `returned_to_sender` and `return_pickup_confirmation_to_sender` are the unified
//!   `returned_to_sender`, not an exception: the model has a status for it.
//! - `undelivered_lack_of_access_letterbox` is a failed attempt (the courier could not reach it).
//! - `missing` (title "translation missing") is treated as a lost parcel: an exception a merchant
//!   must see; `other` ("unrecognised status") is `unknown` and never changes the current status.

use crate::model::{Mapped, Status};

use Status::*;

/// `(ShipX status name, unified mapping)`, in the order carriers.md lists them.
pub const TABLE: &[(&str, Mapped)] = &[
    ("created", Mapped::new(Pending, "pending.created")),
    (
        "offers_prepared",
        Mapped::new(Pending, "pending.offers_prepared"),
    ),
    (
        "offer_selected",
        Mapped::new(Pending, "pending.offer_selected"),
    ),
    (
        "confirmed",
        Mapped::new(InfoReceived, "info_received.label_created"),
    ),
    (
        "dispatched_by_sender",
        Mapped::new(InTransit, "in_transit.dropped_off"),
    ),
    (
        "dispatched_by_sender_to_pok",
        Mapped::new(InTransit, "in_transit.dropped_off_at_point"),
    ),
    (
        "collected_from_sender",
        Mapped::new(InTransit, "in_transit.collected_from_sender"),
    ),
    (
        "taken_by_courier",
        Mapped::new(InTransit, "in_transit.picked_up"),
    ),
    (
        "taken_by_courier_from_pok",
        Mapped::new(InTransit, "in_transit.picked_up_from_point"),
    ),
    (
        "adopted_at_source_branch",
        Mapped::new(InTransit, "in_transit.at_origin_depot"),
    ),
    (
        "sent_from_source_branch",
        Mapped::new(InTransit, "in_transit.departed_origin_depot"),
    ),
    (
        "adopted_at_sorting_center",
        Mapped::new(InTransit, "in_transit.at_sorting_center"),
    ),
    (
        "sent_from_sorting_center",
        Mapped::new(InTransit, "in_transit.departed_sorting_center"),
    ),
    (
        "adopted_at_target_branch",
        Mapped::new(InTransit, "in_transit.at_destination_depot"),
    ),
    (
        "out_for_delivery",
        Mapped::new(OutForDelivery, "out_for_delivery.courier"),
    ),
    (
        "out_for_delivery_to_address",
        Mapped::new(OutForDelivery, "out_for_delivery.to_address"),
    ),
    (
        "readdressed",
        Mapped::new(InTransit, "in_transit.redirected"),
    ),
    (
        "redirect_to_box",
        Mapped::new(InTransit, "in_transit.redirected_to_locker"),
    ),
    (
        "canceled_redirect_to_box",
        Mapped::new(InTransit, "in_transit.redirect_cancelled"),
    ),
    (
        "delay_in_delivery",
        Mapped::new(InTransit, "in_transit.delayed"),
    ),
    (
        "stack_in_customer_service_point",
        Mapped::new(AvailableForPickup, "available_for_pickup.temporary_point"),
    ),
    (
        "stack_in_box_machine",
        Mapped::new(AvailableForPickup, "available_for_pickup.temporary_locker"),
    ),
    (
        "unstack_from_customer_service_point",
        Mapped::new(InTransit, "in_transit.left_temporary_point"),
    ),
    (
        "unstack_from_box_machine",
        Mapped::new(InTransit, "in_transit.left_temporary_locker"),
    ),
    (
        "ready_to_pickup",
        Mapped::new(AvailableForPickup, "available_for_pickup.locker"),
    ),
    (
        "ready_to_pickup_from_pok",
        Mapped::new(AvailableForPickup, "available_for_pickup.pickup_point"),
    ),
    (
        "ready_to_pickup_from_pok_registered",
        Mapped::new(AvailableForPickup, "available_for_pickup.pickup_point"),
    ),
    (
        "ready_to_pickup_from_branch",
        Mapped::new(AvailableForPickup, "available_for_pickup.depot"),
    ),
    (
        "pickup_reminder_sent",
        Mapped::new(AvailableForPickup, "available_for_pickup.reminder_sent"),
    ),
    (
        "pickup_reminder_sent_address",
        Mapped::new(FailedAttempt, "failed_attempt.recipient_absent"),
    ),
    (
        "avizo",
        Mapped::new(FailedAttempt, "failed_attempt.notice_left"),
    ),
    (
        "courier_avizo_in_customer_service_point",
        Mapped::new(
            AvailableForPickup,
            "available_for_pickup.pickup_point_after_attempt",
        ),
    ),
    (
        "undelivered",
        Mapped::new(FailedAttempt, "failed_attempt.undelivered"),
    ),
    (
        "undelivered_wrong_address",
        Mapped::new(FailedAttempt, "failed_attempt.wrong_address"),
    ),
    (
        "undelivered_incomplete_address",
        Mapped::new(FailedAttempt, "failed_attempt.incomplete_address"),
    ),
    (
        "undelivered_unknown_receiver",
        Mapped::new(FailedAttempt, "failed_attempt.unknown_recipient"),
    ),
    (
        "undelivered_cod_cash_receiver",
        Mapped::new(FailedAttempt, "failed_attempt.cod_not_paid"),
    ),
    (
        "undelivered_no_mailbox",
        Mapped::new(FailedAttempt, "failed_attempt.no_mailbox"),
    ),
    (
        "undelivered_not_live_address",
        Mapped::new(FailedAttempt, "failed_attempt.address_not_inhabited"),
    ),
    (
        "undelivered_lack_of_access_letterbox",
        Mapped::new(FailedAttempt, "failed_attempt.no_access"),
    ),
    (
        "rejected_by_receiver",
        Mapped::new(Exception, "exception.refused"),
    ),
    (
        "pickup_time_expired",
        Mapped::new(Exception, "exception.pickup_expired"),
    ),
    (
        "stack_parcel_pickup_time_expired",
        Mapped::new(Exception, "exception.pickup_expired"),
    ),
    (
        "stack_parcel_in_box_machine_pickup_time_expired",
        Mapped::new(Exception, "exception.pickup_expired"),
    ),
    (
        "taken_by_courier_from_customer_service_point",
        Mapped::new(Exception, "exception.pickup_expired_returning"),
    ),
    ("claimed", Mapped::new(Exception, "exception.claim_filed")),
    ("delivered", Mapped::new(Delivered, "delivered.recipient")),
    (
        "return_pickup_confirmation_to_sender",
        Mapped::new(ReturnedToSender, "returned_to_sender.collected_by_sender"),
    ),
    (
        "returned_to_sender",
        Mapped::new(ReturnedToSender, "returned_to_sender.returned"),
    ),
    ("canceled", Mapped::new(Cancelled, "cancelled.by_sender")),
    ("other", Mapped::UNKNOWN),
    ("missing", Mapped::new(Exception, "exception.lost")),
    ("oversized", Mapped::new(Exception, "exception.oversized")),
];

/// Names some clients map although the live list lacks them; kept so old parcels still read right.
pub const LEGACY: &[(&str, Mapped)] = &[
    (
        "collected_by_customer",
        Mapped::new(Delivered, "delivered.recipient"),
    ),
    (
        "avizo_rejected",
        Mapped::new(Exception, "exception.refused"),
    ),
    (
        "not_collected",
        Mapped::new(Exception, "exception.pickup_expired"),
    ),
];

/// Maps a ShipX status name; names in neither table are `unknown`.
pub fn map_status(name: &str) -> Mapped {
    let name = name.trim();
    TABLE
        .iter()
        .chain(LEGACY)
        .find(|(n, _)| *n == name)
        .map(|(_, m)| *m)
        .unwrap_or(Mapped::UNKNOWN)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 53 live names from carriers.md section 3, copied verbatim.
    const LIVE_NAMES: &str = "created offers_prepared offer_selected confirmed dispatched_by_sender \
        dispatched_by_sender_to_pok collected_from_sender taken_by_courier taken_by_courier_from_pok \
        adopted_at_source_branch sent_from_source_branch adopted_at_sorting_center sent_from_sorting_center \
        adopted_at_target_branch out_for_delivery out_for_delivery_to_address readdressed redirect_to_box \
        canceled_redirect_to_box delay_in_delivery stack_in_customer_service_point stack_in_box_machine \
        unstack_from_customer_service_point unstack_from_box_machine ready_to_pickup ready_to_pickup_from_pok \
        ready_to_pickup_from_pok_registered ready_to_pickup_from_branch pickup_reminder_sent \
        pickup_reminder_sent_address avizo courier_avizo_in_customer_service_point undelivered \
        undelivered_wrong_address undelivered_incomplete_address undelivered_unknown_receiver \
        undelivered_cod_cash_receiver undelivered_no_mailbox undelivered_not_live_address \
        undelivered_lack_of_access_letterbox rejected_by_receiver pickup_time_expired \
        stack_parcel_pickup_time_expired stack_parcel_in_box_machine_pickup_time_expired \
        taken_by_courier_from_customer_service_point claimed delivered return_pickup_confirmation_to_sender \
        returned_to_sender canceled other missing oversized";

    #[test]
    fn table_covers_exactly_the_53_live_names() {
        let live: Vec<&str> = LIVE_NAMES.split_whitespace().collect();
        assert_eq!(live.len(), 53);
        assert_eq!(TABLE.len(), 53);
        for name in &live {
            assert!(
                TABLE.iter().any(|(n, _)| n == name),
                "{name} missing from the table"
            );
        }
    }

    #[test]
    fn every_row_is_consistent() {
        for (name, m) in TABLE.iter().chain(LEGACY) {
            assert!(
                m.substatus.starts_with(m.status.as_str()),
                "{name}: substatus {} does not belong to {}",
                m.substatus,
                m.status
            );
            assert_eq!(map_status(name), *m);
        }
    }

    #[test]
    fn key_names_map_as_a_shopper_expects() {
        let cases = [
            ("confirmed", InfoReceived),
            ("taken_by_courier", InTransit),
            ("out_for_delivery", OutForDelivery),
            ("ready_to_pickup", AvailableForPickup),
            ("pickup_reminder_sent", AvailableForPickup),
            ("avizo", FailedAttempt),
            ("undelivered_wrong_address", FailedAttempt),
            ("delivered", Delivered),
            ("pickup_time_expired", Exception),
            ("rejected_by_receiver", Exception),
            ("returned_to_sender", ReturnedToSender),
            ("canceled", Cancelled),
            ("other", Unknown),
        ];
        for (name, status) in cases {
            assert_eq!(map_status(name).status, status, "{name}");
        }
    }

    #[test]
    fn unknown_names_are_unknown() {
        assert_eq!(map_status("teleported"), Mapped::UNKNOWN);
        assert_eq!(map_status(""), Mapped::UNKNOWN);
    }
}
