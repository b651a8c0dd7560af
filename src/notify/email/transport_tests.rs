//! The mailer against the real SMTP sink over TCP: what arrives, DKIM verified by an
//! independent implementation (mail-auth), failure classes, pooling, credentials, TLS refusal.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator, ResolverCache, Txt};
use mail_parser::MimeHeaders;

use super::*;
use crate::notify::email::compose::tests::sample;
use crate::notify::email::dkim::{DkimSigner, PRIVATE_KEY_KEY};
use crate::notify::email::settings::parse_mailbox;
use crate::notify::email::sink::{Rejection, SinkOptions, SmtpSink};

const RSA_KEY: &str = include_str!("testdata/rsa-pkcs8.test.pem");
const RSA_PUBLIC: &str = include_str!("testdata/rsa.test.pub.b64");
const ED25519_KEY: &str = include_str!("testdata/ed25519.test.pem");
const ED25519_PUBLIC: &str = include_str!("testdata/ed25519.test.pub.b64");

const WAIT: Duration = Duration::from_secs(10);

fn settings(
    url: &str,
    pool_size: u32,
    timeout: Duration,
    dkim: Option<DkimSigner>,
) -> EmailSettings {
    EmailSettings {
        smtp: SmtpSettings::parse(url).expect("url"),
        from: parse_mailbox("email.from", "Shop <noreply@shop.example>").expect("from"),
        marketing_from: None,
        pool_size,
        timeout,
        dkim,
    }
}

fn mailer(sink: &SmtpSink) -> Mailer {
    Mailer::new(settings(&sink.smtp_url(), 4, Duration::from_secs(5), None)).expect("mailer")
}

fn to(address: &str) -> OutgoingEmail {
    let mut e = sample();
    e.to = address.parse().expect("to");
    e
}

/// DNS for the verifier: the TXT records a test publishes, nothing from the network.
struct Dns(HashMap<String, Txt>);

impl Dns {
    fn with_key(selector: &str, domain: &str, record: &str) -> Dns {
        let key = DomainKey::parse(record.as_bytes()).expect("record parses");
        let name = format!("{selector}._domainkey.{domain}.");
        Dns(HashMap::from([(name, Txt::from(key))]))
    }
}

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

