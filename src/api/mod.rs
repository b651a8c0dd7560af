//! The HTTP API: routes, and the layer that makes every error `application/problem+json`.

pub mod analytics;
pub mod carriers;
pub mod deliveries;
pub mod dhl_push;
pub mod docs;
pub mod extract;
pub mod merchant;
pub mod shipments;
pub mod subscriptions;
pub mod system;
pub mod view;
pub mod webhooks;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use subscriptions as subs;

use crate::app::AppState;
use crate::error::{problem_response, ApiError, Problem, PROBLEM_BASE};

/// OpenAPI documents of route groups added outside this module.
pub fn extra_docs() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        <analytics::AnalyticsDoc as utoipa::OpenApi>::openapi(),
        <merchant::MerchantDoc as utoipa::OpenApi>::openapi(),
        <subscriptions::SubscriptionsDoc as utoipa::OpenApi>::openapi(),
    ]
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let webhook_limit = state.config.webhooks.max_body_bytes;
    // Pages answer in HTML, so they sit outside the problem+json layer.
    let pages = crate::pages::router(state.clone());
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
        .route(
            "/v1/webhooks/{carrier}/{secret}",
            post(webhooks::receive)
                .get(webhooks::probe)
                .layer(DefaultBodyLimit::max(webhook_limit)),
        )
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(docs::openapi_json))
        .route("/docs", get(docs::docs_page))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(DefaultBodyLimit::max(256 * 1024))
        .layer(middleware::from_fn(problem_everywhere))
        .with_state(state)
        .merge(pages)
}

/// Counts requests by route template and status class (`parcelgate_http_requests_total`).
async fn count_requests(
    axum::extract::State(state): axum::extract::State<AppState>,
    path: Option<axum::extract::MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let resp = next.run(req).await;
    let route = path.as_ref().map_or("unmatched", |p| p.as_str());
    let class = match resp.status().as_u16() {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    state.metrics.inc(
        "parcelgate_http_requests_total",
        &[("route", route), ("status", class)],
    );
    resp
}

/// Rewrites any error response that is not already problem+json (axum's own rejections:
/// 405, 413, 415) into one, so clients only ever parse one error shape.
async fn problem_everywhere(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if status.as_u16() < 400 {
        return resp;
    }
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if is_problem {
        return resp;
    }
    let (kind, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "this route does not accept that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ("payload-too-large", "request body is larger than allowed")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported-media-type", "unsupported Content-Type")
        }
        _ => ("http-error", status.canonical_reason().unwrap_or("error")),
    };
    problem_response(&Problem {
        kind: format!("{PROBLEM_BASE}{kind}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: detail.to_string(),
        field: None,
        retry_after: None,
    })
}
