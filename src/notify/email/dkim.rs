//! DKIM signing of outgoing e-mail (optional): the key from configuration, RSA or Ed25519,
//! and a signed header list that covers the one-click unsubscribe headers.
//!
//! lettre signs only From, Subject, To and Date by default. RFC 8058 asks that the signature
//! cover `List-Unsubscribe` and `List-Unsubscribe-Post`, or mailbox providers will not offer
//! one-click unsubscribe, so the list here is our own. `Reply-To` is listed even when a
//! message has none: a listed header that is absent is signed as absent, so no relay can add
//! one afterwards. `Content-Type` is not listed: lettre writes it with the MIME body, outside
//! the headers it can sign, and the body hash covers the parts anyway.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use carriers::Secret;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use lettre::Message;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::pkcs8::der::pem::PemLabel;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, ObjectIdentifier, PrivateKeyInfo};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;

/// The headers every signature covers, in this order.
pub const SIGNED_HEADERS: [&str; 10] = [
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Content-Language",
    "MIME-Version",
];

/// The setting of the selector.
pub const SELECTOR_KEY: &str = "email.dkim_selector";
/// The setting of the signing domain.
pub const DOMAIN_KEY: &str = "email.dkim_domain";
/// The setting of an inline PEM key.
pub const PRIVATE_KEY_KEY: &str = "email.dkim_private_key";
/// The setting of a PEM key file.
pub const PRIVATE_KEY_FILE_KEY: &str = "email.dkim_private_key_file";

/// RSA keys below this size are refused by verifiers (RFC 8301).
const MIN_RSA_BITS: usize = 1024;
/// id-Ed25519 (RFC 8410).
const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// rsaEncryption (PKCS#1).
const RSA_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The signature algorithm, taken from the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DkimAlgorithm {
    /// rsa-sha256.
    Rsa,
    /// ed25519-sha256 (RFC 8463).
    Ed25519,
}

/// Why the DKIM settings were refused. Messages name the setting; none contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DkimError {
    /// Some DKIM settings are given but this one is missing.
    #[error("{key} is required when DKIM signing is configured ({why})")]
    Missing {
        /// The missing setting.
        key: &'static str,
        /// Which settings asked for it.
        why: &'static str,
    },
    /// Both an inline key and a key file.
    #[error("email.dkim_private_key and email.dkim_private_key_file are both set; keep one")]
    TwoKeys,
    /// The selector or domain is not a DNS label sequence.
    #[error("{key}: {value:?} is not a DNS name")]
    BadName {
        /// The setting.
        key: &'static str,
        /// The value (a name, not a secret).
        value: String,
    },
    /// The key file cannot be read.
    #[error("email.dkim_private_key_file: cannot read {path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// What the file system said.
        reason: String,
    },
    /// The key is not a usable private key.
    #[error("{key}: {problem}")]
    BadKey {
        /// Where the key came from (inline or file).
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

impl DkimError {
    /// The setting the error is about.
    pub fn key(&self) -> &'static str {
        match self {
            DkimError::Missing { key, .. }
            | DkimError::BadName { key, .. }
            | DkimError::BadKey { key, .. } => key,
            DkimError::TwoKeys => PRIVATE_KEY_KEY,
            DkimError::Unreadable { .. } => PRIVATE_KEY_FILE_KEY,
        }
    }
}

/// Signs messages with one key for one `d=` domain and selector. `Debug` shows no key.
pub struct DkimSigner {
    config: DkimConfig,
    algorithm: DkimAlgorithm,
    selector: String,
    domain: String,
    /// The `p=` value of the DNS record: base64 SubjectPublicKeyInfo for RSA, the raw
    /// 32-byte key for Ed25519.
    public_key: String,
}

