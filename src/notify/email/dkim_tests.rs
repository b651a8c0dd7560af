//! Unit tests of DKIM key reading and settings (the signature itself is verified end to end
//! in `transport_tests.rs`, over the sink).

use super::*;

const RSA_PKCS1: &str = include_str!("testdata/rsa-pkcs1.test.pem");
const RSA_PKCS8: &str = include_str!("testdata/rsa-pkcs8.test.pem");
const RSA_PUBLIC: &str = include_str!("testdata/rsa.test.pub.b64");
const ED25519: &str = include_str!("testdata/ed25519.test.pem");
const ED25519_PUBLIC: &str = include_str!("testdata/ed25519.test.pub.b64");
const RSA_512: &str = include_str!("testdata/rsa-512.test.pem");
const EC_P256: &str = include_str!("testdata/ec-p256.test.pem");
const RSA_ENCRYPTED: &str = include_str!("testdata/rsa-encrypted.test.pem");

fn signer(pem: &str) -> Result<DkimSigner, DkimError> {
    DkimSigner::new("pg2026", "shop.example", pem, PRIVATE_KEY_KEY)
}

/// The base64 lines of a PEM key, none of which may appear in an error.
fn key_lines(pem: &str) -> Vec<&str> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 8)
        .collect()
}

#[test]
fn rsa_keys_in_both_pem_forms_publish_the_openssl_public_key() {
    for pem in [RSA_PKCS1, RSA_PKCS8] {
        let s = signer(pem).expect("rsa key");
        assert_eq!(s.algorithm(), DkimAlgorithm::Rsa);
        assert_eq!(
            s.dns_record(),
            format!("v=DKIM1; k=rsa; p={}", RSA_PUBLIC.trim())
        );
        assert_eq!(s.dns_name(), "pg2026._domainkey.shop.example");
    }
}

#[test]
fn ed25519_keys_publish_the_raw_public_key() {
    let s = signer(ED25519).expect("ed25519 key");
    assert_eq!(s.algorithm(), DkimAlgorithm::Ed25519);
    assert_eq!(
        s.dns_record(),
        format!("v=DKIM1; k=ed25519; p={}", ED25519_PUBLIC.trim())
    );
}

#[test]
fn a_key_pasted_with_escaped_newlines_is_read() {
    let escaped = RSA_PKCS8.trim().replace('\n', "\\n");
    assert!(!escaped.contains('\n'));
    let s = signer(&escaped).expect("escaped key");
    assert_eq!(s.algorithm(), DkimAlgorithm::Rsa);
}

#[test]
fn debug_shows_no_key_material() {
    let s = signer(RSA_PKCS1).expect("rsa key");
    let debug = format!("{s:?}");
    assert!(debug.contains("pg2026") && debug.contains("shop.example"));
    for line in key_lines(RSA_PKCS1) {
        assert!(!debug.contains(line), "{debug}");
    }
}

#[test]
fn nothing_configured_means_no_signing() {
    let s = DkimSigner::from_settings("", " ", &Secret::default(), "").expect("no dkim");
    assert!(s.is_none());
}

#[test]
fn settings_come_together_or_not_at_all() {
    let key = Secret::new(RSA_PKCS1);
    let none = Secret::default();
    let cases = [
        (("", "shop.example", &key, ""), SELECTOR_KEY),
        (("pg2026", "", &key, ""), DOMAIN_KEY),
        (("pg2026", "shop.example", &none, ""), PRIVATE_KEY_KEY),
        (
            ("pg2026", "shop.example", &key, "/etc/dkim.pem"),
            PRIVATE_KEY_KEY,
        ),
        (("pg 2026", "shop.example", &key, ""), SELECTOR_KEY),
        (("pg2026", "shop..example", &key, ""), DOMAIN_KEY),
        (
            ("pg2026", "shop.example", &none, "/nonexistent/dkim.pem"),
            PRIVATE_KEY_FILE_KEY,
        ),
    ];
    for ((selector, domain, inline, file), key_name) in cases {
        let e = DkimSigner::from_settings(selector, domain, inline, file)
            .expect_err(&format!("{selector:?} {domain:?} {file:?}"));
        assert_eq!(e.key(), key_name, "{e}");
        assert!(e.to_string().contains(key_name), "{e}");
    }
    let e = DkimSigner::from_settings("pg2026", "shop.example", &none, "/nonexistent/dkim.pem")
        .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/dkim.pem"), "{e}");
}

#[test]
fn a_key_file_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("dkim.pem");
    std::fs::write(&path, ED25519).expect("write key");
    let s = DkimSigner::from_settings(
        "pg2026",
        "shop.example",
        &Secret::default(),
        path.to_str().expect("utf-8 path"),
    )
    .expect("file key")
    .expect("configured");
    assert_eq!(s.algorithm(), DkimAlgorithm::Ed25519);
}

#[test]
fn bad_keys_say_what_is_wrong_and_show_none_of_the_key() {
    let cases = [
        (RSA_512, "512 bits"),
        (EC_P256, "RSA or Ed25519"),
        (RSA_ENCRYPTED, "encrypted"),
        ("not a key at all", "not a PEM private key"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
            "PKCS#1",
        ),
        (
            "-----BEGIN PRIVATE KEY-----\nbm90IGRlcg==\n-----END PRIVATE KEY-----",
            "PKCS#8",
        ),
    ];
    for (pem, says) in cases {
        let e = signer(pem).expect_err(says);
        let text = e.to_string();
        assert!(text.starts_with(PRIVATE_KEY_KEY), "{text}");
        assert!(text.contains(says), "{says}: {text}");
        for line in key_lines(pem) {
            assert!(!text.contains(line), "{text}");
        }
    }
    let e = DkimSigner::new("pg2026", "shop.example", EC_P256, PRIVATE_KEY_FILE_KEY).unwrap_err();
    assert!(e.to_string().starts_with(PRIVATE_KEY_FILE_KEY), "{e}");
}

#[test]
fn the_signature_lists_the_unsubscribe_headers() {
    let s = signer(ED25519).expect("ed25519 key");
    let mut message = lettre::Message::builder()
        .from("Shop <noreply@shop.example>".parse().expect("from"))
        .to("anna@example.pl".parse().expect("to"))
        .subject("Twoja paczka")
        .body("x".to_string())
        .expect("message");
    s.sign(&mut message);
    let formatted = String::from_utf8(message.formatted()).expect("ascii");
    let unfolded = formatted.replace("\r\n ", " ");
    let header = unfolded
        .lines()
        .find(|l| l.starts_with("DKIM-Signature:"))
        .expect("signed");
    assert!(header.contains("a=ed25519-sha256"), "{header}");
    assert!(header.contains("d=shop.example"), "{header}");
    assert!(header.contains("s=pg2026"), "{header}");
    assert!(header.contains("c=relaxed/relaxed"), "{header}");
    assert!(
        header.contains(
            "h=from:reply-to:to:subject:date:message-id:list-unsubscribe:list-unsubscribe-post:content-language:mime-version;"
        ),
        "{header}"
    );
}
