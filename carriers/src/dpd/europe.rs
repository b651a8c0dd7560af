//! DPD Europe wire format (carriers.md §2.3): LoginService 2.1 `getAuth` and
//! ParcelLifeCycleService 2.0 `getTrackingData`, with `statusInfo` entries turned into events.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::mapping::map_europe_status;
use super::soap::{self, element, envelope, Node};
use crate::carrier::CarrierId;
use crate::error::CarrierError;
use crate::model::{Location, TrackingEvent, TrackingSnapshot};
use crate::time::LocalTime;

/// LoginService 2.1 namespace.
pub const LOGIN_NS: &str = "http://dpd.com/common/service/types/LoginService/2.1";
/// LoginService path under the base URL.
pub const LOGIN_PATH: &str = "/soap/services/LoginService/V2_1";
/// SOAPAction of `getAuth`.
pub const LOGIN_ACTION: &str = "http://dpd.com/common/service/types/LoginService/2.1/getAuth";
/// Authentication header namespace.
pub const AUTH_NS: &str = "http://dpd.com/common/service/types/Authentication/2.0";
/// ParcelLifeCycleService 2.0 namespace.
pub const PLC_NS: &str = "http://dpd.com/common/service/types/ParcelLifeCycleService/2.0";
/// ParcelLifeCycleService path under the base URL.
pub const PLC_PATH: &str = "/soap/services/ParcelLifeCycleService/V2_0";
/// SOAPAction of `getTrackingData`.
pub const PLC_ACTION: &str =
    "http://dpd.com/common/service/types/ParcelLifeCycleService/2.0/getTrackingData";
/// Service name put into `ShipmentDetails::service`.
pub const SERVICE: &str = "dpd-europe";

const C: CarrierId = CarrierId::Dpd;

/// `getAuth{delisId, password, messageLanguage}`.
pub fn login_request(delis_id: &str, password: &str, message_language: &str) -> String {
    let mut b = String::from("<ns:getAuth>");
    element(&mut b, "delisId", delis_id);
    element(&mut b, "password", password);
    element(&mut b, "messageLanguage", message_language);
    b.push_str("</ns:getAuth>");
    envelope(&[("ns", LOGIN_NS)], "", &b)
}

/// Header `authentication{delisId, authToken, messageLanguage}` + body `getTrackingData`.
pub fn tracking_request(
    delis_id: &str,
    token: &str,
    message_language: &str,
    parcel: &str,
) -> String {
    let mut h = String::from("<ns:authentication>");
    element(&mut h, "delisId", delis_id);
    element(&mut h, "authToken", token);
    element(&mut h, "messageLanguage", message_language);
    h.push_str("</ns:authentication>");
    let mut b = String::from("<ns1:getTrackingData>");
    element(&mut b, "parcelLabelNumber", parcel);
    b.push_str("</ns1:getTrackingData>");
    envelope(&[("ns", AUTH_NS), ("ns1", PLC_NS)], &h, &b)
}

fn response<'a>(root: &'a Node, element_name: &str) -> Result<&'a Node, CarrierError> {
    let body = soap::body(C, root)?;
    if let Some(f) = soap::fault(body) {
        return Err(f.into_error(C));
    }
    body.child(element_name)
        .ok_or_else(|| CarrierError::Decode {
            carrier: C,
            detail: format!("SOAP <Body> has no <{element_name}>"),
        })
}

/// The `authToken` of a `getAuthResponse`.
pub fn parse_login(body: &[u8]) -> Result<String, CarrierError> {
    let root = soap::parse_tree(C, body)?;
    let resp = response(&root, "getAuthResponse")?;
    resp.child("return")
        .and_then(|r| r.child_text("authToken"))
        .map(str::to_string)
        .ok_or_else(|| CarrierError::Decode {
            carrier: C,
            detail: "<getAuthResponse> has no <return>/<authToken>".to_string(),
        })
}

