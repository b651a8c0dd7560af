//! `POST /v1/webhooks/{carrier}/{secret}`: carrier webhooks in. The body is stored before the
//! 2xx and processed afterwards by the inbox worker. `GET` on the same URL answers 200
//! (InPost checks the URL that way).

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use carriers::CarrierId;
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::CidrList;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::store::NewInboxItem;

/// Acknowledgement of a stored webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct Received {
    /// Inbox id of the stored body.
    pub id: i64,
}

/// The client address: the peer, or — only when the peer is a trusted proxy — the last
/// address in `X-Forwarded-For` that is not itself a trusted proxy. Also used by the pages'
/// per-address limits.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &CidrList) -> IpAddr {
    if !trusted.contains(peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(*ip))
        .unwrap_or(peer)
}

/// Authenticates the URL and source; returns the carrier. Unknown carrier and wrong secret
/// look the same (404), so the endpoint reveals nothing to a scanner.
fn authorize(
    state: &AppState,
    carrier: &str,
    secret: &str,
    client: IpAddr,
) -> ApiResult<CarrierId> {
    let not_found = || ApiError::not_found("no such webhook endpoint");
    let id = CarrierId::parse(carrier).ok_or_else(not_found)?;
    if state.registry.get(id).is_none() {
        return Err(not_found());
    }
    let endpoint = state.config.carriers.endpoint(id).ok_or_else(not_found)?;
    let allowed = &endpoint.allowed_sources;
    if !endpoint.webhook_secret.matches(secret.as_bytes()) {
        state.metrics.inc(
            "parcelgate_webhooks_rejected_total",
            &[("carrier", id.as_str()), ("reason", "secret")],
        );
        return Err(not_found());
    }
    if !allowed.is_empty() && !allowed.contains(client) {
        state.metrics.inc(
            "parcelgate_webhooks_rejected_total",
            &[("carrier", id.as_str()), ("reason", "source")],
        );
        tracing::warn!(carrier = %id, %client, "webhook from an address outside the allow-list");
        return Err(ApiError::Forbidden(format!(
            "source address {client} is not allowed for {id} webhooks"
        )));
    }
    Ok(id)
}

/// Receive a carrier webhook.
#[utoipa::path(post, path = "/v1/webhooks/{carrier}/{secret}", tag = "webhooks",
    params(("carrier" = String, Path, description = "dhl, dpd or inpost"), ("secret" = String, Path, description = "The configured webhook secret")),
    request_body(content = String, description = "The carrier's payload, exactly as it sends it"),
    responses((status = 200, body = Received), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn receive(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((carrier, secret)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::Json<Received>> {
    let client = client_ip(peer.ip(), &headers, &state.config.webhooks.trusted_proxies);
    let id = authorize(&state, &carrier, &secret, client)?;
    if body.is_empty() {
        return Err(ApiError::Malformed("empty webhook body".into()));
    }
    if let Some(adapter) = state.registry.get(id) {
        if let Err(e) = adapter.verify_webhook(&headers, &body) {
            state.metrics.inc(
                "parcelgate_webhooks_rejected_total",
                &[("carrier", id.as_str()), ("reason", "verify")],
            );
            return Err(ApiError::Unauthorized(e.to_string()));
        }
    }
    // Durably committed (group commit) before we answer: a 2xx means it is stored.
    let inbox_id = state
        .ingest
        .submit(NewInboxItem {
            carrier: id,
            body: body.to_vec(),
            remote_addr: Some(client.to_string()),
            received_at: Utc::now(),
        })
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    state.metrics.inc(
        "parcelgate_webhooks_received_total",
        &[("carrier", id.as_str())],
    );
    state.wake_inbox.notify_one();
    Ok(axum::Json(Received { id: inbox_id }))
}

/// URL check: carriers (InPost) verify a webhook URL with a GET that must answer 200.
#[utoipa::path(get, path = "/v1/webhooks/{carrier}/{secret}", tag = "webhooks",
    params(("carrier" = String, Path, description = "dhl, dpd or inpost"), ("secret" = String, Path, description = "The configured webhook secret")),
    responses((status = 200, description = "The endpoint exists"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn probe(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((carrier, secret)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let client = client_ip(peer.ip(), &headers, &state.config.webhooks.trusted_proxies);
    authorize(&state, &carrier, &secret, client)?;
    Ok(StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: CidrList = serde_json::from_str("\"10.0.0.0/8\"").unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "1.2.3.4, 91.216.25.7, 10.0.0.9".parse().unwrap(),
        );
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(proxy, &h, &trusted),
            "91.216.25.7".parse::<IpAddr>().unwrap()
        );
        let stranger: IpAddr = "5.5.5.5".parse().unwrap();
        assert_eq!(client_ip(stranger, &h, &trusted), stranger);
    }
}
