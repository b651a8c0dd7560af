//! `POST /v1/notifications/preview`: a message rendered for one of the merchant's real
//! shipments, from the template that would be used (the merchant's own, else the built-in)
//! or from an unsaved source, with the variables the sender builds (`notify::prepare`).
//! Nothing is sent, queued or written.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::AuthMerchant;
use super::extract::ApiJson;
use super::templates::{check, exact_lang, lang_codes, refused, RenderedView, TemplateKey};
use crate::domain::notification::{Channel, Trigger};
use crate::domain::ShipmentId;
use crate::error::{ApiError, ApiResult, Problem};
use crate::notify::prepare::{address, message_lang, open_contact, prepare, unsubscribe_url};
use crate::state::AppState;

/// Body of `POST /v1/notifications/preview`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    /// One of your shipments.
    #[schema(value_type = String)]
    pub shipment_id: ShipmentId,
    /// The trigger whose message to render.
    #[schema(value_type = String)]
    pub trigger: String,
    /// `email` or `sms`.
    #[schema(value_type = String)]
    pub channel: String,
    /// `pl`, `en` or `de`; the shipment's language when left out.
    pub lang: Option<String>,
    /// An unsaved template to render instead of the one in use (validated as on save).
    pub source: Option<String>,
}

/// A preview.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewView {
    /// The shipment.
    pub shipment_id: String,
    /// The trigger.
    pub trigger: String,
    /// The channel.
    pub channel: String,
    /// The language rendered in.
    pub lang: String,
    /// Which template: `override` (yours), `builtin`, or `request` (the `source` given).
    pub template: &'static str,
    /// The message.
    #[serde(flatten)]
    pub rendered: RenderedView,
}

/// Render a message for one of your shipments without sending it: its events, ETA, pickup
/// point and the shopper's name, with your template (or the built-in, or the `source`
/// given). Nothing is sent, queued or logged.
#[utoipa::path(post, path = "/v1/notifications/preview", tag = "notifications",
    security(("api_key" = [])), request_body = PreviewBody,
    responses((status = 200, body = PreviewView),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn preview(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    ApiJson(body): ApiJson<PreviewBody>,
) -> ApiResult<axum::Json<PreviewView>> {
    let trigger: Trigger =
        body.trigger
            .parse()
            .map_err(|e: crate::domain::notification::UnknownName| {
                ApiError::field("trigger", e.to_string())
            })?;
    let channel: Channel =
        body.channel
            .parse()
            .map_err(|e: crate::domain::notification::UnknownName| {
                ApiError::field("channel", e.to_string())
            })?;
    let Some(shipment) = state.store.shipment(&m.id, &body.shipment_id).await? else {
        return Err(ApiError::not_found(format!(
            "no shipment {}",
            body.shipment_id
        )));
    };
    let lang = match &body.lang {
        Some(code) => exact_lang(code)
            .ok_or_else(|| ApiError::field("lang", format!("must be one of: {}", lang_codes())))?,
        None => message_lang(&shipment),
    };
    let key = TemplateKey {
        trigger,
        channel,
        lang,
    };
    // The shopper's name and unsubscribe link, as the sender would have them.
    let contact = open_contact(&*state.store, state.sealer.as_ref().ok(), &shipment.id).await?;
    let unsubscribe = contact
        .as_ref()
        .and_then(|c| address(c, channel))
        .map(|to| unsubscribe_url(&state, &m.id, to, channel, trigger));
    let context = prepare(
        &state,
        &shipment,
        Some(&m),
        lang,
        contact.and_then(|c| c.name),
        unsubscribe,
    )
    .await?;
    let (source, template) = match body.source {
        Some(source) => {
            // Refused here exactly as on save.
            check(&state.templates, &key, &source)?;
            (Some(source), "request")
        }
        None => match state.store.template(&m.id, key.as_strs()).await? {
            Some(t) => (Some(t.source), "override"),
            None => (None, "builtin"),
        },
    };
    let rendered = state
        .templates
        .render(trigger, channel, lang, source.as_deref(), &context)
        .map_err(|e| refused("source", &e))?;
    Ok(axum::Json(PreviewView {
        shipment_id: shipment.id.to_string(),
        trigger: trigger.as_str().into(),
        channel: channel.as_str().into(),
        lang: lang.code().into(),
        template,
        rendered: RenderedView::of(rendered, channel),
    }))
}

/// OpenAPI description of the preview route.
#[derive(utoipa::OpenApi)]
#[openapi(paths(preview), components(schemas(PreviewBody, PreviewView)))]
pub struct PreviewDoc;
