//! `/u/{token}`: one-click unsubscribe (RFC 8058). A `POST` (the mail client's one click)
//! suppresses the contact at once and answers 200, never a redirect; a `GET` (a person
//! following the link) shows a confirmation page whose button makes that same `POST`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::notify::unsubscribe::{key, verify};
use crate::state::AppState;
use crate::store::notify::Suppression;

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
    if verify(&key(state.config.sealing_key()), &token).is_none() {
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
    let Some(u) = verify(&key(state.config.sealing_key()), &token) else {
        return html(StatusCode::NOT_FOUND, NOT_VALID.to_string());
    };
    let entry = Suppression {
        contact_hash: u.contact_hash.clone(),
        masked: u.masked.clone(),
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
