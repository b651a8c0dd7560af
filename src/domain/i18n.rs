//! Page texts in Polish, English and German, language choice, and date formatting.
//! Status names and the plain-words explanations live in [`super::explain`]. Shared by the
//! tracking pages and the shopper messages, so both say the same thing in the same words.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike, Weekday};

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Polish.
    Pl,
    /// English.
    En,
    /// German.
    De,
}

impl Lang {
    /// Every language, in the order the switcher shows them.
    pub const ALL: [Lang; 3] = [Lang::Pl, Lang::En, Lang::De];

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Pl => "pl",
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// Parses a code (`pl`, `en-GB`, `DE` …).
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// Index into per-language tables (pl, en, de).
    pub fn idx(self) -> usize {
        match self {
            Lang::Pl => 0,
            Lang::En => 1,
            Lang::De => 2,
        }
    }

    /// The texts of this language.
    pub fn t(self) -> &'static Texts {
        &TEXTS[self.idx()]
    }
}

/// Every fixed text of the pages, one instance per language.
#[derive(Debug)]
pub struct Texts {
    /// Page title.
    pub title: &'static str,
    /// "Order".
    pub order: &'static str,
    /// Step names.
    pub step_ordered: &'static str,
    /// Step names.
    pub step_shipped: &'static str,
    /// Step names.
    pub step_in_transit: &'static str,
    /// Step names.
    pub step_out_for_delivery: &'static str,
    /// Step names.
    pub step_ready_for_pickup: &'static str,
    /// Step names.
    pub step_delivered: &'static str,
    /// Label of the delivery estimate.
    pub eta: &'static str,
    /// Note under a predicted estimate.
    pub eta_predicted: &'static str,
    /// Label of the delivery time.
    pub delivered_at: &'static str,
    /// Heading of "what happens next".
    pub next: &'static str,
    /// Pickup card heading.
    pub pickup_title: &'static str,
    /// Pickup point id label.
    pub pickup_point: &'static str,
    /// "Collect by".
    pub pickup_until: &'static str,
    /// Carrier card heading.
    pub carrier: &'static str,
    /// "Tracking number".
    pub tracking_number: &'static str,
    /// Link to the carrier's page; `{}` is the carrier's name.
    pub carrier_link: &'static str,
    /// Timeline heading.
    pub history: &'static str,
    /// Empty timeline.
    pub no_events: &'static str,
    /// Note on local times.
    pub local_times: &'static str,
    /// Language switcher label.
    pub language: &'static str,
    /// Not-found page heading.
    pub not_found_title: &'static str,
    /// Not-found page text.
    pub not_found_text: &'static str,
    /// Lookup page heading.
    pub lookup_title: &'static str,
    /// Lookup page intro.
    pub lookup_intro: &'static str,
    /// Order number field.
    pub lookup_order: &'static str,
    /// E-mail or postal code field.
    pub lookup_contact: &'static str,
    /// Submit button.
    pub lookup_submit: &'static str,
    /// No match.
    pub lookup_miss: &'static str,
    /// Rate limited.
    pub lookup_limited: &'static str,
    /// Results heading.
    pub lookup_results: &'static str,
    /// Link to a result.
    pub lookup_open: &'static str,
}

