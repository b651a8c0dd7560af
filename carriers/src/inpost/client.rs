//! ShipX tracking client and the translation of a tracking response into a snapshot.

use chrono::Duration;
use chrono_tz::Europe::Warsaw;

use super::mapping::map_status;
use super::wire::{ErrorBody, TrackingResponse};
use super::InpostConfig;
use crate::carrier::CarrierId;
use crate::error::CarrierError;
use crate::http_util::{body_snippet, classify, transport_error};
use crate::model::{Location, PickupPoint, Status, TrackingEvent, TrackingSnapshot};
use crate::time::parse_flexible;

const CARRIER: CarrierId = CarrierId::Inpost;

/// How long InPost keeps a parcel in a locker before it expires (ShipX `ready_to_pickup`
/// description: "waits 72 h"). Used to tell the shopper "collect by …".
const LOCKER_HOLD: Duration = Duration::hours(72);

/// Looks one number up.
pub async fn track_one(
    http: &reqwest::Client,
    config: &InpostConfig,
    number: &str,
) -> Result<TrackingSnapshot, CarrierError> {
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CarrierError::Rejected {
            carrier: CARRIER,
            status: None,
            detail: "tracking number must be letters and digits only".to_string(),
        });
    }
    let url = format!(
        "{}/v1/tracking/{number}",
        config.base_url.trim_end_matches('/')
    );
    let mut req = http.get(url).header("Accept", "application/json");
    if !config.api_token.is_empty() {
        req = req.bearer_auth(config.api_token.expose());
    }
    let resp = req.send().await.map_err(|e| transport_error(CARRIER, &e))?;
    let body = classify(CARRIER, number, resp, describe_error).await?;
    let parsed: TrackingResponse =
        serde_json::from_slice(&body).map_err(|e| CarrierError::Decode {
            carrier: CARRIER,
            detail: format!("tracking response for {number}: {e}"),
        })?;
    snapshot_from_response(parsed)
}

/// ShipX error bodies: `{status, error, message|description, details}`.
fn describe_error(body: &[u8]) -> String {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => {
            let text = e.message.or(e.description).unwrap_or_default();
            match e.error {
                Some(key) if text.is_empty() => key,
                Some(key) => format!("{key}: {text}"),
                None if !text.is_empty() => text,
                None => body_snippet(body),
            }
        }
        Err(_) => body_snippet(body),
    }
}

/// Translates a ShipX tracking response. `tracking_details` come newest first; the order of
/// the returned events does not matter (the engine orders by time).
pub fn snapshot_from_response(r: TrackingResponse) -> Result<TrackingSnapshot, CarrierError> {
    let number = r.tracking_number.trim().to_string();
    let mut snap = TrackingSnapshot::new(CARRIER, number.clone());
    snap.details.service = r.service.or(r.kind);
    for (i, d) in r.tracking_details.iter().enumerate() {
        let time = parse_flexible(&d.datetime, Warsaw).ok_or_else(|| CarrierError::Decode {
            carrier: CARRIER,
            detail: format!(
                "tracking_details[{i}].datetime {:?} is not a timestamp",
                d.datetime
            ),
        })?;
        let location = Location {
            text: d.agency.clone().filter(|a| !a.trim().is_empty()),
            postal_code: None,
            country: Some("PL".to_string()),
        };
        let raw_text = d
            .origin_status
            .as_ref()
            .map(|o| format!("origin_status {o}"));
        snap.events.push(TrackingEvent::new(
            CARRIER,
            &number,
            map_status(&d.status),
            d.status.trim(),
            raw_text,
            time,
            location,
        ));
    }
    snap.details.pickup_point = pickup_point(r.custom_attributes.as_ref(), &snap.events);
    Ok(snap)
}

/// The destination locker, with "collect by" while the parcel waits in it.
fn pickup_point(
    attrs: Option<&super::wire::CustomAttributes>,
    events: &[TrackingEvent],
) -> Option<PickupPoint> {
    let attrs = attrs?;
    let id = attrs.target_machine_id.clone().filter(|s| !s.is_empty());
    let description = attrs.target_machine_detail.as_ref().map(|m| {
        let mut parts = Vec::new();
        if let Some(a) = &m.address {
            parts.extend(a.line1.iter().chain(a.line2.iter()).cloned());
        }
        parts.extend(m.location_description.iter().cloned());
        if let Some(h) = &m.opening_hours {
            parts.push(format!("open {h}"));
        }
        parts.retain(|p| !p.trim().is_empty());
        parts.join(", ")
    });
    if id.is_none() && description.as_deref().unwrap_or("").is_empty() {
        return None;
    }
    let latest = events
        .iter()
        .filter(|e| e.status.sets_current())
        .max_by_key(|e| e.occurred_at);
    let available_until = latest
        .filter(|e| e.raw_code == "ready_to_pickup" || e.raw_code == "pickup_reminder_sent")
        .and_then(|_| {
            events
                .iter()
                .filter(|e| e.raw_code == "ready_to_pickup")
                .map(|e| e.occurred_at)
                .max()
        })
        .map(|t| t + LOCKER_HOLD)
        .filter(|_| latest.is_some_and(|e| e.status == Status::AvailableForPickup));
    Some(PickupPoint {
        id,
        description: description.filter(|d| !d.is_empty()),
        available_until,
    })
}
