//! Carrier webhooks, from the HTTP request to merged tracking updates: `http` checks and
//! stores each body before its 2xx, `ingest` group-commits the bodies, `worker` parses and
//! merges them afterwards.

pub mod http;
pub mod ingest;
pub mod worker;

use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use axum::Router;

use crate::state::AppState;

/// The webhook routes (`POST`/`GET /v1/webhooks/{carrier}/{secret}`), with their own body
/// limit (`webhooks.max_body_bytes`).
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new().route(
        "/v1/webhooks/{carrier}/{secret}",
        post(http::receive)
            .get(http::probe)
            .layer(DefaultBodyLimit::max(state.config.webhooks.max_body_bytes)),
    )
}