impl fmt::Debug for DkimSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimSigner")
            .field("algorithm", &self.algorithm)
            .field("selector", &self.selector)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl DkimSigner {
    /// Builds the signer from the four settings as configured; `Ok(None)` when none is set
    /// (no signing). The key is inline PEM or a PEM file, never both.
    pub fn from_settings(
        selector: &str,
        domain: &str,
        private_key: &Secret,
        private_key_file: &str,
    ) -> Result<Option<DkimSigner>, DkimError> {
        let (selector, domain, file) = (selector.trim(), domain.trim(), private_key_file.trim());
        let inline = private_key.expose().trim();
        if selector.is_empty() && domain.is_empty() && inline.is_empty() && file.is_empty() {
            return Ok(None);
        }
        const WHY: &str = "selector, domain and a private key go together";
        if selector.is_empty() {
            return Err(DkimError::Missing {
                key: SELECTOR_KEY,
                why: WHY,
            });
        }
        if domain.is_empty() {
            return Err(DkimError::Missing {
                key: DOMAIN_KEY,
                why: WHY,
            });
        }
        let (pem, key) = match (inline.is_empty(), file.is_empty()) {
            (false, false) => return Err(DkimError::TwoKeys),
            (true, true) => {
                return Err(DkimError::Missing {
                    key: PRIVATE_KEY_KEY,
                    why: "or email.dkim_private_key_file; selector, domain and a key go together",
                })
            }
            (false, true) => (private_key.clone(), PRIVATE_KEY_KEY),
            (true, false) => (read_key_file(Path::new(file))?, PRIVATE_KEY_FILE_KEY),
        };
        DkimSigner::new(selector, domain, pem.expose(), key).map(Some)
    }

    /// Builds a signer from a PEM private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8
    /// (`BEGIN PRIVATE KEY`, RSA or Ed25519). `key_setting` names where the key came from in
    /// errors. A key pasted into an environment variable with literal `\n` for its line
    /// breaks is read as well.
    pub fn new(
        selector: &str,
        domain: &str,
        pem: &str,
        key_setting: &'static str,
    ) -> Result<DkimSigner, DkimError> {
        for (key, value) in [(SELECTOR_KEY, selector), (DOMAIN_KEY, domain)] {
            if !is_dns_name(value) {
                return Err(DkimError::BadName {
                    key,
                    value: value.to_string(),
                });
            }
        }
        let bad = |problem: String| DkimError::BadKey {
            key: key_setting,
            problem,
        };
        let pem = if !pem.contains('\n') && pem.contains("\\n") {
            pem.replace("\\n", "\n")
        } else {
            pem.to_string()
        };
        let pem = pem.trim();
        let (algorithm, lettre_key, public_key) = if pem
            .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        {
            return Err(bad("encrypted keys are not supported; write it out decrypted with `openssl pkey -in key.pem -out plain.pem`".into()));
        } else if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
            let rsa = RsaPrivateKey::from_pkcs1_pem(pem)
                .map_err(|e| bad(format!("not a readable PKCS#1 RSA key ({e})")))?;
            rsa_key(rsa).map_err(bad)?
        } else if pem.starts_with(&format!("-----BEGIN {}-----", PrivateKeyInfo::PEM_LABEL)) {
            let (_, doc) = rsa::pkcs8::SecretDocument::from_pem(pem)
                .map_err(|e| bad(format!("not a readable PKCS#8 key ({e})")))?;
            let info = PrivateKeyInfo::try_from(doc.as_bytes())
                .map_err(|e| bad(format!("not a readable PKCS#8 key ({e})")))?;
            match info.algorithm.oid {
                RSA_OID => {
                    let rsa = RsaPrivateKey::from_pkcs8_der(doc.as_bytes())
                        .map_err(|e| bad(format!("not a readable PKCS#8 RSA key ({e})")))?;
                    rsa_key(rsa).map_err(bad)?
                }
                ED25519_OID => ed25519_key(info.private_key).map_err(bad)?,
                other => {
                    return Err(bad(format!(
                        "a key of algorithm {other}; DKIM takes RSA or Ed25519"
                    )))
                }
            }
        } else {
            return Err(bad("not a PEM private key (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)".into()));
        };

        let headers = SIGNED_HEADERS
            .iter()
            .map(|h| HeaderName::new_from_ascii_str(h))
            .collect();
        // Relaxed for headers and body: relays refold headers and touch trailing
        // whitespace, which simple canonicalization would turn into a failed signature.
        let canonicalization = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        Ok(DkimSigner {
            config: DkimConfig::new(
                selector.to_string(),
                domain.to_string(),
                lettre_key,
                headers,
                canonicalization,
            ),
            algorithm,
            selector: selector.to_string(),
            domain: domain.to_string(),
            public_key,
        })
    }

    /// Adds a `DKIM-Signature` header to the message. Sign last: any header changed
    /// afterwards breaks the signature.
    pub fn sign(&self, message: &mut Message) {
        message.sign(&self.config);
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> DkimAlgorithm {
        self.algorithm
    }

    /// The `s=` selector.
    pub fn selector(&self) -> &str {
        &self.selector
    }

    /// The `d=` domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Where the public key must be published: `{selector}._domainkey.{domain}`.
    pub fn dns_name(&self) -> String {
        format!("{}._domainkey.{}", self.selector, self.domain)
    }

    /// The TXT record to publish at [`Self::dns_name`], derived from the private key.
    pub fn dns_record(&self) -> String {
        let k = match self.algorithm {
            DkimAlgorithm::Rsa => "rsa",
            DkimAlgorithm::Ed25519 => "ed25519",
        };
        format!("v=DKIM1; k={k}; p={}", self.public_key)
    }
}

