//! One-click unsubscribe tokens (RFC 8058): every message carries `List-Unsubscribe:
//! <{public_url}/u/{token}>`. The token names the merchant, the contact's hash and the
//! message class, signed with a key derived from the sealing key, so it cannot be forged or
//! pointed at another contact. It also carries the contact's masked form
//! (`a***@shop.example`), so the merchant's suppression list can show whom an unsubscribe
//! was for without the gateway keeping the address. The page that takes it is `pages::unsubscribe`.

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
    /// The contact's masked form, for the suppression list.
    pub masked: String,
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
pub fn token(key: &[u8], u: &Unsubscribe) -> String {
    let Unsubscribe {
        merchant_id,
        contact_hash,
        class,
        masked,
    } = u;
    let body = URL_SAFE_NO_PAD.encode(format!("{merchant_id}|{contact_hash}|{class}|{masked}"));
    let mac = sign(key, &body);
    format!("{body}.{mac}")
}

/// The absolute unsubscribe URL of a contact.
pub fn url(public_url: &str, key: &[u8], u: &Unsubscribe) -> String {
    format!("{}/u/{}", public_url.trim_end_matches('/'), token(key, u))
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
    let mut parts = text.splitn(4, '|');
    let (m, h, c) = (parts.next()?, parts.next()?, parts.next()?);
    Some(Unsubscribe {
        merchant_id: m.into(),
        contact_hash: h.to_string(),
        class: c.to_string(),
        // Links sent before the mask was added carry none.
        masked: parts.next().unwrap_or("(unsubscribe link)").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Unsubscribe {
        Unsubscribe {
            merchant_id: "mer_1".into(),
            contact_hash: "abc".into(),
            class: "marketing".into(),
            masked: "a***@shop.example".into(),
        }
    }

    #[test]
    fn a_token_reads_back_what_it_was_made_of() {
        let t = token(b"k", &sample());
        assert_eq!(verify(b"k", &t), Some(sample()));
    }

    #[test]
    fn a_changed_body_or_another_key_does_not_verify() {
        let t = token(b"k", &sample());
        assert_eq!(verify(b"other", &t), None);
        let mut other = sample();
        other.contact_hash = "xyz".into();
        let other_body = token(b"k", &other).split_once('.').unwrap().0.to_string();
        let mac = t.split_once('.').unwrap().1;
        assert_eq!(verify(b"k", &format!("{other_body}.{mac}")), None);
    }
}
