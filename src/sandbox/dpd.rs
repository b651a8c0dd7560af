//! DPD Poland InfoServices in the sandbox: one SOAP 1.1 endpoint answering
//! `getEventsForWaybillV1`, `getEventsForCustomerV4` (the account feed, with a `confirmId`)
//! and `markEventsAsProcessedV1`, checking `authDataV1` and answering faults as DPD does.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use carriers::dpd::pl::{NS, PATH};
use carriers::dpd::soap::{self, element, Node};
use carriers::CarrierId;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Warsaw;

use super::knobs::Fault;
use super::world::{lock, Parcel, Stats, World};

/// Most events one feed call returns, whatever `limit` asks for.
pub const MAX_FEED_LIMIT: usize = 1000;

/// The InfoServices route.
pub fn routes() -> Router<Arc<World>> {
    Router::new().route(PATH, post(endpoint))
}

fn xml(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    r
}

/// A SOAP fault, HTTP 500, as the JAX-WS endpoint sends it.
pub fn fault(message: &str) -> Response {
    let mut s = String::new();
    element(&mut s, "faultstring", message);
    xml(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <S:Envelope xmlns:S=\"{}\"><S:Body><S:Fault>\
             <faultcode>S:Server</faultcode>{s}</S:Fault></S:Body></S:Envelope>",
            soap::SOAP_ENV_NS
        ),
    )
}

fn respond(operation: &str, ret: &str) -> Response {
    xml(
        StatusCode::OK,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <S:Envelope xmlns:S=\"{}\"><S:Body>\
             <ns2:{operation}Response xmlns:ns2=\"{NS}\"><return>{ret}</return>\
             </ns2:{operation}Response></S:Body></S:Envelope>",
            soap::SOAP_ENV_NS
        ),
    )
}

fn fault_response(world: &World, f: Fault) -> Option<Response> {
    match f {
        Fault::None => None,
        Fault::ServerError => {
            Stats::inc(&world.stats.injected_5xx);
            Some(
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "503 Service Temporarily Unavailable",
                )
                    .into_response(),
            )
        }
        Fault::TooManyRequests => {
            Stats::inc(&world.stats.injected_429);
            let mut r = (StatusCode::TOO_MANY_REQUESTS, "429 Too Many Requests").into_response();
            if let Ok(v) = HeaderValue::from_str(&world.knobs.retry_after_secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Some(r)
        }
    }
}

fn auth_ok(world: &World, op: &Node) -> bool {
    let Some(auth) = op.child("authDataV1") else {
        return false;
    };
    let c = &world.creds;
    auth.child_text("login") == Some(c.dpd_login.as_str())
        && auth.child_text("password") == Some(c.dpd_password.as_str())
        && auth.child_text("channel") == Some(c.dpd_channel.as_str())
}

async fn endpoint(State(world): State<Arc<World>>, body: Bytes) -> Response {
    if let Some(r) = fault_response(&world, world.knobs.apply().await) {
        return r;
    }
    let root = match soap::parse_tree(CarrierId::Dpd, &body) {
        Ok(r) => r,
        Err(e) => return fault(&format!("Unmarshalling Error: {e}")),
    };
    let Some(op) = soap::body(CarrierId::Dpd, &root)
        .ok()
        .and_then(|b| b.children.first())
    else {
        return fault("Unmarshalling Error: no operation in the SOAP Body");
    };
    if !auth_ok(&world, op) {
        return fault("Access denied to secured webserwis method");
    }
    match op.name.as_str() {
        "getEventsForWaybillV1" => waybill(&world, op),
        "getEventsForCustomerV4" => customer_feed(&world, op),
        "markEventsAsProcessedV1" => mark_processed(&world, op),
        other => fault(&format!("Cannot find dispatch method for {{{NS}}}{other}")),
    }
}

fn waybill(world: &World, op: &Node) -> Response {
    Stats::inc(&world.stats.dpd_waybill);
    let number = op.child_text("waybill").unwrap_or("");
    let only_last = op.child_text("eventsSelectType") == Some("ONLY_LAST");
    let mut ret = String::new();
    element(&mut ret, "confirmId", "0");
    if let Some((i, p)) = world.find(CarrierId::Dpd, number) {
        let shown = world.visible(&p);
        let first = if only_last {
            shown.saturating_sub(1)
        } else {
            0
        };
        // DPD lists a waybill's events newest first.
        for step in (first..shown).rev() {
            event_xml(&mut ret, &p, i, step);
        }
    }
    respond("getEventsForWaybillV1", &ret)
}

