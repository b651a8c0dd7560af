//! `GET /t/{token}` (the shopper's tracking page) and `GET /t/{token}.json` (the same facts
//! for storefronts that draw their own), both from the public view of `view.rs`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;

use super::context::PagesState;
use super::i18n;
use super::view::{public_view, valid_token};
use super::{embed, render};
use crate::store::Merchant;

/// `GET /t/{token}` and `GET /t/{token}.json`.
pub async fn page_or_json(
    State(st): State<PagesState>,
    Path(segment): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (token, json) = match segment.strip_suffix(".json") {
        Some(t) => (t.to_string(), true),
        None => (segment, false),
    };
    let qlang = q.get("lang").map(String::as_str);
    let embedded = q.get("embed").is_some_and(|v| v == "1");
    let found = if valid_token(&token) {
        load(&st, &token).await
    } else {
        Ok(None)
    };
    match found {
        Ok(Some((data, m))) => {
            let (s, events) = (&data.shipment, &data.events);
            let lang = i18n::choose(qlang, s.language.as_deref(), &headers);
            let view = public_view(s, events, &m, lang, &st.app.registry);
            let origins = &m.settings.allowed_origins;
            if json {
                embed::json_response(&st.app, &view, origins, &headers)
            } else {
                render::tracking_page(&st.app, &view, origins, embedded)
            }
        }
        Ok(None) => {
            if json {
                embed::json_not_found()
            } else {
                let lang = i18n::choose(qlang, None, &headers);
                render::message_page(
                    &st.app,
                    lang,
                    StatusCode::NOT_FOUND,
                    lang.t().not_found_title,
                    lang.t().not_found_text,
                )
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "tracking page: storage error");
            let lang = i18n::choose(qlang, None, &headers);
            let mut r = render::message_page(
                &st.app,
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                "503",
                "Service unavailable",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            r
        }
    }
}

/// Reads through the shared cache (invalidated after every committed change).
async fn load(
    st: &PagesState,
    token: &str,
) -> crate::store::StoreResult<Option<(std::sync::Arc<crate::cache::PageData>, Merchant)>> {
    st.app.cache.page(st.app.store.as_ref(), token).await
}