const TEXTS: [Texts; 3] = [
    Texts {
        title: "Śledzenie przesyłki",
        order: "Zamówienie",
        step_ordered: "Zamówione",
        step_shipped: "Nadane",
        step_in_transit: "W drodze",
        step_out_for_delivery: "W doręczeniu",
        step_ready_for_pickup: "Do odbioru",
        step_delivered: "Doręczone",
        eta: "Przewidywana dostawa",
        eta_predicted: "Szacunek na podstawie wcześniejszych dostaw tego przewoźnika.",
        delivered_at: "Doręczono",
        next: "Co dalej?",
        pickup_title: "Gdzie odebrać",
        pickup_point: "Punkt",
        pickup_until: "Odbierz do",
        carrier: "Przewoźnik",
        tracking_number: "Numer przesyłki",
        carrier_link: "Zobacz na stronie {}",
        history: "Historia przesyłki",
        no_events: "Przewoźnik nie przekazał jeszcze żadnych informacji.",
        local_times: "Godziny podano w czasie lokalnym miejsca zdarzenia.",
        language: "Język",
        not_found_title: "Nie znaleziono przesyłki",
        not_found_text: "Ten link do śledzenia jest nieaktualny. Użyj linku z najnowszej wiadomości od sklepu albo skontaktuj się ze sklepem.",
        lookup_title: "Śledź zamówienie",
        lookup_intro: "Podaj numer zamówienia oraz adres e-mail lub kod pocztowy dostawy podane przy zamówieniu.",
        lookup_order: "Numer zamówienia",
        lookup_contact: "E-mail lub kod pocztowy",
        lookup_submit: "Znajdź przesyłkę",
        lookup_miss: "Nie znaleźliśmy zamówienia o tych danych. Sprawdź numer zamówienia i spróbuj ponownie.",
        lookup_limited: "Zbyt wiele prób. Spróbuj ponownie za kilka minut.",
        lookup_results: "Przesyłki w zamówieniu",
        lookup_open: "Pokaż szczegóły",
    },
    Texts {
        title: "Shipment tracking",
        order: "Order",
        step_ordered: "Ordered",
        step_shipped: "Shipped",
        step_in_transit: "In transit",
        step_out_for_delivery: "Out for delivery",
        step_ready_for_pickup: "Ready for pickup",
        step_delivered: "Delivered",
        eta: "Expected delivery",
        eta_predicted: "Estimated from this carrier's recent deliveries.",
        delivered_at: "Delivered",
        next: "What happens next?",
        pickup_title: "Where to collect",
        pickup_point: "Point",
        pickup_until: "Collect by",
        carrier: "Carrier",
        tracking_number: "Tracking number",
        carrier_link: "View on the {} website",
        history: "Tracking history",
        no_events: "The carrier has not sent any updates yet.",
        local_times: "Times are shown in the local time of each event.",
        language: "Language",
        not_found_title: "Shipment not found",
        not_found_text: "This tracking link is no longer valid. Please use the link from the shop's latest message or contact the shop.",
        lookup_title: "Track your order",
        lookup_intro: "Enter your order number and the e-mail address or delivery postal code you gave with the order.",
        lookup_order: "Order number",
        lookup_contact: "E-mail or postal code",
        lookup_submit: "Find my parcel",
        lookup_miss: "We could not find an order with these details. Check the order number and try again.",
        lookup_limited: "Too many attempts. Please try again in a few minutes.",
        lookup_results: "Shipments in your order",
        lookup_open: "Show details",
    },
    Texts {
        title: "Sendungsverfolgung",
        order: "Bestellung",
        step_ordered: "Bestellt",
        step_shipped: "Versendet",
        step_in_transit: "Unterwegs",
        step_out_for_delivery: "In Zustellung",
        step_ready_for_pickup: "Abholbereit",
        step_delivered: "Zugestellt",
        eta: "Voraussichtliche Zustellung",
        eta_predicted: "Schätzung auf Basis der bisherigen Zustellungen dieses Versanddienstleisters.",
        delivered_at: "Zugestellt",
        next: "Wie geht es weiter?",
        pickup_title: "Wo abholen",
        pickup_point: "Abholstelle",
        pickup_until: "Abholen bis",
        carrier: "Versanddienstleister",
        tracking_number: "Sendungsnummer",
        carrier_link: "Auf der Website von {} ansehen",
        history: "Sendungsverlauf",
        no_events: "Der Versanddienstleister hat noch keine Informationen übermittelt.",
        local_times: "Alle Zeiten in der Ortszeit des jeweiligen Ereignisses.",
        language: "Sprache",
        not_found_title: "Sendung nicht gefunden",
        not_found_text: "Dieser Link zur Sendungsverfolgung ist nicht mehr gültig. Bitte nutzen Sie den Link aus der neuesten Nachricht des Shops oder wenden Sie sich an den Shop.",
        lookup_title: "Bestellung verfolgen",
        lookup_intro: "Geben Sie Ihre Bestellnummer und die bei der Bestellung angegebene E-Mail-Adresse oder Postleitzahl der Lieferadresse ein.",
        lookup_order: "Bestellnummer",
        lookup_contact: "E-Mail oder Postleitzahl",
        lookup_submit: "Sendung finden",
        lookup_miss: "Wir konnten keine Bestellung mit diesen Angaben finden. Prüfen Sie die Bestellnummer und versuchen Sie es erneut.",
        lookup_limited: "Zu viele Versuche. Bitte versuchen Sie es in ein paar Minuten erneut.",
        lookup_results: "Sendungen Ihrer Bestellung",
        lookup_open: "Details anzeigen",
    },
];

