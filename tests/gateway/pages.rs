//! The tracking page and its JSON over HTTP: what a shopper sees in each state and language,
//! security headers, privacy, embedding (CSP frame-ancestors, CORS), branding settings and
//! token revocation.

use serde_json::{json, Value};

use crate::common::app::assert_problem;
use crate::pages_fixtures::{app, patch_merchant, shipment};

async fn page(
    app: &crate::common::app::TestApp,
    path: &str,
) -> (reqwest::header::HeaderMap, String, u16) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (headers, r.text().await.unwrap(), status)
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn the_page_shows_the_state_in_plain_html_with_strict_headers() {
    let app = app().await;
    let (_, token) = shipment(&app, "in_transit", Some("pl"), "A-1001").await;
    let (h, body, status) = page(&app, &format!("/t/{token}")).await;
    assert_eq!(status, 200);
    assert!(header(&h, "content-type").starts_with("text/html"));
    let csp = header(&h, "content-security-policy");
    for part in [
        "default-src 'none'",
        "script-src 'none'",
        "frame-ancestors 'none'",
        "img-src data:",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert_eq!(header(&h, "x-frame-options"), "DENY");
    assert_eq!(header(&h, "referrer-policy"), "no-referrer");
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");
    assert_eq!(header(&h, "cache-control"), "no-store");
    assert!(
        h.get("set-cookie").is_none(),
        "no cookies on the tracking page"
    );
    assert!(body.contains("<html lang=\"pl\""));
    assert!(
        body.contains("data-step=\"in_transit\" data-state=\"current\""),
        "{body}"
    );
    assert!(body.contains("<h1 id=\"headline\">W drodze</h1>"));
    assert!(
        body.contains("Przewidywana dostawa") && body.contains("10:00–14:00"),
        "{body}"
    );
    assert!(body.contains("Zamówienie A-1001"));
    assert!(body.contains("https://inpost.pl/sledzenie-przesylek?number="));
    // Nothing is loaded from anywhere: no external scripts, styles, images or fonts.
    for bad in ["<script", "<link", "src=\"http", "@import", "url("] {
        assert!(!body.contains(bad), "page contains {bad}");
    }
    // Privacy: no e-mail, no postal code of the recipient.
    for private in ["Kowalski", "example.com", "30-001", "carrier text"] {
        assert!(!body.contains(private), "page shows {private}");
    }
    // Local times: the events carried +01:00.
    assert!(
        body.contains("+01:00"),
        "timeline datetime keeps the offset"
    );
}

#[tokio::test]
async fn language_comes_from_the_query_then_the_shipment() {
    let app = app().await;
    let (_, token) = shipment(&app, "failed_attempt", Some("en"), "A-2").await;
    let (_, en, _) = page(&app, &format!("/t/{token}")).await;
    assert!(en.contains("Delivery attempt failed") && en.contains("What happens next?"));
    assert!(en.contains("nobody was there"), "{en}");
    assert!(en.contains("data-step=\"out_for_delivery\" data-state=\"problem\""));
    let (_, de, _) = page(&app, &format!("/t/{token}?lang=de")).await;
    assert!(de.contains("<html lang=\"de\"") && de.contains("Zustellversuch erfolglos"));
    assert!(de.contains("Wie geht es weiter?") && de.contains("Voraussichtliche Zustellung"));
    let (_, pl, _) = page(&app, &format!("/t/{token}?lang=pl")).await;
    assert!(pl.contains("Nieudana próba doręczenia") && pl.contains("Co dalej?"));
    let (_, fallback, _) = page(&app, &format!("/t/{token}?lang=xx")).await;
    assert!(fallback.contains("<html lang=\"en\""));
}

#[tokio::test]
async fn pickup_exception_return_and_delivery_read_in_plain_words() {
    let app = app().await;
    let (_, t) = shipment(&app, "available_for_pickup", Some("pl"), "P-1").await;
    let (_, b, _) = page(&app, &format!("/t/{t}")).await;
    assert!(b.contains("id=\"pickup\"") && b.contains("WAW01M") && b.contains("Marszałkowska"));
    assert!(
        b.contains("Odbierz do")
            && b.contains("data-step=\"ready_for_pickup\" data-state=\"current\"")
    );
    assert!(!b.contains("id=\"eta\""), "no ETA while waiting at a point");
    let (_, t) = shipment(&app, "exception", Some("en"), "E-1").await;
    let (_, b, _) = page(&app, &format!("/t/{t}")).await;
    assert!(b.contains("Parcel damaged") && b.contains("callout problem"));
    let (_, t) = shipment(&app, "returned_to_sender", Some("de"), "R-1").await;
    let (_, b, _) = page(&app, &format!("/t/{t}")).await;
    assert!(b.contains("An Absender zurück") && b.contains("Erstattung"));
    let (_, t) = shipment(&app, "delivered", Some("en"), "D-1").await;
    let (_, b, _) = page(&app, &format!("/t/{t}")).await;
    assert!(b.contains("id=\"delivered\"") && !b.contains("data-state=\"current\""));
}

#[tokio::test]
async fn unknown_and_revoked_tokens_are_html_404s() {
    let app = app().await;
    let (id, token) = shipment(&app, "in_transit", None, "X-1").await;
    let (h, body, status) = page(&app, "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(status, 404);
    assert!(
        header(&h, "content-type").starts_with("text/html") && body.contains("Shipment not found")
    );
    let other = app.another_merchant("Other").await;
    let r = app
        .http
        .post(format!("{}/v1/shipments/{id}/revoke-token", app.base))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_problem(r, 404).await;
    let r = app
        .post(&format!("/v1/shipments/{id}/revoke-token"), &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let new = v["public_token"].as_str().unwrap();
    assert!(new.len() >= 27 && new != token, "160-bit token");
    assert_eq!(page(&app, &format!("/t/{token}")).await.2, 404);
    assert_eq!(page(&app, &format!("/t/{token}.json")).await.2, 404);
    assert_eq!(page(&app, &format!("/t/{new}")).await.2, 200);
    let s: Value = app
        .get(&format!("/v1/shipments/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        s["public_token"], new,
        "the cached API view follows the rotation"
    );
}

#[tokio::test]
async fn embedding_follows_the_merchants_allowed_origins() {
    let app = app().await;
    let (_, token) = shipment(&app, "out_for_delivery", Some("en"), "O-1").await;
    let r = patch_merchant(
        &app,
        &json!({"allowed_origins": ["https://Shop.example/", "http://127.0.0.1:9"]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let (h, body, _) = page(&app, &format!("/t/{token}?embed=1")).await;
    let csp = header(&h, "content-security-policy");
    assert!(
        csp.contains("frame-ancestors https://shop.example http://127.0.0.1:9"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(h.get("x-frame-options").is_none());
    assert!(body.contains("<script>") && body.contains("parcelgate:resize"));
    let get_json = |origin: &'static str| {
        app.http
            .get(format!("{}/t/{token}.json", app.base))
            .header("origin", origin)
            .send()
    };
    let ok = get_json("https://shop.example").await.unwrap();
    assert_eq!(
        header(ok.headers(), "access-control-allow-origin"),
        "https://shop.example"
    );
    let v: Value = ok.json().await.unwrap();
    assert_eq!(v["status"], "out_for_delivery");
    assert_eq!(v["progress"][3]["state"], "current");
    assert!(v["eta"]["text"].as_str().unwrap().contains("10:00–14:00"));
    let text = v.to_string();
    assert!(!text.contains("example.com") && !text.contains("email") && !text.contains("30-001"));
    let bad = get_json("https://evil.example").await.unwrap();
    assert!(bad.headers().get("access-control-allow-origin").is_none());
    let js = app
        .http
        .get(format!("{}/embed.js", app.base))
        .send()
        .await
        .unwrap();
    assert!(header(js.headers(), "content-type").starts_with("text/javascript"));
    assert_eq!(
        header(js.headers(), "cross-origin-resource-policy"),
        "cross-origin"
    );
    assert!(js.text().await.unwrap().contains("e.origin!==base"));
}

#[tokio::test]
async fn branding_settings_are_validated_and_shown() {
    let app = app().await;
    let (_, token) = shipment(&app, "in_transit", Some("en"), "B-1").await;
    for (body, field) in [
        (
            json!({"logo_url": "https://cdn.example/logo.png"}),
            "logo_url",
        ),
        (json!({"accent_color": "red;}"}), "accent_color"),
        (
            json!({"allowed_origins": ["http://shop.example"]}),
            "allowed_origins[0]",
        ),
        (
            json!({"allowed_origins": ["https://a.example/path"]}),
            "allowed_origins[0]",
        ),
        (json!({"colour": "x"}), "colour"),
    ] {
        let p = assert_problem(patch_merchant(&app, &body).await, 422).await;
        assert_eq!(p["field"], field, "{p}");
    }
    let logo = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    let r = patch_merchant(
        &app,
        &json!({"display_name": "Sklep <Kasia>", "accent_color": "#AA3366", "logo_url": logo}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = app.get("/v1/merchant").await.json().await.unwrap();
    assert_eq!(v["settings"]["accent_color"], "#aa3366");
    assert!(v["lookup_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/track/{}", app.merchant_id)));
    let (_, body, _) = page(&app, &format!("/t/{token}")).await;
    assert!(body.contains("Sklep &lt;Kasia&gt;") && !body.contains("<Kasia>"));
    assert!(body.contains("--accent:#aa3366") && body.contains(&format!("<img src=\"{logo}\"")));
    let r = patch_merchant(&app, &json!({"logo_url": null})).await;
    assert_eq!(r.status(), 200);
    assert!(!page(&app, &format!("/t/{token}")).await.1.contains("<img"));
}
