//! The template variables of a real shipment: the tracking page's own words for what
//! happened and what happens next, the ETA window, the pickup point and its collect-by, the
//! latest event in its local time and the merchant's branding, so the page and the message
//! never disagree. Used by the sender and by the preview alike.

use carriers::{Status, TrackingEvent};
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

use super::templates::context::{Brand, LatestEvent, PickupPoint};
use super::templates::TemplateContext;
use crate::domain::explain;
use crate::domain::i18n::{self, Lang};
use crate::domain::quiet_hours::zone_of;
use crate::domain::{Merchant, Shipment};

/// What a message about one shipment is built from.
pub struct ShipmentMessage<'a> {
    /// The shipment as it stands.
    pub shipment: &'a Shipment,
    /// Its events, oldest first.
    pub events: &'a [TrackingEvent],
    /// Its merchant (name and branding); None when it is gone.
    pub merchant: Option<&'a Merchant>,
    /// The shopper's name, when given.
    pub customer_name: Option<String>,
    /// The message's language.
    pub lang: Lang,
    /// The public tracking page of the shipment.
    pub tracking_url: String,
    /// The one-click unsubscribe page for this contact and class.
    pub unsubscribe_url: Option<String>,
}

impl ShipmentMessage<'_> {
    /// The variables a template sees.
    pub fn context(&self) -> TemplateContext {
        let s = self.shipment;
        let lang = self.lang;
        let words = explain::words(lang, explain::family(s.status, &s.substatus));
        let zone = zone_of(
            s.destination_country
                .as_deref()
                .or(s.details.destination_country.as_deref()),
        );
        let local = |t: DateTime<Utc>| t.with_timezone(&zone).naive_local();
        let journey_over = matches!(s.status, Status::Delivered | Status::ReturnedToSender);
        let mut ctx = TemplateContext::sparse(lang);
        ctx.shop_name = shop_name(self.merchant);
        ctx.order_ref = s.order_ref.clone();
        ctx.carrier = s.carrier.display_name().to_string();
        ctx.tracking_number = s.tracking_number.clone();
        ctx.tracking_url = self.tracking_url.clone();
        ctx.customer_name = self.customer_name.clone();
        ctx.status_text = words.label.to_string();
        ctx.what_happened = words.what.to_string();
        ctx.what_next = words.next.to_string();
        ctx.eta_words = s
            .eta
            .as_ref()
            .filter(|_| !journey_over)
            .map(|e| i18n::window(lang, local(e.from), local(e.to)));
        let waiting = matches!(s.status, Status::AvailableForPickup | Status::FailedAttempt);
        if let Some(p) = s.details.pickup_point.as_ref().filter(|_| waiting) {
            let id = p.id.clone().unwrap_or_default();
            let description = p.description.clone().unwrap_or_default();
            ctx.pickup_point = Some(PickupPoint {
                name: if description.is_empty() {
                    id.clone()
                } else {
                    description.clone()
                },
                address: description,
                id,
            });
            ctx.collect_by = p.available_until.map(|u| i18n::date_time(lang, local(u)));
        }
        ctx.latest_event = self.events.last().map(|e| latest(e, lang));
        if let Some(m) = self.merchant {
            ctx.brand = Brand {
                color: m
                    .settings
                    .accent_color
                    .clone()
                    .unwrap_or_else(|| Brand::default().color),
                logo_url: m.settings.logo_url.clone(),
            };
            ctx.review_url = m.settings.notifications.review_url.clone();
        }
        ctx.unsubscribe_url = self.unsubscribe_url.clone();
        ctx
    }
}

/// The shop's name as shoppers see it: the page's display name, else the account name.
pub fn shop_name(m: Option<&Merchant>) -> String {
    m.map(|m| {
        m.settings
            .display_name
            .clone()
            .unwrap_or_else(|| m.name.clone())
    })
    .unwrap_or_default()
}

/// The latest event in the words of the tracking page, at the local time of the scan.
fn latest(e: &TrackingEvent, lang: Lang) -> LatestEvent {
    let at: NaiveDateTime = match FixedOffset::east_opt(e.utc_offset_seconds) {
        Some(o) => e.occurred_at.with_timezone(&o).naive_local(),
        None => e.occurred_at.naive_utc(),
    };
    let location = match (&e.location.text, &e.location.country) {
        (Some(t), Some(c)) if !t.contains(c.as_str()) => Some(format!("{t}, {c}")),
        (Some(t), _) => Some(t.clone()),
        (None, Some(c)) => Some(c.clone()),
        (None, None) => None,
    };
    LatestEvent {
        text: explain::words(lang, explain::family(e.status, &e.substatus))
            .label
            .to_string(),
        location,
        local_time: i18n::date_time(lang, at),
    }
}
