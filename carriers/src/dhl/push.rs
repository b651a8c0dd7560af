//! DHL Shipment Tracking – Unified Push: creating and activating subscriptions, checking the
//! header token DHL sends on each push, and parsing push and lifecycle bodies.

use async_trait::async_trait;
use http::HeaderMap;
use serde_json::json;

use super::client::{describe_problem, API_KEY_HEADER};
use super::wire::PushBody;
use super::wire::SubscriptionCreated;
use super::{snapshot, DhlCarrier};
use crate::capability::PushSubscriptions;
pub use crate::capability::{PushSubscription, PushSubscriptionRequest, PushTarget};
use crate::carrier::{CarrierId, WebhookPayload};
use crate::error::CarrierError;
use crate::http_util::{classify, transport_error};
use crate::secret::Secret;

/// Header carrying the activation secret.
pub const HOOK_SECRET_HEADER: &str = "DHL-API-Hook-Secret";
/// Most `shipmentIDs` DHL accepts in one subscription.
pub const MAX_SHIPMENT_IDS: usize = 10;
/// Every event class DHL can push; used when a request names none.
pub const PUSH_EVENTS: [&str; 5] = ["Transit", "Delivered", "Pre-Transit", "Failure", "Unknown"];

const DHL: CarrierId = CarrierId::Dhl;

/// A lifecycle message (`subscription.created`, `subscription.failure`, ...), for the gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct PushLifecycle {
    /// The scope, e.g. `subscription.created`.
    pub scope: String,
    /// Subscription id (the body's `id`, else the last segment of `self`).
    pub subscription_id: Option<String>,
    /// Activation secret, when the message carries one.
    pub secret: Option<Secret>,
    /// Expiry as DHL wrote it.
    pub expires: Option<String>,
    /// The `failure` object, as compact JSON.
    pub failure: Option<String>,
}

impl DhlCarrier {
    /// `POST {base}/tracking/push/v1/subscription`: returns the id and activation secret.
    pub async fn create_push_subscription(
        &self,
        req: PushSubscriptionRequest,
    ) -> Result<PushSubscription, CarrierError> {
        let not_configured = |detail: &str| CarrierError::NotConfigured {
            carrier: DHL,
            detail: detail.into(),
        };
        if self.config.api_key.is_empty() {
            return Err(not_configured("DHL api_key is not set"));
        }
        if self.config.webhook_token.is_empty() || self.config.webhook_header.trim().is_empty() {
            return Err(not_configured(
                "DHL webhook_header/webhook_token are not set",
            ));
        }
        let events: Vec<String> = if req.events.is_empty() {
            PUSH_EVENTS.iter().map(|e| e.to_string()).collect()
        } else {
            req.events
        };
        let mut body = json!({
            "hook": {
                "uri": req.hook_uri,
                "authentication": {
                    "type": "ApiKeyAuthentication",
                    "header": self.config.webhook_header.trim(),
                    "token": self.config.webhook_token.expose(),
                },
            },
            "format": "Default",
            "service": req.service,
            "events": events,
        });
        match req.target {
            PushTarget::Account(account) => {
                body["type"] = json!("Account");
                body["accountID"] = json!(account);
            }
            PushTarget::Shipments(ids) => {
                if ids.is_empty() || ids.len() > MAX_SHIPMENT_IDS {
                    return Err(CarrierError::Rejected {
                        carrier: DHL,
                        status: None,
                        detail: format!("a DHL push subscription takes 1 to {MAX_SHIPMENT_IDS} shipment ids, got {}", ids.len()),
                    });
                }
                body["type"] = json!("Shipment");
                body["shipmentIDs"] = json!(ids);
            }
        }
        let url = self.push_url(None)?;
        let resp = self
            .http
            .post(url)
            .header(API_KEY_HEADER, self.config.api_key.expose())
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(DHL, &e))?;
        let bytes = classify(DHL, "", resp, describe_problem)
            .await
            .map_err(subscription_error)?;
        let created: SubscriptionCreated =
            serde_json::from_slice(&bytes).map_err(|e| CarrierError::Decode {
                carrier: DHL,
                detail: format!("DHL push subscription response is not the expected JSON: {e}"),
            })?;
        match (created.id, created.secret) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                Ok(PushSubscription {
                    id,
                    secret: Secret::new(secret),
                })
            }
            _ => Err(CarrierError::Decode {
                carrier: DHL,
                detail: "DHL push subscription response lacks `id` or `secret`".into(),
            }),
        }
    }

    /// `POST {base}/tracking/push/v1/subscription/{id}` with `DHL-API-Hook-Secret`.
    pub async fn activate_push_subscription(
        &self,
        id: &str,
        secret: &Secret,
    ) -> Result<(), CarrierError> {
        let url = self.push_url(Some(id))?;
        let resp = self
            .http
            .post(url)
            .header(API_KEY_HEADER, self.config.api_key.expose())
            .header(HOOK_SECRET_HEADER, secret.expose())
            .send()
            .await
            .map_err(|e| transport_error(DHL, &e))?;
        classify(DHL, "", resp, describe_problem)
            .await
            .map_err(subscription_error)?;
        Ok(())
    }

    /// Checks the configured header against the configured token, in constant time.
    pub fn verify_push(&self, headers: &HeaderMap) -> Result<(), CarrierError> {
        if self.config.webhook_token.is_empty() {
            return Err(CarrierError::NotConfigured {
                carrier: DHL,
                detail: "DHL webhook_token is not set".into(),
            });
        }
        let header = self.config.webhook_header.trim();
        let presented = headers
            .get(header)
            .ok_or_else(|| CarrierError::WebhookAuth {
                carrier: DHL,
                detail: format!("header {header} missing"),
            })?;
        if self.config.webhook_token.matches(presented.as_bytes()) {
            Ok(())
        } else {
            Err(CarrierError::WebhookAuth {
                carrier: DHL,
                detail: format!("header {header} does not match"),
            })
        }
    }

    /// `{base}/tracking/push/v1/subscription[/{id}]`, the id escaped as one path segment.
    fn push_url(&self, id: Option<&str>) -> Result<reqwest::Url, CarrierError> {
        let mut url =
            reqwest::Url::parse(self.base_url()).map_err(|e| CarrierError::NotConfigured {
                carrier: DHL,
                detail: format!("DHL base_url is not a URL: {e}"),
            })?;
        {
            let mut segs = url
                .path_segments_mut()
                .map_err(|()| CarrierError::NotConfigured {
                    carrier: DHL,
                    detail: "DHL base_url cannot take a path".into(),
                })?;
            segs.pop_if_empty()
                .extend(["tracking", "push", "v1", "subscription"]);
            if let Some(id) = id {
                segs.push(id);
            }
        }
        Ok(url)
    }
}

