//! HTML of the shopper-facing pages: the tracking page, message pages (not found), and the
//! shared document frame. Everything dynamic goes through [`esc`]; styles are inline and
//! allowed by hash, so the page loads nothing at all besides itself.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::embed;
use super::html::{csp, esc, is_https, secure_headers};
use super::i18n::Lang;
use super::view::PublicView;
use crate::state::AppState;

/// Base styles shared by every page; `--accent` is set per merchant.
pub const BASE_CSS: &str = "*{box-sizing:border-box}\
body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);background:var(--bg)}\
.wrap{max-width:40rem;margin:0 auto;padding:0 1rem}\
header.brand{display:flex;align-items:center;gap:.75rem;padding:.7rem 1rem;background:var(--card);border-bottom:3px solid var(--accent)}\
header.brand img{max-height:2.5rem;max-width:8rem}\
header.brand .shop{font-weight:650;font-size:1.1rem;flex:1}\
nav.langs a{color:var(--muted);text-decoration:none;margin-left:.55rem;font-size:.9rem}\
nav.langs a[aria-current]{color:var(--accent);font-weight:700}\
.card{background:var(--card);border-radius:14px;padding:1rem 1.15rem;margin:1rem 0;box-shadow:0 1px 3px rgba(16,24,40,.08)}\
.card h2{font-size:1rem;margin:0 0 .6rem}\
.muted{color:var(--muted)}\
a{color:var(--accent)}\
label{display:block;font-weight:600;margin:.8rem 0 .3rem}\
input{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #c9ced6;border-radius:8px}\
button{font:inherit;font-weight:650;margin-top:1rem;padding:.65rem 1.2rem;border:0;border-radius:8px;background:var(--accent);color:#fff;cursor:pointer}\
footer{color:var(--muted);font-size:.8rem;text-align:center;padding:0 1rem 1.5rem}";

const TRACKING_CSS: &str = ".hero h1{margin:.1rem 0 .35rem;font-size:1.6rem;line-height:1.2}\
.ref{color:var(--muted);margin:0;font-size:.9rem}\
.what{margin:.2rem 0}\
.callout{border-left:4px solid var(--accent);background:var(--soft);padding:.6rem .8rem;border-radius:8px;margin-top:.8rem}\
.callout.problem{border-color:var(--warn);background:#fff3f0}\
.callout h2{font-size:.95rem;margin:0 0 .15rem}.callout p{margin:0}\
.eta{margin-top:1rem;padding-top:.8rem;border-top:1px solid var(--line)}\
.eta span{display:block;color:var(--muted);font-size:.85rem}\
.eta strong{font-size:1.25rem}.eta small{display:block;color:var(--muted);font-size:.8rem}\
ol.steps{list-style:none;display:flex;padding:0;margin:1.3rem 0 .2rem}\
ol.steps li{flex:1;position:relative;text-align:center;font-size:.8rem;color:var(--muted);padding:2.35rem .15rem 0;line-height:1.2}\
ol.steps li::before{content:'';position:absolute;top:.4rem;left:50%;width:1.2rem;height:1.2rem;margin-left:-.6rem;border-radius:50%;background:var(--card);border:3px solid var(--line);z-index:1}\
ol.steps li::after{content:'';position:absolute;top:.9rem;left:-50%;width:100%;height:3px;background:var(--line)}\
ol.steps li:first-child::after{display:none}\
ol.steps li.done::before{background:var(--accent);border-color:var(--accent)}\
ol.steps li.done::after,ol.steps li.current::after,ol.steps li.problem::after{background:var(--accent)}\
ol.steps li.current{color:var(--ink);font-weight:700}\
ol.steps li.current::before{border-color:var(--accent);box-shadow:0 0 0 5px var(--soft)}\
ol.steps li.problem{color:var(--warn);font-weight:700}\
ol.steps li.problem::before{border-color:var(--warn);background:var(--warn);box-shadow:0 0 0 5px #fde4df}\
dl.facts{display:grid;grid-template-columns:auto 1fr;gap:.35rem 1rem;margin:0}\
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}\
.out{display:inline-block;margin-top:.8rem;font-weight:600}\
ol.timeline{list-style:none;margin:0;padding:0}\
ol.timeline li{position:relative;padding:0 0 1rem 1.3rem;border-left:2px solid var(--line);margin-left:.4rem}\
ol.timeline li:last-child{border-color:transparent;padding-bottom:0}\
ol.timeline li::before{content:'';position:absolute;left:-.5rem;top:.25rem;width:.85rem;height:.85rem;border-radius:50%;background:var(--line)}\
ol.timeline li:first-child::before{background:var(--accent)}\
ol.timeline time{display:block;color:var(--muted);font-size:.85rem}\
ol.timeline .loc{display:block;color:var(--muted);font-size:.9rem}\
@media (max-width:26rem){ol.steps li{font-size:.68rem}.hero h1{font-size:1.35rem}}\
body.embed{background:transparent}body.embed header.brand{border-radius:14px 14px 0 0}";

