//! `/dashboard`: a merchant signs in with an API key and compares couriers side by side over
//! a date range — transit-time distributions, on-time and first-attempt rates, exceptions
//! and returns — as server-rendered SVG. No JavaScript.
//!
//! Login and logout are POSTs that must come from this site (`Origin`/`Referer` checked);
//! logout also needs the session's CSRF token; the cookie is `SameSite=Strict`.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{Duration, NaiveDate, Utc};

use super::context::PagesState;
use super::html::esc;
use super::i18n::Lang;
use super::render::{document, html_response, theme, BASE_CSS};
use super::session::{clear_cookie, csrf_ok, same_origin, set_cookie};
use super::stats::{report, CarrierStats, Report, TRANSIT_BUCKETS};
use super::svg::{histogram, rate_bars, Series};
use crate::domain::merchant_rules::hash_key;
use crate::inbound::http::client_ip;
use crate::store::Merchant;

/// Login attempts per client address per [`super::limit::WINDOW`].
pub const LOGINS_PER_WINDOW: u32 = 20;
/// Longest range, days.
pub const MAX_RANGE_DAYS: i64 = 366;

const CSS: &str = ".wrap.wide{max-width:68rem}.range{display:flex;flex-wrap:wrap;gap:.8rem;align-items:end}\
.range label{margin:0}.range input{width:auto}.range button{margin:0}\
table{border-collapse:collapse;min-width:60%;font-size:.95rem}th,td{padding:.45rem .6rem;text-align:right;border-bottom:1px solid #e3e6ea}\
th:first-child,td:first-child{text-align:left}thead th{color:#5b6470;font-weight:600}\
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(18rem,1fr));gap:1.5rem}\
figure{margin:0}figcaption{font-weight:600;margin-bottom:.3rem}.out{display:flex;gap:1rem;align-items:center}\
.out form button{margin:0;background:#fff;color:#1b1f24;border:1px solid #c9ced6}.err{color:#c4320a;font-weight:600}";

fn carrier_color(i: usize) -> &'static str {
    ["#1f5eff", "#e8590c", "#12b886", "#ae3ec9"][i % 4]
}

fn respond(st: &PagesState, status: StatusCode, title: &str, body: &str) -> Response {
    let style = format!("{}{BASE_CSS}{CSS}", theme("#1f5eff"));
    let html = document(Lang::En, title, &style, body, None);
    let mut r = html_response(&st.app, status, html, &style, None, "'none'");
    // The login and logout forms are checked by their Origin, which `no-referrer` would
    // reduce to `null`; nothing secret is in dashboard URLs.
    r.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    r
}

fn login_page(st: &PagesState, status: StatusCode, error: Option<&str>) -> Response {
    let err = error
        .map(|e| format!("<p class=\"err\" id=\"login-error\">{}</p>", esc(e)))
        .unwrap_or_default();
    let body = format!(
        "<body><main class=\"wrap\"><section class=\"card\" id=\"login\"><h1>Courier dashboard</h1>\
         <p class=\"muted\">Sign in with one of your API keys. The key is only checked, never stored in the browser.</p>{err}\
         <form method=\"post\" action=\"/dashboard/login\"><label for=\"api_key\">API key</label>\
         <input id=\"api_key\" name=\"api_key\" type=\"password\" required autocomplete=\"current-password\" maxlength=\"200\">\
         <button type=\"submit\">Sign in</button></form></section></main></body>"
    );
    respond(st, status, "Sign in – courier dashboard", &body)
}

