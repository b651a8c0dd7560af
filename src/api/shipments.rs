//! `/v1/shipments`: register, read (cached bytes), list, delete, refresh.

use crate::domain::ShipmentId;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use carriers::registry::normalize_number;
use carriers::{CarrierId, Status};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiQuery};
use super::view::{shipment_summary, shipment_view, ShipmentSummary, ShipmentView};
use crate::api::auth::AuthMerchant;
use crate::cache::Lookup;
use crate::domain::merchant_rules::email_hash;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::store::{NewShipment, ShipmentFilter};

/// Body of `POST /v1/shipments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterShipment {
    /// The carrier's tracking number (spaces and dashes are ignored).
    pub tracking_number: String,
    /// `dhl`, `dpd` or `inpost`; detected from the number when left out.
    pub carrier: Option<String>,
    /// Your order reference (for order lookup and callbacks).
    pub order_ref: Option<String>,
    /// Carrier service, when you know it (DHL: `parcel-de`, `express`, …).
    pub service: Option<String>,
    /// Origin country, ISO 3166-1 alpha-2.
    pub origin_country: Option<String>,
    /// Destination country, ISO 3166-1 alpha-2.
    pub destination_country: Option<String>,
    /// Destination postal code.
    pub destination_postal_code: Option<String>,
    /// Tracking-page language: `pl`, `en` or `de`.
    pub language: Option<String>,
    /// The shopper's e-mail: for shopper messages (stored sealed, erased after retention)
    /// and, as a hash, for the order lookup.
    pub customer_email: Option<String>,
    /// The shopper's phone for text messages, E.164 (a Polish number without `+48` is
    /// taken as Polish). Stored sealed.
    pub customer_phone: Option<String>,
    /// The shopper's name, for the greeting. Stored sealed.
    pub customer_name: Option<String>,
}

fn country(field: &str, v: Option<String>) -> ApiResult<Option<String>> {
    match v.map(|c| c.trim().to_ascii_uppercase()) {
        Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) => Ok(Some(c)),
        Some(c) if c.is_empty() => Ok(None),
        Some(_) => Err(ApiError::field(
            field,
            "must be a two-letter ISO 3166-1 country code",
        )),
        None => Ok(None),
    }
}

fn short_text(field: &str, v: Option<String>, max: usize) -> ApiResult<Option<String>> {
    match v.map(|s| s.trim().to_string()) {
        Some(s) if s.is_empty() => Ok(None),
        Some(s) if s.chars().count() > max || s.chars().any(char::is_control) => Err(
            ApiError::field(field, format!("must be at most {max} printable characters")),
        ),
        other => Ok(other),
    }
}

