//! `/track/{merchant_id}`: shoppers find their order's shipments with the order number and
//! the e-mail address or delivery postal code they gave.
//!
//! Scoped to one merchant (order numbers are only unique per shop). Rate-limited per client
//! address. Every answer to a POST — hit, miss, malformed or rate-limited — is held back to
//! the same floor ([`FLOOR`], or the next multiple of it when the work took longer), so the
//! response time does not tell a hit from a miss. E-mails are compared by hash, in constant
//! time; the address itself is never stored or logged.

use crate::domain::MerchantId;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use subtle::ConstantTimeEq;
use tokio::time::Instant;

use super::context::PagesState;
use super::html::esc;
use super::i18n::{self, Lang};
use super::render::{document, html_response, message_page, theme, BASE_CSS};
use super::view::branding;
use crate::domain::explain::{family, words};
use crate::domain::merchant_rules::email_hash;
use crate::inbound::http::client_ip;
use crate::store::{Merchant, Shipment, ShipmentFilter};

/// Lookups per client address per [`super::limit::WINDOW`].
pub const ATTEMPTS_PER_WINDOW: u32 = 10;
/// Every lookup answer takes at least this long.
pub const FLOOR: Duration = Duration::from_millis(400);

const CSS: &str = ".res{list-style:none;padding:0;margin:0}.res li{padding:.7rem 0;border-top:1px solid #e3e6ea}\
.res li:first-child{border-top:0}.res b{display:block}.msg{border-left:4px solid #c4320a;background:#fff3f0;\
padding:.6rem .8rem;border-radius:8px}header.brand .shop{font-weight:650}";

enum Outcome {
    Form,
    Limited,
    Miss,
    Found(Vec<Shipment>),
}

/// `GET /track/{merchant_id}`: the form.
pub async fn form(
    State(st): State<PagesState>,
    Path(merchant_id): Path<MerchantId>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let lang = i18n::choose(q.get("lang").map(String::as_str), None, &headers);
    match merchant(&st, &merchant_id).await {
        Some(m) => page(&st, &m, lang, "", Outcome::Form),
        None => not_found(&st, lang),
    }
}

/// `POST /track/{merchant_id}` (form fields `order`, `contact`, `lang`).
pub async fn submit(
    State(st): State<PagesState>,
    Path(merchant_id): Path<MerchantId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let start = Instant::now();
    let lang = i18n::choose(f.get("lang").map(String::as_str), None, &headers);
    let ip = client_ip(peer.ip(), &headers, &st.app.config.webhooks.trusted_proxies);
    let order = f.get("order").map(|s| s.trim()).unwrap_or("").to_string();
    let contact = f.get("contact").map(|s| s.trim()).unwrap_or("").to_string();
    let m = merchant(&st, &merchant_id).await;
    let outcome = if !st.lookup_limit.allow(ip).await {
        Outcome::Limited
    } else {
        match &m {
            Some(m) => find(&st, &m.id, &order, &contact).await,
            None => Outcome::Miss,
        }
    };
    pad(start).await;
    match m {
        Some(m) => page(&st, &m, lang, &order, outcome),
        None => not_found(&st, lang),
    }
}

/// Sleeps until `start` + the next multiple of [`FLOOR`].
async fn pad(start: Instant) {
    let floor = FLOOR.as_millis().max(1);
    let elapsed = start.elapsed().as_millis();
    let slots = elapsed / floor + 1;
    let target =
        start + Duration::from_millis(u64::try_from(slots * floor).unwrap_or(u64::MAX / 2));
    tokio::time::sleep_until(target).await;
}

async fn merchant(st: &PagesState, id: &str) -> Option<Merchant> {
    if id.len() > 64 || !id.starts_with("mer_") {
        return None;
    }
    match st.app.store.merchant(id).await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "order lookup: storage error");
            None
        }
    }
}

