//! InPost ShipX in the sandbox: `GET /v1/tracking/{number}` (details newest first, locker in
//! `custom_attributes`) and the webhook bodies (`shipment_confirmed`,
//! `shipment_status_changed`) pushed to the gateway.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use carriers::CarrierId;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Warsaw;
use serde_json::{json, Value};

use super::knobs::Fault;
use super::world::{Parcel, Stats, World};

/// ShipX organization id the sandbox's webhooks name.
pub const ORGANIZATION_ID: u64 = 37201;

/// The ShipX routes.
pub fn routes() -> Router<Arc<World>> {
    Router::new().route("/v1/tracking/{number}", get(tracking))
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// ShipX's error shape: `{status, error, message, details}`.
pub fn error(status: StatusCode, key: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({"status": status.as_u16(), "error": key, "message": message, "details": null}),
    )
}

/// The answer to an injected fault, or `None` to answer normally.
pub fn fault_response(world: &World, fault: Fault) -> Option<Response> {
    match fault {
        Fault::None => None,
        Fault::ServerError => {
            Stats::inc(&world.stats.injected_5xx);
            Some(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "Service temporarily unavailable",
            ))
        }
        Fault::TooManyRequests => {
            Stats::inc(&world.stats.injected_429);
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too many requests",
            );
            if let Ok(v) = HeaderValue::from_str(&world.knobs.retry_after_secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Some(r)
        }
    }
}

async fn tracking(State(world): State<Arc<World>>, Path(number): Path<String>) -> Response {
    Stats::inc(&world.stats.inpost_tracking);
    if let Some(r) = fault_response(&world, world.knobs.apply().await) {
        return r;
    }
    let found = world.find(CarrierId::Inpost, number.trim());
    match found {
        Some((_, p)) if world.visible(&p) > 0 => {
            json_response(StatusCode::OK, &tracking_body(&p, world.visible(&p)))
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "Resource not found",
        ),
    }
}

/// `2026-06-03T12:27:49.000+02:00`, Warsaw time.
fn shipx_datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&Warsaw)
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// `2026-05-20 09:00:12 +0200`, Warsaw time (webhook `event_ts`).
pub fn event_ts(t: DateTime<Utc>) -> String {
    t.with_timezone(&Warsaw)
        .format("%Y-%m-%d %H:%M:%S %z")
        .to_string()
}

/// A destination locker, picked by parcel.
fn locker(number: &str) -> Value {
    const LOCKERS: [(&str, &str, &str, &str); 3] = [
        (
            "KRA01M",
            "ul. Karmelicka 10",
            "31-128 Kraków",
            "Przy wejściu do sklepu",
        ),
        (
            "WAW22A",
            "ul. Puławska 145",
            "02-715 Warszawa",
            "Obok stacji paliw",
        ),
        (
            "GDA05N",
            "Grunwaldzka 100",
            "80-244 Gdańsk",
            "Obok wejścia do Lidla",
        ),
    ];
    let pick = number.bytes().map(usize::from).sum::<usize>() % LOCKERS.len();
    let (id, line1, line2, desc) = LOCKERS[pick];
    json!({
        "size": "A",
        "target_machine_id": id,
        "target_machine_detail": {
            "name": id, "opening_hours": "24/7", "location_description": desc,
            "address": {"line1": line1, "line2": line2},
            "type": ["parcel_locker"], "location247": true
        },
        "end_of_week_collection": false
    })
}

