//! The HTTP API: the merchant-facing routes (one file per resource) and bearer-key auth.

pub mod analytics;
pub mod auth;
pub mod carriers;
pub mod contact;
pub mod deliveries;
pub mod dhl_push;
pub mod docs;
pub mod extract;
pub mod merchant;
pub mod merchant_notify;
pub mod preview;
pub mod shipments;
pub mod subscriptions;
pub mod system;
pub mod templates;
pub mod view;

use axum::routing::{delete, get, post, put};
use axum::Router;
use subscriptions as subs;

use crate::state::AppState;

/// The API routes (`/v1/…` resources, health, metrics, docs). The app adds the carrier
/// webhook routes, the request counter and the problem+json layer around them.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/shipments",
            post(shipments::register).get(shipments::list),
        )
        .route(
            "/v1/shipments/{id}",
            get(shipments::get).delete(shipments::delete),
        )
        .route("/v1/shipments/{id}/refresh", post(shipments::refresh))
        .route("/v1/shipments/{id}/contact", delete(contact::erase))
        .route(
            "/v1/shipments/{id}/notifications/{notification_id}/resend",
            post(contact::resend),
        )
        .route("/v1/suppressions", get(contact::suppressions))
        .route("/v1/notification-templates", get(templates::list))
        .route(
            "/v1/notification-templates/{trigger}/{channel}/{lang}",
            put(templates::put)
                .get(templates::get)
                .delete(templates::delete),
        )
        .route("/v1/notifications/preview", post(preview::preview))
        .route("/v1/suppressions/{contact}", delete(contact::unsuppress))
        .route(
            "/v1/shipments/{id}/notifications",
            get(contact::notifications),
        )
        .route(
            "/v1/shipments/{id}/revoke-token",
            post(merchant::revoke_token),
        )
        .route("/v1/merchant", get(merchant::get).patch(merchant::patch))
        .route("/v1/subscriptions", post(subs::create).get(subs::list))
        .route(
            "/v1/subscriptions/{id}",
            get(subs::get).patch(subs::update).delete(subs::delete),
        )
        .route(
            "/v1/subscriptions/{id}/rotate-secret",
            post(subs::rotate_secret),
        )
        .route("/v1/subscriptions/{id}/deliveries", get(deliveries::list))
        .route(
            "/v1/subscriptions/{id}/deliveries/{delivery_id}/retry",
            post(deliveries::retry),
        )
        .route("/v1/subscriptions/{id}/replay", post(deliveries::replay))
        .route("/v1/analytics/carriers", get(analytics::carriers))
        .route("/v1/carriers", get(carriers::list))
        .route("/v1/carriers/detect", get(carriers::detect))
        .route(
            "/v1/carriers/dhl/push-subscriptions",
            post(dhl_push::create),
        )
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(docs::openapi_json))
        .route("/docs", get(docs::docs_page))
}
