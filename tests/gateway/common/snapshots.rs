//! Hand-made carrier snapshots for store and analytics tests.

use carriers::time::LocalTime;
use carriers::{CarrierId, Location, Mapped, Status, TrackingEvent, TrackingSnapshot, TzSource};
use chrono::{DateTime, Utc};

/// A snapshot holding one event of `status`/`sub` (also its raw code) at `at`, reported
/// with a +01:00 offset (Warsaw in winter) and no location.
pub fn one_event(
    carrier: CarrierId,
    number: &str,
    status: Status,
    sub: &'static str,
    at: DateTime<Utc>,
) -> TrackingSnapshot {
    let mut s = TrackingSnapshot::new(carrier, number);
    s.events.push(TrackingEvent::new(
        carrier,
        number,
        Mapped::new(status, sub),
        sub,
        None,
        LocalTime {
            utc: at,
            offset_seconds: 3600,
            source: TzSource::Carrier,
        },
        Location::default(),
    ));
    s
}
