//! Browser tests: headless Chromium loads the tracking page for shipments in each state and
//! language, an embed from an allowed and a refused origin, the dashboard, and the demo's
//! shopper mailbox; screenshots go to `test-artifacts/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::field_reassign_with_default
)]

mod cdp;
mod mailbox;
// Shared with the gateway tests; this binary uses only part of it.
#[allow(dead_code)]
#[path = "../gateway/common/mod.rs"]
mod common;
#[path = "../gateway/pages_fixtures.rs"]
mod pages_fixtures;

use std::net::SocketAddr;

use cdp::Browser;
use serde_json::{json, Value};

use crate::pages_fixtures::{app, patch_merchant, shipment, STATES};

/// English texts that must not appear on a Polish or German page.
const ENGLISH: [&str; 6] = [
    "Tracking history",
    "Carrier",
    "Tracking number",
    "Expected delivery",
    "What happens next",
    "Language",
];

#[tokio::test]
async fn a_shopper_sees_each_state_in_each_language() {
    let _turn = crate::cdp::exclusive().await;
    let app = app().await;
    patch_merchant(
        &app,
        &json!({"display_name": "Sklep Kasi", "accent_color": "#0f766e"}),
    )
    .await;
    let mut browser = Browser::launch().await;
    let mut tab = browser.tab(390, 844, true).await;
    for (state, step, step_state) in STATES {
        let (_, token) = shipment(&app, state, Some("pl"), &format!("K-{state}")).await;
        for lang in ["pl", "en", "de"] {
            let url = format!("{}/t/{token}?lang={lang}", app.base);
            tab.goto(&url).await;
            let seen = tab
                .eval(
                    "JSON.stringify({lang: document.documentElement.lang,
                      headline: document.querySelector('#headline').textContent,
                      active: [...document.querySelectorAll('#steps li[aria-current]')].map(li => li.dataset.step + ':' + li.dataset.state + ':' + li.textContent),
                      done: document.querySelectorAll('#steps li.done').length,
                      eta: (document.querySelector('#eta strong') || {}).textContent || null,
                      next: (document.querySelector('#next p') || {}).textContent || null,
                      text: document.body.innerText,
                      overflow: document.documentElement.scrollWidth > window.innerWidth,
                      cookies: document.cookie})",
                )
                .await;
            let seen: Value = serde_json::from_str(seen.as_str().unwrap()).unwrap();
            // What the server says the shopper should see, from the public JSON.
            let v: Value = app
                .http
                .get(format!("{}/t/{token}.json?lang={lang}", app.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let ctx = format!("{state}/{lang}: {seen}");
            assert_eq!(seen["lang"], lang, "{ctx}");
            assert_eq!(seen["headline"], v["headline"], "{ctx}");
            assert_eq!(
                seen["overflow"], false,
                "horizontal scrolling on a phone: {ctx}"
            );
            assert_eq!(seen["cookies"], "", "{ctx}");
            let label = v["progress"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["key"] == step)
                .unwrap()["label"]
                .clone();
            if step_state == "done" {
                assert_eq!(seen["done"], 5, "{ctx}");
                assert!(
                    seen["text"]
                        .as_str()
                        .unwrap()
                        .contains(v["delivered_text"].as_str().unwrap()),
                    "{ctx}"
                );
            } else {
                assert_eq!(
                    seen["active"],
                    json!([format!("{step}:{step_state}:{}", label.as_str().unwrap())]),
                    "{ctx}"
                );
            }
            match v["eta"]["text"].as_str() {
                Some(eta) => assert_eq!(seen["eta"], eta, "{ctx}"),
                None => assert_eq!(seen["eta"], Value::Null, "{ctx}"),
            }
            if state == "in_transit" || state == "out_for_delivery" || state == "failed_attempt" {
                assert!(
                    seen["eta"].as_str().unwrap().contains("10:00–14:00"),
                    "{ctx}"
                );
            }
            if matches!(state, "failed_attempt" | "exception" | "returned_to_sender") {
                assert!(
                    !seen["next"].as_str().unwrap_or("").is_empty(),
                    "what happens next: {ctx}"
                );
            }
            if state == "available_for_pickup" {
                assert!(seen["text"].as_str().unwrap().contains("WAW01M"), "{ctx}");
            }
            if lang != "en" {
                for en in ENGLISH {
                    assert!(
                        !seen["text"].as_str().unwrap().contains(en),
                        "untranslated {en:?}: {ctx}"
                    );
                }
            }
            tab.screenshot(&format!("page-{state}-{lang}")).await;
        }
    }
}

