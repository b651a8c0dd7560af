//! DKIM end to end: with DKIM configured, the message the worker sends for a status change
//! arrives at the SMTP sink with a signature that an independent implementation (mail-auth)
//! verifies against the published public key, `List-Unsubscribe` and `List-Unsubscribe-Post`
//! among the signed headers; changing either header breaks it.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

use carriers::Status;
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator, ResolverCache, Txt};

use crate::common::notify::{app_with_sink_and, register, status};

const KEY: &str = include_str!("../../../src/notify/email/testdata/rsa-pkcs8.test.pem");
/// The public half, as `openssl` prints it (not derived by the code under test).
const PUBLIC: &str = include_str!("../../../src/notify/email/testdata/rsa.test.pub.b64");

/// DNS for the verifier: the one TXT record the test publishes, nothing from the network.
struct Dns(HashMap<String, Txt>);

impl ResolverCache<String, Txt> for Dns {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get(name).cloned()
    }

    fn remove<Q>(&self, _: &Q) -> Option<Txt>
    where
        String: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        None
    }

    fn insert(&self, _: String, _: Txt, _: std::time::Instant) {}
}

/// Each signature's result and its `h=` list (lower case).
async fn verify(raw: &[u8]) -> Vec<(DkimResult, Vec<String>)> {
    let record = format!("v=DKIM1; k=rsa; p={}", PUBLIC.trim());
    let key = DomainKey::parse(record.as_bytes()).expect("record parses");
    let dns = Dns(HashMap::from([(
        "pg2026._domainkey.shop.example.".to_string(),
        Txt::from(key),
    )]));
    let message = AuthenticatedMessage::parse(raw).expect("parses for DKIM");
    // Never asked: the key is in the cache above.
    let resolver = MessageAuthenticator::new_cloudflare().expect("resolver");
    resolver
        .verify_dkim(mail_auth::Parameters::new(&message).with_txt_cache(&dns))
        .await
        .into_iter()
        .map(|out| {
            let h = out
                .signature()
                .map(|s| s.h.iter().map(|h| h.to_ascii_lowercase()).collect())
                .unwrap_or_default();
            (out.result().clone(), h)
        })
        .collect()
}

#[tokio::test]
async fn the_received_message_verifies_and_signs_the_unsubscribe_headers() {
    let (app, sink) = app_with_sink_and(|c| {
        c.email.dkim_selector = "pg2026".into();
        c.email.dkim_domain = "shop.example".into();
        c.email.dkim_private_key = carriers::Secret::new(KEY);
    })
    .await;
    let number = "602677439331630337659201";
    let sh = register(&app, number, "anna@example.pl").await;
    let id = sh["id"].as_str().expect("id");
    status(&app, id, number, Status::InTransit, "in_transit").await;
    let got = sink
        .wait_for(1, Duration::from_secs(10))
        .await
        .expect("mail");
    let raw = &got[0].data;

    let results = verify(raw).await;
    assert_eq!(results.len(), 1, "one signature: {results:?}");
    let (result, signed) = &results[0];
    assert_eq!(*result, DkimResult::Pass, "{results:?}");
    for h in [
        "list-unsubscribe",
        "list-unsubscribe-post",
        "from",
        "subject",
        "message-id",
    ] {
        assert!(signed.iter().any(|s| s == h), "{h} not in h=: {signed:?}");
    }

    // Covered means covered: a relay that rewrites the unsubscribe link breaks the signature.
    let text = String::from_utf8_lossy(raw).into_owned();
    assert!(
        text.contains("List-Unsubscribe: <http://parcelgate.test/u/"),
        "{text}"
    );
    let forged = text.replacen(
        "List-Unsubscribe: <http://parcelgate.test/u/",
        "List-Unsubscribe: <http://evil.test/u/",
        1,
    );
    let results = verify(forged.as_bytes()).await;
    assert!(
        results.iter().all(|(r, _)| *r != DkimResult::Pass),
        "a changed List-Unsubscribe still passed: {results:?}"
    );
    let unpost = text.replacen("List-Unsubscribe=One-Click", "List-Unsubscribe=Maybe", 1);
    let results = verify(unpost.as_bytes()).await;
    assert!(
        results.iter().all(|(r, _)| *r != DkimResult::Pass),
        "{results:?}"
    );
}
