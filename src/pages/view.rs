//! The public view of a shipment that the tracking page and its JSON show: it carries
//! nothing private (no e-mail, phone or address, no internal ids, no raw carrier payloads).

use carriers::{CarrierId, Registry, Status, TrackingEvent};
use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, Utc};
use serde::Serialize;

use super::i18n::{self, Lang};
use crate::domain::explain::{family, is_problem, words};
use crate::engine::progress::steps;
use crate::store::{EtaSource, Merchant, MerchantSettings, Shipment};

/// Whether a path segment can be a public token (URL-safe base64, 20–64 characters).
pub fn valid_token(t: &str) -> bool {
    (20..=64).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A step of the tracker as shown.
#[derive(Debug, Serialize)]
pub struct StepView {
    /// `ordered`, `shipped`, `in_transit`, `out_for_delivery` / `ready_for_pickup`, `delivered`.
    pub key: &'static str,
    /// Translated name.
    pub label: &'static str,
    /// `done`, `current`, `upcoming` or `problem`.
    pub state: &'static str,
}

/// The delivery estimate as shown.
#[derive(Debug, Serialize)]
pub struct EtaPublic {
    /// Window start.
    pub from: DateTime<Utc>,
    /// Window end.
    pub to: DateTime<Utc>,
    /// `carrier` or `predicted`.
    pub source: EtaSource,
    /// The window in words, in the destination's local time.
    pub text: String,
}

/// Where the parcel waits.
#[derive(Debug, Serialize)]
pub struct PickupPublic {
    /// Point id (locker name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name and address of the point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Collect before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_until: Option<DateTime<Utc>>,
    /// `available_until` in words, local time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_until_text: Option<String>,
}

/// One timeline entry.
#[derive(Debug, Serialize)]
pub struct EventPublic {
    /// Instant.
    pub occurred_at: DateTime<Utc>,
    /// The instant in the event's local time (RFC 3339 with offset).
    pub local_time: String,
    /// `local_time` in words.
    pub local_text: String,
    /// Unified status.
    pub status: Status,
    /// Substatus.
    pub substatus: String,
    /// Translated name.
    pub label: &'static str,
    /// Place (city, depot), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Branding as shown.
#[derive(Debug, Serialize)]
pub struct Branding {
    /// Shop name.
    pub name: String,
    /// Accent colour `#rrggbb`.
    pub accent_color: String,
    /// Logo as a `data:` URL (never a link to another host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
}

/// Everything the public page shows, also served as JSON.
#[derive(Debug, Serialize)]
pub struct PublicView {
    /// Language of the texts.
    pub language: &'static str,
    /// The shop.
    pub merchant: Branding,
    /// Carrier id.
    pub carrier: CarrierId,
    /// Carrier name.
    pub carrier_name: &'static str,
    /// Tracking number.
    pub tracking_number: String,
    /// The carrier's own tracking page (absent when the carrier is not enabled here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier_url: Option<String>,
    /// The shop's order reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    /// Current status.
    pub status: Status,
    /// Current substatus.
    pub substatus: String,
    /// Headline (status in words).
    pub headline: &'static str,
    /// What happened.
    pub what: &'static str,
    /// What happens next (empty when nothing to say).
    pub next: &'static str,
    /// Whether this needs the shopper's attention.
    pub problem: bool,
    /// Step tracker.
    pub progress: Vec<StepView>,
    /// Delivery estimate (not after delivery or a return).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta: Option<EtaPublic>,
    /// When it was delivered, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_text: Option<String>,
    /// Pickup point, while the parcel waits at one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_point: Option<PickupPublic>,
    /// Events, newest first.
    pub timeline: Vec<EventPublic>,
}

/// The merchant's branding, re-validated at render time (settings may predate validation).
pub fn branding(m: &Merchant) -> Branding {
    let s: &MerchantSettings = &m.settings;
    let name = s
        .display_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| m.name.clone());
    let accent_color = s
        .accent_color
        .clone()
        .filter(|c| crate::domain::merchant_rules::valid_color(c))
        .unwrap_or_else(|| "#1f5eff".to_string());
    let logo = s
        .logo_url
        .clone()
        .filter(|l| crate::domain::merchant_rules::valid_logo(l));
    Branding {
        name,
        accent_color,
        logo,
    }
}

/// The carrier's own tracking page for a number, in the shopper's language (the adapter
/// knows it; `None` when the carrier is not enabled here).
pub fn carrier_url(
    registry: &Registry,
    carrier: CarrierId,
    number: &str,
    lang: Lang,
    dest: Option<&str>,
) -> Option<String> {
    registry
        .get(carrier)
        .and_then(|c| c.public_tracking_url(number, lang.code(), dest))
}

/// Local wall-clock time of the destination: its country's zone, else the latest event's
/// offset, else UTC.
fn dest_local(s: &Shipment, events: &[TrackingEvent]) -> impl Fn(DateTime<Utc>) -> NaiveDateTime {
    let country = s
        .destination_country
        .clone()
        .or_else(|| s.details.destination_country.clone());
    let tz: Option<chrono_tz::Tz> = match country.as_deref() {
        Some("PL") => Some(chrono_tz::Europe::Warsaw),
        Some("DE") => Some(chrono_tz::Europe::Berlin),
        Some("AT") => Some(chrono_tz::Europe::Vienna),
        Some("CZ") => Some(chrono_tz::Europe::Prague),
        Some("SK") => Some(chrono_tz::Europe::Bratislava),
        Some("NL") => Some(chrono_tz::Europe::Amsterdam),
        Some("FR") => Some(chrono_tz::Europe::Paris),
        Some("GB") => Some(chrono_tz::Europe::London),
        _ => None,
    };
    let offset = events
        .last()
        .and_then(|e| FixedOffset::east_opt(e.utc_offset_seconds))
        .unwrap_or_else(|| Utc.fix());
    move |t: DateTime<Utc>| match tz {
        Some(z) => t.with_timezone(&z).naive_local(),
        None => t.with_timezone(&offset).naive_local(),
    }
}

/// Builds the public view.
pub fn public_view(
    s: &Shipment,
    events: &[TrackingEvent],
    m: &Merchant,
    lang: Lang,
    registry: &Registry,
) -> PublicView {
    let t = lang.t();
    let fam = family(s.status, &s.substatus);
    let w = words(lang, fam);
    let local = dest_local(s, events);
    let progress = steps(s.status, events)
        .into_iter()
        .map(|st| StepView {
            key: st.key,
            label: match st.key {
                "ordered" => t.step_ordered,
                "shipped" => t.step_shipped,
                "in_transit" => t.step_in_transit,
                "ready_for_pickup" => t.step_ready_for_pickup,
                "out_for_delivery" => t.step_out_for_delivery,
                _ => t.step_delivered,
            },
            state: st.state,
        })
        .collect();
    let journey_over = s.status.is_terminal()
        || matches!(s.status, Status::Exception | Status::Expired)
        || s.status == Status::AvailableForPickup;
    let eta = s.eta.filter(|_| !journey_over).map(|e| EtaPublic {
        from: e.from,
        to: e.to,
        source: e.source,
        text: i18n::window(lang, local(e.from), local(e.to)),
    });
    let delivered_text = (s.status == Status::Delivered)
        .then_some(s.status_changed_at)
        .flatten()
        .map(|at| i18n::date_time(lang, local(at)));
    let pickup_point = s
        .details
        .pickup_point
        .as_ref()
        .filter(|_| matches!(s.status, Status::AvailableForPickup | Status::FailedAttempt))
        .map(|p| PickupPublic {
            id: p.id.clone(),
            description: p.description.clone(),
            available_until: p.available_until,
            available_until_text: p.available_until.map(|u| i18n::date_time(lang, local(u))),
        });
    let dest = s.destination_country.as_deref();
    let timeline = events
        .iter()
        .rev()
        .map(|e| {
            let off = FixedOffset::east_opt(e.utc_offset_seconds);
            let (rfc, naive) = match off {
                Some(o) => {
                    let lt = e.occurred_at.with_timezone(&o);
                    (lt.to_rfc3339(), lt.naive_local())
                }
                None => (e.occurred_at.to_rfc3339(), e.occurred_at.naive_utc()),
            };
            let location = match (&e.location.text, &e.location.country) {
                (Some(tx), Some(c)) if !tx.contains(c.as_str()) => Some(format!("{tx}, {c}")),
                (Some(tx), _) => Some(tx.clone()),
                (None, Some(c)) => Some(c.clone()),
                (None, None) => None,
            };
            EventPublic {
                occurred_at: e.occurred_at,
                local_time: rfc,
                local_text: i18n::date_time(lang, naive),
                status: e.status,
                substatus: e.substatus.clone(),
                label: words(lang, family(e.status, &e.substatus)).label,
                location,
            }
        })
        .collect();
    PublicView {
        language: lang.code(),
        merchant: branding(m),
        carrier: s.carrier,
        carrier_name: s.carrier.display_name(),
        tracking_number: s.tracking_number.clone(),
        carrier_url: carrier_url(registry, s.carrier, &s.tracking_number, lang, dest),
        order_ref: s.order_ref.clone(),
        status: s.status,
        substatus: s.substatus.clone(),
        headline: w.label,
        what: w.what,
        next: w.next,
        problem: is_problem(fam),
        progress,
        eta,
        delivered_text,
        pickup_point,
        timeline,
    }
}
