//! The demo's "shopper's mailbox": the e-mails the gateway sent to the demo's shoppers, as
//! received by the local SMTP sink, on the callback receiver's server. `GET /mailbox` shows
//! them newest first (to, subject, language, time) with each one rendered, reloading every
//! few seconds like the callback page; `GET /mailbox.json` lists them.
//!
//! Received mail is untrusted input: its HTML is shown only inside an `<iframe sandbox>`
//! (no scripts, no forms, an opaque origin) through an escaped `srcdoc`, under a
//! Content-Security-Policy that loads nothing (the frame inherits it, and carries it again
//! in a `<meta>` of its own); a text-only message is shown escaped.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::escape::esc;
use crate::notify::email::{ReceivedEmail, SmtpSink};

/// Messages rendered on the page (the JSON lists every kept one).
pub const SHOWN: usize = 60;

/// The policy of the page and of every message frame: nothing loads, nothing runs; inline
/// styles (which e-mail HTML relies on) and inline images are allowed.
pub const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; form-action 'none'; base-uri 'none'";

/// One received e-mail as the mailbox lists it.
#[derive(Debug, Clone, Serialize)]
pub struct MailboxEntry {
    /// Order of arrival, from 1.
    pub seq: u64,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// `Subject`, decoded.
    pub subject: String,
    /// `Content-Language` (`pl`, `en`, `de`), when given.
    pub language: Option<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// The HTML part, when there is one.
    #[serde(skip)]
    pub html: Option<String>,
    /// The text part, when there is one.
    #[serde(skip)]
    pub text: Option<String>,
}

impl MailboxEntry {
    /// Parses a received message (an unparseable one is listed with an empty subject).
    pub fn of(m: &ReceivedEmail) -> MailboxEntry {
        let parsed = m.parse();
        let get =
            |f: &dyn Fn(&mail_parser::Message<'_>) -> Option<String>| parsed.as_ref().and_then(f);
        MailboxEntry {
            seq: m.seq,
            to: m.rcpt_to.clone(),
            subject: get(&|p| p.subject().map(str::to_string)).unwrap_or_default(),
            language: get(&|p| {
                p.header_raw("Content-Language")
                    .map(|v| v.trim().to_string())
            }),
            received_at: DateTime::<Utc>::from(m.received_at),
            html: get(&|p| p.body_html(0).map(|b| b.into_owned())),
            text: get(&|p| p.body_text(0).map(|b| b.into_owned())),
        }
    }
}

/// The kept messages, newest first.
pub fn entries(sink: &SmtpSink) -> Vec<MailboxEntry> {
    let mut all: Vec<MailboxEntry> = sink
        .messages()
        .iter()
        .map(|m| MailboxEntry::of(m))
        .collect();
    all.reverse();
    all
}

/// `GET /mailbox.json`.
#[derive(Debug, Serialize)]
struct Listing {
    received: u64,
    messages: Vec<MailboxEntry>,
}

async fn list(State(sink): State<Arc<SmtpSink>>) -> Json<Listing> {
    Json(Listing {
        received: sink.received(),
        messages: entries(&sink),
    })
}

/// One message's rendering: the HTML part in a sandboxed frame, else the text part.
fn rendered(e: &MailboxEntry) -> String {
    match (&e.html, &e.text) {
        (Some(html), _) => {
            let doc = format!(
                "<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" \
                 content=\"{CSP}\">{html}"
            );
            format!(
                "<iframe class=\"mail\" sandbox=\"\" referrerpolicy=\"no-referrer\" \
                 title=\"{}\" srcdoc=\"{}\"></iframe>",
                esc(&e.subject),
                esc(&doc)
            )
        }
        (None, Some(text)) => format!("<pre class=\"mail\">{}</pre>", esc(text)),
        (None, None) => "<p><i>(no text or HTML part)</i></p>".to_string(),
    }
}

async fn page(State(sink): State<Arc<SmtpSink>>) -> Response {
    let all = entries(&sink);
    let items: String = all
        .iter()
        .take(SHOWN)
        .map(|e| {
            format!(
                "<article data-seq=\"{seq}\" data-lang=\"{lang}\"><h2>{subject}</h2>\
                 <p class=\"meta\">To <b>{to}</b> · language <b>{lang}</b> · {time}</p>{body}</article>",
                seq = e.seq,
                subject = esc(&e.subject),
                to = esc(&e.to.join(", ")),
                lang = esc(e.language.as_deref().unwrap_or("?")),
                time = e.received_at.format("%H:%M:%S"),
                body = rendered(e),
            )
        })
        .collect();
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"3\">\
         <title>Demo shopper's mailbox</title><style>body{{font-family:sans-serif;max-width:60rem;\
         margin:1rem auto;padding:0 1rem}}article{{border:1px solid #ccc;border-radius:6px;\
         margin:1rem 0;padding:.5rem 1rem}}h2{{font-size:1.1rem;margin:.3rem 0}}.meta{{color:#555;\
         margin:.2rem 0 .6rem}}iframe.mail{{width:100%;height:28rem;border:1px solid #eee}}\
         pre.mail{{white-space:pre-wrap}}</style></head><body><h1>Shopper's mailbox</h1>\
         <p>{count} e-mails received by the demo's SMTP sink, newest first (the newest {SHOWN} \
         shown). JSON: <a href=\"/mailbox.json\">/mailbox.json</a> · callbacks: \
         <a href=\"/\">/</a></p>{items}</body></html>",
        count = sink.received(),
    );
    let mut resp = Html(html).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    resp
}

/// The mailbox's routes, to merge into the receiver's server.
pub fn router(sink: Arc<SmtpSink>) -> Router {
    Router::new()
        .route("/mailbox", get(page))
        .route("/mailbox.json", get(list))
        .with_state(sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_only_shown_escaped_inside_a_sandboxed_frame() {
        let e = MailboxEntry {
            seq: 1,
            to: vec!["a@example.pl".into()],
            subject: "<b>x</b>".into(),
            language: Some("pl".into()),
            received_at: Utc::now(),
            html: Some("<p onclick=\"x\">hi</p><script>alert(1)</script>\"></iframe><script>top.x=1</script>".into()),
            text: Some("hi".into()),
        };
        let out = rendered(&e);
        assert!(
            out.starts_with("<iframe class=\"mail\" sandbox=\"\""),
            "{out}"
        );
        // Nothing of the message survives unescaped: one element only, the frame.
        assert_eq!(out.matches('<').count(), 2, "{out}");
        assert!(
            !out.contains("<script") && !out.contains("\"></iframe><"),
            "{out}"
        );
        assert!(out.contains("&lt;script&gt;alert(1)"), "{out}");
        let text = rendered(&MailboxEntry {
            html: None,
            text: Some("<i>t</i>".into()),
            ..e
        });
        assert_eq!(text, "<pre class=\"mail\">&lt;i&gt;t&lt;/i&gt;</pre>");
    }
}
