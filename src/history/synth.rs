//! Synthesis of one shipment's timeline from a carrier/service/lane profile.

use carriers::time::LocalTime;
use carriers::{
    CarrierId, EtaWindow, Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset, Utc};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::NewShipment;
use crate::engine::working_days::{local_date, start_of_day, zone_for, Calendar};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Number of shipments.
    pub shipments: usize,
    /// Owner.
    pub merchant_id: String,
    /// Registrations start here…
    pub start: DateTime<Utc>,
    /// …and spread over this many days.
    pub days: u32,
    /// Carrier updates after this instant are not written (parcels still on the way).
    pub until: DateTime<Utc>,
    /// RNG seed.
    pub seed: u64,
}

/// A carrier/service/lane with its transit behaviour.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// Carrier.
    pub carrier: CarrierId,
    /// Service.
    pub service: &'static str,
    /// Origin and destination country.
    pub lane: (&'static str, &'static str),
    /// Typical transit, working days.
    pub base_wd: u32,
    /// Chance of each further day.
    pub p_extra: f64,
    /// Chance the carrier announces an ETA.
    pub carrier_eta: f64,
    /// Relative volume.
    pub weight: u32,
    /// Delivered to a locker, picked up by the recipient.
    pub locker: bool,
}

macro_rules! p {
    ($c:ident, $s:literal, $o:literal > $d:literal, $wd:literal, $x:literal, $eta:literal, $w:literal, $l:literal) => {
        Profile {
            carrier: CarrierId::$c,
            service: $s,
            lane: ($o, $d),
            base_wd: $wd,
            p_extra: $x,
            carrier_eta: $eta,
            weight: $w,
            locker: $l,
        }
    };
}

/// The profiles history is drawn from: carrier, service, lane, base working days, chance of
/// each extra day, chance of a carrier ETA, relative volume, locker delivery.
pub const PROFILES: [Profile; 7] = [
    p!(
        Inpost,
        "inpost_locker_standard",
        "PL" > "PL",
        1,
        0.35,
        0.0,
        30,
        true
    ),
    p!(
        Inpost,
        "inpost_courier_standard",
        "PL" > "PL",
        1,
        0.4,
        0.0,
        10,
        false
    ),
    p!(Dpd, "classic", "PL" > "PL", 1, 0.3, 0.7, 20, false),
    p!(Dpd, "classic", "PL" > "DE", 3, 0.45, 0.6, 5, false),
    p!(Dhl, "parcel-pl", "PL" > "PL", 1, 0.45, 0.3, 10, false),
    p!(Dhl, "parcel-de", "DE" > "DE", 1, 0.25, 0.5, 15, false),
    p!(Dhl, "parcel-de", "DE" > "PL", 3, 0.5, 0.4, 10, false),
];

/// One synthetic shipment: what to register and the carrier's updates, in time order.
#[derive(Debug, Clone)]
pub struct SyntheticShipment {
    /// Registration input.
    pub new: NewShipment,
    /// Registration instant.
    pub created_at: DateTime<Utc>,
    /// Carrier updates (one new event each; the pickup scan may carry the carrier's ETA).
    pub steps: Vec<(DateTime<Utc>, TrackingSnapshot)>,
}

/// Sorted registration instants of the whole history (uniform over the days, 07:00–21:00 UTC).
pub fn creation_times(opts: &Options) -> Vec<DateTime<Utc>> {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut times: Vec<DateTime<Utc>> = (0..opts.shipments)
        .map(|_| {
            let day = i64::from(rng.gen_range(0..opts.days.max(1)));
            opts.start + Duration::days(day) + Duration::minutes(rng.gen_range(7 * 60..21 * 60))
        })
        .collect();
    times.sort();
    times
}

fn at_local(date: NaiveDate, minutes: u32, tz: Tz) -> DateTime<Utc> {
    start_of_day(date, tz) + Duration::minutes(i64::from(minutes))
}

fn pick_profile(rng: &mut StdRng) -> Profile {
    let total: u32 = PROFILES.iter().map(|p| p.weight).sum();
    let mut pick = rng.gen_range(0..total);
    for p in PROFILES {
        if pick < p.weight {
            return p;
        }
        pick -= p.weight;
    }
    PROFILES[0]
}