const MONTHS: [[&str; 12]; 3] = [
    [
        "sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru",
    ],
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    [
        "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
        "Dez.",
    ],
];

const WEEKDAYS: [[&str; 7]; 3] = [
    ["pon.", "wt.", "śr.", "czw.", "pt.", "sob.", "niedz."],
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."],
];

/// `12 Mar` / `12 mar` / `12. März`.
pub fn day_month(lang: Lang, d: NaiveDate) -> String {
    let m = MONTHS[lang.idx()][d.month0() as usize];
    match lang {
        Lang::De => format!("{}. {m}", d.day()),
        _ => format!("{} {m}", d.day()),
    }
}

/// `Tue 12 Mar` / `wt. 12 mar` / `Di., 12. März`.
pub fn date(lang: Lang, d: NaiveDate) -> String {
    let wd = weekday(lang, d.weekday());
    match lang {
        Lang::De => format!("{wd}, {}", day_month(lang, d)),
        _ => format!("{wd} {}", day_month(lang, d)),
    }
}

fn weekday(lang: Lang, w: Weekday) -> &'static str {
    WEEKDAYS[lang.idx()][w.num_days_from_monday() as usize]
}

/// `14:05`.
pub fn time(t: NaiveDateTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `Tue 12 Mar, 14:05` (German: `Di., 12. März, 14:05`).
pub fn date_time(lang: Lang, t: NaiveDateTime) -> String {
    format!("{}, {}", date(lang, t.date()), time(t))
}

/// A delivery window: one day with hours, one whole day, or a span of days.
pub fn window(lang: Lang, from: NaiveDateTime, to: NaiveDateTime) -> String {
    let whole_day = |a: NaiveDateTime, b: NaiveDateTime| {
        a.hour() == 0 && a.minute() == 0 && b.hour() == 23 && b.minute() >= 59
    };
    if from.date() == to.date() {
        if whole_day(from, to) || from == to {
            date(lang, from.date())
        } else {
            format!("{}, {}–{}", date(lang, from.date()), time(from), time(to))
        }
    } else {
        format!("{} – {}", date(lang, from.date()), date(lang, to.date()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap_or_default()
    }

    #[test]
    fn dates_read_naturally_in_each_language() {
        let d = dt("2025-03-11 10:00");
        assert_eq!(date_time(Lang::En, d), "Tue 11 Mar, 10:00");
        assert_eq!(date_time(Lang::Pl, d), "wt. 11 mar, 10:00");
        assert_eq!(date_time(Lang::De, d), "Di., 11. März, 10:00");
        assert_eq!(
            window(Lang::En, d, dt("2025-03-11 14:00")),
            "Tue 11 Mar, 10:00–14:00"
        );
        assert_eq!(
            window(Lang::De, dt("2025-03-11 00:00"), dt("2025-03-13 23:59")),
            "Di., 11. März – Do., 13. März"
        );
    }
}
