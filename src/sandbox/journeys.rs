//! Scripted journeys: which steps a parcel of a carrier goes through, the unified status the
//! gateway should end at, and the demo fleet of about thirty parcels across the carriers.

use carriers::{CarrierId, Status};

use super::scripts::*;

/// The kinds of journey the sandbox plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Journey {
    /// Locker or pickup point, with a reminder where the carrier sends one; collected.
    LockerWithReminder,
    /// Courier delivery at the first attempt.
    Courier,
    /// A failed delivery attempt, then delivered.
    FailedThenDelivered,
    /// Not collected in time, returned to the sender.
    PickupExpiredReturned,
    /// Damaged on the way.
    Damaged,
    /// Held by customs.
    CustomsHold,
    /// Moves for a while, then stops reporting.
    Stalls,
    /// Cancelled before handover.
    Cancelled,
    /// Label created, never handed over.
    LabelOnly,
}

impl Journey {
    /// Every journey kind.
    pub const ALL: [Journey; 9] = [
        Journey::LockerWithReminder,
        Journey::Courier,
        Journey::FailedThenDelivered,
        Journey::PickupExpiredReturned,
        Journey::Damaged,
        Journey::CustomsHold,
        Journey::Stalls,
        Journey::Cancelled,
        Journey::LabelOnly,
    ];

    /// A short snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Journey::LockerWithReminder => "locker_with_reminder",
            Journey::Courier => "courier",
            Journey::FailedThenDelivered => "failed_then_delivered",
            Journey::PickupExpiredReturned => "pickup_expired_returned",
            Journey::Damaged => "damaged",
            Journey::CustomsHold => "customs_hold",
            Journey::Stalls => "stalls",
            Journey::Cancelled => "cancelled",
            Journey::LabelOnly => "label_only",
        }
    }
}

/// A script: the carrier service it runs under, its steps, and the expected final
/// `(status, substatus)` in the gateway.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    /// Carrier service (`inpost_locker_standard`, DHL `parcel-pl`/`express`, `dpd-pl`).
    pub service: &'static str,
    /// Steps in time order.
    pub steps: &'static [Step],
    /// Where the gateway must end up.
    pub expected: (Status, &'static str),
}

const fn script(
    service: &'static str,
    steps: &'static [Step],
    status: Status,
    substatus: &'static str,
) -> Script {
    Script {
        service,
        steps,
        expected: (status, substatus),
    }
}

