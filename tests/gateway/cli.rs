//! The command line: `merchant create` prints a working key once (only its hash is stored),
//! `migrate` applies migrations, `track` prints a normalized timeline from the carrier.

use std::process::Command;

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::app::fixture;

fn cli(db_url: &str, inpost: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_parcelgate"))
        .args(args)
        .env("PARCELGATE_DATABASE_URL", db_url)
        .env("PARCELGATE_CARRIERS__INPOST__BASE_URL", inpost)
        .env("PARCELGATE_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn merchant_create_migrate_and_track() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/cli.db", dir.path().display());
    let carrier = MockServer::start().await;
    Mock::given(path("/v1/tracking/602677439331630337653846"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("inpost/locker_delivered_with_reminder.json")),
        )
        .mount(&carrier)
        .await;

    let out = cli(&db_url, &carrier.uri(), &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = cli(
        &db_url,
        &carrier.uri(),
        &["merchant", "create", "--name", "CLI Shop"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let key = stdout
        .lines()
        .find_map(|l| l.strip_prefix("api_key:"))
        .map(str::trim)
        .expect("the key is printed")
        .to_string();
    assert!(key.starts_with("pgk_"));
    let store = parcelgate::store::connect(&db_url).await.unwrap();
    let m = store
        .merchant_by_key_hash(&parcelgate::domain::merchant_rules::hash_key(&key))
        .await
        .unwrap()
        .expect("key works");
    assert_eq!(m.name, "CLI Shop");
    let raw = std::fs::read(dir.path().join("cli.db")).unwrap();
    assert!(
        !raw.windows(key.len()).any(|w| w == key.as_bytes()),
        "the key itself is never stored"
    );

    let out = cli(
        &db_url,
        &carrier.uri(),
        &["merchant", "create", "--name", "  "],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--name"));

    let out = cli(
        &db_url,
        &carrier.uri(),
        &["track", "6026 7743 9331 6303 3765 3846"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("status: delivered (delivered.recipient)"),
        "{text}"
    );
    assert!(
        text.contains("2026-05-20 09:00 +02:00  available_for_pickup"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 10, "header + 9 events:\n{text}");

    let out = cli(
        &db_url,
        &carrier.uri(),
        &["track", "hello", "--carrier", "ups"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown carrier"));
}
