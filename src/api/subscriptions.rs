//! `/v1/subscriptions`: callback endpoints: create, list, read, update, delete, rotate the
//! signing secret. The secret is shown once, at creation and at rotation; after a rotation
//! the previous secret keeps signing (second signature) for 24 hours.

use crate::domain::SubscriptionId;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carriers::{CarrierId, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::api::auth::AuthMerchant;
use crate::dispatch::payload::{EVENT_TYPES, STATUS_CHANGED};
use crate::dispatch::signing::generate_secret;
use crate::dispatch::ssrf::Policy;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::store::{NewSubscription, Subscription, SubscriptionPatch};

/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// Subscriptions one merchant may have.
pub const MAX_SUBSCRIPTIONS: usize = 50;

/// Body of `POST /v1/subscriptions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSubscription {
    /// Endpoint: `https://…` (public addresses only).
    pub url: String,
    /// Free text.
    pub description: Option<String>,
    /// Event types (default: `["shipment.status_changed"]`).
    pub event_types: Option<Vec<String>>,
    /// Only shipments of these carriers (default: all).
    pub carriers: Option<Vec<String>>,
    /// Only changes to these statuses (default: all).
    pub statuses: Option<Vec<String>>,
    /// Send deliveries (default true).
    pub enabled: Option<bool>,
}

/// Body of `PATCH /v1/subscriptions/{id}`: only the fields present change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSubscription {
    /// Endpoint.
    pub url: Option<String>,
    /// Free text (an empty string clears it).
    pub description: Option<String>,
    /// Event types.
    pub event_types: Option<Vec<String>>,
    /// Carrier filter (empty: all).
    pub carriers: Option<Vec<String>>,
    /// Status filter (empty: all).
    pub statuses: Option<Vec<String>>,
    /// Enable (clears the disabled reason) or disable.
    pub enabled: Option<bool>,
}

/// A subscription as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// Id.
    pub id: String,
    /// Endpoint.
    pub url: String,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Event types sent.
    pub event_types: Vec<String>,
    /// Carrier filter (empty: all).
    pub carriers: Vec<String>,
    /// Status filter (empty: all).
    pub statuses: Vec<String>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// Why it is disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// The signing secret: only in the responses to creation and rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Until when the previous secret still signs (after a rotation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Last successful delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_success_at: Option<DateTime<Utc>>,
    /// Failing since (no success since then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl SubscriptionView {
    /// The view without the secret.
    pub fn of(s: &Subscription) -> Self {
        let now = Utc::now();
        SubscriptionView {
            id: s.id.to_string(),
            url: s.url.clone(),
            description: s.description.clone(),
            event_types: s.event_types.clone(),
            carriers: s.carriers.clone(),
            statuses: s.statuses.clone(),
            enabled: s.enabled,
            disabled_reason: s.disabled_reason.clone(),
            secret: None,
            previous_secret_expires_at: s.previous_secret_expires_at.filter(|t| *t > now),
            last_success_at: s.last_success_at,
            failing_since: s.failing_since,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }

    fn with_secret(s: &Subscription, secret: String) -> Self {
        SubscriptionView {
            secret: Some(secret),
            ..Self::of(s)
        }
    }
}

/// A list of subscriptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionList {
    /// Oldest first.
    pub data: Vec<SubscriptionView>,
}

async fn valid_url(state: &AppState, url: &str) -> ApiResult<String> {
    let url = url.trim();
    if url.len() > 2048 {
        return Err(ApiError::field("url", "must be at most 2048 characters"));
    }
    let cfg = &state.config.callbacks;
    Policy::new(cfg.allow_http, cfg.allowed_cidrs.clone())
        .check_url_resolved(url)
        .await
        .map(|u| u.to_string())
        .map_err(|e| ApiError::field("url", e.to_string()))
}

fn valid_list(
    field: &str,
    values: Vec<String>,
    ok: impl Fn(&str) -> bool,
    allowed: &str,
) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let v = v.trim().to_ascii_lowercase();
        if !ok(&v) {
            return Err(ApiError::field(
                field,
                format!("unknown value {v:?}: use {allowed}"),
            ));
        }
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

fn event_types(v: Vec<String>) -> ApiResult<Vec<String>> {
    let v = valid_list(
        "event_types",
        v,
        |t| EVENT_TYPES.contains(&t),
        &EVENT_TYPES.join(", "),
    )?;
    if v.is_empty() {
        return Err(ApiError::field("event_types", "needs at least one type"));
    }
    Ok(v)
}

fn carriers(v: Vec<String>) -> ApiResult<Vec<String>> {
    valid_list(
        "carriers",
        v,
        |c| CarrierId::parse(c).is_some(),
        "dhl, dpd or inpost",
    )
}

fn statuses(v: Vec<String>) -> ApiResult<Vec<String>> {
    valid_list(
        "statuses",
        v,
        |s| Status::parse(s).is_some(),
        "unified status names",
    )
}

fn description(v: String) -> ApiResult<Option<String>> {
    let v = v.trim().to_string();
    if v.chars().count() > 500 || v.chars().any(char::is_control) {
        return Err(ApiError::field(
            "description",
            "must be at most 500 printable characters",
        ));
    }
    Ok((!v.is_empty()).then_some(v))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no subscription {id}"))
}