/// The script of a journey at a carrier, or `None` where it makes no sense (InPost has no
/// customs; DHL Parcel PL sends no pickup reminder; only InPost cancels labels here).
pub fn script_for(carrier: CarrierId, journey: Journey) -> Option<Script> {
    use Journey::{
        Courier, CustomsHold, Damaged, FailedThenDelivered, LabelOnly, LockerWithReminder,
        PickupExpiredReturned, Stalls,
    };
    use Status::{Delivered, Exception, InTransit, InfoReceived, ReturnedToSender};
    const LOCKER: &str = "inpost_locker_standard";
    const COURIER: &str = "inpost_courier_standard";
    Some(match (carrier, journey) {
        (CarrierId::Inpost, LockerWithReminder) => {
            script(LOCKER, INPOST_LOCKER, Delivered, "delivered.recipient")
        }
        (CarrierId::Inpost, Courier) => {
            script(COURIER, INPOST_COURIER, Delivered, "delivered.recipient")
        }
        (CarrierId::Inpost, FailedThenDelivered) => {
            script(COURIER, INPOST_FAILED, Delivered, "delivered.recipient")
        }
        (CarrierId::Inpost, PickupExpiredReturned) => script(
            LOCKER,
            INPOST_EXPIRED,
            ReturnedToSender,
            "returned_to_sender.returned",
        ),
        (CarrierId::Inpost, Stalls) => script(
            LOCKER,
            INPOST_STALLED,
            InTransit,
            "in_transit.departed_origin_depot",
        ),
        (CarrierId::Inpost, Journey::Cancelled) => script(
            LOCKER,
            INPOST_CANCELLED,
            Status::Cancelled,
            "cancelled.by_sender",
        ),
        (CarrierId::Inpost, LabelOnly) => script(
            LOCKER,
            INPOST_LABEL_ONLY,
            InfoReceived,
            "info_received.label_created",
        ),
        (CarrierId::Dhl, LockerWithReminder) => script(
            "parcel-pl",
            DHL_SERVICE_POINT,
            Delivered,
            "delivered.collected_at_service_point",
        ),
        (CarrierId::Dhl, Courier) => script("parcel-pl", DHL_COURIER, Delivered, "delivered"),
        (CarrierId::Dhl, FailedThenDelivered) => {
            script("parcel-pl", DHL_FAILED, Delivered, "delivered")
        }
        (CarrierId::Dhl, PickupExpiredReturned) => script(
            "parcel-pl",
            DHL_EXPIRED,
            ReturnedToSender,
            "returned_to_sender",
        ),
        (CarrierId::Dhl, Stalls) => {
            script("parcel-pl", DHL_STALLED, InTransit, "in_transit.sorting")
        }
        (CarrierId::Dhl, CustomsHold) => script("express", DHL_CUSTOMS, Exception, "exception"),
        (CarrierId::Dhl, Damaged) => script("express", DHL_DAMAGED, Exception, "exception"),
        (CarrierId::Dpd, LockerWithReminder) => {
            script("dpd-pl", DPD_PICKUP, Delivered, "delivered.pickup_point")
        }
        (CarrierId::Dpd, Courier) => {
            script("dpd-pl", DPD_COURIER, Delivered, "delivered.recipient")
        }
        (CarrierId::Dpd, FailedThenDelivered) => {
            script("dpd-pl", DPD_FAILED, Delivered, "delivered.recipient")
        }
        (CarrierId::Dpd, PickupExpiredReturned) => script(
            "dpd-pl",
            DPD_EXPIRED,
            Exception,
            "exception.returning_to_sender",
        ),
        (CarrierId::Dpd, Damaged) => script("dpd-pl", DPD_DAMAGED, Exception, "exception.damaged"),
        (CarrierId::Dpd, Stalls) => script("dpd-pl", DPD_STALLED, InTransit, "in_transit.sorting"),
        _ => return None,
    })
}

/// DHL Express delivered (the demo's one Express parcel that arrives).
pub const DHL_EXPRESS_DELIVERED: Script = Script {
    service: "express",
    steps: DHL_EXPRESS_COURIER,
    expected: (Status::Delivered, "delivered"),
};

/// One parcel of a fleet.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Carrier.
    pub carrier: CarrierId,
    /// Tracking number, in the carrier's format.
    pub number: String,
    /// Which journey.
    pub journey: Journey,
    /// Its script.
    pub script: Script,
    /// Hours the journey waits after the label step (staggers the fleet).
    pub start_h: u16,
}

/// A tracking number in `carrier`'s format for fleet position `i`.
pub fn number_for(carrier: CarrierId, service: &str, i: usize) -> String {
    match (carrier, service) {
        (CarrierId::Inpost, _) => format!("60267743933163{:010}", 3_376_000_000u64 + i as u64),
        (CarrierId::Dhl, "express") => format!("JJD{:010}", 1_490_000_000u64 + i as u64),
        (CarrierId::Dhl, _) => format!("2058443{:04}", i % 10_000),
        (CarrierId::Dpd, _) => format!("100072739{:04}U", i % 10_000),
    }
}

