//! `/v1/notification-templates`: a merchant's own templates per trigger, channel and
//! language. Saved only after they validate (syntax, the sandbox's rules, the blocks an
//! e-mail needs, a strict render against the sample shipment), answered with the sample
//! rendering; read back (or the built-in), deleted (the built-in applies again) and listed.
//! Nothing is cached: the sender reads the override from the database at every send, so
//! every process sees a save at once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::auth::AuthMerchant;
use super::extract::ApiJson;
use crate::domain::i18n::Lang;
use crate::domain::notification::{Channel, Trigger};
use crate::error::{ApiError, ApiResult, Problem, TextAt};
use crate::notify::sms::segments;
use crate::notify::templates::{Rendered, TemplateContext, TemplateError, Templates};
use crate::state::AppState;
use crate::store::notify::TemplateInfo;

/// Body of `PUT /v1/notification-templates/{trigger}/{channel}/{lang}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    /// The template (minijinja). An e-mail defines `{% block subject %}`, `{% block text %}`
    /// and optionally `{% block html %}`; an SMS is plain text.
    pub source: String,
}

/// A rendered message: an e-mail's subject, text and HTML, or an SMS and its parts.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenderedView {
    /// The subject (e-mail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The text part, or the SMS.
    pub text: String,
    /// The HTML part, a whole document (e-mail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// How the SMS is sent (SMS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsParts>,
}

/// An SMS's encoding and length.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsParts {
    /// `gsm7` or `ucs2`.
    pub encoding: &'static str,
    /// Characters counted in the encoding's units (septets or UTF-16 units).
    pub units: usize,
    /// Messages (segments) it takes.
    pub segments: usize,
}

impl RenderedView {
    /// The view of a rendered message; `channel` decides whether SMS parts are counted.
    pub fn of(r: Rendered, channel: Channel) -> RenderedView {
        let sms = (channel == Channel::Sms).then(|| {
            let c = segments::count(&r.text);
            SmsParts {
                encoding: match c.encoding {
                    segments::Encoding::Gsm7 => "gsm7",
                    segments::Encoding::Ucs2 => "ucs2",
                },
                units: c.units,
                segments: c.parts,
            }
        });
        RenderedView {
            subject: r.subject,
            text: r.text,
            html: r.html,
            sms,
        }
    }
}

/// A template as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    /// The trigger.
    pub trigger: String,
    /// `email` or `sms`.
    pub channel: String,
    /// `pl`, `en` or `de`.
    pub lang: String,
    /// The source.
    pub source: String,
    /// True when this is the built-in (the merchant has no override).
    pub builtin: bool,
    /// When the override was saved (none for the built-in).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<DateTime<Utc>>,
    /// The template rendered for the sample shipment (on save).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<RenderedView>,
}

/// A template's key, parsed from the path.
#[derive(Debug, Clone, Copy)]
pub struct TemplateKey {
    /// The trigger.
    pub trigger: Trigger,
    /// The channel.
    pub channel: Channel,
    /// The language.
    pub lang: Lang,
}

impl TemplateKey {
    /// Parses the path segments; an unknown one is a 404 naming the allowed values.
    pub fn parse(trigger: &str, channel: &str, lang: &str) -> ApiResult<TemplateKey> {
        let not_found = |e: crate::domain::notification::UnknownName| {
            ApiError::not_found(format!("no such template: {e}"))
        };
        Ok(TemplateKey {
            trigger: trigger.parse().map_err(not_found)?,
            channel: channel.parse().map_err(not_found)?,
            lang: exact_lang(lang).ok_or_else(|| {
                ApiError::not_found(format!(
                    "no such template: unknown language `{}`; expected one of: {}",
                    lang.chars().take(16).collect::<String>(),
                    lang_codes()
                ))
            })?,
        })
    }

    /// The store's key.
    pub fn as_strs(&self) -> (&'static str, &'static str, &'static str) {
        (
            self.trigger.as_str(),
            self.channel.as_str(),
            self.lang.code(),
        )
    }

    fn view(&self, source: String, updated_at: Option<DateTime<Utc>>) -> TemplateView {
        TemplateView {
            trigger: self.trigger.as_str().into(),
            channel: self.channel.as_str().into(),
            lang: self.lang.code().into(),
            source,
            builtin: updated_at.is_none(),
            updated_at,
            sample: None,
        }
    }
}

/// A language code exactly as templates are keyed (`pl`, `en`, `de`).
pub fn exact_lang(code: &str) -> Option<Lang> {
    Lang::ALL.into_iter().find(|l| l.code() == code.trim())
}

/// `pl, en, de`.
pub fn lang_codes() -> String {
    Lang::ALL.map(Lang::code).join(", ")
}

