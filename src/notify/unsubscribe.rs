//! One-click unsubscribe tokens (RFC 8058): every message carries `List-Unsubscribe:
//! <{public_url}/u/{token}>`. The token names the merchant, the contact's hash and the
//! message class, signed with a key derived from the sealing key, so it cannot be forged or
//! pointed at another contact. The page that takes it is `pages::unsubscribe`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use carriers::secret::Secret;

use crate::domain::MerchantId;

/// What a token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// The merchant whose messages stop.
    pub merchant_id: MerchantId,
    /// The contact's hash.
    pub contact_hash: String,
    /// `transactional` or `marketing`.
    pub class: String,
}

/// The signing key of unsubscribe tokens, derived from the sealing key (so a token outlives
/// restarts and is the same on every process of one deployment).
pub fn key(sealing_key: &Secret) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"parcelgate unsubscribe v1\0");
    h.update(sealing_key.expose().as_bytes());
    h.finalize().to_vec()
}

fn sign(key: &[u8], body: &str) -> String {
    // A key of any length is accepted by HMAC; the fallback is never taken.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(body.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The token of a contact's unsubscribe link.
pub fn token(key: &[u8], merchant_id: &MerchantId, contact_hash: &str, class: &str) -> String {
    let body = URL_SAFE_NO_PAD.encode(format!("{merchant_id}|{contact_hash}|{class}"));
    let mac = sign(key, &body);
    format!("{body}.{mac}")
}

/// The absolute unsubscribe URL of a contact.
pub fn url(
    public_url: &str,
    key: &[u8],
    merchant_id: &MerchantId,
    contact_hash: &str,
    class: &str,
) -> String {
    format!(
        "{}/u/{}",
        public_url.trim_end_matches('/'),
        token(key, merchant_id, contact_hash, class)
    )
}

/// Reads a token; None when malformed or not signed by this gateway.
pub fn verify(key: &[u8], token: &str) -> Option<Unsubscribe> {
    let (body, mac) = token.split_once('.')?;
    let want = sign(key, body);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        want.as_bytes(),
        mac.as_bytes(),
    )) {
        return None;
    }
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    let mut parts = text.splitn(3, '|');
    let (m, h, c) = (parts.next()?, parts.next()?, parts.next()?);
    Some(Unsubscribe {
        merchant_id: m.into(),
        contact_hash: h.to_string(),
        class: c.to_string(),
    })
}
