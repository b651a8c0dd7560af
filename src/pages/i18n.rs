//! The page's language choice from the request. The languages, texts and date formatting
//! are shared with the shopper messages ([`crate::domain::i18n`]).

use axum::http::HeaderMap;

pub use crate::domain::i18n::*;

/// Chooses the language: `?lang=` first, then the shipment's, then the browser's
/// `Accept-Language`, then English.
pub fn choose(query: Option<&str>, shipment: Option<&str>, headers: &HeaderMap) -> Lang {
    query
        .and_then(Lang::parse)
        .or_else(|| shipment.and_then(Lang::parse))
        .or_else(|| {
            headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.split(',')
                        .find_map(|part| Lang::parse(part.split(';').next()?))
                })
        })
        .unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_choice_order() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::ACCEPT_LANGUAGE,
            axum::http::HeaderValue::from_static("fr-FR, de-DE;q=0.8"),
        );
        assert_eq!(choose(Some("pl"), Some("en"), &h), Lang::Pl);
        assert_eq!(choose(Some("xx"), Some("en"), &h), Lang::En);
        assert_eq!(choose(None, None, &h), Lang::De);
        assert_eq!(choose(None, None, &HeaderMap::new()), Lang::En);
    }
}