/// Postal codes compare without spaces or dashes, case-insensitively.
fn postal(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

async fn find(st: &PagesState, merchant_id: &MerchantId, order: &str, contact: &str) -> Outcome {
    if order.is_empty() || order.chars().count() > 128 || contact.is_empty() || contact.len() > 254
    {
        return Outcome::Miss;
    }
    let filter = ShipmentFilter {
        order_ref: Some(order.to_string()),
        limit: 50,
        ..ShipmentFilter::default()
    };
    let rows = match st.app.store.list_shipments(merchant_id, &filter).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "order lookup: storage error");
            return Outcome::Miss;
        }
    };
    let by_email = contact.contains('@');
    let wanted = if by_email {
        email_hash(contact)
    } else {
        postal(contact)
    };
    let hits: Vec<Shipment> = rows
        .into_iter()
        .filter(|s| {
            let have = if by_email {
                s.email_hash.clone()
            } else {
                s.destination_postal_code.as_deref().map(postal)
            };
            // Evaluate the comparison for every row, matched or not.
            have.is_some_and(|h| !h.is_empty() & ct_eq(&h, &wanted))
        })
        .collect();
    if hits.is_empty() {
        Outcome::Miss
    } else {
        Outcome::Found(hits)
    }
}

fn not_found(st: &PagesState, lang: Lang) -> Response {
    let t = lang.t();
    message_page(
        &st.app,
        lang,
        StatusCode::NOT_FOUND,
        t.not_found_title,
        t.lookup_miss,
    )
}

fn page(st: &PagesState, m: &Merchant, lang: Lang, order: &str, outcome: Outcome) -> Response {
    let t = lang.t();
    let brand = branding(m);
    let style = format!("{}{BASE_CSS}{CSS}", theme(&brand.accent_color));
    let logo = brand
        .logo
        .as_ref()
        .map(|l| format!("<img src=\"{}\" alt=\"\">", esc(l)))
        .unwrap_or_default();
    let mut b = format!(
        "<body><header class=\"brand\">{logo}<span class=\"shop\">{}</span></header><main class=\"wrap\">\
         <section class=\"card\"><h1>{}</h1><p class=\"muted\">{}</p>",
        esc(&brand.name),
        esc(t.lookup_title),
        esc(t.lookup_intro)
    );
    let status = match &outcome {
        Outcome::Limited => {
            b.push_str(&format!(
                "<p class=\"msg\" id=\"result\" data-result=\"limited\">{}</p>",
                esc(t.lookup_limited)
            ));
            StatusCode::TOO_MANY_REQUESTS
        }
        Outcome::Miss => {
            b.push_str(&format!(
                "<p class=\"msg\" id=\"result\" data-result=\"miss\">{}</p>",
                esc(t.lookup_miss)
            ));
            StatusCode::OK
        }
        _ => StatusCode::OK,
    };
    b.push_str(&format!(
        "<form method=\"post\" action=\"/track/{}\"><input type=\"hidden\" name=\"lang\" value=\"{}\">\
         <label for=\"order\">{}</label><input id=\"order\" name=\"order\" required maxlength=\"128\" value=\"{}\" autocomplete=\"off\">\
         <label for=\"contact\">{}</label><input id=\"contact\" name=\"contact\" required maxlength=\"254\" autocomplete=\"email\">\
         <button type=\"submit\">{}</button></form></section>",
        esc(&m.id),
        lang.code(),
        esc(t.lookup_order),
        esc(order),
        esc(t.lookup_contact),
        esc(t.lookup_submit)
    ));
    if let Outcome::Found(list) = &outcome {
        b.push_str(&format!(
            "<section class=\"card\" id=\"result\" data-result=\"found\"><h2>{}</h2><ul class=\"res\">",
            esc(t.lookup_results)
        ));
        for s in list {
            let w = words(lang, family(s.status, &s.substatus));
            b.push_str(&format!(
                "<li><b>{} · {}</b><span class=\"muted\">{}</span> – <a href=\"/t/{}?lang={}\">{}</a></li>",
                esc(s.carrier.display_name()),
                esc(&s.tracking_number),
                esc(w.label),
                esc(&s.public_token),
                lang.code(),
                esc(t.lookup_open)
            ));
        }
        b.push_str("</ul></section>");
    }
    b.push_str("</main></body>");
    let html = document(lang, t.lookup_title, &style, &b, None);
    html_response(&st.app, status, html, &style, None, "'none'")
}
