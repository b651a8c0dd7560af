//! Secrets and personal data at rest: sealed with XChaCha20-Poly1305 under the operator's
//! one key (`PARCELGATE_SECRETS__KEY`; the older `PARCELGATE_CALLBACKS__SECRETS_KEY` is
//! still read). Subscription signing secrets are sealed when a key is configured; shopper
//! contact data is only ever stored sealed, bound to its row (see [`SecretSealer::seal_bound`]).
//!
//! A signing secret cannot be hashed like an API key (the gateway must sign with it), so a
//! copy of the database would let anyone forge callbacks. Sealed secrets are stored as
//! `enc1:` + base64(nonce ‖ ciphertext); a row without that prefix is a plain secret from
//! before a key was configured and is read as is, so turning sealing on needs no migration
//! (rotating a subscription's secret re-stores it sealed).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use carriers::secret::Secret;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;

use crate::store::Subscription;

/// Prefix of a sealed secret.
const SEALED: &str = "enc1:";
/// Prefix of a value sealed to its row (the row id is the associated data).
const BOUND: &str = "enc2:";
/// XChaCha20 nonce length: random nonces of this size never repeat in practice.
const NONCE_LEN: usize = 24;

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The configured key is not 32 bytes of base64.
    #[error(
        "secrets.key (PARCELGATE_SECRETS__KEY) must be 32 bytes in base64 (e.g. `openssl rand -base64 32`): {0}"
    )]
    BadKey(String),
    /// A sealed secret is stored but no key is configured.
    #[error(
        "a value is sealed but no key is set: configure secrets.key (PARCELGATE_SECRETS__KEY)"
    )]
    NoKey,
    /// The stored value does not open with the configured key.
    #[error("a sealed value does not open with secrets.key (wrong key or damaged row)")]
    Damaged,
}

/// The key file `serve` keeps beside a SQLite database when no key is configured
/// (`parcelgate.db` → `parcelgate.db.key`); None for PostgreSQL or an in-memory database.
pub fn local_key_path(database_url: &str) -> Option<std::path::PathBuf> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let path = rest.trim_start_matches("//").split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(std::path::PathBuf::from(format!("{path}.key")))
}

/// Reads the key file at `path`, or creates it (32 random bytes in base64, mode 0600) when
/// absent; true when it was created now.
pub fn load_or_create_key(path: &std::path::Path) -> std::io::Result<(Secret, bool)> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return Ok((Secret::new(text.trim().to_string()), false));
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let key = STANDARD.encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, key.as_bytes())?;
    Ok((Secret::new(key), true))
}

/// Seals and opens signing secrets.
pub struct SecretSealer {
    cipher: Option<XChaCha20Poly1305>,
}

impl SecretSealer {
    /// A sealer over `key` (base64 of 32 bytes); an empty key seals nothing.
    pub fn new(key: &Secret) -> Result<Self, SealError> {
        if key.is_empty() {
            return Ok(SecretSealer { cipher: None });
        }
        let bytes = STANDARD
            .decode(key.expose().trim())
            .map_err(|e| SealError::BadKey(e.to_string()))?;
        if bytes.len() != 32 {
            return Err(SealError::BadKey(format!("{} bytes", bytes.len())));
        }
        Ok(SecretSealer {
            cipher: Some(XChaCha20Poly1305::new(Key::from_slice(&bytes))),
        })
    }

    /// Whether secrets are sealed before they are stored.
    pub fn is_sealing(&self) -> bool {
        self.cipher.is_some()
    }

    /// The form of `secret` to store.
    pub fn seal(&self, secret: &str) -> String {
        let Some(cipher) = &self.cipher else {
            return secret.to_string();
        };
        // Encryption with a valid key and nonce length cannot fail; an empty fallback would
        // only ever show up as a secret that does not open, never as a plain copy.
        format!(
            "{SEALED}{}",
            seal_with(cipher, secret, b"").unwrap_or_default()
        )
    }

    /// The secret a stored value holds.
    pub fn open(&self, stored: &str) -> Result<String, SealError> {
        let Some(body) = stored.strip_prefix(SEALED) else {
            return Ok(stored.to_string());
        };
        open_with(self.cipher.as_ref().ok_or(SealError::NoKey)?, body, b"")
    }

    /// Seals `plain` to the row `row_id`: the id is the associated data, so a sealed value
    /// copied into another row does not open there. Needs a key ([`SealError::NoKey`]).
    pub fn seal_bound(&self, plain: &str, row_id: &str) -> Result<String, SealError> {
        let cipher = self.cipher.as_ref().ok_or(SealError::NoKey)?;
        Ok(format!(
            "{BOUND}{}",
            seal_with(cipher, plain, row_id.as_bytes())?
        ))
    }

    /// Opens a value [`Self::seal_bound`] sealed to the row `row_id`.
    pub fn open_bound(&self, stored: &str, row_id: &str) -> Result<String, SealError> {
        let body = stored.strip_prefix(BOUND).ok_or(SealError::Damaged)?;
        open_with(
            self.cipher.as_ref().ok_or(SealError::NoKey)?,
            body,
            row_id.as_bytes(),
        )
    }

