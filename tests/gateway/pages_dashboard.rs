//! `/dashboard`: API-key login into a server-side session cookie, CSRF-safe logout, and the
//! carrier comparison rendered as SVG for a date range.

use chrono::Utc;

use crate::common::app::TestApp;
use crate::pages_fixtures::{app, shipment};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Logs in; returns the `Cookie` header value.
pub async fn login(app: &TestApp) -> String {
    let r = client()
        .post(format!("{}/dashboard/login", app.base))
        .header("origin", &app.base)
        .form(&[("api_key", app.key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/dashboard"] {
        assert!(set.contains(flag), "{set}");
    }
    set.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn login_session_charts_and_logout() {
    let app = app().await;
    for (i, state) in [
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
        shipment(&app, state, None, &format!("D-{i}")).await;
    }
    let http = client();
    let r = http
        .get(format!("{}/dashboard", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("name=\"api_key\""));
    // Cross-site or origin-less login posts are refused.
    let r = http
        .post(format!("{}/dashboard/login", app.base))
        .form(&[("api_key", app.key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = http
        .post(format!("{}/dashboard/login", app.base))
        .header("origin", "https://evil.example")
        .form(&[("api_key", app.key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = http
        .post(format!("{}/dashboard/login", app.base))
        .header("origin", &app.base)
        .form(&[("api_key", "pgk_wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let cookie = login(&app).await;
    let today = Utc::now().date_naive();
    let r = http
        .get(format!(
            "{}/dashboard?from={}&to={today}",
            app.base,
            today - chrono::Duration::days(7)
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"));
    let body = r.text().await.unwrap();
    assert!(body.contains("data-chart=\"transit-inpost\""), "{body}");
    assert!(
        body.contains("data-chart=\"performance\"") && body.contains("data-chart=\"problems\"")
    );
    assert!(
        body.contains("<th scope=\"row\">Shipments</th><td>6</td>"),
        "{body}"
    );
    assert!(body.contains("<th scope=\"row\">Delivered</th><td>2</td>"));
    assert!(body.contains("<th scope=\"row\">Exceptions</th><td>1 (17%)</td>"));
    // Two deliveries two days after the first scan.
    assert!(body.contains("data-value=\"2\""));
    // An empty range says so.
    let r = http
        .get(format!(
            "{}/dashboard?from=2020-01-01&to=2020-01-31",
            app.base
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("id=\"empty\""));
    // Logout needs the CSRF token.
    let r = http
        .post(format!("{}/dashboard/logout", app.base))
        .header("cookie", &cookie)
        .header("origin", &app.base)
        .form(&[("csrf", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = http
        .post(format!("{}/dashboard/logout", app.base))
        .header("cookie", &cookie)
        .header("origin", &app.base)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let r = http
        .get(format!("{}/dashboard", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(
        r.text().await.unwrap().contains("name=\"api_key\""),
        "session ended server-side"
    );
}
