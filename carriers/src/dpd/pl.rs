//! DPD Poland InfoServices wire format (carriers.md §2.1): request envelopes for
//! `getEventsForWaybillV1`, `getEventsForCustomerV4` and `markEventsAsProcessedV1`, and the
//! `customerEventsResponseV3` answer turned into unified snapshots.

use std::collections::BTreeMap;

use chrono_tz::Europe::Warsaw;

use super::mapping::map_pl_sequence;
use super::soap::{self, element, envelope, Node};
use crate::carrier::CarrierId;
use crate::error::CarrierError;
use crate::model::{Location, TrackingEvent, TrackingSnapshot};
use crate::time::parse_flexible;

/// InfoServices target namespace.
pub const NS: &str = "http://events.dpdinfoservices.dpd.com.pl/";
/// Endpoint path under the configured base URL.
pub const PATH: &str = "/DPDInfoServicesObjEventsService/DPDInfoServicesObjEvents";
/// Service name put into `ShipmentDetails::service`.
pub const SERVICE: &str = "dpd-pl";

const C: CarrierId = CarrierId::Dpd;

/// `authDataV1{login, password, channel}`.
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    /// InfoServices login.
    pub login: &'a str,
    /// InfoServices password.
    pub password: &'a str,
    /// The InfoServices channel (FID) DPD assigned.
    pub channel: &'a str,
}

fn auth_xml(out: &mut String, auth: Auth<'_>) {
    // Element name `authDataV1` in all three operations: JAXB type of getEventsForWaybillV1,
    // and DPD Polska's own PrestaShop module for markEventsAsProcessedV1.
    out.push_str("<authDataV1>");
    element(out, "login", auth.login);
    element(out, "password", auth.password);
    element(out, "channel", auth.channel);
    out.push_str("</authDataV1>");
}

fn operation(name: &str, fill: impl FnOnce(&mut String)) -> String {
    let mut body = format!("<ns:{name}>");
    fill(&mut body);
    body.push_str(&format!("</ns:{name}>"));
    envelope(&[("ns", NS)], "", &body)
}

/// `getEventsForWaybillV1(waybill, eventsSelectType=ALL, language, authDataV1)`.
pub fn waybill_request(waybill: &str, language: &str, auth: Auth<'_>) -> String {
    operation("getEventsForWaybillV1", |b| {
        element(b, "waybill", waybill);
        element(b, "eventsSelectType", "ALL");
        element(b, "language", language);
        auth_xml(b, auth);
    })
}

/// `getEventsForCustomerV4(limit, language, authDataV1)`: the account feed.
pub fn customer_events_request(limit: u32, language: &str, auth: Auth<'_>) -> String {
    operation("getEventsForCustomerV4", |b| {
        element(b, "limit", &limit.to_string());
        element(b, "language", language);
        auth_xml(b, auth);
    })
}

/// `markEventsAsProcessedV1(confirmId, authDataV1)`: acknowledges a feed batch.
pub fn mark_processed_request(confirm_id: &str, auth: Auth<'_>) -> String {
    operation("markEventsAsProcessedV1", |b| {
        element(b, "confirmId", confirm_id);
        auth_xml(b, auth);
    })
}

/// One `eventDataList` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventData {
    /// Data code.
    pub code: Option<String>,
    /// Data description.
    pub description: Option<String>,
    /// Data value (e.g. the new waybill after a return).
    pub value: Option<String>,
}

/// One `customerEventV3` (`eventsList` element).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// DPD business code (six digits).
    pub business_code: String,
    /// Country of the depot.
    pub country: Option<String>,
    /// Depot number.
    pub depot: Option<String>,
    /// Depot name.
    pub depot_name: Option<String>,
    /// DPD's description in the requested language.
    pub description: Option<String>,
    /// Extra data.
    pub data: Vec<EventData>,
    /// Local time without offset, Europe/Warsaw.
    pub event_time: String,
    /// Waybill (parcel number) the event belongs to.
    pub waybill: Option<String>,
}

/// A parsed `customerEventsResponseV3`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Events {
    /// Feed acknowledgement id (`0` or absent for waybill lookups).
    pub confirm_id: Option<String>,
    /// The events, in DPD's order.
    pub events: Vec<Event>,
}

fn owned(n: &Node, name: &str) -> Option<String> {
    n.child_text(name).map(str::to_string)
}

