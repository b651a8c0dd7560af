//! Embedding: `frame-ancestors` from the merchant's allowed origins, `/embed.js` (an iframe
//! sized to its content through `postMessage`, both sides checking origins), and CORS on
//! `/t/{token}.json` for exactly the allowed origins.
//!
//! Storefront snippet:
//! `<script src="https://GATEWAY/embed.js" data-token="TOKEN" data-lang="pl" async></script>`
//! — the iframe is inserted right after the script element.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::context::PagesState;
use super::html::{is_https, secure_headers};
use super::view::{valid_token, PublicView};
use crate::state::AppState;

/// Runs inside the tracking page when it may be framed: reports its height to the parent,
/// addressed to each allowed origin in turn (the browser delivers only to the real one).
pub const RESIZE_JS: &str = "(function(){var o=[];try{o=JSON.parse(document.body.getAttribute('data-embed-origins')||'[]')}catch(e){}\
if(window.parent===window||!o.length)return;\
function send(){var h=Math.ceil(document.documentElement.getBoundingClientRect().height);\
for(var i=0;i<o.length;i++){try{window.parent.postMessage({type:'parcelgate:resize',height:h},o[i])}catch(e){}}}\
window.addEventListener('load',send);window.addEventListener('resize',send);\
if(window.ResizeObserver){new ResizeObserver(send).observe(document.body)}send()})();";

/// `/embed.js`: finds its own script element, inserts the iframe after it and resizes it
/// on messages that come from the gateway's origin and from that very iframe.
pub const EMBED_JS: &str = "(function(){'use strict';var s=document.currentScript;if(!s)return;\
var base=new URL(s.src).origin;var t=s.getAttribute('data-token')||'';\
if(!/^[A-Za-z0-9_-]{20,64}$/.test(t))return;var l=s.getAttribute('data-lang')||'';\
var f=document.createElement('iframe');\
f.src=base+'/t/'+t+'?embed=1'+(/^(pl|en|de)$/.test(l)?'&lang='+l:'');\
f.title=s.getAttribute('data-title')||'Shipment tracking';f.setAttribute('scrolling','no');\
f.style.width='100%';f.style.border='0';f.style.display='block';f.style.height='480px';\
f.className='parcelgate-frame';s.parentNode.insertBefore(f,s.nextSibling);\
window.addEventListener('message',function(e){if(e.origin!==base||e.source!==f.contentWindow)return;\
var d=e.data;if(!d||d.type!=='parcelgate:resize')return;var h=Number(d.height);\
if(h>0&&h<20000){f.style.height=Math.ceil(h)+'px';f.setAttribute('data-height',String(Math.ceil(h)))}})})();";

/// The CSP `frame-ancestors` source list: the allowed origins, or `'none'`.
pub fn frame_ancestors(origins: &[String]) -> String {
    let ok: Vec<&str> = origins
        .iter()
        .map(String::as_str)
        .filter(|o| crate::domain::merchant_rules::normalize_origin(o).as_deref() == Some(*o))
        .collect();
    if ok.is_empty() {
        "'none'".to_string()
    } else {
        ok.join(" ")
    }
}

/// `GET /embed.js`: public, cacheable, loadable from any origin.
pub async fn script(State(st): State<PagesState>) -> Response {
    let mut resp = EMBED_JS.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    if is_https(&st.app) {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    resp
}

/// The request's `Origin`, when it is one of `allowed`.
fn allowed_origin<'a>(headers: &HeaderMap, allowed: &'a [String]) -> Option<&'a str> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    allowed.iter().map(String::as_str).find(|a| *a == origin)
}

fn json_headers(app: &AppState, resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    secure_headers(
        h,
        "default-src 'none'; frame-ancestors 'none'",
        is_https(app),
    );
    h.insert(
        header::VARY,
        HeaderValue::from_static("Origin, Accept-Language"),
    );
}

/// `GET /t/{token}.json`, with CORS for the merchant's allowed origins only.
pub fn json_response(
    app: &AppState,
    v: &PublicView,
    allowed: &[String],
    req: &HeaderMap,
) -> Response {
    let body = serde_json::to_vec(v).unwrap_or_default();
    let mut resp = (StatusCode::OK, body).into_response();
    json_headers(app, &mut resp);
    if let Some(o) = allowed_origin(req, allowed) {
        if let Ok(v) = HeaderValue::from_str(o) {
            resp.headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
    }
    resp
}

/// The JSON answer for an unknown or revoked token.
pub fn json_not_found() -> Response {
    let body = serde_json::json!({
        "type": format!("{}not-found", crate::error::PROBLEM_BASE),
        "title": "Not found",
        "status": 404,
        "detail": "no shipment has this tracking token",
    });
    let mut resp = (StatusCode::NOT_FOUND, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// `OPTIONS /t/{token}.json`: CORS preflight, answered for allowed origins only.
pub async fn preflight(
    State(st): State<PagesState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = segment.strip_suffix(".json").unwrap_or(&segment);
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if !valid_token(token) {
        return resp;
    }
    let Ok(Some(s)) = st.app.store.shipment_by_token(token).await else {
        return resp;
    };
    let Ok(Some(m)) = st.app.store.merchant(&s.merchant_id).await else {
        return resp;
    };
    if let Some(o) = allowed_origin(&headers, &m.settings.allowed_origins) {
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(o) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    resp
}