/// Checks the body and resolves the carrier.
fn validate(state: &AppState, merchant_id: &str, b: RegisterShipment) -> ApiResult<NewShipment> {
    let number = normalize_number(&b.tracking_number);
    if number.len() < 4 || number.len() > 64 || !number.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::field(
            "tracking_number",
            "must be 4 to 64 letters and digits (spaces and dashes are ignored)",
        ));
    }
    let mut service_hint = None;
    let carrier = match b
        .carrier
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => {
            let id = CarrierId::parse(c).ok_or_else(|| {
                ApiError::field(
                    "carrier",
                    format!("unknown carrier {c:?}: use dhl, dpd or inpost"),
                )
            })?;
            if state.registry.get(id).is_none() {
                return Err(ApiError::field(
                    "carrier",
                    format!("{id} is not enabled in this gateway"),
                ));
            }
            id
        }
        None => {
            let found = state.registry.detect(&number);
            match found.as_slice() {
                [] => {
                    return Err(ApiError::field(
                        "tracking_number",
                        "no enabled carrier recognises this number; pass `carrier`",
                    ))
                }
                [one] => {
                    service_hint.clone_from(&one.service);
                    one.carrier
                }
                [a, b, ..] if a.confidence > b.confidence => {
                    service_hint.clone_from(&a.service);
                    a.carrier
                }
                many => {
                    let names: Vec<_> = many.iter().map(|d| d.carrier.as_str()).collect();
                    return Err(ApiError::field(
                        "carrier",
                        format!(
                            "the number fits several carriers ({}); pass `carrier`",
                            names.join(", ")
                        ),
                    ));
                }
            }
        }
    };
    let language = match b.language.map(|l| l.trim().to_ascii_lowercase()) {
        Some(l) if ["pl", "en", "de"].contains(&l.as_str()) => Some(l),
        Some(l) if l.is_empty() => None,
        Some(_) => return Err(ApiError::field("language", "must be pl, en or de")),
        None => None,
    };
    let email_hash = match b.customer_email.map(|e| e.trim().to_string()) {
        Some(e) if e.is_empty() => None,
        Some(e) if e.contains('@') && e.len() <= 254 && !e.contains(char::is_whitespace) => {
            Some(email_hash(&e))
        }
        Some(_) => {
            return Err(ApiError::field(
                "customer_email",
                "must be an e-mail address",
            ))
        }
        None => None,
    };
    Ok(NewShipment {
        merchant_id: merchant_id.into(),
        carrier: Some(carrier),
        tracking_number: number,
        order_ref: short_text("order_ref", b.order_ref, 128)?,
        // The format's service (e.g. DHL `parcel-pl`) helps the carrier find the right shipment.
        service: short_text("service", b.service, 64)?.or(service_hint),
        origin_country: country("origin_country", b.origin_country)?,
        destination_country: country("destination_country", b.destination_country)?,
        destination_postal_code: short_text(
            "destination_postal_code",
            b.destination_postal_code,
            16,
        )?,
        language,
        email_hash,
    })
}

/// Register a shipment. The same carrier + number again returns the existing shipment (200).
#[utoipa::path(post, path = "/v1/shipments", tag = "shipments", request_body = RegisterShipment,
    security(("api_key" = [])),
    responses((status = 201, body = ShipmentView, description = "Registered"),
              (status = 200, body = ShipmentView, description = "Already registered"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn register(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    ApiJson(body): ApiJson<RegisterShipment>,
) -> ApiResult<Response> {
    let contact = super::contact::contact_of(
        body.customer_email.clone(),
        body.customer_phone.clone(),
        body.customer_name.clone(),
        body.destination_country.as_deref(),
    )?;
    super::contact::require_sealing(&state, &contact)?;
    let new = validate(&state, &m.id, body)?;
    let (shipment, created) = state
        .store
        .register_shipment(&new, &super::merchant::new_public_token(), Utc::now())
        .await?;
    // Stored before the poller is woken, so the first scan's message finds its address.
    super::contact::store_contact(&state, &shipment, &contact).await?;
    if created {
        state.wake_poller.notify_one();
    }
    let events = state.store.events(&shipment.id).await?;
    let view = shipment_view(&state, &shipment, &events);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(view)).into_response())
}

