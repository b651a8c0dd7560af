//! Shopper contact data on the API: validated when a shipment is registered, sealed to the
//! shipment's row before it is stored, erased on request (`DELETE …/contact`, GDPR), and the
//! shipment's message log (`GET …/notifications`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::auth::AuthMerchant;
use crate::domain::contact::{is_valid_email, normalize_phone, Contact};
use crate::domain::notify_plan::Message;
use crate::domain::{Shipment, ShipmentId};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The contact fields of a registration, checked and normalized (Polish numbers without
/// `+48` become E.164 with it; a German destination reads a leading 0 as German).
pub fn contact_of(
    email: Option<String>,
    phone: Option<String>,
    name: Option<String>,
    destination_country: Option<&str>,
) -> ApiResult<Contact> {
    let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let email = clean(email);
    if let Some(e) = &email {
        if !is_valid_email(e) || e.len() > 254 {
            return Err(ApiError::field(
                "customer_email",
                "must be an e-mail address",
            ));
        }
    }
    let phone = match clean(phone) {
        Some(p) => Some(
            normalize_phone(&p, destination_country.unwrap_or("PL"))
                .map_err(|e| ApiError::field("customer_phone", e.to_string()))?,
        ),
        None => None,
    };
    let name = clean(name);
    if name.as_ref().is_some_and(|n| n.chars().count() > 128) {
        return Err(ApiError::field("customer_name", "at most 128 characters"));
    }
    Ok(Contact { email, phone, name })
}

/// Refuses contact data when no sealing key is configured (it is never stored in the clear).
pub fn require_sealing(state: &AppState, contact: &Contact) -> ApiResult<()> {
    let sealing = state.sealer.as_ref().is_ok_and(|s| s.is_sealing());
    if contact.is_empty() || sealing {
        return Ok(());
    }
    Err(ApiError::field(
        "customer_email",
        "shopper contact data is stored only sealed, and no key is configured: set \
         secrets.key (PARCELGATE_SECRETS__KEY, `openssl rand -base64 32`)",
    ))
}

/// Seals a shipment's contact data to its row and stores it.
pub async fn store_contact(state: &AppState, shipment: &Shipment, c: &Contact) -> ApiResult<()> {
    if c.is_empty() {
        return Ok(());
    }
    let sealer = state
        .sealer
        .as_ref()
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let plain = serde_json::to_string(c).map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let sealed = sealer
        .seal_bound(&plain, &shipment.id)
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let channels = (c.email.is_some(), c.phone.is_some());
    state
        .store
        .put_contact(&shipment.id, &sealed, channels, Utc::now())
        .await?;
    tracing::info!(shipment_id = %shipment.id, contact = %c.masked(), "shopper contact stored sealed");
    Ok(())
}

/// Erase the shipment's shopper contact data now (GDPR). Messages already sent stay in the
/// log without the address; nothing more is sent.
#[utoipa::path(delete, path = "/v1/shipments/{id}/contact", tag = "shipments",
    security(("api_key" = [])), params(("id" = String, Path, description = "Shipment id")),
    responses((status = 204, description = "Erased"),
              (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn erase(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<ShipmentId>,
) -> ApiResult<Response> {
    if state.store.shipment(&m.id, &id).await?.is_none() {
        return Err(ApiError::not_found(format!("no shipment {id}")));
    }
    state.store.erase_contact(&m.id, &id).await?;
    tracing::info!(shipment_id = %id, "shopper contact erased on request");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Every shopper message of a shipment: trigger, channel, status (queued, sent, suppressed,
/// failed, dead), attempts and the provider's last answer.
#[utoipa::path(get, path = "/v1/shipments/{id}/notifications", tag = "shipments",
    security(("api_key" = [])), params(("id" = String, Path, description = "Shipment id")),
    responses((status = 200, description = "The message log"),
              (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn notifications(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(id): Path<ShipmentId>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    if state.store.shipment(&m.id, &id).await?.is_none() {
        return Err(ApiError::not_found(format!("no shipment {id}")));
    }
    let data: Vec<Message> = state.store.messages_of(&id).await?;
    Ok(axum::Json(serde_json::json!({ "data": data })))
}

/// Send a message again (queued now, same Message-ID). Suppressions still apply. A message
/// a sender holds right now is a 409: it is being sent.
#[utoipa::path(post, path = "/v1/shipments/{id}/notifications/{notification_id}/resend",
    tag = "shipments", security(("api_key" = [])),
    params(("id" = String, Path, description = "Shipment id"),
           ("notification_id" = String, Path, description = "Message id")),
    responses((status = 202, description = "Queued again"),
              (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn resend(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path((id, notification_id)): Path<(ShipmentId, String)>,
) -> ApiResult<Response> {
    let owned = state.store.messages_of(&id).await?;
    if state.store.shipment(&m.id, &id).await?.is_none()
        || !owned.iter().any(|x| x.id == notification_id)
    {
        return Err(ApiError::not_found(format!("no message {notification_id}")));
    }
    let Some(msg) = state
        .store
        .requeue_message(&m.id, &notification_id, Utc::now())
        .await?
    else {
        // It exists and is the merchant's (checked above): a sender holds it right now.
        return Err(ApiError::Conflict(format!(
            "message {notification_id} is being sent right now; its outcome shows in the log \
             within the lease (notifications.lease_secs)"
        )));
    };
    Ok((StatusCode::ACCEPTED, axum::Json(msg)).into_response())
}

/// The merchant's suppression list: contacts (masked) that get no more messages, per class.
#[utoipa::path(get, path = "/v1/suppressions", tag = "shipments", security(("api_key" = [])),
    responses((status = 200, description = "The suppression list")))]
pub async fn suppressions(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let data = state.store.suppressions(&m.id).await?;
    Ok(axum::Json(serde_json::json!({ "data": data })))
}

/// Lift a suppression: `{contact}` is the address or number itself, or its `contact_hash`
/// from the list.
#[utoipa::path(delete, path = "/v1/suppressions/{contact}", tag = "shipments",
    security(("api_key" = [])), params(("contact" = String, Path, description = "Address, number or contact_hash")),
    responses((status = 204, description = "Lifted"),
              (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn unsuppress(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path(contact): Path<String>,
) -> ApiResult<Response> {
    let contact = contact.trim();
    let is_hash = contact.len() == 64 && contact.bytes().all(|b| b.is_ascii_hexdigit());
    let hash = if is_hash {
        contact.to_ascii_lowercase()
    } else if contact.contains('@') {
        crate::domain::merchant_rules::email_hash(contact)
    } else {
        let e164 = normalize_phone(contact, "PL")
            .map_err(|e| ApiError::field("contact", e.to_string()))?;
        crate::domain::merchant_rules::email_hash(&e164)
    };
    if !state.store.unsuppress(&m.id, &hash).await? {
        return Err(ApiError::not_found("no such suppression"));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