/// Builds shipment number `index` of a history, registered at `created_at`.
pub fn synthesize(opts: &Options, index: usize, created_at: DateTime<Utc>) -> SyntheticShipment {
    let mut rng =
        StdRng::seed_from_u64(opts.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let p = pick_profile(&mut rng);
    let (origin, destination) = p.lane;
    let tz = zone_for(Some(destination));
    let cal = Calendar::for_lane(Some(origin), Some(destination));
    let prefix: u32 = rng.gen_range(0..100);
    let postal = match destination {
        "PL" => format!("{prefix:02}-{:03}", rng.gen_range(0..1000)),
        _ => format!("{prefix:02}{:03}", rng.gen_range(0..1000)),
    };
    let number = format!(
        "{}{:06}{:09}",
        p.carrier.as_str().to_ascii_uppercase(),
        opts.seed % 1_000_000,
        index
    );
    let mut events: Vec<(DateTime<Utc>, Status, &'static str)> = Vec::new();
    let info = created_at + Duration::minutes(rng.gen_range(5..90));
    events.push((info, Status::InfoReceived, "info_received.data_received"));
    let created_day = local_date(created_at, tz);
    let noon = NaiveTime::from_hms_opt(13, 0, 0).unwrap_or_default();
    let early = created_at.with_timezone(&tz).time() < noon;
    let pickup_day = if cal.is_working_day(created_day) && early && rng.gen_bool(0.6) {
        created_day
    } else {
        cal.add_working_days(created_day, 1)
    };
    let scan =
        at_local(pickup_day, rng.gen_range(15 * 60..19 * 60), tz).max(info + Duration::minutes(10));
    events.push((scan, Status::InTransit, "in_transit.picked_up"));
    let sorted = scan + Duration::hours(5);
    events.push((sorted, Status::InTransit, "in_transit.at_sorting_center"));
    let mut wd = p.base_wd;
    while wd < p.base_wd + 6 && rng.gen_bool(p.p_extra) {
        wd += 1;
    }
    if prefix % 10 >= 8 && rng.gen_bool(0.5) {
        wd += 1; // remote areas
    }
    if rng.gen_bool(0.03) {
        let when = at_local(cal.add_working_days(pickup_day, 1), 11 * 60, tz);
        events.push((when, Status::Exception, "exception.damaged"));
        events.push((
            when + Duration::hours(3),
            Status::InTransit,
            "in_transit.delayed",
        ));
        wd += 2;
    }
    let day = cal.add_working_days(pickup_day, wd);
    let morning = at_local(day, rng.gen_range(6 * 60..8 * 60), tz);
    let depot = morning - Duration::hours(2);
    events.push((depot, Status::InTransit, "in_transit.at_delivery_depot"));
    if rng.gen_bool(0.015) {
        events.push((morning, Status::OutForDelivery, "out_for_delivery.courier"));
        events.push((
            at_local(day, 13 * 60, tz),
            Status::Exception,
            "exception.refused",
        ));
        let back = at_local(cal.add_working_days(day, rng.gen_range(3..7)), 12 * 60, tz);
        events.push((
            back,
            Status::ReturnedToSender,
            "returned_to_sender.returned",
        ));
    } else if p.locker {
        let ready = at_local(day, rng.gen_range(9 * 60..13 * 60), tz);
        events.push((
            ready,
            Status::AvailableForPickup,
            "available_for_pickup.locker",
        ));
        let picked = ready + Duration::minutes(rng.gen_range(30..30 * 60));
        events.push((picked, Status::Delivered, "delivered.pickup_point"));
    } else {
        events.push((morning, Status::OutForDelivery, "out_for_delivery.courier"));
        let mut final_day = day;
        if rng.gen_bool(0.07) {
            let tried = at_local(day, rng.gen_range(10 * 60..16 * 60), tz);
            events.push((
                tried,
                Status::FailedAttempt,
                "failed_attempt.recipient_absent",
            ));
            final_day = cal.add_working_days(day, 1);
            let again = at_local(final_day, 7 * 60 + 30, tz);
            events.push((again, Status::OutForDelivery, "out_for_delivery.to_address"));
        }
        let done = at_local(final_day, rng.gen_range(9 * 60..17 * 60), tz);
        events.push((done, Status::Delivered, "delivered.recipient"));
    }
    let eta = rng.gen_bool(p.carrier_eta).then(|| {
        let said = cal.add_working_days(pickup_day, p.base_wd);
        EtaWindow {
            from: at_local(said, 8 * 60, tz),
            to: at_local(said, 18 * 60, tz),
        }
    });
    let steps = events
        .into_iter()
        .filter(|(t, _, _)| *t <= opts.until)
        .map(|(t, status, sub)| {
            let mut snap = TrackingSnapshot::new(p.carrier, &number);
            let offset = t.with_timezone(&tz).offset().fix().local_minus_utc();
            snap.events.push(TrackingEvent::new(
                p.carrier,
                &number,
                Mapped::new(status, sub),
                sub,
                Some(format!("synthetic {sub}")),
                LocalTime {
                    utc: t,
                    offset_seconds: offset,
                    source: TzSource::Carrier,
                },
                Location {
                    text: None,
                    postal_code: None,
                    country: Some(destination.to_string()),
                },
            ));
            if sub == "in_transit.picked_up" {
                snap.eta = eta;
            }
            (t, snap)
        })
        .collect();
    SyntheticShipment {
        new: NewShipment {
            merchant_id: opts.merchant_id.as_str().into(),
            carrier: Some(p.carrier),
            tracking_number: number,
            order_ref: Some(format!("SYN-{index}")),
            service: Some(p.service.to_string()),
            origin_country: Some(origin.to_string()),
            destination_country: Some(destination.to_string()),
            destination_postal_code: Some(postal),
            language: None,
            email_hash: None,
        },
        created_at,
        steps,
    }
}
