//! `POST /v1/carriers/dhl/push-subscriptions`: subscribe this gateway to DHL Unified Push
//! (create, then activate with the hook secret DHL returns), through the carrier's
//! push-subscription capability. Also used by the CLI.

use axum::extract::State;
use axum::http::StatusCode;
use carriers::{CarrierId, PushSubscriptionRequest, PushTarget};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::api::auth::AuthMerchant;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// Body of the subscription request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDhlPush {
    /// DHL service to follow (`parcel-de`, `ecommerce-europe`, `parcel-uk`, …).
    pub service: String,
    /// Follow every shipment of this DHL account…
    pub account_id: Option<String>,
    /// …or these shipments (at most 10).
    #[serde(default)]
    pub shipment_ids: Vec<String>,
    /// Event classes (`Transit`, `Delivered`, `Pre-Transit`, `Failure`, `Unknown`); default all.
    #[serde(default)]
    pub events: Vec<String>,
}

/// An active subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct DhlPushCreated {
    /// DHL's subscription id.
    pub id: String,
    /// Where DHL will push (the secret path segment is masked).
    pub hook_url: String,
    /// Always true: the subscription was activated.
    pub active: bool,
}

/// Why a subscription could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PushSetupError {
    /// The request is incomplete.
    #[error("{0}: {1}")]
    Invalid(String, String),
    /// DHL refused or failed.
    #[error(transparent)]
    Carrier(#[from] carriers::CarrierError),
}

/// The carrier behind `/v1/carriers/dhl/push-subscriptions` and `parcelgate dhl-push`.
const PUSH_CARRIER: &str = "dhl";

/// Creates and activates a push subscription pointed at this gateway's DHL webhook URL.
pub async fn subscribe(
    state: &AppState,
    req: NewDhlPush,
) -> Result<DhlPushCreated, PushSetupError> {
    subscribe_carrier(state, PUSH_CARRIER, req).await
}

/// Creates and activates a push subscription at `carrier` (its `push_subscriptions`
/// capability), pointed at this gateway's webhook URL for that carrier.
pub async fn subscribe_carrier(
    state: &AppState,
    carrier: &str,
    req: NewDhlPush,
) -> Result<DhlPushCreated, PushSetupError> {
    let id = CarrierId::parse(carrier).ok_or_else(|| {
        PushSetupError::Invalid("carrier".into(), format!("unknown carrier {carrier:?}"))
    })?;
    let name = id.display_name();
    let adapter = state.registry.get(id).cloned().ok_or_else(|| {
        PushSetupError::Invalid(
            "carrier".into(),
            format!("{name} is not enabled in this gateway"),
        )
    })?;
    let push = adapter.push_subscriptions().ok_or_else(|| {
        PushSetupError::Invalid(
            "carrier".into(),
            format!("{name} offers no push subscriptions"),
        )
    })?;
    let secret = state
        .config
        .carriers
        .endpoint(id)
        .map(|e| &e.webhook_secret)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            PushSetupError::Invalid(
                format!("carriers.{id}.webhook_secret"),
                format!("set a webhook secret first: it is the path {name} will push to"),
            )
        })?;
    if req.service.trim().is_empty() {
        return Err(PushSetupError::Invalid("service".into(), "required".into()));
    }
    let max = push.max_shipment_ids();
    let target = match (
        req.account_id.filter(|a| !a.trim().is_empty()),
        req.shipment_ids.is_empty(),
    ) {
        (Some(a), true) => PushTarget::Account(a),
        (None, false) if req.shipment_ids.len() <= max => PushTarget::Shipments(req.shipment_ids),
        (None, false) => {
            return Err(PushSetupError::Invalid(
                "shipment_ids".into(),
                format!("at most {max} per subscription"),
            ))
        }
        _ => {
            return Err(PushSetupError::Invalid(
                "account_id".into(),
                "give either account_id or shipment_ids".into(),
            ))
        }
    };
    let base = state.config.public_url.trim_end_matches('/');
    let hook_uri = format!("{base}/v1/webhooks/{id}/{}", secret.expose());
    let created = push
        .create_push_subscription(PushSubscriptionRequest {
            hook_uri,
            service: req.service.trim().to_string(),
            events: req.events,
            target,
        })
        .await?;
    push.activate_push_subscription(&created.id, &created.secret)
        .await?;
    tracing::info!(carrier = %id, subscription = %created.id, "push subscription active");
    Ok(DhlPushCreated {
        id: created.id,
        hook_url: format!("{base}/v1/webhooks/{id}/***"),
        active: true,
    })
}

/// Subscribe the gateway to DHL Unified Push.
#[utoipa::path(post, path = "/v1/carriers/dhl/push-subscriptions", tag = "carriers", security(("api_key" = [])),
    request_body = NewDhlPush,
    responses((status = 201, body = DhlPushCreated), (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 502, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    _m: AuthMerchant,
    ApiJson(body): ApiJson<NewDhlPush>,
) -> ApiResult<(StatusCode, axum::Json<DhlPushCreated>)> {
    match subscribe(&state, body).await {
        Ok(created) => Ok((StatusCode::CREATED, axum::Json(created))),
        Err(PushSetupError::Invalid(field, message)) => Err(ApiError::field(field, message)),
        Err(PushSetupError::Carrier(e)) => Err(ApiError::Carrier(e)),
    }
}