fn customer_feed(world: &World, op: &Node) -> Response {
    Stats::inc(&world.stats.dpd_feed);
    let limit = op
        .child_text("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, MAX_FEED_LIMIT);
    let (confirm_id, events) = lock(&world.feed).take(limit);
    let parcels = world.parcels();
    let mut ret = String::new();
    element(&mut ret, "confirmId", confirm_id.as_deref().unwrap_or("0"));
    for e in events {
        if let Some(p) = parcels.get(e.parcel) {
            event_xml(&mut ret, p, e.parcel, e.step);
        }
    }
    respond("getEventsForCustomerV4", &ret)
}

fn mark_processed(world: &World, op: &Node) -> Response {
    Stats::inc(&world.stats.dpd_confirm);
    let ok = op
        .child_text("confirmId")
        .is_some_and(|id| lock(&world.feed).confirm(id));
    respond("markEventsAsProcessedV1", if ok { "true" } else { "false" })
}

/// `2026-05-18T15:20:44.000`: Warsaw wall time without offset, as InfoServices writes it.
fn event_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Warsaw)
        .format("%Y-%m-%dT%H:%M:%S%.3f")
        .to_string()
}

/// One `eventsList` element for step `step` of parcel `p` (index `i`).
fn event_xml(out: &mut String, p: &Parcel, i: usize, step: usize) {
    let Some(s) = p.steps().get(step) else {
        return;
    };
    let depot = 1300 + (s.place.bytes().map(u32::from).sum::<u32>() % 90);
    out.push_str("<eventsList>");
    element(out, "businessCode", s.code);
    element(out, "country", "PL");
    element(out, "depot", &depot.to_string());
    element(out, "depotName", s.place);
    element(out, "description", s.text);
    element(out, "eventTime", &event_time(p.time_of(step)));
    element(
        out,
        "objectId",
        &(1_357_500_000_000_000_000u64 + (i as u64) * 100 + step as u64).to_string(),
    );
    element(out, "packageReference", &format!("DEMO-{:04}", i + 1));
    out.push_str("<parcelReference/>");
    element(out, "waybill", &p.plan.number);
    out.push_str("</eventsList>");
}

#[cfg(test)]
mod tests {
    use super::super::journeys::demo_fleet;
    use super::super::knobs::Knobs;
    use super::super::world::Credentials;
    use super::*;

    #[test]
    fn rendered_events_parse_with_the_real_adapter() {
        let w = World::new(String::new(), 10, Knobs::default(), Credentials::default());
        for plan in demo_fleet()
            .into_iter()
            .filter(|p| p.carrier == CarrierId::Dpd)
        {
            w.add(plan);
        }
        for (i, p) in w.parcels().iter().enumerate() {
            let mut ret = String::new();
            element(&mut ret, "confirmId", "0");
            for step in (0..p.steps().len()).rev() {
                event_xml(&mut ret, p, i, step);
            }
            let r = respond("getEventsForWaybillV1", &ret);
            assert_eq!(r.status(), StatusCode::OK);
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><S:Envelope xmlns:S=\"{}\"><S:Body>\
                 <ns2:getEventsForWaybillV1Response xmlns:ns2=\"{NS}\"><return>{ret}</return>\
                 </ns2:getEventsForWaybillV1Response></S:Body></S:Envelope>",
                soap::SOAP_ENV_NS
            );
            let events =
                carriers::dpd::pl::parse_events(body.as_bytes(), "getEventsForWaybillV1").unwrap();
            assert_eq!(events.events.len(), p.steps().len());
            let snaps =
                carriers::dpd::pl::snapshots(&events.events, |_| Some(p.plan.number.clone()));
            let (status, sub, _) = crate::engine::merge::derive_status(&snaps[0].events);
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
    fn faults_look_like_dpds() {
        let r = fault("Access denied to secured webserwis method");
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