/// The tracking response of a parcel showing its first `visible` steps.
pub fn tracking_body(p: &Parcel, visible: usize) -> Value {
    let steps = p.steps();
    let shown = visible.min(steps.len());
    let details: Vec<Value> = (0..shown)
        .rev()
        .map(|i| {
            let s = steps[i];
            json!({
                "status": s.code,
                "origin_status": s.text,
                "agency": if s.place.is_empty() { Value::Null } else { json!(s.place) },
                "datetime": shipx_datetime(p.time_of(i)),
            })
        })
        .collect();
    let service = p.plan.script.service;
    let attrs = if service.contains("locker") {
        locker(&p.plan.number)
    } else {
        json!({"size": null, "target_machine_id": null, "target_machine_detail": null,
               "end_of_week_collection": false})
    };
    let latest = shown.checked_sub(1);
    json!({
        "tracking_number": p.plan.number,
        "type": service,
        "service": service,
        "status": latest.map(|i| steps[i].code),
        "custom_attributes": attrs,
        "tracking_details": details,
        "expected_flow": [],
        "created_at": shipx_datetime(p.time_of(0)),
        "updated_at": latest.map(|i| shipx_datetime(p.time_of(i))),
    })
}

/// The ShipX shipment id of a parcel (stable, derived from its number).
fn shipment_id(number: &str) -> u64 {
    48_000_000
        + number
            .bytes()
            .fold(0u64, |a, b| (a * 31 + u64::from(b)) % 1_000_000)
}

/// The webhook body announcing step `i`: `shipment_confirmed` for the label, else
/// `shipment_status_changed` with the new status.
pub fn webhook_body(p: &Parcel, i: usize) -> Option<Value> {
    let step = p.steps().get(i)?;
    let id = shipment_id(&p.plan.number);
    let (event, payload) = if step.code == "confirmed" {
        (
            "shipment_confirmed",
            json!({"shipment_id": id, "tracking_number": p.plan.number}),
        )
    } else {
        (
            "shipment_status_changed",
            json!({"shipment_id": id, "status": step.code, "tracking_number": p.plan.number}),
        )
    };
    Some(json!({
        "event_ts": event_ts(p.time_of(i)),
        "event": event,
        "organization_id": ORGANIZATION_ID,
        "payload": payload,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::journeys::demo_fleet;
    use super::super::knobs::Knobs;
    use super::super::world::Credentials;
    use super::*;

    fn world_with_inpost() -> (World, Arc<Parcel>) {
        let w = World::new(String::new(), 10, Knobs::default(), Credentials::default());
        let plan = demo_fleet()
            .into_iter()
            .find(|p| p.carrier == CarrierId::Inpost)
            .unwrap();
        w.add(plan);
        let p = w.parcels()[0].clone();
        (w, p)
    }

    #[test]
    fn tracking_bodies_parse_with_the_real_adapter() {
        let (_, p) = world_with_inpost();
        let body = tracking_body(&p, p.steps().len());
        let parsed: carriers::inpost::wire::TrackingResponse =
            serde_json::from_value(body.clone()).unwrap();
        assert_eq!(parsed.tracking_details.len(), p.steps().len());
        assert_eq!(
            parsed.tracking_details[0].status, "delivered",
            "newest first"
        );
        assert!(parsed
            .custom_attributes
            .unwrap()
            .target_machine_id
            .is_some());
    }

    #[test]
    fn webhook_bodies_parse_with_the_real_adapter() {
        let (_, p) = world_with_inpost();
        let adapter = carriers::inpost::InpostCarrier::new(Default::default());
        for i in 0..p.steps().len() {
            let body = webhook_body(&p, i).unwrap().to_string();
            let out = carriers::Carrier::parse_webhook(&adapter, body.as_bytes()).unwrap();
            assert_eq!(out.snapshots.len(), 1);
            let ev = &out.snapshots[0].events[0];
            assert_eq!(ev.raw_code, p.steps()[i].code);
            assert_eq!(ev.occurred_at, p.time_of(i));
        }
        assert!(body_ts_format_is_shipx(&event_ts(p.time_of(0))));
    }

    fn body_ts_format_is_shipx(s: &str) -> bool {
        // `2026-05-20 09:00:12 +0200`
        s.len() == 25 && &s[10..11] == " " && (s.ends_with("+0200") || s.ends_with("+0100"))
    }
}