/// The demo fleet: 28 parcels covering every journey at every carrier where it makes sense.
pub fn demo_fleet() -> Vec<Planned> {
    use Journey::*;
    let mix: &[(CarrierId, Journey, usize)] = &[
        (CarrierId::Inpost, LockerWithReminder, 3),
        (CarrierId::Inpost, Courier, 2),
        (CarrierId::Inpost, FailedThenDelivered, 1),
        (CarrierId::Inpost, PickupExpiredReturned, 1),
        (CarrierId::Inpost, Stalls, 1),
        (CarrierId::Inpost, Cancelled, 1),
        (CarrierId::Inpost, LabelOnly, 1),
        (CarrierId::Dhl, LockerWithReminder, 1),
        (CarrierId::Dhl, Courier, 2),
        (CarrierId::Dhl, FailedThenDelivered, 1),
        (CarrierId::Dhl, PickupExpiredReturned, 1),
        (CarrierId::Dhl, Stalls, 1),
        (CarrierId::Dhl, CustomsHold, 2),
        (CarrierId::Dhl, Damaged, 1),
        (CarrierId::Dpd, LockerWithReminder, 2),
        (CarrierId::Dpd, Courier, 2),
        (CarrierId::Dpd, FailedThenDelivered, 1),
        (CarrierId::Dpd, PickupExpiredReturned, 1),
        (CarrierId::Dpd, Damaged, 1),
        (CarrierId::Dpd, Stalls, 1),
    ];
    let mut fleet = Vec::new();
    for &(carrier, journey, count) in mix {
        for _ in 0..count {
            if let Some(script) = script_for(carrier, journey) {
                fleet.push((carrier, journey, script));
            }
        }
    }
    // One DHL Express parcel that arrives, so Express shows a delivery too.
    fleet.push((CarrierId::Dhl, Journey::Courier, DHL_EXPRESS_DELIVERED));
    fleet
        .into_iter()
        .enumerate()
        .map(|(i, (carrier, journey, script))| Planned {
            carrier,
            number: number_for(carrier, script.service, i),
            journey,
            script,
            start_h: ((i * 5) % 21) as u16,
        })
        .collect()
}

/// The last journey hour of a planned parcel.
pub fn last_hour(p: &Planned) -> u16 {
    p.script
        .steps
        .last()
        .map(|s| if s.h == 0 { 0 } else { s.h + p.start_h })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use carriers::Mapped;

    /// The unified mapping of a step, through the adapters' own tables.
    fn map(carrier: CarrierId, service: &str, step: &Step) -> Mapped {
        match carrier {
            CarrierId::Inpost => carriers::inpost::mapping::map_status(step.code),
            CarrierId::Dpd => carriers::dpd::mapping::map_pl_code(step.code),
            CarrierId::Dhl => match carriers::dhl::mapping::event_table(Some(service)) {
                Some(t) if !step.code.is_empty() => {
                    carriers::dhl::mapping::lookup(t, step.code).unwrap_or(Mapped::UNKNOWN)
                }
                _ => carriers::dhl::mapping::map_status_code(Some(step.class)),
            },
        }
    }

    #[test]
    fn every_step_is_a_known_code_and_the_last_one_is_the_expected_status() {
        for p in demo_fleet() {
            let steps = p.script.steps;
            for st in steps {
                let m = map(p.carrier, p.script.service, st);
                assert_ne!(m, Mapped::UNKNOWN, "{} {:?}", p.carrier, st);
            }
            let last = steps.last().map(|st| map(p.carrier, p.script.service, st));
            let (status, sub) = p.script.expected;
            assert_eq!(
                last.map(|m| (m.status, m.substatus)),
                Some((status, sub)),
                "{} {}",
                p.carrier,
                p.journey.name()
            );
        }
    }

    #[test]
    fn steps_move_forward_and_fit_in_four_days() {
        for p in demo_fleet() {
            assert!(p.script.steps.windows(2).all(|w| w[0].h < w[1].h));
            assert_eq!(p.script.steps.first().map(|s| s.h), Some(0));
            assert!(last_hour(&p) <= 96, "{}", p.number);
        }
    }

    #[test]
    fn the_fleet_is_about_thirty_detectable_parcels_covering_every_journey() {
        let fleet = demo_fleet();
        assert!((25..=35).contains(&fleet.len()));
        for j in Journey::ALL {
            assert!(fleet.iter().any(|p| p.journey == j), "{}", j.name());
        }
        let mut numbers: Vec<_> = fleet.iter().map(|p| p.number.clone()).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), fleet.len());
        let detected = |p: &Planned| match p.carrier {
            CarrierId::Inpost => carriers::Carrier::detect(
                &carriers::inpost::InpostCarrier::new(Default::default()),
                &p.number,
            )
            .map(|d| d.carrier),
            CarrierId::Dhl => carriers::dhl::detect::detect(&p.number).map(|d| d.carrier),
            CarrierId::Dpd => carriers::dpd::detect::detect(&p.number).map(|d| d.carrier),
        };
        for p in &fleet {
            assert_eq!(detected(p), Some(p.carrier), "{}", p.number);
        }
    }
}
