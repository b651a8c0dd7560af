//! Server-rendered pages for shoppers and merchants: the public tracking page and its JSON,
//! the embed snippet, order lookup and the courier dashboard.
//!
//! These routes are merged outside the API's problem+json layer: their errors are HTML pages
//! (a shopper never sees JSON), except `/t/{token}.json`, which answers in JSON.
//! Every response here carries strict security headers built by [`html::secure_headers`].

pub mod context;
pub mod dashboard;
pub mod embed;
pub mod html;
pub mod i18n;
pub mod limit;
pub mod lookup;
pub mod render;
pub mod session;
pub mod stats;
pub mod svg;
pub mod tracking;
pub mod unsubscribe;
pub mod view;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;
use context::PagesState;

/// The page routes, with their own state (merged into the API router).
pub fn router(app: AppState) -> Router {
    let state = PagesState {
        app,
        sessions: session::Sessions::new(),
        lookup_limit: Arc::new(limit::IpLimiter::new(lookup::ATTEMPTS_PER_WINDOW)),
        login_limit: Arc::new(limit::IpLimiter::new(dashboard::LOGINS_PER_WINDOW)),
    };
    Router::new()
        .route(
            "/t/{token}",
            get(tracking::page_or_json).options(embed::preflight),
        )
        .route("/embed.js", get(embed::script))
        .route(
            "/track/{merchant_id}",
            get(lookup::form).post(lookup::submit),
        )
        .route("/dashboard", get(dashboard::page))
        .route("/dashboard/login", post(dashboard::login))
        .route("/dashboard/logout", post(dashboard::logout))
        .layer(DefaultBodyLimit::max(16 * 1024))
        .with_state(state)
}
