//! `/v1/carriers`: what is configured, its health and quota, and number detection.

use axum::extract::State;
use carriers::registry::normalize_number;
use carriers::{Capabilities, Detection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiQuery;
use crate::api::auth::AuthMerchant;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::workers::ratelimit::QuotaUse;

/// One configured carrier.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarrierInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `healthy`, or `unhealthy` after the carrier refused our credentials.
    pub health: String,
    /// Why it is unhealthy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_detail: Option<String>,
    /// Batch size, push support, default limits.
    #[schema(value_type = Object)]
    pub capabilities: Capabilities,
    /// Call budget and today's use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaUse>,
}

/// Response of `GET /v1/carriers`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarrierList {
    /// Configured carriers.
    pub data: Vec<CarrierInfo>,
}

/// The carriers this gateway talks to.
#[utoipa::path(get, path = "/v1/carriers", tag = "carriers", security(("api_key" = [])),
    responses((status = 200, body = CarrierList)))]
pub async fn list(State(state): State<AppState>, _m: AuthMerchant) -> axum::Json<CarrierList> {
    let health = state
        .carrier_health
        .lock()
        .map(|h| h.clone())
        .unwrap_or_default();
    let mut data = Vec::new();
    for c in state.registry.all() {
        let problem = health.get(&c.id()).cloned();
        data.push(CarrierInfo {
            id: c.id().as_str().to_string(),
            name: c.id().display_name().to_string(),
            health: if problem.is_some() {
                "unhealthy"
            } else {
                "healthy"
            }
            .to_string(),
            health_detail: problem,
            capabilities: c.capabilities(),
            quota: state.limiter.usage(c.id()).await,
        });
    }
    axum::Json(CarrierList { data })
}

/// Query of the detection endpoint.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DetectQuery {
    /// The number to recognise.
    pub tracking_number: String,
}

/// Candidates for a number.
#[derive(Debug, Serialize, ToSchema)]
pub struct DetectResult {
    /// The number as normalized.
    pub tracking_number: String,
    /// Carriers that claim it, most confident first.
    #[schema(value_type = Vec<Object>)]
    pub candidates: Vec<Detection>,
}

/// Which carrier a tracking number belongs to.
#[utoipa::path(get, path = "/v1/carriers/detect", tag = "carriers", security(("api_key" = [])), params(DetectQuery),
    responses((status = 200, body = DetectResult), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn detect(
    State(state): State<AppState>,
    _m: AuthMerchant,
    ApiQuery(q): ApiQuery<DetectQuery>,
) -> ApiResult<axum::Json<DetectResult>> {
    let n = normalize_number(&q.tracking_number);
    if n.is_empty() || n.len() > 64 {
        return Err(ApiError::field(
            "tracking_number",
            "must be 1 to 64 characters",
        ));
    }
    Ok(axum::Json(DetectResult {
        candidates: state.registry.detect(&n),
        tracking_number: n,
    }))
}