/// Verifies every DKIM signature of `raw` against `dns`; returns each result and `h=` list.
async fn verify(raw: &[u8], dns: &Dns) -> Vec<(DkimResult, Vec<String>)> {
    let message = AuthenticatedMessage::parse(raw).expect("parses for DKIM");
    // The resolver is never asked: every key is in the cache above.
    let authenticator = MessageAuthenticator::new_cloudflare().expect("resolver");
    authenticator
        .verify_dkim(mail_auth::Parameters::new(&message).with_txt_cache(dns))
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
async fn a_message_arrives_with_both_parts_every_header_and_its_utf8() {
    let sink = SmtpSink::start().await.expect("sink");
    let delivered = mailer(&sink).send(&sample()).await.expect("sent");
    assert_eq!(delivered.code, 250);
    assert!(delivered.answer.contains("queued as 1"), "{delivered:?}");

    let got = sink.wait_for(1, WAIT).await.expect("received");
    let m = &got[0];
    assert_eq!(m.mail_from, "noreply@shop.example");
    assert_eq!(m.rcpt_to, ["anna@example.pl"]);
    let p = m.parse().expect("parses");
    assert_eq!(
        p.subject(),
        Some("Twoja paczka jest w drodze — zamówienie A-1001")
    );
    let from = p.from().and_then(|a| a.first()).expect("from");
    assert_eq!(
        (from.name(), from.address()),
        (Some("Sklep Łódź"), Some("noreply@shop.example"))
    );
    let reply_to = p.reply_to().and_then(|a| a.first()).expect("reply-to");
    assert_eq!(reply_to.address(), Some("pomoc@shop.example"));
    assert_eq!(p.message_id(), Some("ntf_42@shop.example"));
    assert_eq!(
        p.header_raw("List-Unsubscribe").map(str::trim),
        Some("<https://track.example/u/tok_123>")
    );
    assert_eq!(
        p.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(p.header_raw("Content-Language").map(str::trim), Some("pl"));
    let ct = p.content_type().expect("content type");
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    assert!(p.body_text(0).expect("text").contains("Cześć Anno"));
    assert!(p.body_html(0).expect("html").contains("Grüße, Straße"));
}

#[tokio::test]
async fn an_rsa_dkim_signature_verifies_and_covers_the_unsubscribe_headers() {
    let signer = DkimSigner::new("pg2026", "shop.example", RSA_KEY, PRIVATE_KEY_KEY).expect("key");
    let sink = SmtpSink::start().await.expect("sink");
    let mailer = Mailer::new(settings(
        &sink.smtp_url(),
        2,
        Duration::from_secs(5),
        Some(signer),
    ))
    .expect("mailer");
    let mut without_reply_to = to("jan@example.de");
    without_reply_to.reply_to = None;
    mailer.send(&sample()).await.expect("sent");
    mailer.send(&without_reply_to).await.expect("sent");
    let got = sink.wait_for(2, WAIT).await.expect("received");

    let record = format!("v=DKIM1; k=rsa; p={}", RSA_PUBLIC.trim());
    let dns = Dns::with_key("pg2026", "shop.example", &record);
    for m in &got {
        let results = verify(&m.data, &dns).await;
        assert_eq!(results.len(), 1, "one signature");
        let (result, h) = &results[0];
        assert_eq!(
            result,
            &DkimResult::Pass,
            "{}",
            String::from_utf8_lossy(&m.data)
        );
        for header in [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "reply-to",
            "list-unsubscribe",
            "list-unsubscribe-post",
        ] {
            assert!(h.contains(&header.to_string()), "{header} not in h={h:?}");
        }
    }
}

#[tokio::test]
async fn an_ed25519_signature_verifies_and_a_changed_header_fails() {
    let signer = DkimSigner::new("ed", "shop.example", ED25519_KEY, PRIVATE_KEY_KEY).expect("key");
    let sink = SmtpSink::start().await.expect("sink");
    let mailer = Mailer::new(settings(
        &sink.smtp_url(),
        1,
        Duration::from_secs(5),
        Some(signer),
    ))
    .expect("mailer");
    mailer.send(&sample()).await.expect("sent");
    let got = sink.wait_for(1, WAIT).await.expect("received");
    let record = format!("v=DKIM1; k=ed25519; p={}", ED25519_PUBLIC.trim());
    let dns = Dns::with_key("ed", "shop.example", &record);
    let results = verify(&got[0].data, &dns).await;
    assert_eq!(results[0].0, DkimResult::Pass);

    // The verifier really checks: a relay pointing the unsubscribe link elsewhere breaks it.
    let raw = String::from_utf8(got[0].data.clone()).expect("ascii");
    let forged = raw.replace("/u/tok_123", "/u/tok_999");
    assert_ne!(raw, forged);
    let results = verify(forged.as_bytes(), &dns).await;
    assert!(
        matches!(results[0].0, DkimResult::Fail(_)),
        "{:?}",
        results[0].0
    );
    // And a Reply-To added to a message signed without one: the signature lists Reply-To
    // even when absent, so nobody can add it afterwards.
    let mut plain = sample();
    plain.reply_to = None;
    mailer.send(&plain).await.expect("sent");
    let got = sink.wait_for(2, WAIT).await.expect("received");
    let raw = String::from_utf8(got[1].data.clone()).expect("ascii");
    assert_eq!(verify(raw.as_bytes(), &dns).await[0].0, DkimResult::Pass);
    let added = raw.replacen("Subject:", "Reply-To: thief@evil.test\r\nSubject:", 1);
    assert!(matches!(
        verify(added.as_bytes(), &dns).await[0].0,
        DkimResult::Fail(_)
    ));
}

#[tokio::test]
async fn answers_are_sorted_into_suppress_reject_and_retry() {
    let sink = SmtpSink::start().await.expect("sink");
    sink.reject(
        "nobody@example.pl",
        Rejection::at_rcpt(
            550,
            "5.1.1 <nobody@example.pl>: Recipient address rejected: User unknown",
        ),
    );
    sink.reject(
        "spam@example.pl",
        Rejection::at_data(554, "5.7.1 Message refused as spam"),
    );
    sink.reject(
        "busy@example.pl",
        Rejection::at_rcpt(451, "4.3.0 Mailbox temporarily locked"),
    );
    sink.reject(
        "policy@example.pl",
        Rejection::at_rcpt(550, "Relaying denied"),
    );
    sink.reject(
        "sender@example.pl",
        Rejection::at_rcpt(553, "5.1.8 Sender domain does not resolve"),
    );
    let mailer = mailer(&sink);

    match mailer.send(&to("nobody@example.pl")).await {
        Err(SendFailure::Suppress { code: 550, answer }) => {
            assert_eq!(
                answer,
                "550 5.1.1 <nobody@example.pl>: Recipient address rejected: User unknown"
            );
        }
        other => panic!("{other:?}"),
    }
    match mailer.send(&to("spam@example.pl")).await {
        Err(SendFailure::Rejected { code: 554, answer }) => {
            assert_eq!(answer, "554 5.7.1 Message refused as spam");
        }
        other => panic!("{other:?}"),
    }
    match mailer.send(&to("busy@example.pl")).await {
        Err(
            e @ SendFailure::Retry {
                code: Some(451), ..
            },
        ) => {
            assert!(e.is_retryable());
            assert_eq!(e.answer(), "451 4.3.0 Mailbox temporarily locked");
        }
        other => panic!("{other:?}"),
    }
    // Without an address status a 550 does not suppress; a sender problem neither.
    assert!(matches!(
        mailer.send(&to("policy@example.pl")).await,
        Err(SendFailure::Rejected { code: 550, .. })
    ));
    assert!(matches!(
        mailer.send(&to("sender@example.pl")).await,
        Err(SendFailure::Rejected { code: 553, .. })
    ));
    // After the refusals the pool still delivers.
    mailer
        .send(&to("anna@example.pl"))
        .await
        .expect("delivered");
    assert_eq!(sink.received(), 1);
}

#[tokio::test]
async fn refused_connections_and_timeouts_are_retried() {
    // A port that was free a moment ago: connection refused.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let m = Mailer::new(settings(
        &format!("smtp://{addr}?tls=none"),
        1,
        Duration::from_secs(2),
        None,
    ))
    .expect("mailer");
    match m.send(&sample()).await {
        Err(SendFailure::Retry { code: None, answer }) => {
            assert!(answer.to_lowercase().contains("connect"), "{answer}");
        }
        other => panic!("{other:?}"),
    }
    assert!(m.test_connection().await.is_err());

    let slow = SmtpSink::start_with(SinkOptions {
        data_delay: Duration::from_secs(3),
        ..SinkOptions::default()
    })
    .await
    .expect("sink");
    let m = Mailer::new(settings(
        &slow.smtp_url(),
        1,
        Duration::from_millis(300),
        None,
    ))
    .expect("mailer");
    let started = Instant::now();
    match m.send(&sample()).await {
        Err(SendFailure::Retry { code: None, answer }) => {
            assert!(answer.starts_with("timed out"), "{answer}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the timeout fired"
    );
    // The connection left mid-DATA is closed, never handed to the next message.
    assert_eq!(m.idle_connections(), 0);
}

#[tokio::test]
async fn a_temporary_failure_then_success_keeps_the_message_id() {
    let sink = SmtpSink::start().await.expect("sink");
    sink.reject(
        "anna@example.pl",
        Rejection::at_data(451, "4.7.1 Greylisted").times(1),
    );
    let mailer = mailer(&sink);
    let email = sample();
    assert!(mailer.send(&email).await.unwrap_err().is_retryable());
    mailer.send(&email).await.expect("second try");
    let got = sink.wait_for(1, WAIT).await.expect("received");
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].parse().expect("parses").message_id(),
        Some("ntf_42@shop.example")
    );
}

