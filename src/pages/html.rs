//! HTML building blocks every page uses: escaping, the Content-Security-Policy built from
//! inline hashes, and the security headers of every page response.

use axum::http::{header, HeaderMap, HeaderValue};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::state::AppState;

pub use crate::domain::escape::esc;

/// `'sha256-…'` CSP source of an inline script or style.
pub fn csp_hash(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// A Content-Security-Policy allowing only the given inline style and script (by hash),
/// `data:` images, forms to this origin, and framing by `frame_ancestors`.
pub fn csp(style: &str, script: Option<&str>, frame_ancestors: &str) -> String {
    let script_src = script.map_or_else(|| "'none'".to_string(), csp_hash);
    format!(
        "default-src 'none'; style-src {}; script-src {script_src}; img-src data:; \
         form-action 'self'; base-uri 'none'; frame-ancestors {frame_ancestors}",
        csp_hash(style)
    )
}

/// Headers every page response carries: CSP, no sniffing, no referrer (the URL holds the
/// token), no caching, no powerful features, and HSTS when served over HTTPS.
pub fn secure_headers(headers: &mut HeaderMap, csp_value: &str, https: bool) {
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(header::CONTENT_SECURITY_POLICY, csp_value);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::CACHE_CONTROL, "no-store");
    set(
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    );
    set(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    if https {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
}

/// Whether the gateway is published over HTTPS (from `public_url`).
pub fn is_https(app: &AppState) -> bool {
    app.config.public_url.starts_with("https://")
}