/// Register a callback endpoint. The response carries the signing secret, shown only now.
#[utoipa::path(post, path = "/v1/subscriptions", tag = "subscriptions", request_body = CreateSubscription,
    security(("api_key" = [])),
    responses((status = 201, body = SubscriptionView, description = "Created; `secret` is shown only here"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    ApiJson(b): ApiJson<CreateSubscription>,
) -> ApiResult<Response> {
    let secret = generate_secret();
    let new = NewSubscription {
        merchant_id: m.id.clone(),
        url: valid_url(&state, &b.url).await?,
        description: b.description.map(description).transpose()?.flatten(),
        event_types: event_types(
            b.event_types
                .unwrap_or_else(|| vec![STATUS_CHANGED.to_string()]),
        )?,
        carriers: carriers(b.carriers.unwrap_or_default())?,
        statuses: statuses(b.statuses.unwrap_or_default())?,
        enabled: b.enabled.unwrap_or(true),
        secret: sealer(&state)?.seal(&secret),
    };
    if state.store.list_subscriptions(&m.id).await?.len() >= MAX_SUBSCRIPTIONS {
        return Err(ApiError::Conflict(format!(
            "at most {MAX_SUBSCRIPTIONS} subscriptions per merchant"
        )));
    }
    let sub = state.store.create_subscription(&new, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(SubscriptionView::with_secret(&sub, secret)),
    )
        .into_response())
}

/// The secret sealer, or a 503 saying the operator's key is unusable.
fn sealer(state: &AppState) -> ApiResult<&crate::dispatch::sealing::SecretSealer> {
    state
        .sealer
        .as_ref()
        .map_err(|e| ApiError::Unavailable(format!("subscription secrets cannot be stored: {e}")))
}

/// List callback endpoints (secrets are not shown).
#[utoipa::path(get, path = "/v1/subscriptions", tag = "subscriptions", security(("api_key" = [])),
    responses((status = 200, body = SubscriptionList)))]
pub async fn list(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
) -> ApiResult<axum::Json<SubscriptionList>> {
    let subs = state.store.list_subscriptions(&m.id).await?;
    Ok(axum::Json(SubscriptionList {
        data: subs.iter().map(SubscriptionView::of).collect(),
    }))
}

/// One callback endpoint, with its health (last success, failing since, disabled reason).
#[utoipa::path(get, path = "/v1/subscriptions/{id}", tag = "subscriptions", security(("api_key" = [])),
    params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, body = SubscriptionView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<SubscriptionId>,
) -> ApiResult<axum::Json<SubscriptionView>> {
    let sub = state
        .store
        .subscription(&m.id, &id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(axum::Json(SubscriptionView::of(&sub)))
}

/// Change a callback endpoint; `enabled: true` re-enables one that was disabled.
#[utoipa::path(patch, path = "/v1/subscriptions/{id}", tag = "subscriptions", request_body = UpdateSubscription,
    security(("api_key" = [])), params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, body = SubscriptionView), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<SubscriptionId>,
    ApiJson(b): ApiJson<UpdateSubscription>,
) -> ApiResult<axum::Json<SubscriptionView>> {
    let url = match b.url {
        Some(u) => Some(valid_url(&state, &u).await?),
        None => None,
    };
    let patch = SubscriptionPatch {
        url,
        description: b.description.map(description).transpose()?,
        event_types: b.event_types.map(event_types).transpose()?,
        carriers: b.carriers.map(carriers).transpose()?,
        statuses: b.statuses.map(statuses).transpose()?,
        enabled: b.enabled,
    };
    let sub = state
        .store
        .update_subscription(&m.id, &id, &patch, Utc::now())
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(axum::Json(SubscriptionView::of(&sub)))
}

/// Delete a callback endpoint and its delivery log.
#[utoipa::path(delete, path = "/v1/subscriptions/{id}", tag = "subscriptions", security(("api_key" = [])),
    params(("id" = String, Path, description = "Subscription id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<SubscriptionId>,
) -> ApiResult<StatusCode> {
    if !state.store.delete_subscription(&m.id, &id).await? {
        return Err(not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the signing secret. The new secret is in the response (shown only now); the old
/// one keeps signing, as a second signature, for 24 hours.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/rotate-secret", tag = "subscriptions",
    security(("api_key" = [])), params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, body = SubscriptionView, description = "Rotated; `secret` is shown only here"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<SubscriptionId>,
) -> ApiResult<axum::Json<SubscriptionView>> {
    let now = Utc::now();
    let secret = generate_secret();
    let sub = state
        .store
        .rotate_subscription_secret(
            &m.id,
            &id,
            &sealer(&state)?.seal(&secret),
            now + chrono::Duration::hours(ROTATION_OVERLAP_HOURS),
            now,
        )
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(axum::Json(SubscriptionView::with_secret(&sub, secret)))
}

/// The OpenAPI description of callbacks (merged by `api::docs::extra_docs`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        create, list, get, update, delete, rotate_secret,
        super::deliveries::list, super::deliveries::retry, super::deliveries::replay,
    ),
    components(schemas(crate::dispatch::payload::CallbackBody)),
    tags((name = "subscriptions", description = "Status-change callbacks (Standard Webhooks): \
        headers `webhook-id`, `webhook-timestamp`, `webhook-signature`; body `CallbackBody`."))
)]
pub struct SubscriptionsDoc;
