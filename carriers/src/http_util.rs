//! HTTP plumbing shared by the adapters: one client, and turning transport results into
//! [`CarrierError`]s with Retry-After honoured.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Response, StatusCode};

use crate::carrier::CarrierId;
use crate::error::CarrierError;

/// Largest response body an adapter reads; a carrier answer beyond this is refused, not buffered.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Builds the HTTP client an adapter uses: bounded timeouts, no redirects to other hosts.
pub fn build_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("parcelgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Maps a reqwest failure (no response) to a typed error.
pub fn transport_error(carrier: CarrierId, e: &reqwest::Error) -> CarrierError {
    if e.is_timeout() {
        CarrierError::Timeout { carrier }
    } else {
        CarrierError::Transport {
            carrier,
            detail: without_url(e),
        }
    }
}

/// reqwest's Display includes the URL, which may carry credentials in a query; keep the kind only.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "connection failed"
    } else if e.is_request() {
        "request failed"
    } else if e.is_body() || e.is_decode() {
        "response body broken"
    } else {
        "transport failure"
    };
    match std::error::Error::source(e) {
        Some(src) => format!("{kind}: {src}"),
        None => kind.to_string(),
    }
}

/// Parses a Retry-After header: delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?;
    let delta = at.with_timezone(&Utc) - now;
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// Reads the body with a size bound.
pub async fn read_body(carrier: CarrierId, resp: Response) -> Result<Vec<u8>, CarrierError> {
    if let Some(len) = resp.content_length() {
        if len as usize > MAX_BODY_BYTES {
            return Err(CarrierError::Decode {
                carrier,
                detail: format!("response of {len} bytes exceeds the {MAX_BODY_BYTES}-byte limit"),
            });
        }
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| transport_error(carrier, &e))?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(CarrierError::Decode {
            carrier,
            detail: format!("response exceeds the {MAX_BODY_BYTES}-byte limit"),
        });
    }
    Ok(bytes.to_vec())
}

/// Splits a response into success (status, body) or the typed error for its status.
///
/// `describe` turns a non-2xx body into the carrier's own words (each carrier has its error
/// shape). 404 becomes `NotFound` for `tracking_number`; 429 keeps Retry-After.
pub async fn classify(
    carrier: CarrierId,
    tracking_number: &str,
    resp: Response,
    describe: fn(&[u8]) -> String,
) -> Result<Vec<u8>, CarrierError> {
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, Utc::now()));
    let body = read_body(carrier, resp).await?;
    if status.is_success() {
        return Ok(body);
    }
    let detail = describe(&body);
    Err(match status {
        StatusCode::TOO_MANY_REQUESTS => CarrierError::RateLimited {
            carrier,
            retry_after,
        },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            CarrierError::Unauthorized { carrier, detail }
        }
        StatusCode::NOT_FOUND => CarrierError::NotFound {
            carrier,
            tracking_number: tracking_number.to_string(),
        },
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => {
            CarrierError::Timeout { carrier }
        }
        s if s.is_server_error() => CarrierError::Upstream {
            carrier,
            status: s.as_u16(),
            detail,
        },
        s => CarrierError::Rejected {
            carrier,
            status: Some(s.as_u16()),
            detail,
        },
    })
}

/// Best-effort text of an error body: the first 300 characters, lossily decoded.
pub fn body_snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let t = text.trim();
    if t.is_empty() {
        return "(empty body)".to_string();
    }
    t.chars().take(300).collect()
}

/// Encodes a value for a URL query (`application/x-www-form-urlencoded`: letters, digits
/// and `*-._` stay, a space becomes `+`, every other byte is `%XX`).
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retry_after_in_seconds_and_dates() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after("Sun, 22 Nov 2026 10:01:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn form_encoding_matches_the_url_crate() {
        assert_eq!(form_encode("JJD 0001/ä&x=1"), "JJD+0001%2F%C3%A4%26x%3D1");
        assert_eq!(form_encode("a*b-c.d_e"), "a*b-c.d_e");
    }
}