/// Reads `8/17/2021 7:11:26 PM` (US order, 12-hour clock) as local time in `zone`.
pub fn parse_date(s: &str, zone: Tz) -> Option<LocalTime> {
    let s = s.trim();
    [
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .map(|n| LocalTime::assume_zone(n, zone))
}

/// Splits `Mechelen (BE)` into text and country.
pub fn parse_location(s: &str) -> Location {
    let s = s.trim();
    if let Some(open) = s.rfind('(') {
        let code = s[open + 1..].trim_end_matches(')').trim();
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) && s.ends_with(')') {
            let text = s[..open].trim();
            return Location {
                text: (!text.is_empty()).then(|| text.to_string()),
                postal_code: None,
                country: Some(code.to_ascii_uppercase()),
            };
        }
    }
    Location {
        text: (!s.is_empty()).then(|| s.to_string()),
        ..Location::default()
    }
}

/// The zone a DPD Europe local time is read in: the event's country when known, else `fallback`.
pub fn zone_for(country: Option<&str>, fallback: Tz) -> Tz {
    match country {
        Some("BE") => chrono_tz::Europe::Brussels,
        Some("NL") => chrono_tz::Europe::Amsterdam,
        Some("DE") => chrono_tz::Europe::Berlin,
        Some("LU") => chrono_tz::Europe::Luxembourg,
        Some("AT") => chrono_tz::Europe::Vienna,
        Some("FR") => chrono_tz::Europe::Paris,
        Some("PL") => chrono_tz::Europe::Warsaw,
        _ => fallback,
    }
}

fn line(n: &Node, name: &str) -> Option<String> {
    n.child(name)
        .and_then(|l| l.child_text("content"))
        .map(str::to_string)
}

fn item_text(n: &Node, name: &str) -> Option<String> {
    let item = n.child(name)?;
    let parts: Vec<&str> = item
        .children_named("content")
        .filter_map(|c| c.child_text("content"))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Turns a `getTrackingDataResponse` into a snapshot of the reached `statusInfo` entries.
/// No reached status → NotFound.
pub fn parse_tracking(
    body: &[u8],
    number: &str,
    fallback_zone: Tz,
) -> Result<TrackingSnapshot, CarrierError> {
    let root = soap::parse_tree(C, body)?;
    let resp = response(&root, "getTrackingDataResponse")?;
    let result = resp
        .child("trackingresult")
        .ok_or_else(|| CarrierError::Decode {
            carrier: C,
            detail: "<getTrackingDataResponse> has no <trackingresult>".to_string(),
        })?;
    let mut snap = TrackingSnapshot::new(C, number);
    snap.details.service = Some(SERVICE.to_string());
    snap.details.product = result
        .child("shipmentInfo")
        .and_then(|s| item_text(s, "serviceDescription"));
    for (i, info) in result.children_named("statusInfo").enumerate() {
        if info.child_text("statusHasBeenReached") != Some("true") {
            continue;
        }
        let status = info
            .child_text("status")
            .ok_or_else(|| CarrierError::Decode {
                carrier: C,
                detail: format!("<statusInfo> #{} has no <status>", i + 1),
            })?;
        let location = line(info, "location")
            .map(|l| parse_location(&l))
            .unwrap_or_default();
        let zone = zone_for(location.country.as_deref(), fallback_zone);
        let Some(time) = line(info, "date").and_then(|d| parse_date(&d, zone)) else {
            tracing::warn!(
                carrier = "dpd",
                status,
                "DPD Europe status without a readable date skipped"
            );
            continue;
        };
        let text = item_text(info, "description").or_else(|| line(info, "label"));
        snap.events.push(TrackingEvent::new(
            C,
            number,
            map_europe_status(status),
            status,
            text,
            time,
            location,
        ));
    }
    if snap.events.is_empty() {
        return Err(CarrierError::NotFound {
            carrier: C,
            tracking_number: number.to_string(),
        });
    }
    Ok(snap)
}
