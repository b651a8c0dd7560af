//! `/openapi.json`, generated from the handlers' annotations, and `/docs`, a self-contained
//! HTML rendering of it (no scripts or styles from other hosts).

use axum::response::{Html, IntoResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{carriers, shipments, system};
use crate::inbound::http as webhooks;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "parcelgate", description = "One tracking API over DHL, DPD and InPost."),
    paths(
        shipments::register, shipments::get, shipments::list, shipments::delete, shipments::refresh,
        super::contact::erase, super::contact::notifications, super::contact::resend,
        super::contact::suppressions, super::contact::unsuppress,
        carriers::list, carriers::detect, super::dhl_push::create,
        webhooks::receive, webhooks::probe,
        system::healthz, system::readyz, system::metrics,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// OpenAPI documents of route groups that describe themselves (merged into [`document`]).
pub fn extra_docs() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        <super::analytics::AnalyticsDoc as utoipa::OpenApi>::openapi(),
        <super::merchant::MerchantDoc as utoipa::OpenApi>::openapi(),
        <super::subscriptions::SubscriptionsDoc as utoipa::OpenApi>::openapi(),
        <super::templates::TemplatesDoc as utoipa::OpenApi>::openapi(),
        <super::preview::PreviewDoc as utoipa::OpenApi>::openapi(),
    ]
}

/// The OpenAPI document with every extension's paths merged in.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for extra in extra_docs() {
        doc.merge(extra);
    }
    doc
}

/// `GET /openapi.json`.
pub async fn openapi_json() -> impl IntoResponse {
    axum::Json(document())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /docs`: every operation with its parameters and responses.
pub async fn docs_page() -> Html<String> {
    let doc = document();
    let mut body = String::new();
    for (path, item) in doc.paths.paths.iter() {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let summary = op
                .summary
                .clone()
                .or_else(|| op.description.clone())
                .unwrap_or_default();
            body.push_str(&format!(
                "<section><h2><span class=m>{method}</span> <code>{}</code></h2><p>{}</p>",
                esc(path),
                esc(&summary)
            ));
            if let Some(params) = &op.parameters {
                body.push_str("<ul>");
                for p in params {
                    body.push_str(&format!(
                        "<li><code>{}</code> {}</li>",
                        esc(&p.name),
                        esc(p.description.as_deref().unwrap_or(""))
                    ));
                }
                body.push_str("</ul>");
            }
            let codes: Vec<String> = op.responses.responses.keys().map(|k| esc(k)).collect();
            body.push_str(&format!(
                "<p class=r>Responses: {}</p></section>",
                codes.join(", ")
            ));
        }
    }
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
         <title>parcelgate API</title><style>body{{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}\
         section{{border-top:1px solid #ddd;padding:.5rem 0}}.m{{background:#135;color:#fff;padding:0 .4rem;border-radius:3px;font-size:.8em}}\
         .r{{color:#555}}</style></head><body><h1>parcelgate API</h1><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a>. \
         Authenticate with <code>Authorization: Bearer &lt;api key&gt;</code>. Errors are <code>application/problem+json</code>.</p>{body}</body></html>"
    ))
}
