//! The branded HTML frame of every e-mail, and the HTML built from a text part when a
//! template has no `html` block of its own.

use minijinja::value::Value;
use minijinja::{context, Environment};

use super::context::TemplateContext;
use super::error::TemplateError;
use super::sandbox::{self, Capped, Limits};
use crate::domain::escape::esc;
use crate::domain::i18n::Lang;
use crate::domain::merchant_rules::valid_color;

/// The layout's template name (`.html`: auto-escaped).
pub const LAYOUT_NAME: &str = "builtin/layout.html";

/// The layout source.
pub const LAYOUT: &str = include_str!("builtin/layout.html");

/// The layout's fixed words in one language.
struct Words {
    button: &'static str,
    unsubscribe: &'static str,
    footer: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Pl => Words {
            button: "Śledź przesyłkę",
            unsubscribe: "Wypisz się",
            footer: "Otrzymujesz tę wiadomość w związku z zamówieniem w sklepie",
        },
        Lang::En => Words {
            button: "Track your parcel",
            unsubscribe: "Unsubscribe",
            footer: "You are receiving this message about your order from",
        },
        Lang::De => Words {
            button: "Sendung verfolgen",
            unsubscribe: "Abmelden",
            footer: "Sie erhalten diese Nachricht zu Ihrer Bestellung bei",
        },
    }
}

/// Whether an HTML part is a whole document (used as it is) rather than a fragment.
fn is_document(html: &str) -> bool {
    let head: String = html.trim_start().chars().take(9).collect();
    let head = head.to_ascii_lowercase();
    head.starts_with("<!doctype") || head.starts_with("<html")
}

/// The text part as HTML: escaped, blank lines as paragraphs, line breaks kept, and web
/// addresses as links.
pub fn text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push_str("<p style=\"margin:0 0 14px 0;\">");
        let lines: Vec<String> = para.lines().map(linkify).collect();
        out.push_str(&lines.join("<br>\n"));
        out.push_str("</p>\n");
    }
    out
}

/// One line, escaped, with each `http(s)://…` word made a link (trailing punctuation stays
/// outside it).
fn linkify(line: &str) -> String {
    let mut out = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.starts_with("https://") || word.starts_with("http://") {
            let url = word.trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
            let rest = &word[url.len()..];
            let url = esc(url);
            out.push_str(&format!("<a href=\"{url}\">{url}</a>{}", esc(rest)));
        } else {
            out.push_str(&esc(word));
        }
    }
    out
}

/// Frames `content` (HTML) in the merchant's branding. A whole document is returned as it
/// is. `button` adds a "track your parcel" button (for HTML built from text, which has the
/// link only as an address).
pub fn wrap(
    env: &Environment<'static>,
    limits: &Limits,
    ctx: &TemplateContext,
    lang: Lang,
    subject: &str,
    content: &str,
    button: bool,
) -> Result<String, TemplateError> {
    if is_document(content) {
        return Ok(content.to_string());
    }
    let w = words(lang);
    // The colour lands in a style attribute, where HTML escaping is not enough; the logo in
    // an img src. Only the shapes the merchant settings accept are let through.
    let mut safe = ctx.clone();
    if !valid_color(&safe.brand.color) {
        safe.brand.color = super::context::Brand::default().color;
    }
    safe.brand.logo_url = safe
        .brand
        .logo_url
        .filter(|l| l.starts_with("data:image/") || l.starts_with("https://"));
    let layout = env
        .get_template(LAYOUT_NAME)
        .map_err(|e| sandbox::engine_error(&e, false, limits, LAYOUT))?;
    let mut out = Capped::new(Vec::new(), limits.max_output_bytes);
    let vars = context! {
        content => Value::from_safe_string(content.to_string()),
        subject => subject,
        button => button.then_some(w.button),
        unsubscribe => w.unsubscribe,
        footer => format!("{} {}.", w.footer, safe.shop_name),
        ..Value::from_serialize(&safe)
    };
    let result = layout.render_captured_to(vars, &mut out);
    if let Err(e) = result {
        return Err(sandbox::engine_error(&e, out.exceeded(), limits, LAYOUT));
    }
    Ok(String::from_utf8_lossy(&out.into_inner()).into_owned())
}