    /// A subscription as read from the store, with its secrets opened for signing.
    pub fn open_subscription(&self, mut sub: Subscription) -> Result<Subscription, SealError> {
        sub.secret = self.open(&sub.secret)?;
        sub.previous_secret = sub
            .previous_secret
            .as_deref()
            .map(|s| self.open(s))
            .transpose()?;
        Ok(sub)
    }
}

/// base64(nonce ‖ ciphertext) of `plain` under a fresh random nonce, with `aad` bound in.
fn seal_with(cipher: &XChaCha20Poly1305, plain: &str, aad: &[u8]) -> Result<String, SealError> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::thread_rng().fill_bytes(&mut nonce);
    let payload = Payload {
        msg: plain.as_bytes(),
        aad,
    };
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), payload)
        .map_err(|_| SealError::Damaged)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(STANDARD.encode(out))
}

/// Opens what [`seal_with`] made, with the same `aad`.
fn open_with(cipher: &XChaCha20Poly1305, body: &str, aad: &[u8]) -> Result<String, SealError> {
    let bytes = STANDARD.decode(body).map_err(|_| SealError::Damaged)?;
    if bytes.len() <= NONCE_LEN {
        return Err(SealError::Damaged);
    }
    let (nonce, msg) = bytes.split_at(NONCE_LEN);
    let plain = cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg, aad })
        .map_err(|_| SealError::Damaged)?;
    String::from_utf8(plain).map_err(|_| SealError::Damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Secret {
        Secret::new(STANDARD.encode([7u8; 32]))
    }

    #[test]
    fn a_sqlite_database_gets_a_private_key_file_beside_it() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("pg.db");
        let url = format!("sqlite://{}?mode=rwc", db.display());
        let path = local_key_path(&url).expect("a file database has a key file");
        assert_eq!(path, dir.path().join("pg.db.key"));
        assert_eq!(local_key_path("postgres://x/y"), None);
        assert_eq!(local_key_path("sqlite::memory:"), None);
        let (key, created) = load_or_create_key(&path).expect("created");
        assert!(created);
        assert!(SecretSealer::new(&key).expect("a usable key").is_sealing());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, created) = load_or_create_key(&path).expect("read back");
        assert!(!created);
        assert_eq!(again.expose(), key.expose());
    }

    #[test]
    fn a_bound_value_opens_only_in_its_own_row() {
        let sealer = SecretSealer::new(&key()).expect("key");
        let stored = sealer
            .seal_bound("anna@shop.example", "shp_1")
            .expect("seals");
        assert!(
            stored.starts_with("enc2:") && !stored.contains("anna"),
            "{stored}"
        );
        assert_eq!(
            sealer.open_bound(&stored, "shp_1").expect("opens"),
            "anna@shop.example"
        );
        assert!(matches!(
            sealer.open_bound(&stored, "shp_2"),
            Err(SealError::Damaged)
        ));
        let none = SecretSealer::new(&Secret::default()).expect("no key");
        assert!(matches!(
            none.seal_bound("x", "shp_1"),
            Err(SealError::NoKey)
        ));
        assert!(matches!(
            none.open_bound(&stored, "shp_1"),
            Err(SealError::NoKey)
        ));
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let sealer = SecretSealer::new(&key()).expect("key");
        let stored = sealer.seal("whsec_abc");
        assert!(stored.starts_with("enc1:"), "{stored}");
        assert!(!stored.contains("whsec_abc"));
        assert_ne!(stored, sealer.seal("whsec_abc"), "a fresh nonce every time");
        assert_eq!(sealer.open(&stored).expect("opens"), "whsec_abc");

        let other = SecretSealer::new(&Secret::new(STANDARD.encode([8u8; 32]))).expect("key");
        assert!(matches!(other.open(&stored), Err(SealError::Damaged)));
        let none = SecretSealer::new(&Secret::default()).expect("no key");
        assert!(matches!(none.open(&stored), Err(SealError::NoKey)));
        let mut tampered = stored.clone();
        tampered.pop();
        tampered.push('A');
        assert!(sealer.open(&tampered).is_err());
    }

    #[test]
    fn without_a_key_secrets_stay_plain_and_old_plain_rows_still_open() {
        let none = SecretSealer::new(&Secret::default()).expect("no key");
        assert_eq!(none.seal("whsec_abc"), "whsec_abc");
        let sealer = SecretSealer::new(&key()).expect("key");
        assert_eq!(sealer.open("whsec_plain").expect("plain"), "whsec_plain");
    }

    #[test]
    fn a_bad_key_is_refused_with_what_is_wrong() {
        let short = SecretSealer::new(&Secret::new(STANDARD.encode([1u8; 16])));
        assert!(matches!(short, Err(SealError::BadKey(m)) if m.contains("16 bytes")));
        assert!(SecretSealer::new(&Secret::new("not base64!")).is_err());
    }
}
