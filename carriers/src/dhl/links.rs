//! DHL's public tracking page for a number, in the shopper's language.

use crate::http_util::form_encode;

/// `https://www.dhl.com/{site}/home/tracking/…` with the site of `lang` (`pl`, `de`, else English).
pub fn public_tracking_url(number: &str, lang: &str) -> String {
    let site = match lang {
        "pl" => "pl-pl",
        "de" => "de-de",
        _ => "global-en",
    };
    let n = form_encode(number);
    format!(
        "https://www.dhl.com/{site}/home/tracking/tracking-parcel.html?submit=1&tracking-id={n}"
    )
}