/// Reads a PEM key file (its contents stay a [`Secret`]).
pub fn read_key_file(path: &Path) -> Result<Secret, DkimError> {
    std::fs::read_to_string(path)
        .map(Secret::new)
        .map_err(|e| DkimError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// lettre takes RSA keys as PKCS#1 PEM only, so a PKCS#8 key is re-encoded.
fn rsa_key(rsa: RsaPrivateKey) -> Result<(DkimAlgorithm, DkimSigningKey, String), String> {
    let bits = rsa.size() * 8;
    if bits < MIN_RSA_BITS {
        return Err(format!(
            "an RSA key of {bits} bits; verifiers refuse keys under {MIN_RSA_BITS} bits (RFC 8301), use 2048"
        ));
    }
    let public = rsa
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| format!("the public key cannot be encoded ({e})"))?;
    let pkcs1 = rsa
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|e| format!("the key cannot be re-encoded ({e})"))?;
    let key = DkimSigningKey::new(&pkcs1, DkimSigningAlgorithm::Rsa)
        .map_err(|e| format!("lettre refused the key ({e})"))?;
    Ok((DkimAlgorithm::Rsa, key, STANDARD.encode(public.as_bytes())))
}

/// The PKCS#8 private key of Ed25519 is an OCTET STRING holding the 32-byte seed (RFC 8410);
/// lettre takes that seed as base64.
fn ed25519_key(private_key: &[u8]) -> Result<(DkimAlgorithm, DkimSigningKey, String), String> {
    let seed: [u8; 32] = match private_key {
        [0x04, 0x20, seed @ ..] => seed
            .try_into()
            .map_err(|_| "an Ed25519 key whose seed is not 32 bytes".to_string())?,
        _ => return Err("an Ed25519 key whose seed is not 32 bytes".into()),
    };
    let public = ed25519_dalek::SigningKey::from_bytes(&seed)
        .verifying_key()
        .to_bytes();
    let key = DkimSigningKey::new(&STANDARD.encode(seed), DkimSigningAlgorithm::Ed25519)
        .map_err(|e| format!("lettre refused the key ({e})"))?;
    Ok((DkimAlgorithm::Ed25519, key, STANDARD.encode(public)))
}

/// Dot-separated labels of letters, digits, `-` and `_` (selectors often contain `_` or `-`).
fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
#[path = "dkim_tests.rs"]
mod tests;
