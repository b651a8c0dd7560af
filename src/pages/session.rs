//! Dashboard sessions: a random 256-bit id in a `Secure; HttpOnly; SameSite=Strict` cookie
//! scoped to `/dashboard`, mapped server-side (in memory, moka) to the merchant and a
//! per-session CSRF token.
//!
//! In memory means a restart signs everyone out and each gateway process has its own
//! sessions (use sticky routing for the dashboard when running several); sessions expire
//! after [`IDLE`] without use and [`MAX_AGE`] at most. The API key typed at login is only
//! hashed and looked up, never kept.

use std::time::Duration;

use axum::http::{header, HeaderMap};
use rand::RngCore;
use subtle::ConstantTimeEq;

/// Name of the session cookie (`__Secure-`: browsers accept it only with `Secure`).
pub const COOKIE: &str = "__Secure-pgdash";
/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(2 * 3600);
/// A session ends this long after login, used or not.
pub const MAX_AGE: Duration = Duration::from_secs(12 * 3600);

/// One signed-in merchant.
#[derive(Debug, Clone)]
pub struct Session {
    /// The merchant.
    pub merchant_id: String,
    /// Token the logout form must echo.
    pub csrf: String,
}

/// The session table.
#[derive(Clone)]
pub struct Sessions {
    map: moka::future::Cache<String, Session>,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new()
    }
}

fn random_hex() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl Sessions {
    /// An empty table.
    pub fn new() -> Self {
        Sessions {
            map: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(IDLE)
                .time_to_live(MAX_AGE)
                .build(),
        }
    }

    /// Starts a session; returns its id.
    pub async fn create(&self, merchant_id: &str) -> String {
        let id = random_hex();
        self.map
            .insert(
                id.clone(),
                Session {
                    merchant_id: merchant_id.to_string(),
                    csrf: random_hex(),
                },
            )
            .await;
        id
    }

    /// The session of a request's cookie.
    pub async fn get(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie(headers)?;
        let s = self.map.get(&id).await?;
        Some((id, s))
    }

    /// Ends a session.
    pub async fn remove(&self, id: &str) {
        self.map.invalidate(id).await;
    }
}

/// The session id from the `Cookie` header, if well-formed.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `Set-Cookie` value starting a session.
pub fn set_cookie(id: &str) -> String {
    format!(
        "{COOKIE}={id}; Path=/dashboard; Max-Age={}; Secure; HttpOnly; SameSite=Strict",
        MAX_AGE.as_secs()
    )
}

/// `Set-Cookie` value ending a session.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/dashboard; Max-Age=0; Secure; HttpOnly; SameSite=Strict")
}

/// Whether a submitted CSRF token matches the session's.
pub fn csrf_ok(session: &Session, submitted: &str) -> bool {
    session.csrf.len() == submitted.len()
        && bool::from(session.csrf.as_bytes().ct_eq(submitted.as_bytes()))
}

/// Whether a state-changing request comes from this site: its `Origin` (or, without one,
/// its `Referer`) must name the host it was sent to. Requests with neither are refused.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok());
    match source {
        Some(u) => {
            let authority = match (u.host_str(), u.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => return false,
            };
            !host.is_empty() && authority.eq_ignore_ascii_case(host)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[tokio::test]
    async fn sessions_round_trip_through_the_cookie() {
        let s = Sessions::new();
        let id = s.create("mer_1").await;
        let mut h = HeaderMap::new();
        let v = format!("other=1; {COOKIE}={id}");
        h.insert(header::COOKIE, HeaderValue::from_str(&v).unwrap());
        let (got, sess) = s.get(&h).await.unwrap();
        assert_eq!(got, id);
        assert_eq!(sess.merchant_id, "mer_1");
        assert!(csrf_ok(&sess, &sess.csrf.clone()) && !csrf_ok(&sess, "x"));
        s.remove(&id).await;
        assert!(s.get(&h).await.is_none());
        assert!(set_cookie(&id).contains("HttpOnly; SameSite=Strict"));
    }

    #[test]
    fn origin_must_match_host() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("gw.example:8080"));
        assert!(!same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://gw.example:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
    }
}