/// A refused template as a 422 whose detail and `errors[0].at` carry line and column.
pub fn refused(field: &str, e: &TemplateError) -> ApiError {
    ApiError::Template {
        field: field.into(),
        detail: e.to_string(),
        message: e.message(),
        at: e.line().map(|line| TextAt {
            line,
            column: e.column(),
        }),
    }
}

/// Validates a merchant's source for a key and renders it for the sample shipment.
pub fn check(templates: &Templates, key: &TemplateKey, source: &str) -> ApiResult<Rendered> {
    templates
        .validate(key.trigger, key.channel, source)
        .map_err(|e| refused("source", &e))?;
    let sample = TemplateContext::sample_for(key.trigger, key.lang);
    templates
        .render(key.trigger, key.channel, key.lang, Some(source), &sample)
        .map_err(|e| refused("source", &e))
}

/// Save your own template for a trigger, channel and language. Refused with 422 (line and
/// column in `errors[0].at`) when it does not parse, uses a construct templates do without,
/// or fails to render for the sample shipment; answered with the sample rendering.
#[utoipa::path(put, path = "/v1/notification-templates/{trigger}/{channel}/{lang}",
    tag = "notifications", security(("api_key" = [])),
    params(("trigger" = String, Path, description = "shipped, out_for_delivery, …"),
           ("channel" = String, Path, description = "email or sms"),
           ("lang" = String, Path, description = "pl, en or de")),
    request_body = TemplateBody,
    responses((status = 201, body = TemplateView, description = "Saved (new)"),
              (status = 200, body = TemplateView, description = "Saved (replaced)"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path((trigger, channel, lang)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<TemplateBody>,
) -> ApiResult<Response> {
    let key = TemplateKey::parse(&trigger, &channel, &lang)?;
    let sample = check(&state.templates, &key, &body.source)?;
    let existed = state.store.template(&m.id, key.as_strs()).await?.is_some();
    let now = Utc::now();
    state
        .store
        .put_template(&m.id, key.as_strs(), &body.source, now)
        .await?;
    tracing::info!(merchant_id = %m.id, trigger = key.trigger.as_str(),
        channel = key.channel.as_str(), lang = key.lang.code(), "notification template saved");
    let mut view = key.view(body.source, Some(now));
    view.sample = Some(RenderedView::of(sample, key.channel));
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(view)).into_response())
}

/// Your template for a trigger, channel and language, or the built-in (`"builtin": true`)
/// when you have none.
#[utoipa::path(get, path = "/v1/notification-templates/{trigger}/{channel}/{lang}",
    tag = "notifications", security(("api_key" = [])),
    params(("trigger" = String, Path, description = "shipped, out_for_delivery, …"),
           ("channel" = String, Path, description = "email or sms"),
           ("lang" = String, Path, description = "pl, en or de")),
    responses((status = 200, body = TemplateView),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path((trigger, channel, lang)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<TemplateView>> {
    let key = TemplateKey::parse(&trigger, &channel, &lang)?;
    Ok(axum::Json(
        match state.store.template(&m.id, key.as_strs()).await? {
            Some(t) => key.view(t.source, Some(t.info.updated_at)),
            None => key.view(
                Templates::builtin_source(key.trigger, key.channel, key.lang).into(),
                None,
            ),
        },
    ))
}

/// Delete your template: the built-in applies again.
#[utoipa::path(delete, path = "/v1/notification-templates/{trigger}/{channel}/{lang}",
    tag = "notifications", security(("api_key" = [])),
    params(("trigger" = String, Path, description = "shipped, out_for_delivery, …"),
           ("channel" = String, Path, description = "email or sms"),
           ("lang" = String, Path, description = "pl, en or de")),
    responses((status = 204, description = "Deleted; the built-in applies"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
    Path((trigger, channel, lang)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let key = TemplateKey::parse(&trigger, &channel, &lang)?;
    if !state.store.delete_template(&m.id, key.as_strs()).await? {
        return Err(ApiError::not_found(format!(
            "you have no own template for {trigger}/{channel}/{lang}; the built-in applies"
        )));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Your own templates (trigger, channel, language, when saved); every other combination
/// uses the built-in.
#[utoipa::path(get, path = "/v1/notification-templates", tag = "notifications",
    security(("api_key" = [])), responses((status = 200, description = "`{ data: [TemplateInfo] }`")))]
pub async fn list(
    State(state): State<AppState>,
    AuthMerchant(m): AuthMerchant,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let data: Vec<TemplateInfo> = state.store.templates(&m.id).await?;
    Ok(axum::Json(serde_json::json!({ "data": data })))
}

/// OpenAPI description of the template routes.
#[derive(OpenApi)]
#[openapi(
    paths(put, get, delete, list),
    components(schemas(
        TemplateBody,
        TemplateView,
        RenderedView,
        SmsParts,
        TemplateInfo,
        crate::error::ProblemItem,
        TextAt
    ))
)]
pub struct TemplatesDoc;
