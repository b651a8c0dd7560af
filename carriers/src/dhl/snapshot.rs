//! Turns one DHL `shipments[]` entry (pull or push) into a unified [`TrackingSnapshot`]:
//! events, the carrier's ETA window and shipment details.

use chrono::{Duration, NaiveDate, NaiveTime};
use chrono_tz::Tz;

use super::mapping::{self, RETURN_DELIVERED};
use super::wire::{self, Event, Shipment, Signed};
use crate::carrier::CarrierId;
use crate::model::{
    EtaWindow, Location, Mapped, ProofOfDelivery, ShipmentDetails, Status, TrackingEvent,
    TrackingSnapshot,
};
use crate::time::{parse_flexible, LocalTime};

/// Builds the snapshot of `shipment`, filed under `tracking_number`.
///
/// When `events[]` is empty the shipment-level `status` (same shape) is used as the only event.
/// Events without a readable timestamp are dropped with a warning (an instant is required).
pub fn build(tracking_number: &str, shipment: &Shipment) -> TrackingSnapshot {
    let service = shipment.service.as_deref();
    let zone = mapping::home_zone(service);
    let returning = shipment.return_flag == Some(true);
    let mut snap = TrackingSnapshot::new(CarrierId::Dhl, tracking_number);
    let events: Vec<&Event> = if shipment.events.is_empty() {
        shipment.status.iter().collect()
    } else {
        shipment.events.iter().collect()
    };
    for ev in events {
        let Some(time) = ev
            .timestamp
            .as_deref()
            .and_then(|t| parse_flexible(t, zone))
        else {
            tracing::warn!(
                carrier = "dhl",
                tracking_number,
                timestamp = ev.timestamp.as_deref().unwrap_or(""),
                "DHL event without a readable timestamp dropped"
            );
            continue;
        };
        let (raw_code, mapped) = map_event(service, ev, returning);
        let raw_text = event_text(ev, &raw_code);
        let location = ev.location.as_ref().map(location_of).unwrap_or_default();
        snap.events.push(TrackingEvent::new(
            CarrierId::Dhl,
            tracking_number,
            mapped,
            raw_code,
            raw_text,
            time,
            location,
        ));
    }
    snap.eta = eta(shipment, zone);
    snap.details = details(shipment);
    snap
}

/// Maps one event of a shipment of `service`: the raw code kept, and its unified mapping.
///
/// A known event code wins; an unknown one keeps the `statusCode` mapping (and is logged so the
/// table gets fixed). With `returnFlag: true`, a delivery is the delivery back to the sender.
pub fn map_event(service: Option<&str>, ev: &Event, returning: bool) -> (String, Mapped) {
    let base = mapping::map_status_code(ev.status_code.as_deref());
    let found = match mapping::event_table(service) {
        Some(table) => {
            mapping::find_event_code(table, ev.status.as_deref(), ev.description.as_deref())
        }
        // No table: keep a code-shaped `status` as the raw code, mapping from `statusCode`.
        None => ev
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| mapping::is_code_shaped(s))
            .map(|s| (s.to_string(), None)),
    };
    let (raw_code, mapped) = match found {
        Some((code, Some(m))) => (code, m),
        Some((code, None)) => {
            if mapping::event_table(service).is_some() {
                tracing::warn!(carrier = "dhl", service, code = %code, "DHL event code not in the mapping table");
            }
            (code, base)
        }
        None => {
            let code = ev
                .status_code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .unwrap_or("unknown");
            (code.to_string(), base)
        }
    };
    let mapped = if returning && mapped.status == Status::Delivered {
        RETURN_DELIVERED
    } else {
        mapped
    };
    (raw_code, mapped)
}

/// The carrier's words for an event: description, else a sentence-like status, else the remark.
fn event_text(ev: &Event, raw_code: &str) -> Option<String> {
    [&ev.description, &ev.status, &ev.remark]
        .into_iter()
        .flatten()
        .map(|t| t.trim())
        .find(|t| !t.is_empty() && *t != raw_code)
        .map(str::to_string)
}