/// Serves a storefront page embedding the tracking page with `/embed.js`.
async fn storefront(gateway: &str, token: &str) -> SocketAddr {
    let html = format!(
        "<!doctype html><html><head><meta charset=utf-8><title>Shop</title></head>\
         <body style=\"font-family:sans-serif;margin:0;background:#eef\"><h1 style=\"margin:16px\">My order</h1>\
         <script src=\"{gateway}/embed.js\" data-token=\"{token}\" data-lang=\"en\"></script><p id=after>after the frame</p></body></html>"
    );
    let router = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(html) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

#[tokio::test]
async fn an_embed_works_from_an_allowed_origin_and_is_refused_elsewhere() {
    let _turn = crate::cdp::exclusive().await;
    let app = app().await;
    let (_, token) = shipment(&app, "out_for_delivery", Some("en"), "E-77").await;
    let allowed = storefront(&app.base, &token).await;
    let other = storefront(&app.base, &token).await;
    let r = patch_merchant(
        &app,
        &json!({"allowed_origins": [format!("http://127.0.0.1:{}", allowed.port())]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // The header the browser enforces.
    let page = app
        .http
        .get(format!("{}/t/{token}?embed=1", app.base))
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains(&format!(
            "frame-ancestors http://127.0.0.1:{}",
            allowed.port()
        )),
        "{csp}"
    );

    let mut browser = Browser::launch().await;
    let mut tab = browser.tab(1000, 900, false).await;
    tab.goto(&format!("http://127.0.0.1:{}/", allowed.port()))
        .await;
    assert!(
        tab.wait_for("document.querySelector('iframe.parcelgate-frame') && document.querySelector('iframe.parcelgate-frame').dataset.height", 15).await,
        "the embedded page never reported its height"
    );
    let h = tab
        .eval("Number(document.querySelector('iframe.parcelgate-frame').dataset.height)")
        .await;
    assert!(
        h.as_f64().unwrap() > 400.0,
        "iframe sized to its content: {h}"
    );
    let frame_h = tab
        .eval("document.querySelector('iframe').getBoundingClientRect().height")
        .await;
    assert_eq!(frame_h.as_f64().unwrap().round(), h.as_f64().unwrap());
    tab.screenshot("embed-allowed").await;

    tab.goto(&format!("http://127.0.0.1:{}/", other.port()))
        .await;
    assert!(
        tab.wait_for("document.querySelector('iframe.parcelgate-frame')", 5)
            .await
    );
    let reported = tab
        .wait_for(
            "document.querySelector('iframe.parcelgate-frame').dataset.height",
            4,
        )
        .await;
    assert!(!reported, "a refused embed must not render the page");
    // The frame holds Chromium's error page, not the tracking page.
    let tree = tab.frame_urls().await;
    assert!(
        tree.iter().any(|u| u.starts_with("chrome-error://")),
        "frames: {tree:?}"
    );
    tab.screenshot("embed-refused").await;
}

#[tokio::test]
async fn the_dashboard_renders_its_charts_after_signing_in() {
    let _turn = crate::cdp::exclusive().await;
    let app = app().await;
    for (i, state) in [
        "delivered",
        "delivered",
        "delivered",
        "failed_attempt",
        "exception",
        "returned_to_sender",
        "in_transit",
    ]
    .iter()
    .enumerate()
    {
        shipment(&app, state, None, &format!("DB-{i}")).await;
    }
    let mut browser = Browser::launch().await;
    let mut tab = browser.tab(1200, 900, false).await;
    tab.goto(&format!("{}/dashboard", app.base)).await;
    assert!(tab.wait_for("document.querySelector('#api_key')", 5).await);
    tab.screenshot("dashboard-login").await;
    tab.eval(&format!(
        "document.querySelector('#api_key').value = {}; document.querySelector('#login form').submit(); true",
        serde_json::to_string(&app.key).unwrap()
    ))
    .await;
    let rendered = tab
        .wait_for("document.querySelectorAll('svg.chart').length >= 3", 15)
        .await;
    if !rendered {
        let text = tab
            .eval("location.href + ' ' + document.body.innerText")
            .await;
        panic!("charts did not render: {text}");
    }
    let charts = tab.eval("[...document.querySelectorAll('svg.chart')].map(s => s.dataset.chart + ':' + s.querySelectorAll('rect[data-value]').length + ':' + Math.round(s.getBoundingClientRect().width))").await;
    let charts: Vec<String> = serde_json::from_value(charts).unwrap();
    assert!(
        charts.iter().any(|c| c.starts_with("transit-inpost:8:")),
        "{charts:?}"
    );
    assert!(
        charts.iter().any(|c| c.starts_with("performance:2:")),
        "{charts:?}"
    );
    assert!(
        charts.iter().any(|c| c.starts_with("problems:2:")),
        "{charts:?}"
    );
    assert!(
        charts.iter().all(|c| !c.ends_with(":0")),
        "every chart has a size: {charts:?}"
    );
    let cookie = tab.eval("document.cookie").await;
    assert_eq!(cookie, "", "the session cookie is HttpOnly");
    tab.screenshot("dashboard").await;
}

impl cdp::Tab<'_> {
    /// URLs of every frame in the page.
    async fn frame_urls(&mut self) -> Vec<String> {
        let tree = self.call_pub("Page.getFrameTree", json!({})).await;
        let mut out = Vec::new();
        fn walk(n: &Value, out: &mut Vec<String>) {
            if let Some(u) = n["frame"]["url"].as_str() {
                out.push(format!(
                    "{}{}",
                    u,
                    n["frame"]["unreachableUrl"]
                        .as_str()
                        .map(|x| format!(" ({x})"))
                        .unwrap_or_default()
                ));
            }
            for c in n["childFrames"].as_array().into_iter().flatten() {
                walk(c, out);
            }
        }
        walk(&tree["frameTree"], &mut out);
        out
    }
}
