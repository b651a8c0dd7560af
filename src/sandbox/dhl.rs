//! DHL in the sandbox: Shipment Tracking – Unified (`GET /track/shipments` with
//! `DHL-API-Key`), Unified Push subscriptions (create, then activate with
//! `DHL-API-Hook-Secret`), and the `subscription.push` bodies sent to subscribed hooks.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use carriers::CarrierId;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Warsaw;
use serde_json::{json, Value};

use super::knobs::Fault;
use super::world::{is_loopback_url, lock, DhlSub, Parcel, Stats, World};

/// The DHL routes.
pub fn routes() -> Router<Arc<World>> {
    Router::new()
        .route("/track/shipments", get(track))
        .route("/tracking/push/v1/subscription", post(create_subscription))
        .route("/tracking/push/v1/subscription/{id}", post(activate))
}

/// A DHL problem body `{status, title, detail}`.
pub fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = json!({"status": status.as_u16(), "title": title, "detail": detail});
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn ok_json(body: &Value) -> Response {
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn fault_response(world: &World, fault: Fault) -> Option<Response> {
    match fault {
        Fault::None => None,
        Fault::ServerError => {
            Stats::inc(&world.stats.injected_5xx);
            Some(problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "The service is temporarily unavailable",
            ))
        }
        Fault::TooManyRequests => {
            Stats::inc(&world.stats.injected_429);
            let mut r = problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Too many requests within defined time period…",
            );
            if let Ok(v) = HeaderValue::from_str(&world.knobs.retry_after_secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Some(r)
        }
    }
}

fn key_ok(world: &World, headers: &HeaderMap) -> bool {
    headers
        .get(carriers::dhl::API_KEY_HEADER)
        .is_some_and(|v| v.as_bytes() == world.creds.dhl_api_key.as_bytes())
}

fn unauthorized() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "Invalid or missing DHL-API-Key",
    )
}

async fn track(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    Stats::inc(&world.stats.dhl_tracking);
    if !key_ok(&world, &headers) {
        return unauthorized();
    }
    if let Some(r) = fault_response(&world, world.knobs.apply().await) {
        return r;
    }
    let param = |name: &str| {
        q.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
    };
    let Some(number) = param("trackingNumber").filter(|n| !n.is_empty()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "trackingNumber is required",
        );
    };
    let found = world.find(CarrierId::Dhl, &number).filter(|(_, p)| {
        param("service").is_none_or(|s| s.eq_ignore_ascii_case(p.plan.script.service))
    });
    match found {
        Some((_, p)) if world.visible(&p) > 0 => ok_json(&json!({
            "shipments": [shipment(&p, world.visible(&p))]
        })),
        _ => problem(
            StatusCode::NOT_FOUND,
            "No result found",
            "No shipment with given tracking number found.",
        ),
    }
}

/// Parcel PL reports Polish wall time without offset; Express includes the offset.
fn timestamp(service: &str, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&Warsaw);
    if service == "express" {
        local.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    } else {
        local.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

fn origin_country(p: &Parcel) -> &'static str {
    let first = p
        .steps()
        .iter()
        .map(|s| s.place)
        .collect::<Vec<_>>()
        .join(" ");
    if first.contains("GERMANY") {
        "DE"
    } else if first.contains("UNITED KINGDOM") {
        "GB"
    } else {
        "PL"
    }
}

/// One `shipments[]` entry showing the first `visible` steps (events newest first).
pub fn shipment(p: &Parcel, visible: usize) -> Value {
    let service = p.plan.script.service;
    let steps = p.steps();
    let events: Vec<Value> = (0..visible.min(steps.len()))
        .rev()
        .map(|i| {
            let s = steps[i];
            let mut ev = json!({
                "timestamp": timestamp(service, p.time_of(i)),
                "statusCode": s.class,
                "status": if s.code.is_empty() { s.text } else { s.code },
                "description": s.text,
            });
            if !s.place.is_empty() {
                ev["location"] = json!({"address": {"addressLocality": s.place}});
            }
            ev
        })
        .collect();
    let product = if service == "express" {
        "DHL EXPRESS WORLDWIDE"
    } else {
        "DHL Parcel Polska"
    };
    json!({
        "id": p.plan.number,
        "service": service,
        "origin": {"address": {"countryCode": origin_country(p)}},
        "destination": {"address": {"countryCode": "PL", "postalCode": "30-001"}},
        "status": events.first().cloned().unwrap_or(Value::Null),
        "details": {"product": {"productName": product}, "totalNumberOfPieces": 1},
        "events": events,
    })
}

/// Push event class of a `statusCode` (`transit` → `Transit`).
pub fn push_class(status_code: &str) -> &'static str {
    match status_code {
        "pre-transit" => "Pre-Transit",
        "transit" => "Transit",
        "delivered" => "Delivered",
        "failure" => "Failure",
        _ => "Unknown",
    }
}

/// The active subscriptions that want this parcel's latest visible step.
pub fn subscribers(world: &World, p: &Parcel, visible: usize) -> Vec<DhlSub> {
    let Some(step) = visible.checked_sub(1).and_then(|i| p.steps().get(i)) else {
        return Vec::new();
    };
    let class = push_class(step.class);
    lock(&world.dhl_subs)
        .iter()
        .filter(|s| s.active && s.service.eq_ignore_ascii_case(p.plan.script.service))
        .filter(|s| {
            s.shipment_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&p.plan.number))
        })
        .filter(|s| s.events.iter().any(|e| e.eq_ignore_ascii_case(class)))
        .cloned()
        .collect()
}

