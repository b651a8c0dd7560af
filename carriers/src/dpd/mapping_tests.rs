//! DPD mapping tests: every row of both tables, and the sequence rules.

use super::mapping::{self, Code, EUROPE_TABLE, PL_TABLE};
use crate::model::{Mapped, Status};

/// Example codes a row must match: exact code, family `xx00`/`xx99`, range ends.
fn examples(code: Code) -> Vec<String> {
    match code {
        Code::Exact(c) => vec![c.to_string()],
        Code::Prefix(p) => vec![format!("{p}00"), format!("{p}99")],
        Code::Range(lo, hi) => vec![format!("{lo:06}"), format!("{hi:06}")],
    }
}

#[test]
fn every_pl_row_is_reachable_and_well_formed() {
    for row in PL_TABLE {
        assert!(
            row.mapped
                .substatus
                .starts_with(&format!("{}.", row.mapped.status.as_str())),
            "{row:?}"
        );
        for code in examples(row.code) {
            assert_eq!(
                mapping::map_pl_code(&code),
                row.mapped,
                "{code} ({})",
                row.meaning
            );
        }
    }
}

#[test]
fn pl_table_decisions() {
    use Status::*;
    let cases: &[(&str, Status, &str)] = &[
        ("030103", InfoReceived, "info_received.data_registered"),
        ("040502", InfoReceived, "info_received.collection_postponed"),
        ("040601", InfoReceived, "info_received.collection_cancelled"),
        ("040101", InTransit, "in_transit.picked_up"),
        ("040102", InTransit, "in_transit.picked_up"),
        ("050102", InTransit, "in_transit.sorting"),
        ("120103", InTransit, "in_transit.at_depot"),
        ("160101", InTransit, "in_transit.at_depot"),
        ("160102", InTransit, "in_transit.sorting_error"),
        ("160503", InTransit, "in_transit.at_depot"),
        ("230208", InTransit, "in_transit.sorting_error"),
        ("170101", OutForDelivery, "out_for_delivery.courier"),
        ("170304", InTransit, "in_transit.notification_sent"),
        (
            "511703",
            AvailableForPickup,
            "available_for_pickup.pickup_point",
        ),
        ("190101", Delivered, "delivered.recipient"),
        ("190205", Delivered, "delivered.recipient"),
        ("501340", Delivered, "delivered.recipient"),
        ("701901", Delivered, "delivered.pickup_point"),
        ("200201", FailedAttempt, "failed_attempt.recipient_absent"),
        ("200305", FailedAttempt, "failed_attempt.address_problem"),
        ("210109", FailedAttempt, "failed_attempt.address_problem"),
        ("500011", FailedAttempt, "failed_attempt.address_problem"),
        ("500019", FailedAttempt, "failed_attempt.not_delivered"),
        ("200400", Exception, "exception.refused"),
        ("200414", Exception, "exception.damaged"),
        ("200714", Exception, "exception.damaged"),
        ("200716", Exception, "exception.refused"),
        (
            "200502",
            FailedAttempt,
            "failed_attempt.verification_failed",
        ),
        ("200801", FailedAttempt, "failed_attempt.no_access"),
        ("200601", InTransit, "in_transit.delivery_rescheduled"),
        ("200602", AvailableForPickup, "available_for_pickup.depot"),
        ("230402", InTransit, "in_transit.redirected"),
        ("230403", Exception, "exception.returning_to_sender"),
        ("500633", Exception, "exception.returning_to_sender"),
        ("230405", InTransit, "in_transit.sent_abroad"),
        ("230309", Exception, "exception.missing"),
        ("230310", Exception, "exception.disposed"),
        ("230506", Exception, "exception.pickup_time_expired"),
        ("502300", InTransit, "in_transit.to_pickup_point"),
        (
            "600103",
            AvailableForPickup,
            "available_for_pickup.pickup_point",
        ),
        (
            "511901",
            AvailableForPickup,
            "available_for_pickup.pickup_point",
        ),
        (
            "703201",
            AvailableForPickup,
            "available_for_pickup.pickup_point",
        ),
        ("511801", InTransit, "in_transit.picked_up"),
        (
            "370203",
            FailedAttempt,
            "failed_attempt.pickup_point_unavailable",
        ),
        ("600414", Exception, "exception.damaged"),
        ("600701", Exception, "exception.refused"),
        ("702001", Exception, "exception.refused"),
    ];
    for (code, status, sub) in cases {
        assert_eq!(
            mapping::map_pl_code(code),
            Mapped::new(*status, sub),
            "{code}"
        );
    }
    for unknown in [
        "999999", "0401", "04010", "0401011", "", "abcdef", "500686", "370207",
    ] {
        assert_eq!(
            mapping::map_pl_code(unknown),
            Mapped::UNKNOWN,
            "{unknown:?}"
        );
    }
}

#[test]
fn pickup_point_adoption_before_handling_is_a_drop_off() {
    let m = mapping::map_pl_sequence(&["030103", "511201", "511801", "050101"]);
    assert_eq!(m[1], mapping::DROPPED_OFF);
    let m = mapping::map_pl_sequence(&["600101"]);
    assert_eq!(m[0].substatus, "in_transit.dropped_off_at_pickup_point");
}

#[test]
fn pickup_point_adoption_after_travel_waits_for_the_recipient() {
    let m = mapping::map_pl_sequence(&["030103", "040101", "050101", "502300", "600101", "600103"]);
    assert_eq!(m[4], mapping::AT_PICKUP_POINT);
    let m = mapping::map_pl_sequence(&["511201", "511801", "050101", "170101", "511201"]);
    assert_eq!(m[0], mapping::DROPPED_OFF);
    assert_eq!(m[4], mapping::AT_PICKUP_POINT);
}

#[test]
fn weight_change_and_delivery_after_return_follow_the_sequence() {
    let m = mapping::map_pl_sequence(&["250301", "040101", "250301"]);
    assert_eq!(m[0].status, Status::InfoReceived);
    assert_eq!(m[2].substatus, "in_transit.data_updated");
    let m = mapping::map_pl_sequence(&["190101"]);
    assert_eq!(m[0].substatus, "delivered.recipient");
    let m = mapping::map_pl_sequence(&["040101", "500610", "190101"]);
    assert_eq!(m[2].substatus, "returned_to_sender.delivered_to_sender");
}

#[test]
fn every_europe_row_and_open_strings() {
    for (name, mapped) in EUROPE_TABLE {
        let probe = name.replace('*', "_BY_HUB");
        assert_eq!(mapping::map_europe_status(&probe), *mapped, "{name}");
        assert!(mapped
            .substatus
            .starts_with(&format!("{}.", mapped.status.as_str())));
    }
    use Status::*;
    assert_eq!(mapping::map_europe_status("PickedUp").status, InTransit);
    assert_eq!(mapping::map_europe_status("PICKED_UP").status, Delivered);
    assert_eq!(
        mapping::map_europe_status("ReturningFromDelivery").status,
        FailedAttempt
    );
    assert_eq!(
        mapping::map_europe_status("AT_DELIVERY_DEPOT").status,
        InTransit
    );
    assert_eq!(mapping::map_europe_status("SomethingNew"), Mapped::UNKNOWN);
    assert_eq!(mapping::map_europe_status("delivered"), Mapped::UNKNOWN);
}
