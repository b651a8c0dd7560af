//! The variables a notification template sees, and the sample shipment templates are
//! validated and previewed against.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::explain::{self, Family};
use crate::domain::i18n::{self, Lang};
use crate::domain::notification::Trigger;

/// Everything a template may use. Optional parts are left out when the shipment has no such
/// thing, so templates test them with `{% if pickup_point %}`, and an unguarded one renders
/// empty when sending (never as `none`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateContext {
    /// The message's language code (`pl`, `en`, `de`).
    pub language: String,
    /// The merchant's shop name.
    pub shop_name: String,
    /// The merchant's order reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    /// The carrier's display name (`InPost`, `DHL`, `DPD`).
    pub carrier: String,
    /// The carrier's tracking number.
    pub tracking_number: String,
    /// The gateway's tracking page for this shipment (short enough for one SMS).
    pub tracking_url: String,
    /// The shopper's name, when the merchant passed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// The current status in a few words (`W drodze`, `Out for delivery`).
    pub status_text: String,
    /// The ETA window in words, in the language (`czw. 4 gru, 10:00–14:00`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta_words: Option<String>,
    /// Where the parcel waits, for pickups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_point: Option<PickupPoint>,
    /// The last day to collect it, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collect_by: Option<String>,
    /// What happened, the tracking page's own words (`pages::explain`).
    pub what_happened: String,
    /// What happens next, the tracking page's own words; empty when there is nothing to add.
    pub what_next: String,
    /// The latest carrier event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_event: Option<LatestEvent>,
    /// The merchant's branding.
    pub brand: Brand,
    /// The one-click unsubscribe page; always set for marketing messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribe_url: Option<String>,
    /// Where the merchant collects reviews, for `review_request` (the built-ins fall back to
    /// the tracking page without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_url: Option<String>,
}

/// The top-level variable names, for error messages.
pub const VARIABLES: [&str; 17] = [
    "language",
    "shop_name",
    "order_ref",
    "carrier",
    "tracking_number",
    "tracking_url",
    "customer_name",
    "status_text",
    "eta_words",
    "pickup_point",
    "collect_by",
    "what_happened",
    "what_next",
    "latest_event",
    "brand",
    "unsubscribe_url",
    "review_url",
];

/// A locker, pickup point or depot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PickupPoint {
    /// Its name (`Paczkomat WAW01M`).
    pub name: String,
    /// Street, postal code and town on one line.
    pub address: String,
    /// The carrier's id of the point (`WAW01M`).
    pub id: String,
}

/// The latest carrier event, as the tracking page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatestEvent {
    /// The event in plain words.
    pub text: String,
    /// Where it happened, when the carrier said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// When, in the local time of the place, in words (`czw. 4 gru, 07:12`).
    pub local_time: String,
}

/// The merchant's look, from its page settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Brand {
    /// Accent colour, `#rrggbb`.
    pub color: String,
    /// Logo (a `data:` or https URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
}

impl Default for Brand {
    fn default() -> Self {
        Brand {
            color: "#1f6feb".into(),
            logo_url: None,
        }
    }
}

const SAMPLE_LOGO: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

impl TemplateContext {
    /// A complete shipment for validating and previewing templates: an InPost parcel waiting
    /// in a locker, with every optional part filled, in the given language. The tracking URL
    /// is 40 characters long, like a real one behind a short public host.
    pub fn sample(lang: Lang) -> TemplateContext {
        let day = |d| NaiveDate::from_ymd_opt(2025, 12, d).unwrap_or_default();
        let at = |d, h| day(d).and_hms_opt(h, 0, 0).unwrap_or_default();
        let words = explain::words(lang, Family::PickupLocker);
        let shop = match lang {
            Lang::Pl => "Sklep Ania",
            Lang::En => "Anna's Shop",
            Lang::De => "Annas Laden",
        };
        let (customer, address, event, town) = match lang {
            Lang::Pl => (
                "Anna Kowalska",
                "ul. Marszałkowska 1, 00-001 Warszawa",
                "Paczka czeka w paczkomacie",
                "Warszawa",
            ),
            Lang::En => (
                "Anna Kowalska",
                "ul. Marszałkowska 1, 00-001 Warsaw",
                "Parcel is waiting in the parcel locker",
                "Warsaw",
            ),
            Lang::De => (
                "Anna Kowalska",
                "ul. Marszałkowska 1, 00-001 Warschau",
                "Paket liegt in der Packstation",
                "Warschau",
            ),
        };
        TemplateContext {
            language: lang.code().into(),
            shop_name: shop.into(),
            order_ref: Some("ZAM-2025-0042".into()),
            carrier: "InPost".into(),
            tracking_number: "620000000000000000000000".into(),
            tracking_url: "https://track.example/t/Ab12Cd34Ef56Gh78".into(),
            customer_name: Some(customer.into()),
            status_text: words.label.into(),
            eta_words: Some(i18n::window(lang, at(4, 10), at(4, 14))),
            pickup_point: Some(PickupPoint {
                name: "Paczkomat WAW01M".into(),
                address: address.into(),
                id: "WAW01M".into(),
            }),
            collect_by: Some(i18n::date(lang, day(6))),
            what_happened: words.what.into(),
            what_next: words.next.into(),
            latest_event: Some(LatestEvent {
                text: event.into(),
                location: Some(town.into()),
                local_time: i18n::date_time(lang, at(4, 7)),
            }),
            brand: Brand {
                // A 1×1 transparent PNG, the shape merchant logos are stored in.
                logo_url: Some(SAMPLE_LOGO.into()),
                ..Brand::default()
            },
            unsubscribe_url: Some("https://track.example/u/Zy98Xw76Vu54".into()),
            review_url: Some("https://shop.example/review/42".into()),
        }
    }

    /// The sample as the message for `trigger` would see it: status and explanations of the
    /// status the trigger covers (a failed attempt reads "nobody was home"), for previews.
    pub fn sample_for(trigger: Trigger, lang: Lang) -> TemplateContext {
        let family = match trigger {
            Trigger::Shipped => Family::InTransit,
            Trigger::OutForDelivery => Family::OutForDelivery,
            Trigger::AvailableForPickup | Trigger::PickupReminder => Family::PickupLocker,
            Trigger::FailedAttempt => Family::FailedAbsent,
            Trigger::Delivered | Trigger::ReviewRequest => Family::Delivered,
            Trigger::Exception => Family::ExceptionOther,
            Trigger::Delayed => Family::Delayed,
            Trigger::ReturnedToSender => Family::Returned,
        };
        let words = explain::words(lang, family);
        TemplateContext {
            status_text: words.label.into(),
            what_happened: words.what.into(),
            what_next: words.next.into(),
            ..TemplateContext::sample(lang)
        }
    }

    /// The sample with every optional part missing, as a shipment registered with nothing
    /// but a tracking number would have it: a template must render for it too.
    pub fn sparse(lang: Lang) -> TemplateContext {
        TemplateContext {
            order_ref: None,
            customer_name: None,
            eta_words: None,
            pickup_point: None,
            collect_by: None,
            what_next: String::new(),
            latest_event: None,
            brand: Brand {
                logo_url: None,
                ..Brand::default()
            },
            unsubscribe_url: None,
            review_url: None,
            ..TemplateContext::sample(lang)
        }
    }
}