fn json_bytes(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A shipment with its timeline. Served from the cache of serialized responses.
#[utoipa::path(get, path = "/v1/shipments/{id}", tag = "shipments", security(("api_key" = [])),
    params(("id" = String, Path, description = "Shipment id")),
    responses((status = 200, body = ShipmentView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<ShipmentId>,
) -> ApiResult<Response> {
    let ticket = match state.cache.get(&id, &m.id).await {
        Lookup::Hit(body) => {
            state
                .metrics
                .inc("parcelgate_cache_requests_total", &[("result", "hit")]);
            return Ok(json_bytes(body));
        }
        Lookup::Miss(ticket) => ticket,
    };
    state
        .metrics
        .inc("parcelgate_cache_requests_total", &[("result", "miss")]);
    let shipment = state
        .store
        .shipment(&m.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no shipment {id}")))?;
    let events = state.store.events(&id).await?;
    let body = Bytes::from(
        serde_json::to_vec(&shipment_view(&state, &shipment, &events)).unwrap_or_default(),
    );
    state.cache.fill(&id, ticket, &m.id, body.clone()).await;
    Ok(json_bytes(body))
}

/// Query of `GET /v1/shipments`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this status.
    pub status: Option<String>,
    /// Only this carrier.
    pub carrier: Option<String>,
    /// Only this order reference.
    pub order_ref: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<u32>,
}

/// A page of shipments.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentPage {
    /// Shipments, newest first.
    pub data: Vec<ShipmentSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// List shipments, newest first, with filters and cursor paging.
#[utoipa::path(get, path = "/v1/shipments", tag = "shipments", security(("api_key" = [])), params(ListQuery),
    responses((status = 200, body = ShipmentPage), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<ShipmentPage>> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            Status::parse(s)
                .ok_or_else(|| ApiError::field("status", format!("unknown status {s:?}")))
        })
        .transpose()?;
    let carrier = q
        .carrier
        .as_deref()
        .map(|c| {
            CarrierId::parse(c)
                .ok_or_else(|| ApiError::field("carrier", format!("unknown carrier {c:?}")))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 200"));
    }
    if let Some(c) = &q.cursor {
        if !c.starts_with("shp_") || c.len() > 64 {
            return Err(ApiError::field(
                "cursor",
                "not a cursor returned by this API",
            ));
        }
    }
    let rows = state
        .store
        .list_shipments(
            &m.id,
            &ShipmentFilter {
                status,
                carrier,
                order_ref: q.order_ref,
                before_id: q.cursor,
                limit: limit + 1,
            },
        )
        .await?;
    let more = rows.len() > limit as usize;
    let page: Vec<_> = rows.iter().take(limit as usize).collect();
    let next_cursor = if more {
        page.last().map(|s| s.id.to_string())
    } else {
        None
    };
    Ok(axum::Json(ShipmentPage {
        data: page
            .into_iter()
            .map(|s| shipment_summary(&state, s))
            .collect(),
        next_cursor,
    }))
}

/// Stop tracking a shipment and delete its timeline.
#[utoipa::path(delete, path = "/v1/shipments/{id}", tag = "shipments", security(("api_key" = [])),
    params(("id" = String, Path, description = "Shipment id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<ShipmentId>,
) -> ApiResult<StatusCode> {
    if !state.store.delete_shipment(&m.id, &id).await? {
        return Err(ApiError::not_found(format!("no shipment {id}")));
    }
    state.cache.invalidate(&id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Ask the carrier now (within its rate limit) and return the updated shipment.
#[utoipa::path(post, path = "/v1/shipments/{id}/refresh", tag = "shipments", security(("api_key" = [])),
    params(("id" = String, Path, description = "Shipment id")),
    responses((status = 200, body = ShipmentView), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 502, body = Problem, content_type = "application/problem+json")))]
pub async fn refresh(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<ShipmentId>,
) -> ApiResult<axum::Json<ShipmentView>> {
    let shipment = state
        .store
        .shipment(&m.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no shipment {id}")))?;
    // A manual refresh spends the same per-shipment budget as the poller (DHL: 10 a day).
    if let (Some(carrier), Some(last)) = (
        state.registry.get(shipment.carrier),
        shipment.last_polled_at,
    ) {
        let gap = crate::workers::poller::min_poll_gap(carrier.as_ref());
        let since = (chrono::Utc::now() - last).to_std().unwrap_or_default();
        if since < gap {
            return Err(ApiError::RateLimited {
                retry_after: (gap - since).as_secs().max(1),
            });
        }
    }
    crate::workers::poller::poll_one(&state, &shipment).await?;
    let shipment = state
        .store
        .shipment(&m.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no shipment {id}")))?;
    let events = state.store.events(&id).await?;
    Ok(axum::Json(shipment_view(&state, &shipment, &events)))
}
