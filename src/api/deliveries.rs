//! A subscription's delivery log (every attempt with status code, latency and error), retry
//! of one delivery by hand, and replay of a time range.
//!
//! A manual retry re-sends the same delivery (same `webhook-id`, so receivers can dedupe):
//! one more attempt, due now. A replay creates new deliveries (new `webhook-id`s) for every
//! status change recorded in `[from, to)` that the subscription's filters accept, with
//! payloads rebuilt from the recorded change; they queue behind anything already pending for
//! the same shipment.

use crate::domain::{MerchantId, SubscriptionId};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiQuery};
use crate::api::auth::AuthMerchant;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::store::{Delivery, DeliveryAttempt, DeliveryFilter, DeliveryState, Subscription};

/// Longest replay range.
pub const MAX_REPLAY_DAYS: i64 = 31;

/// One attempt as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// When it was sent.
    pub attempted_at: DateTime<Utc>,
    /// HTTP status (absent: no response).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Time to the response or the failure.
    pub latency_ms: u64,
    /// What went wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A delivery with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Id.
    pub id: String,
    /// The `webhook-id` header, the same on every attempt.
    pub webhook_id: String,
    /// Event type.
    pub event_type: String,
    /// Shipment.
    pub shipment_id: String,
    /// `pending`, `succeeded` or `dead`.
    pub state: String,
    /// Attempts made.
    pub attempt_count: u32,
    /// Next attempt (pending only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Status of the last attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status: Option<u16>,
    /// Error of the last attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Enqueued.
    pub created_at: DateTime<Utc>,
    /// Succeeded or died at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Every attempt, oldest first.
    pub attempts: Vec<AttemptView>,
}

fn view(d: &Delivery, attempts: &[DeliveryAttempt]) -> DeliveryView {
    DeliveryView {
        id: d.id.clone(),
        webhook_id: d.webhook_id.clone(),
        event_type: d.event_type.clone(),
        shipment_id: d.shipment_id.clone(),
        state: d.state.as_str().to_string(),
        attempt_count: d.attempts,
        next_attempt_at: (d.state == DeliveryState::Pending).then_some(d.next_attempt_at),
        last_status: d.last_status,
        last_error: d.last_error.clone(),
        created_at: d.created_at,
        finished_at: d.finished_at,
        attempts: attempts
            .iter()
            .filter(|a| a.delivery_id == d.id)
            .map(|a| AttemptView {
                attempted_at: a.attempted_at,
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                error: a.error.clone(),
            })
            .collect(),
    }
}

/// Query of the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Only `pending`, `succeeded` or `dead`.
    pub state: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 20).
    pub limit: Option<u32>,
}

/// A page of the delivery log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest first.
    pub data: Vec<DeliveryView>,
    /// Pass as `cursor` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

async fn owned(
    state: &AppState,
    merchant_id: &MerchantId,
    id: &SubscriptionId,
) -> ApiResult<Subscription> {
    state
        .store
        .subscription(merchant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no subscription {id}")))
}

/// The delivery log: deliveries newest first, each with every attempt (status code,
/// latency, error).
#[utoipa::path(get, path = "/v1/subscriptions/{id}/deliveries", tag = "subscriptions",
    security(("api_key" = [])), params(("id" = String, Path, description = "Subscription id"), DeliveryQuery),
    responses((status = 200, body = DeliveryPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<SubscriptionId>,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<axum::Json<DeliveryPage>> {
    let sub = owned(&state, &m.id, &id).await?;
    let filter_state = q
        .state
        .as_deref()
        .map(|s| {
            DeliveryState::parse(s)
                .ok_or_else(|| ApiError::field("state", "must be pending, succeeded or dead"))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 100"));
    }
    if let Some(c) = &q.cursor {
        if !c.starts_with("dlv_") || c.len() > 64 {
            return Err(ApiError::field(
                "cursor",
                "not a cursor returned by this API",
            ));
        }
    }
    let mut rows = state
        .store
        .list_deliveries(
            &sub.id,
            &DeliveryFilter {
                state: filter_state,
                before_id: q.cursor,
                limit: limit + 1,
            },
        )
        .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let ids: Vec<String> = rows.iter().map(|d| d.id.clone()).collect();
    let attempts = state.store.delivery_attempts(&ids).await?;
    Ok(axum::Json(DeliveryPage {
        next_cursor: more.then(|| ids.last().cloned()).flatten(),
        data: rows.iter().map(|d| view(d, &attempts)).collect(),
    }))
}

/// Send one delivery again now (same `webhook-id`); a dead delivery gets one more attempt.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/deliveries/{delivery_id}/retry", tag = "subscriptions",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "Subscription id"), ("delivery_id" = String, Path, description = "Delivery id")),
    responses((status = 202, body = DeliveryView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn retry(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path((id, delivery_id)): Path<(SubscriptionId, String)>,
) -> ApiResult<(StatusCode, axum::Json<DeliveryView>)> {
    let sub = owned(&state, &m.id, &id).await?;
    let d = state
        .store
        .retry_delivery(&sub.id, &delivery_id, Utc::now())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no delivery {delivery_id}")))?;
    let attempts = state
        .store
        .delivery_attempts(std::slice::from_ref(&d.id))
        .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(view(&d, &attempts))))
}

/// Body of a replay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// Start (inclusive) of the range of recorded changes.
    pub from: DateTime<Utc>,
    /// End (exclusive).
    pub to: DateTime<Utc>,
}

/// What a replay enqueued.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayResult {
    /// New deliveries.
    pub enqueued: u64,
}

/// Re-send every status change recorded in `[from, to)` to this subscription (new
/// deliveries with new `webhook-id`s; at most 31 days at once).
#[utoipa::path(post, path = "/v1/subscriptions/{id}/replay", tag = "subscriptions", request_body = ReplayRequest,
    security(("api_key" = [])), params(("id" = String, Path, description = "Subscription id")),
    responses((status = 202, body = ReplayResult), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn replay(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<SubscriptionId>,
    ApiJson(b): ApiJson<ReplayRequest>,
) -> ApiResult<(StatusCode, axum::Json<ReplayResult>)> {
    let sub = owned(&state, &m.id, &id).await?;
    if b.to <= b.from {
        return Err(ApiError::field("to", "must be after `from`"));
    }
    if b.to - b.from > chrono::Duration::days(MAX_REPLAY_DAYS) {
        return Err(ApiError::field(
            "to",
            format!("a replay covers at most {MAX_REPLAY_DAYS} days"),
        ));
    }
    let enqueued = state
        .store
        .replay(&sub.id, b.from, b.to, Utc::now())
        .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(ReplayResult { enqueued })))
}