/// The `:root` variables for an accent colour (validated `#rrggbb`).
pub fn theme(accent: &str) -> String {
    format!(
        ":root{{--accent:{accent};--soft:color-mix(in srgb,{accent} 12%,#fff);--ink:#1b1f24;\
         --muted:#5b6470;--line:#e3e6ea;--bg:#f4f5f7;--card:#fff;--warn:#c4320a}}"
    )
}

/// A complete HTML document.
pub fn document(lang: Lang, title: &str, style: &str, body: &str, script: Option<&str>) -> String {
    let script = script
        .map(|s| format!("<script>{s}</script>"))
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>{}</title><style>{style}</style></head>{body}{script}</html>",
        lang.code(),
        esc(title)
    )
}

/// An HTML response with the security headers; `frame_ancestors` is a CSP source list.
pub fn html_response(
    app: &AppState,
    status: StatusCode,
    html: String,
    style: &str,
    script: Option<&str>,
    frame_ancestors: &str,
) -> Response {
    let mut resp = (status, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(h, &csp(style, script, frame_ancestors), is_https(app));
    if frame_ancestors == "'none'" {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    resp
}

/// A page with a heading and one paragraph (not found, unavailable).
pub fn message_page(
    app: &AppState,
    lang: Lang,
    status: StatusCode,
    title: &str,
    text: &str,
) -> Response {
    let style = format!("{}{BASE_CSS}", theme("#1f5eff"));
    let body = format!(
        "<body><main class=\"wrap\"><section class=\"card\" id=\"message\"><h1>{}</h1><p>{}</p></section></main></body>",
        esc(title),
        esc(text)
    );
    let html = document(lang, title, &style, &body, None);
    html_response(app, status, html, &style, None, "'none'")
}

/// The language switcher.
fn langs(current: &str, embedded: bool, label: &str) -> String {
    let mut out = format!("<nav class=\"langs\" aria-label=\"{}\">", esc(label));
    for l in Lang::ALL {
        let extra = if embedded { "&amp;embed=1" } else { "" };
        let cur = if l.code() == current {
            " aria-current=\"true\""
        } else {
            ""
        };
        out.push_str(&format!(
            "<a href=\"?lang={code}{extra}\" hreflang=\"{code}\" lang=\"{code}\"{cur}>{up}</a>",
            code = l.code(),
            up = l.code().to_uppercase()
        ));
    }
    out.push_str("</nav>");
    out
}

/// `GET /t/{token}`.
pub fn tracking_page(
    app: &AppState,
    v: &PublicView,
    origins: &[String],
    embedded: bool,
) -> Response {
    let lang = Lang::parse(v.language).unwrap_or(Lang::En);
    let t = lang.t();
    let style = format!(
        "{}{BASE_CSS}{TRACKING_CSS}",
        theme(&v.merchant.accent_color)
    );
    let mut b = String::with_capacity(8 * 1024);
    let origins_json = serde_json::to_string(origins).unwrap_or_else(|_| "[]".into());
    b.push_str(&format!(
        "<body class=\"{}\" data-embed-origins=\"{}\" data-status=\"{}\">",
        if embedded { "embed" } else { "" },
        esc(&origins_json),
        v.status.as_str()
    ));
    let logo = v
        .merchant
        .logo
        .as_ref()
        .map(|l| format!("<img src=\"{}\" alt=\"\">", esc(l)))
        .unwrap_or_default();
    b.push_str(&format!(
        "<header class=\"brand\">{logo}<span class=\"shop\">{}</span>{}</header><main class=\"wrap\">",
        esc(&v.merchant.name),
        langs(v.language, embedded, t.language)
    ));
    // Headline, explanation, ETA, steps.
    b.push_str("<section class=\"card hero\">");
    if let Some(o) = &v.order_ref {
        b.push_str(&format!("<p class=\"ref\">{} {}</p>", esc(t.order), esc(o)));
    }
    b.push_str(&format!(
        "<h1 id=\"headline\">{}</h1><p class=\"what\" id=\"what\">{}</p>",
        esc(v.headline),
        esc(v.what)
    ));
    if !v.next.is_empty() {
        b.push_str(&format!(
            "<div class=\"callout{}\" id=\"next\"><h2>{}</h2><p>{}</p></div>",
            if v.problem { " problem" } else { "" },
            esc(t.next),
            esc(v.next)
        ));
    }
    b.push_str("<ol class=\"steps\" id=\"steps\">");
    for s in &v.progress {
        let cur = if matches!(s.state, "current" | "problem") {
            " aria-current=\"step\""
        } else {
            ""
        };
        b.push_str(&format!(
            "<li class=\"{st}\" data-step=\"{key}\" data-state=\"{st}\"{cur}>{}</li>",
            esc(s.label),
            st = s.state,
            key = s.key
        ));
    }
    b.push_str("</ol>");
    if let Some(e) = &v.eta {
        let note = if e.source == crate::store::EtaSource::Predicted {
            format!("<small>{}</small>", esc(t.eta_predicted))
        } else {
            String::new()
        };
        b.push_str(&format!(
            "<div class=\"eta\" id=\"eta\"><span>{}</span><strong>{}</strong>{note}</div>",
            esc(t.eta),
            esc(&e.text)
        ));
    }
    if let Some(d) = &v.delivered_text {
        b.push_str(&format!(
            "<div class=\"eta\" id=\"delivered\"><span>{}</span><strong>{}</strong></div>",
            esc(t.delivered_at),
            esc(d)
        ));
    }
    b.push_str("</section>");
    if let Some(p) = &v.pickup_point {
        b.push_str(&format!(
            "<section class=\"card\" id=\"pickup\"><h2>{}</h2><dl class=\"facts\">",
            esc(t.pickup_title)
        ));
        if let Some(d) = &p.description {
            b.push_str(&format!(
                "<dt>{}</dt><dd>{}</dd>",
                esc(t.pickup_title),
                esc(d)
            ));
        }
        if let Some(id) = &p.id {
            b.push_str(&format!(
                "<dt>{}</dt><dd>{}</dd>",
                esc(t.pickup_point),
                esc(id)
            ));
        }
        if let Some(u) = &p.available_until_text {
            b.push_str(&format!(
                "<dt>{}</dt><dd id=\"pickup-until\">{}</dd>",
                esc(t.pickup_until),
                esc(u)
            ));
        }
        b.push_str("</dl></section>");
    }
    let carrier_link = v
        .carrier_url
        .as_ref()
        .map(|url| {
            format!(
                "<a class=\"out\" href=\"{}\" rel=\"noopener noreferrer\" target=\"_blank\">{} ↗</a>",
                esc(url),
                esc(&t.carrier_link.replace("{}", v.carrier_name))
            )
        })
        .unwrap_or_default();
    b.push_str(&format!(
        "<section class=\"card\" id=\"carrier\"><h2>{}</h2><dl class=\"facts\"><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd id=\"tracking-number\">{}</dd></dl>{carrier_link}</section>",
        esc(t.carrier),
        esc(t.carrier),
        esc(v.carrier_name),
        esc(t.tracking_number),
        esc(&v.tracking_number),
    ));
    b.push_str(&format!(
        "<section class=\"card\" id=\"history\"><h2>{}</h2>",
        esc(t.history)
    ));
    if v.timeline.is_empty() {
        b.push_str(&format!("<p class=\"muted\">{}</p>", esc(t.no_events)));
    } else {
        b.push_str("<ol class=\"timeline\">");
        for e in &v.timeline {
            let loc = e
                .location
                .as_ref()
                .map(|l| format!("<span class=\"loc\">{}</span>", esc(l)))
                .unwrap_or_default();
            b.push_str(&format!(
                "<li data-status=\"{}\"><time datetime=\"{}\">{}</time><strong>{}</strong>{loc}</li>",
                e.status.as_str(),
                esc(&e.local_time),
                esc(&e.local_text),
                esc(e.label)
            ));
        }
        b.push_str("</ol>");
    }
    b.push_str(&format!(
        "</section></main><footer>{}</footer>",
        esc(t.local_times)
    ));
    // The resize script only matters (and is only allowed) when the page may be framed.
    let script = (!origins.is_empty()).then_some(embed::RESIZE_JS);
    if let Some(js) = script {
        b.push_str(&format!("<script>{js}</script>"));
    }
    b.push_str("</body>");
    let title = format!("{} – {}", t.title, v.merchant.name);
    let html = document(lang, &title, &style, &b, None);
    let ancestors = embed::frame_ancestors(origins);
    html_response(app, StatusCode::OK, html, &style, script, &ancestors)
}