#[tokio::test]
async fn pooled_sends_reuse_connections_and_stay_within_the_pool() {
    let sink = SmtpSink::start().await.expect("sink");
    let mailer =
        Mailer::new(settings(&sink.smtp_url(), 4, Duration::from_secs(5), None)).expect("mailer");
    let t0 = Instant::now();
    for i in 0..20 {
        let mut e = to(&format!("s{i}@example.pl"));
        e.message_id = format!("ntf_{i}@shop.example");
        mailer.send(&e).await.expect("sent");
    }
    // Not a benchmark: a guard against the 40 ms Nagle/delayed-ACK stall per message
    // (20 sends would take 800 ms or more); unstalled they take a few ms each, even in debug.
    let sequential = t0.elapsed();
    assert!(
        sequential < Duration::from_millis(700),
        "20 sends took {sequential:?}"
    );
    assert_eq!(sink.connections(), 1, "one after another: one connection");
    assert_eq!(mailer.idle_connections(), 1);

    let sends = (0..200).map(|i| {
        let mailer = mailer.clone();
        async move {
            let mut e = to(&format!("c{i}@example.pl"));
            e.message_id = format!("ntf_c{i}@shop.example");
            mailer.send(&e).await
        }
    });
    let mut tasks = tokio::task::JoinSet::new();
    for send in sends {
        tasks.spawn(send);
    }
    let results = tasks.join_all().await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    sink.wait_for(220, WAIT).await.expect("all received");
    assert!(
        sink.connections() <= 4,
        "200 concurrent sends opened {} connections with a pool of 4",
        sink.connections()
    );
    let connections: std::collections::BTreeSet<u64> =
        sink.messages().iter().map(|m| m.connection).collect();
    assert!(
        connections.len() > 1,
        "the concurrent sends used the pool: {connections:?}"
    );
}

