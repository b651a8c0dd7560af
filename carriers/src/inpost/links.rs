//! InPost's public tracking page for a number (one page, Polish).

use crate::http_util::form_encode;

/// `https://inpost.pl/sledzenie-przesylek?number=…`.
pub fn public_tracking_url(number: &str) -> String {
    format!(
        "https://inpost.pl/sledzenie-przesylek?number={}",
        form_encode(number)
    )
}
