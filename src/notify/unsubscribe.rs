//! One-click unsubscribe (RFC 8058): every message carries `List-Unsubscribe:
//! <{public_url}/u/{token}>`. The token names the merchant, the contact's hash and the
//! message class, signed with a key derived from the sealing key, so it cannot be forged or
//! pointed at another contact. A `POST` (the mail client's one click) suppresses at once and
//! answers 200, never a redirect; a `GET` (a person following the link) shows a confirmation
//! page with a button.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::domain::MerchantId;
use crate::state::AppState;
use crate::store::notify::Suppression;

/// What a token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// The merchant whose messages stop.
    pub merchant_id: MerchantId,
    /// The contact's hash.
    pub contact_hash: String,
    /// `transactional` or `marketing`.
    pub class: String,
}

fn mac_key(state: &AppState) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"parcelgate unsubscribe v1\0");
    h.update(state.config.sealing_key().expose().as_bytes());
    h.finalize().to_vec()
}

fn sign(key: &[u8], body: &str) -> String {
    // A key of any length is accepted by HMAC; the fallback is never taken.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(body.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The token of a contact's unsubscribe link.
pub fn token(
    state: &AppState,
    merchant_id: &MerchantId,
    contact_hash: &str,
    class: &str,
) -> String {
    let body = URL_SAFE_NO_PAD.encode(format!("{merchant_id}|{contact_hash}|{class}"));
    let mac = sign(&mac_key(state), &body);
    format!("{body}.{mac}")
}

/// The absolute unsubscribe URL of a contact.
pub fn url(state: &AppState, merchant_id: &MerchantId, contact_hash: &str, class: &str) -> String {
    format!(
        "{}/u/{}",
        state.config.public_url.trim_end_matches('/'),
        token(state, merchant_id, contact_hash, class)
    )
}

/// Reads a token; None when malformed or not signed by this gateway.
pub fn verify(state: &AppState, token: &str) -> Option<Unsubscribe> {
    let (body, mac) = token.split_once('.')?;
    let want = sign(&mac_key(state), body);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        want.as_bytes(),
        mac.as_bytes(),
    )) {
        return None;
    }
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    let mut parts = text.splitn(3, '|');
    let (m, h, c) = (parts.next()?, parts.next()?, parts.next()?);
    Some(Unsubscribe {
        merchant_id: m.into(),
        contact_hash: h.to_string(),
        class: c.to_string(),
    })
}

/// `/u/{token}`: the confirmation page and the one-click endpoint.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/u/{token}", get(confirm).post(one_click))
        .with_state(state)
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

const NOT_VALID: &str = "<!doctype html><meta charset=utf-8><title>Link not valid</title>\
    <p>This unsubscribe link is not valid.</p>";

async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if verify(&state, &token).is_none() {
        return html(StatusCode::NOT_FOUND, NOT_VALID.to_string());
    }
    // The button posts back to this URL: the same request a mail client's one click makes.
    html(
        StatusCode::OK,
        "<!doctype html><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
         <title>Unsubscribe</title><h1>Stop these messages?</h1>\
         <p>You will get no more messages of this kind about your parcels from this shop.</p>\
         <form method=post><button type=submit>Unsubscribe</button></form>"
            .to_string(),
    )
}

async fn one_click(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(u) = verify(&state, &token) else {
        return html(StatusCode::NOT_FOUND, NOT_VALID.to_string());
    };
    let entry = Suppression {
        contact_hash: u.contact_hash.clone(),
        masked: String::from("(unsubscribe link)"),
        class: u.class.clone(),
        reason: "unsubscribed".into(),
        created_at: chrono::Utc::now(),
    };
    match state.store.suppress(&u.merchant_id, &entry).await {
        Ok(()) => html(
            StatusCode::OK,
            "<!doctype html><meta charset=utf-8><title>Unsubscribed</title>\
             <p>Done: you are unsubscribed.</p>"
                .to_string(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "recording an unsubscribe failed");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                "<!doctype html><p>Please try again in a minute.</p>".to_string(),
            )
        }
    }
}
