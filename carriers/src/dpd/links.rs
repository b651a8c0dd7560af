//! DPD's public tracking pages: DPD Poland's for Polish shoppers and parcels to Poland,
//! DPD's European one otherwise.

use crate::http_util::form_encode;

/// The tracking page of `number` for a shopper reading `lang`, parcel going to `destination`.
pub fn public_tracking_url(number: &str, lang: &str, destination: Option<&str>) -> String {
    let n = form_encode(number);
    if lang == "pl" || destination == Some("PL") {
        return format!("https://tracktrace.dpd.com.pl/parcelDetails?typ=1&p1={n}");
    }
    let loc = if lang == "de" { "de_DE" } else { "en_US" };
    format!("https://tracking.dpd.de/status/{loc}/parcel/{n}")
}
