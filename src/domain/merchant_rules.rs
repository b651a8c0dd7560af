//! Merchant rules shared by the API and the pages: API keys (generation, hashing), the
//! shopper e-mail hash used for lookups, and the branding and embedding checks.
//!
//! Keys are 256 random bits, so a single SHA-256 is enough to store them safely (a slow
//! password hash protects low-entropy secrets; it would only slow every request here).

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of every API key, so leaked keys are recognisable by secret scanners.
pub const KEY_PREFIX: &str = "pgk_";

/// A new API key: `pgk_` + 64 hex characters.
pub fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

/// The stored form of a key.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The first characters of a key, stored to help people tell their keys apart.
pub fn key_display_prefix(key: &str) -> String {
    key.chars().take(KEY_PREFIX.len() + 6).collect()
}

/// SHA-256 of the trimmed, lower-cased e-mail.
pub fn email_hash(email: &str) -> String {
    hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()))
}

/// Largest logo accepted, as a `data:` URL.
pub const MAX_LOGO_BYTES: usize = 48 * 1024;
/// Most embedding origins per merchant.
pub const MAX_ORIGINS: usize = 20;

/// Whether a colour is `#rrggbb`.
pub fn valid_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a logo is a base64 `data:` image URL of an allowed type and size.
pub fn valid_logo(l: &str) -> bool {
    const TYPES: [&str; 5] = ["png", "jpeg", "gif", "webp", "svg+xml"];
    if l.len() > MAX_LOGO_BYTES {
        return false;
    }
    let Some(rest) = l.strip_prefix("data:image/") else {
        return false;
    };
    let Some((kind, data)) = rest.split_once(";base64,") else {
        return false;
    };
    TYPES.contains(&kind)
        && base64::engine::general_purpose::STANDARD
            .decode(data)
            .is_ok()
}

/// The canonical origin (`scheme://host[:port]`) of an embedding origin, or None when it is
/// not acceptable: HTTPS, or HTTP on a loopback host (local development).
pub fn normalize_origin(o: &str) -> Option<String> {
    let u = url::Url::parse(o.trim()).ok()?;
    if !u.username().is_empty() || u.password().is_some() || u.query().is_some() {
        return None;
    }
    if u.path() != "/" || u.fragment().is_some() {
        return None;
    }
    let loopback = matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match u.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return None,
    }
    let origin = u.origin().ascii_serialization();
    (origin != "null").then_some(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_hashes_stable() {
        let a = generate_key();
        assert!(a.starts_with(KEY_PREFIX) && a.len() == 68);
        assert_ne!(a, generate_key());
        assert_eq!(hash_key(&a), hash_key(&a));
        assert_ne!(hash_key(&a), a);
        assert_eq!(key_display_prefix(&a).len(), 10);
    }

    #[test]
    fn origins_are_normalized_or_refused() {
        assert_eq!(
            normalize_origin("https://Shop.Example/").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            normalize_origin("https://shop.example:8443").as_deref(),
            Some("https://shop.example:8443")
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        for bad in [
            "http://shop.example",
            "https://shop.example/path",
            "*",
            "https://a.example; script-src *",
            "https://u:p@shop.example",
            "javascript:alert(1)",
            "https://shop.example?x=1",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn logos_and_colours() {
        assert!(valid_color("#a1b2c3") && !valid_color("red") && !valid_color("#a1b2c3;"));
        assert!(valid_logo("data:image/png;base64,iVBORw0KGgo="));
        assert!(!valid_logo("https://cdn.example/logo.png"));
        assert!(!valid_logo("data:text/html;base64,PHNjcmlwdD4="));
        assert!(!valid_logo("data:image/png;base64,\"><script>"));
    }
}
