//! `/v1/merchant` (tracking-page branding, the origins allowed to embed it, and shopper
//! notifications: `api::merchant_notify`) and
//! `POST /v1/shipments/{id}/revoke-token` (a new public token; the old link stops working).
//!
//! The logo must be a `data:` image URL: the tracking page loads nothing from other hosts,
//! so a link to the merchant's CDN cannot be shown (and is refused here with that reason).

use crate::domain::ShipmentId;
use axum::extract::{Path, State};
use base64::Engine;
use chrono::Utc;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::auth::AuthMerchant;
use super::extract::{some, ApiJson};
use super::merchant_notify::NotificationsPatch;
use crate::domain::merchant_rules::{normalize_origin, valid_color, valid_logo, MAX_ORIGINS};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::store::MerchantSettings;

/// The merchant as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Branding and embedding settings.
    pub settings: MerchantSettings,
    /// The order-lookup page for this merchant's shoppers.
    pub lookup_url: String,
}

/// Body of `PATCH /v1/merchant`: fields present are changed, `null` clears one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// Name on the tracking page.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<Option<String>>,
    /// Logo: a `data:image/(png|jpeg|gif|webp|svg+xml);base64,…` URL up to 48 KiB.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub logo_url: Option<Option<String>>,
    /// Accent colour `#rrggbb`.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub accent_color: Option<Option<String>>,
    /// Origins allowed to embed the page and read its JSON (`https://shop.example`).
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Vec<String>>)]
    pub allowed_origins: Option<Option<Vec<String>>>,
    /// Shopper notifications (merged: fields present change, `null` resets to the default;
    /// `"notifications": null` resets all).
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<NotificationsPatch>)]
    pub notifications: Option<Option<NotificationsPatch>>,
    /// Callbacks carry the shopper's contact (`customer_email`, `customer_phone`,
    /// `customer_name`) while it is kept; `false` (the default) or `null`: they carry none.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<bool>)]
    pub callbacks_include_contact: Option<Option<bool>>,
}

fn view(state: &AppState, id: String, name: String, settings: MerchantSettings) -> MerchantView {
    let base = state.config.public_url.trim_end_matches('/');
    MerchantView {
        lookup_url: format!("{base}/track/{id}"),
        id,
        name,
        settings,
    }
}

/// Your merchant account and tracking-page settings.
#[utoipa::path(get, path = "/v1/merchant", tag = "merchant", security(("api_key" = [])),
    responses((status = 200, body = MerchantView)))]
pub async fn get(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
) -> ApiResult<axum::Json<MerchantView>> {
    // Re-read: the authentication cache may hold settings up to a minute old.
    let m = state
        .store
        .merchant(&m.id)
        .await?
        .unwrap_or_else(|| crate::store::Merchant::clone(&m));
    Ok(axum::Json(view(
        &state,
        m.id.into_string(),
        m.name,
        m.settings,
    )))
}

/// Change tracking-page branding, embedding origins and shopper-notification settings.
#[utoipa::path(patch, path = "/v1/merchant", tag = "merchant", security(("api_key" = [])),
    request_body = SettingsPatch,
    responses((status = 200, body = MerchantView),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    ApiJson(p): ApiJson<SettingsPatch>,
) -> ApiResult<axum::Json<MerchantView>> {
    let m = state
        .store
        .merchant(&m.id)
        .await?
        .unwrap_or_else(|| crate::store::Merchant::clone(&m));
    let mut s = m.settings.clone();
    if let Some(v) = p.display_name {
        s.display_name = match v.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
            Some(n) if n.chars().count() > 80 || n.chars().any(char::is_control) => {
                return Err(ApiError::field(
                    "display_name",
                    "must be at most 80 printable characters",
                ))
            }
            other => other,
        };
    }
    if let Some(v) = p.logo_url {
        s.logo_url = match v.filter(|l| !l.is_empty()) {
            Some(l) if !valid_logo(&l) => {
                return Err(ApiError::field(
                    "logo_url",
                    "must be a base64 data: URL of a png, jpeg, gif, webp or svg+xml image up to 48 KiB \
                     (the tracking page loads nothing from other hosts)",
                ))
            }
            other => other,
        };
    }
    if let Some(v) = p.accent_color {
        s.accent_color = match v.map(|c| c.trim().to_ascii_lowercase()) {
            Some(c) if !valid_color(&c) => {
                return Err(ApiError::field("accent_color", "must be #rrggbb"))
            }
            other => other,
        };
    }
    if let Some(v) = p.allowed_origins {
        let list = v.unwrap_or_default();
        if list.len() > MAX_ORIGINS {
            return Err(ApiError::field(
                "allowed_origins",
                format!("at most {MAX_ORIGINS} origins"),
            ));
        }
        let mut out: Vec<String> = Vec::new();
        for (i, o) in list.iter().enumerate() {
            let n = normalize_origin(o).ok_or_else(|| {
                ApiError::field(
                    format!("allowed_origins[{i}]"),
                    format!(
                        "{o:?} is not an origin: use https://host[:port] (http only for localhost)"
                    ),
                )
            })?;
            if !out.contains(&n) {
                out.push(n);
            }
        }
        s.allowed_origins = out;
    }
    if let Some(v) = p.notifications {
        s.notifications = super::merchant_notify::apply(&s.notifications, v)?;
    }
    if let Some(v) = p.callbacks_include_contact {
        s.callbacks_include_contact = v.unwrap_or(false);
    }
    state.store.update_merchant_settings(&m.id, &s).await?;
    state.auth_cache.invalidate_all();
    state.cache.invalidate_merchant(&m.id).await;
    Ok(axum::Json(view(&state, m.id.into_string(), m.name, s)))
}

/// A shipment's new public link.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// The new token (the old one no longer works).
    pub public_token: String,
    /// The new tracking page.
    pub tracking_url: String,
}

/// A new public token: 160 random bits, URL-safe.
pub fn new_public_token() -> String {
    let mut b = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Revoke a shipment's public tracking link and issue a new one.
#[utoipa::path(post, path = "/v1/shipments/{id}/revoke-token", tag = "shipments", security(("api_key" = [])),
    params(("id" = String, Path, description = "Shipment id")),
    responses((status = 200, body = TokenView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke_token(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<ShipmentId>,
) -> ApiResult<axum::Json<TokenView>> {
    let s = state
        .store
        .rotate_public_token(&m.id, &id, &new_public_token(), Utc::now())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no shipment {id}")))?;
    state.cache.invalidate(&id).await;
    Ok(axum::Json(TokenView {
        tracking_url: state.tracking_url(&s.public_token),
        public_token: s.public_token,
    }))
}

/// OpenAPI description of these routes.
#[derive(OpenApi)]
#[openapi(
    paths(get, patch, revoke_token),
    components(schemas(MerchantView, SettingsPatch, NotificationsPatch, TokenView))
)]
pub struct MerchantDoc;
