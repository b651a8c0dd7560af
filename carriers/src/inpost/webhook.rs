//! ShipX webhook bodies (`shipment_status_changed`, `shipment_confirmed`) to tracking updates.

use chrono_tz::Europe::Warsaw;

use super::mapping::map_status;
use super::wire::WebhookBody;
use crate::carrier::{CarrierId, WebhookPayload};
use crate::error::CarrierError;
use crate::model::{Location, TrackingEvent, TrackingSnapshot};
use crate::time::parse_flexible;

const CARRIER: CarrierId = CarrierId::Inpost;

/// Parses one ShipX webhook body.
///
/// `shipment_status_changed` carries the new status name; `shipment_confirmed` means the label
/// exists (status `confirmed`). Both become one event at `event_ts`. Other event types, and
/// bodies without a tracking number (older ShipX sends `null`), are notices: nothing to merge.
pub fn parse(body: &[u8]) -> Result<WebhookPayload, CarrierError> {
    let hook: WebhookBody = serde_json::from_slice(body).map_err(|e| CarrierError::Decode {
        carrier: CARRIER,
        detail: format!("webhook body: {e}"),
    })?;
    let mut out = WebhookPayload::default();
    let status = match hook.event.as_str() {
        "shipment_status_changed" => match hook.payload.status.as_deref() {
            Some(s) if !s.trim().is_empty() => s.trim().to_string(),
            _ => {
                return Err(CarrierError::Decode {
                    carrier: CARRIER,
                    detail: "shipment_status_changed without payload.status".to_string(),
                })
            }
        },
        "shipment_confirmed" => "confirmed".to_string(),
        other => {
            out.notices
                .push(format!("inpost webhook event {other:?} ignored"));
            return Ok(out);
        }
    };
    let Some(number) = hook
        .payload
        .tracking_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        out.notices.push(format!(
            "inpost {} for shipment_id {} has no tracking_number; ignored",
            hook.event,
            hook.payload
                .shipment_id
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_else(|| "?".into())
        ));
        return Ok(out);
    };
    let time = parse_flexible(&hook.event_ts, Warsaw).ok_or_else(|| CarrierError::Decode {
        carrier: CARRIER,
        detail: format!("event_ts {:?} is not a timestamp", hook.event_ts),
    })?;
    let mut snap = TrackingSnapshot::new(CARRIER, number);
    snap.events.push(TrackingEvent::new(
        CARRIER,
        number,
        map_status(&status),
        status,
        None,
        time,
        Location::default(),
    ));
    out.snapshots.push(snap);
    Ok(out)
}