#[tokio::test]
async fn raw_sends_skip_compose_and_signing() {
    let signer = DkimSigner::new("ed", "shop.example", ED25519_KEY, PRIVATE_KEY_KEY).expect("key");
    let sink = SmtpSink::start().await.expect("sink");
    let mailer = Mailer::new(settings(
        &sink.smtp_url(),
        2,
        Duration::from_secs(5),
        Some(signer),
    ))
    .expect("mailer");
    let message = compose(&sample()).expect("compose");
    let delivered = mailer.raw_send(message.clone()).await.expect("sent");
    assert_eq!(delivered.code, 250);
    assert_eq!(sink.connections(), 1);
    // lettre's own transport opens its own connection.
    mailer.lettre_pool_send(message).await.expect("sent");
    assert_eq!(sink.connections(), 2);
    let got = sink.wait_for(2, WAIT).await.expect("received");
    for m in &got {
        let raw = String::from_utf8_lossy(&m.data);
        assert!(!raw.contains("DKIM-Signature"), "raw sends are not signed");
    }
}

#[tokio::test]
async fn credentials_from_the_url_are_decoded_and_sent() {
    let sink = SmtpSink::start_with(SinkOptions {
        credentials: Some(("shop@x.test".into(), "pä:ss/w#rd".into())),
        ..SinkOptions::default()
    })
    .await
    .expect("sink");
    let url = format!(
        "smtp://shop%40x.test:p%C3%A4%3Ass%2Fw%23rd@{}?tls=none",
        sink.addr()
    );
    let mailer = Mailer::new(settings(&url, 1, Duration::from_secs(5), None)).expect("mailer");
    mailer.test_connection().await.expect("server answers");
    mailer.send(&sample()).await.expect("sent");
    let got = sink.wait_for(1, WAIT).await.expect("received");
    assert_eq!(got[0].auth_user.as_deref(), Some("shop@x.test"));

    let wrong = format!("smtp://shop%40x.test:nope@{}?tls=none", sink.addr());
    let mailer = Mailer::new(settings(&wrong, 1, Duration::from_secs(5), None)).expect("mailer");
    match mailer.send(&sample()).await {
        Err(SendFailure::Rejected { code: 535, answer }) => assert!(answer.contains("5.7.8")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn starttls_required_sends_nothing_to_a_server_without_it() {
    let sink = SmtpSink::start().await.expect("sink");
    let url = format!("smtp://{}?tls=required", sink.addr());
    let mailer = Mailer::new(settings(&url, 1, Duration::from_secs(5), None)).expect("mailer");
    let e = mailer.send(&sample()).await.unwrap_err();
    assert!(e.is_retryable(), "{e:?}");
    assert_eq!(sink.received(), 0);
    // Nor does smtps:// to a server that does not speak TLS.
    let url = format!("smtps://{}", sink.addr());
    let mailer = Mailer::new(settings(&url, 1, Duration::from_secs(5), None)).expect("mailer");
    match mailer.send(&sample()).await {
        Err(SendFailure::Retry { answer, .. }) => assert!(answer.contains("TLS"), "{answer}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sink.received(), 0);
    // Opportunistic goes on in clear when the server offers no STARTTLS.
    let url = format!("smtp://{}", sink.addr());
    let mailer = Mailer::new(settings(&url, 1, Duration::from_secs(5), None)).expect("mailer");
    mailer.send(&sample()).await.expect("sent in clear");
}

#[tokio::test]
async fn a_message_that_cannot_be_built_is_not_sent() {
    let sink = SmtpSink::start().await.expect("sink");
    let mut e = sample();
    e.message_id = "no at sign".into();
    match mailer(&sink).send(&e).await {
        Err(SendFailure::Invalid { reason }) => assert!(reason.contains("message id"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sink.connections(), 0);
}

#[test]
fn only_recipient_address_statuses_suppress() {
    for yes in [
        "5.1.1 User unknown",
        "5.1.0",
        "5.1.2 Bad domain",
        "5.1.10 Null MX",
        "5.1.6 Moved",
    ] {
        assert!(is_recipient_address_status(yes), "{yes}");
    }
    for no in [
        "5.1.7 Bad sender syntax",
        "5.1.8 Bad sender domain",
        "5.7.1 Policy",
        "5.2.2 Mailbox full",
        "4.1.1 Try later",
        "User unknown",
        "",
        "5.1",
        "5.1.x",
        "5.1.1.1",
    ] {
        assert!(!is_recipient_address_status(no), "{no}");
    }
}

#[tokio::test]
async fn shutdown_says_quit_and_refuses_later_sends() {
    let sink = SmtpSink::start().await.expect("sink");
    let mailer = mailer(&sink);
    mailer.send(&sample()).await.expect("sent");
    assert_eq!(sink.open_connections(), 1, "kept open for reuse");
    mailer.shutdown().await;
    tokio::time::timeout(WAIT, async {
        while sink.open_connections() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the idle connection was closed");
    let e = mailer.send(&sample()).await.unwrap_err();
    assert_eq!(e.answer(), "the mailer is shut down");
}