/// A 404 on a subscription call is about the subscription, not a tracking number.
fn subscription_error(e: CarrierError) -> CarrierError {
    match e {
        CarrierError::NotFound { .. } => CarrierError::Rejected {
            carrier: DHL,
            status: Some(404),
            detail: "DHL push subscription not found".into(),
        },
        other => other,
    }
}

fn decode_push(body: &[u8]) -> Result<PushBody, CarrierError> {
    let push: PushBody = serde_json::from_slice(body).map_err(|e| CarrierError::Decode {
        carrier: DHL,
        detail: format!("DHL push body is not the expected JSON: {e}"),
    })?;
    if push.scope.is_none() && push.shipments.is_empty() {
        return Err(CarrierError::Decode {
            carrier: DHL,
            detail: "DHL push body has no `scope` and no `shipments`".into(),
        });
    }
    Ok(push)
}

/// `subscription.push` → snapshots (same mapping as pull); lifecycle scopes → notices only.
pub fn parse_push(body: &[u8]) -> Result<WebhookPayload, CarrierError> {
    let push = decode_push(body)?;
    let mut out = WebhookPayload::default();
    match push.scope.as_deref().map(str::trim) {
        None | Some("subscription.push") => {
            for s in &push.shipments {
                match s.id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
                    Some(id) => out.snapshots.push(snapshot::build(id, s)),
                    None => out
                        .notices
                        .push("DHL push: a shipment without `id` was skipped".into()),
                }
            }
        }
        Some(scope) => {
            let l = lifecycle_of(scope, &push);
            let mut notice = format!("DHL {scope}");
            if let Some(id) = &l.subscription_id {
                notice.push_str(&format!(" for subscription {id}"));
            }
            if let Some(exp) = &l.expires {
                notice.push_str(&format!(", expires {exp}"));
            }
            if let Some(f) = &l.failure {
                notice.push_str(&format!(
                    ", failure: {}",
                    f.chars().take(300).collect::<String>()
                ));
            }
            out.notices.push(notice);
        }
    }
    Ok(out)
}

/// The lifecycle message of a push body, or `None` for `subscription.push` (tracking data).
pub fn parse_push_lifecycle(body: &[u8]) -> Result<Option<PushLifecycle>, CarrierError> {
    let push = decode_push(body)?;
    Ok(match push.scope.as_deref().map(str::trim) {
        None | Some("subscription.push") => None,
        Some(scope) => Some(lifecycle_of(scope, &push)),
    })
}

fn lifecycle_of(scope: &str, push: &PushBody) -> PushLifecycle {
    let from_self = push
        .self_link
        .as_deref()
        .and_then(|s| s.trim_end_matches('/').rsplit('/').next())
        .filter(|s| !s.is_empty() && !s.contains(':'))
        .map(str::to_string);
    PushLifecycle {
        scope: scope.to_string(),
        subscription_id: push.id.clone().or(from_self),
        secret: push
            .secret
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(Secret::new),
        expires: push.expires.clone(),
        failure: push.failure.as_ref().map(|f| f.to_string()),
    }
}

impl DhlCarrier {
    /// DHL-specific: the lifecycle message in a push body (e.g. the activation `secret` of
    /// `subscription.created`), which [`crate::carrier::WebhookPayload`] has no field for.
    pub fn parse_push_lifecycle(&self, body: &[u8]) -> Result<Option<PushLifecycle>, CarrierError> {
        parse_push_lifecycle(body)
    }
}

#[async_trait]
impl PushSubscriptions for DhlCarrier {
    fn max_shipment_ids(&self) -> usize {
        MAX_SHIPMENT_IDS
    }

    async fn create_push_subscription(
        &self,
        req: PushSubscriptionRequest,
    ) -> Result<PushSubscription, CarrierError> {
        DhlCarrier::create_push_subscription(self, req).await
    }

    async fn activate_push_subscription(
        &self,
        id: &str,
        secret: &Secret,
    ) -> Result<(), CarrierError> {
        DhlCarrier::activate_push_subscription(self, id, secret).await
    }
}