fn redirect(location: &'static str, cookie: Option<String>) -> Response {
    let mut r = Response::new(axum::body::Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(location));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(Ok(v)) = cookie.map(|c| HeaderValue::from_str(&c)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// `POST /dashboard/login` (form field `api_key`).
pub async fn login(
    State(st): State<PagesState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !same_origin(&headers) {
        return login_page(
            &st,
            StatusCode::FORBIDDEN,
            Some("This form must be sent from this site."),
        );
    }
    let ip = client_ip(peer.ip(), &headers, &st.app.config.webhooks.trusted_proxies);
    if !st.login_limit.allow(ip).await {
        return login_page(
            &st,
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many attempts. Try again in a few minutes."),
        );
    }
    let key = f.get("api_key").map(|k| k.trim()).unwrap_or("");
    let found = if key.is_empty() || key.len() > 200 {
        Ok(None)
    } else {
        st.app.store.merchant_by_key_hash(&hash_key(key)).await
    };
    match found {
        Ok(Some(m)) => {
            let id = st.sessions.create(&m.id).await;
            redirect("/dashboard", Some(set_cookie(&id)))
        }
        Ok(None) => login_page(
            &st,
            StatusCode::UNAUTHORIZED,
            Some("Unknown or revoked API key."),
        ),
        Err(e) => {
            tracing::error!(error = %e, "dashboard login: storage error");
            login_page(
                &st,
                StatusCode::SERVICE_UNAVAILABLE,
                Some("Storage unavailable, try again."),
            )
        }
    }
}

/// `POST /dashboard/logout` (form field `csrf`).
pub async fn logout(
    State(st): State<PagesState>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let Some((id, session)) = st.sessions.get(&headers).await else {
        return redirect("/dashboard", Some(clear_cookie()));
    };
    let token = f.get("csrf").map(String::as_str).unwrap_or("");
    if !same_origin(&headers) || !csrf_ok(&session, token) {
        return respond(
            &st,
            StatusCode::FORBIDDEN,
            "Forbidden",
            "<body><main class=\"wrap\"><section class=\"card\"><h1>Forbidden</h1><p>Sign out from the dashboard page.</p></section></main></body>",
        );
    }
    st.sessions.remove(&id).await;
    redirect("/dashboard", Some(clear_cookie()))
}

/// The date range from the query (`from`, `to`, inclusive, `YYYY-MM-DD`); default the last 30 days.
fn range(q: &HashMap<String, String>) -> Result<(NaiveDate, NaiveDate), &'static str> {
    let today = Utc::now().date_naive();
    let parse = |k: &str| {
        q.get(k)
            .filter(|v| !v.is_empty())
            .map(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d"))
    };
    let to = match parse("to") {
        Some(Ok(d)) => d,
        Some(Err(_)) => return Err("`to` must be a date (YYYY-MM-DD)."),
        None => today,
    };
    let from = match parse("from") {
        Some(Ok(d)) => d,
        Some(Err(_)) => return Err("`from` must be a date (YYYY-MM-DD)."),
        None => to - Duration::days(29),
    };
    if from > to || (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err("The range must start before it ends and span at most a year.");
    }
    Ok((from, to))
}

/// `GET /dashboard`: the sign-in form, or the signed-in merchant's comparison.
pub async fn page(
    State(st): State<PagesState>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some((_, session)) = st.sessions.get(&headers).await else {
        return login_page(&st, StatusCode::OK, None);
    };
    let m = match st.app.store.merchant(&session.merchant_id).await {
        Ok(Some(m)) => m,
        Ok(None) => return login_page(&st, StatusCode::OK, None),
        Err(e) => {
            tracing::error!(error = %e, "dashboard: storage error");
            return login_page(
                &st,
                StatusCode::SERVICE_UNAVAILABLE,
                Some("Storage unavailable, try again."),
            );
        }
    };
    let (range, error) = match range(&q) {
        Ok(r) => (r, None),
        Err(e) => {
            let to = Utc::now().date_naive();
            ((to - Duration::days(29), to), Some(e))
        }
    };
    let (from, to) = range;
    let start = from.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let end = (to + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc());
    let rep = match (start, end) {
        (Some(a), Some(b)) => report(&st.app, &m.id, a, b).await,
        _ => Ok(Report::default()),
    };
    match rep {
        Ok(rep) => respond(
            &st,
            StatusCode::OK,
            "Courier dashboard",
            &render(&m, &session.csrf, from, to, error, &rep),
        ),
        Err(e) => {
            tracing::error!(error = %e, "dashboard: storage error");
            login_page(
                &st,
                StatusCode::SERVICE_UNAVAILABLE,
                Some("Storage unavailable, try again."),
            )
        }
    }
}

/// How one summary row reads a carrier's numbers.
type SummaryCell = fn(&CarrierStats) -> String;

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{:.0}%", v * 100.0))
}

fn render(
    m: &Merchant,
    csrf: &str,
    from: NaiveDate,
    to: NaiveDate,
    error: Option<&str>,
    rep: &Report,
) -> String {
    let mut b = format!(
        "<body><header class=\"brand\"><span class=\"shop\">{} · Courier dashboard</span><div class=\"out\">\
         <form method=\"post\" action=\"/dashboard/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\" id=\"logout\">Sign out</button></form></div></header><main class=\"wrap wide\">\
         <section class=\"card\"><form method=\"get\" action=\"/dashboard\" class=\"range\">\
         <div><label for=\"from\">From</label><input type=\"date\" id=\"from\" name=\"from\" value=\"{from}\"></div>\
         <div><label for=\"to\">To</label><input type=\"date\" id=\"to\" name=\"to\" value=\"{to}\"></div>\
         <button type=\"submit\">Show</button></form>{}</section>",
        esc(&m.settings.display_name.clone().unwrap_or_else(|| m.name.clone())),
        esc(csrf),
        error.map(|e| format!("<p class=\"err\">{}</p>", esc(e))).unwrap_or_default()
    );
    if rep.carriers.is_empty() {
        b.push_str("<section class=\"card\" id=\"empty\"><p>No shipments were registered in this range.</p></section></main></body>");
        return b;
    }
    let names: Vec<&str> = rep
        .carriers
        .iter()
        .map(|c| c.carrier.map_or("?", |c| c.display_name()))
        .collect();
    let series: Vec<Series<'_>> = names
        .iter()
        .enumerate()
        .map(|(i, n)| Series {
            name: n,
            color: carrier_color(i),
        })
        .collect();
    b.push_str("<section class=\"card\"><h2>Carriers side by side</h2><table id=\"summary\"><thead><tr><th></th>");
    for n in &names {
        b.push_str(&format!("<th>{}</th>", esc(n)));
    }
    b.push_str("</tr></thead><tbody>");
    let rows: [(&str, SummaryCell); 7] = [
        ("Shipments", |c| c.shipments.to_string()),
        ("Delivered", |c| c.delivered.to_string()),
        ("Median transit (working days)", |c| {
            c.median_days.map_or("–".into(), |d| format!("{d:.1}"))
        }),
        ("On time", |c| pct(c.on_time_rate())),
        ("First attempt", |c| pct(c.first_attempt_rate())),
        ("Exceptions", |c| {
            format!("{} ({})", c.exceptions, pct(c.exception_rate()))
        }),
        ("Returns", |c| {
            format!("{} ({})", c.returned, pct(c.return_rate()))
        }),
    ];
    for (label, f) in rows.iter() {
        b.push_str(&format!("<tr><th scope=\"row\">{}</th>", esc(label)));
        for c in &rep.carriers {
            b.push_str(&format!("<td>{}</td>", esc(&f(c))));
        }
        b.push_str("</tr>");
    }
    b.push_str("</tbody></table></section>");
    let labels: Vec<String> = (0..TRANSIT_BUCKETS)
        .map(|d| {
            if d + 1 == TRANSIT_BUCKETS {
                format!("{d}+")
            } else {
                d.to_string()
            }
        })
        .collect();
    b.push_str("<section class=\"card\"><h2>Transit time: working days from first scan to delivery</h2><div class=\"grid\">");
    for (i, c) in rep.carriers.iter().enumerate() {
        let id = format!("transit-{}", c.carrier.map_or("x", |c| c.as_str()));
        b.push_str(&format!(
            "<figure><figcaption>{}</figcaption>{}</figure>",
            esc(names[i]),
            histogram(
                &id,
                &format!("{} transit days", names[i]),
                &labels,
                &c.transit_days,
                carrier_color(i)
            )
        ));
    }
    b.push_str("</div></section>");
    let col = |f: fn(&CarrierStats) -> Option<f64>| rep.carriers.iter().map(f).collect::<Vec<_>>();
    b.push_str(&format!(
        "<section class=\"card\"><h2>Delivery performance</h2>{}</section>",
        rate_bars(
            "performance",
            "On-time and first-attempt rates",
            &[
                ("On time", col(|c| c.on_time_rate())),
                ("First attempt", col(|c| c.first_attempt_rate()))
            ],
            &series
        )
    ));
    b.push_str(&format!(
        "<section class=\"card\"><h2>Exceptions and returns</h2>{}</section>",
        rate_bars(
            "problems",
            "Exception and return rates",
            &[
                ("Exceptions", col(|c| c.exception_rate())),
                ("Returns", col(|c| c.return_rate()))
            ],
            &series
        )
    ));
    b.push_str("</main></body>");
    b
}