fn location_of(place: &wire::Place) -> Location {
    let Some(a) = place.address.as_ref() else {
        return Location::default();
    };
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Location {
        text: clean(&a.address_locality),
        postal_code: clean(&a.postal_code),
        country: clean(&a.country_code).map(|c| c.to_ascii_uppercase()),
    }
}

/// The carrier's ETA. `estimatedDeliveryTimeFrame` gives the window (ends swapped if reversed;
/// a lone end is a point). Else `estimatedTimeOfDelivery`, a single instant: a date, or a time of
/// exactly 00:00 local, means "that day" (DHL sends `2018-08-03T00:00:00Z` next to a frame of that
/// whole day), so the window is the local day; any other time is a zero-width window at it.
pub fn eta(s: &Shipment, zone: Tz) -> Option<EtaWindow> {
    if let Some(frame) = &s.estimated_delivery_time_frame {
        let from = frame
            .estimated_from
            .as_deref()
            .and_then(|t| parse_instant(t, zone));
        let to = frame
            .estimated_through
            .as_deref()
            .and_then(|t| parse_instant(t, zone));
        match (from, to) {
            (Some(a), Some(b)) => {
                let (from, to) = if a.utc <= b.utc {
                    (a.utc, b.utc)
                } else {
                    (b.utc, a.utc)
                };
                return Some(EtaWindow { from, to });
            }
            (Some(t), None) | (None, Some(t)) => {
                return Some(EtaWindow {
                    from: t.utc,
                    to: t.utc,
                })
            }
            (None, None) => {}
        }
    }
    let raw = s.estimated_time_of_delivery.as_deref()?.trim();
    let t = parse_instant(raw, zone)?;
    let local = t.utc + Duration::seconds(i64::from(t.offset_seconds));
    if local.time() == NaiveTime::MIN {
        let end = t.utc + Duration::days(1) - Duration::seconds(1);
        return Some(EtaWindow {
            from: t.utc,
            to: end,
        });
    }
    Some(EtaWindow {
        from: t.utc,
        to: t.utc,
    })
}

/// `parse_flexible`, plus a bare date (`2026-05-19`) read as local midnight.
fn parse_instant(s: &str, zone: Tz) -> Option<LocalTime> {
    parse_flexible(s, zone).or_else(|| {
        let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
        Some(LocalTime::assume_zone(d.and_time(NaiveTime::MIN), zone))
    })
}

/// Service, product, pieces, proof of delivery, origin/destination.
pub fn details(s: &Shipment) -> ShipmentDetails {
    let zone = mapping::home_zone(s.service.as_deref());
    let addr = |p: &Option<wire::Place>| p.as_ref().map(location_of).unwrap_or_default();
    let origin = addr(&s.origin);
    let dest = addr(&s.destination);
    let d = s.details.clone().unwrap_or_default();
    let pieces = d.total_number_of_pieces.or_else(|| {
        (!d.piece_ids.is_empty()).then(|| u32::try_from(d.piece_ids.len()).unwrap_or(u32::MAX))
    });
    let pod = d.proof_of_delivery.as_ref().map(|p| {
        let (signed, received_by) = match &p.signed {
            Some(Signed::Flag(b)) => (Some(*b), None),
            Some(Signed::By(party)) => (Some(true), party.display_name()),
            None => (None, None),
        };
        ProofOfDelivery {
            timestamp: p
                .timestamp
                .as_deref()
                .and_then(|t| parse_flexible(t, zone))
                .map(|t| t.utc),
            signed,
            signature_url: p.signature_url.clone().filter(|u| !u.trim().is_empty()),
            document_url: p.document_url.clone().filter(|u| !u.trim().is_empty()),
            received_by,
        }
    });
    ShipmentDetails {
        service: s.service.clone(),
        product: d.product.and_then(|p| p.product_name),
        pieces,
        proof_of_delivery: pod.filter(|p| *p != ProofOfDelivery::default()),
        pickup_point: None,
        origin_country: origin.country,
        destination_country: dest.country,
        destination_postal_code: dest.postal_code,
    }
}