/// One event; `None` (logged) when it lacks a business code or time, as feed entries that
/// cancel an earlier event do: one such entry must not block the whole feed batch.
fn parse_event(n: &Node, index: usize) -> Option<Event> {
    let (Some(business_code), Some(event_time)) = (owned(n, "businessCode"), owned(n, "eventTime"))
    else {
        tracing::warn!(
            carrier = "dpd",
            index,
            "DPD Poland <eventsList> entry without <businessCode> or <eventTime> skipped"
        );
        return None;
    };
    Some(Event {
        business_code,
        country: owned(n, "country"),
        depot: owned(n, "depot"),
        depot_name: owned(n, "depotName"),
        description: owned(n, "description"),
        data: n
            .children_named("eventDataList")
            .map(|d| EventData {
                code: owned(d, "code"),
                description: owned(d, "description"),
                value: owned(d, "value"),
            })
            .collect(),
        event_time,
        waybill: owned(n, "waybill"),
    })
}

/// The operation's response element (`{operation}Response`) after fault handling.
fn response<'a>(root: &'a Node, operation: &str) -> Result<&'a Node, CarrierError> {
    let body = soap::body(C, root)?;
    if let Some(f) = soap::fault(body) {
        return Err(f.into_error(C));
    }
    let want = format!("{operation}Response");
    body.child(&want).ok_or_else(|| CarrierError::Decode {
        carrier: C,
        detail: format!(
            "SOAP <Body> has no <{want}> (found: {})",
            body.children
                .iter()
                .map(|c| format!("<{}>", c.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// Parses a `getEventsForWaybillV1` or `getEventsForCustomerV4` answer.
pub fn parse_events(body: &[u8], operation: &str) -> Result<Events, CarrierError> {
    let root = soap::parse_tree(C, body)?;
    let resp = response(&root, operation)?;
    let Some(ret) = resp.child("return") else {
        return Ok(Events::default());
    };
    let events = ret
        .children_named("eventsList")
        .enumerate()
        .filter_map(|(i, n)| parse_event(n, i + 1))
        .collect::<Vec<_>>();
    Ok(Events {
        confirm_id: owned(ret, "confirmId").filter(|c| c != "0" || !events.is_empty()),
        events,
    })
}

/// Parses a `markEventsAsProcessedV1` answer: its `return` boolean.
pub fn parse_mark_processed(body: &[u8]) -> Result<bool, CarrierError> {
    let root = soap::parse_tree(C, body)?;
    let resp = response(&root, "markEventsAsProcessedV1")?;
    match resp.child_text("return") {
        Some(v) => Ok(v.eq_ignore_ascii_case("true")),
        None => Err(CarrierError::Decode {
            carrier: C,
            detail: "<markEventsAsProcessedV1Response> has no <return>".to_string(),
        }),
    }
}

/// Turns events into one snapshot per waybill, in first-seen order. `number_for` names the
/// snapshot of an event (the requested number for a lookup, the event's waybill for the feed);
/// events it returns `None` for are skipped. Event times are Europe/Warsaw local (assumed).
pub fn snapshots(
    events: &[Event],
    number_for: impl Fn(&Event) -> Option<String>,
) -> Vec<TrackingSnapshot> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<(crate::time::LocalTime, usize, &Event)>> =
        BTreeMap::new();
    for (i, ev) in events.iter().enumerate() {
        let Some(number) = number_for(ev) else {
            continue;
        };
        let Some(time) = parse_flexible(&ev.event_time, Warsaw) else {
            tracing::warn!(carrier = "dpd", code = %ev.business_code, time = %ev.event_time,
                "DPD Poland event with an unreadable eventTime skipped");
            continue;
        };
        if !groups.contains_key(&number) {
            order.push(number.clone());
        }
        groups.entry(number).or_default().push((time, i, ev));
    }
    order
        .into_iter()
        .filter_map(|number| {
            let mut evs = groups.remove(&number)?;
            // DPD lists newest first; equal instants keep the reverse of DPD's order.
            evs.sort_by(|a, b| a.0.utc.cmp(&b.0.utc).then(b.1.cmp(&a.1)));
            let codes: Vec<&str> = evs
                .iter()
                .map(|(_, _, e)| e.business_code.as_str())
                .collect();
            let mapped = map_pl_sequence(&codes);
            let mut snap = TrackingSnapshot::new(C, number.clone());
            snap.details.service = Some(SERVICE.to_string());
            for ((time, _, ev), m) in evs.into_iter().zip(mapped) {
                let location = Location {
                    text: ev.depot_name.clone().or_else(|| ev.depot.clone()),
                    postal_code: None,
                    country: ev.country.clone(),
                };
                snap.events.push(TrackingEvent::new(
                    C,
                    &number,
                    m,
                    ev.business_code.clone(),
                    ev.description.clone(),
                    time,
                    location,
                ));
            }
            Some(snap)
        })
        .collect()
}