/// A `subscription.push` body for one subscription.
pub fn push_body(world: &World, sub: &DhlSub, p: &Parcel, visible: usize) -> Value {
    json!({
        "scope": "subscription.push",
        "self": format!("{}/tracking/push/v1/subscription/{}", world.base_url, sub.id),
        "shipments": [shipment(p, visible)],
    })
}

fn text_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for key in path {
        cur = cur.get(*key)?;
    }
    cur.as_str().map(str::trim).filter(|s| !s.is_empty())
}

async fn create_subscription(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    Stats::inc(&world.stats.dhl_subscription_calls);
    if !key_ok(&world, &headers) {
        return unauthorized();
    }
    let bad = |detail: &str| problem(StatusCode::BAD_REQUEST, "Bad Request", detail);
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad("body is not JSON");
    };
    let (Some(uri), Some(header), Some(token), Some(service)) = (
        text_at(&req, &["hook", "uri"]),
        text_at(&req, &["hook", "authentication", "header"]),
        text_at(&req, &["hook", "authentication", "token"]),
        text_at(&req, &["service"]),
    ) else {
        return bad("hook.uri, hook.authentication.header/token and service are required");
    };
    if !is_loopback_url(uri) {
        return bad("the sandbox pushes only to loopback hook URIs");
    }
    let shipment_ids = match text_at(&req, &["type"]) {
        Some("Account") if text_at(&req, &["accountID"]).is_some() => None,
        Some("Shipment") => {
            let ids: Vec<String> = req
                .get("shipmentIDs")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            if ids.is_empty() || ids.len() > carriers::dhl::MAX_SHIPMENT_IDS {
                return bad("shipmentIDs must hold 1 to 10 ids");
            }
            Some(ids)
        }
        _ => return bad("type must be Account (with accountID) or Shipment (with shipmentIDs)"),
    };
    let events: Vec<String> = req
        .get("events")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .filter(|v: &Vec<String>| !v.is_empty())
        .unwrap_or_else(|| {
            carriers::dhl::PUSH_EVENTS
                .iter()
                .map(|e| e.to_string())
                .collect()
        });
    let sub = DhlSub {
        id: uuid::Uuid::new_v4().to_string(),
        secret: uuid::Uuid::new_v4().simple().to_string(),
        active: false,
        uri: uri.to_string(),
        header: header.to_string(),
        token: token.to_string(),
        service: service.to_string(),
        shipment_ids,
        events,
    };
    let body = json!({
        "id": sub.id,
        "secret": sub.secret,
        "self": format!("{}/tracking/push/v1/subscription/{}", world.base_url, sub.id),
        "expires": (Utc::now() + chrono::Duration::days(90)).to_rfc3339(),
    });
    lock(&world.dhl_subs).push(sub);
    ok_json(&body)
}

async fn activate(
    State(world): State<Arc<World>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    Stats::inc(&world.stats.dhl_subscription_calls);
    if !key_ok(&world, &headers) {
        return unauthorized();
    }
    let presented = headers
        .get(carriers::dhl::HOOK_SECRET_HEADER)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    let mut subs = lock(&world.dhl_subs);
    let Some(sub) = subs.iter_mut().find(|s| s.id == id) else {
        return problem(StatusCode::NOT_FOUND, "Not Found", "No such subscription");
    };
    if presented != sub.secret.as_bytes() {
        return problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "DHL-API-Hook-Secret does not match",
        );
    }
    sub.active = true;
    ok_json(&json!({"id": sub.id, "status": "active"}))
}

#[cfg(test)]
mod tests {
    use super::super::journeys::demo_fleet;
    use super::super::knobs::Knobs;
    use super::super::world::Credentials;
    use super::*;

    #[test]
    fn push_bodies_parse_with_the_real_adapter_and_end_where_expected() {
        let w = World::new(String::new(), 10, Knobs::default(), Credentials::default());
        for plan in demo_fleet()
            .into_iter()
            .filter(|p| p.carrier == CarrierId::Dhl)
        {
            w.add(plan);
        }
        let adapter = carriers::dhl::DhlCarrier::new(Default::default());
        for p in w.parcels() {
            let sub = DhlSub {
                id: "s1".into(),
                secret: String::new(),
                active: true,
                uri: String::new(),
                header: String::new(),
                token: String::new(),
                service: p.plan.script.service.into(),
                shipment_ids: None,
                events: vec![],
            };
            let body = push_body(&w, &sub, &p, p.steps().len()).to_string();
            let parsed = carriers::Carrier::parse_webhook(&adapter, body.as_bytes()).unwrap();
            let snap = &parsed.snapshots[0];
            assert_eq!(snap.events.len(), p.steps().len());
            let (status, sub, _) = crate::engine::merge::derive_status(&snap.events);
            let (want, want_sub) = p.plan.script.expected;
            assert_eq!(
                (status, sub.as_str()),
                (want, want_sub),
                "{}",
                p.plan.number
            );
        }
    }

    #[test]
    fn push_classes_follow_status_codes() {
        assert_eq!(push_class("pre-transit"), "Pre-Transit");
        assert_eq!(push_class("failure"), "Failure");
        assert_eq!(push_class("?"), "Unknown");
    }
}
