//! Proof of the notification sender (issue 14, sections 4, 9, 11), one concern per file:
//! a real process SIGKILLed mid-send re-sends once with the same Message-ID ([`crash`]); a
//! batch goes out concurrently, one shipment's messages in order, nothing started past the
//! lease's cut-off ([`batch`]); DKIM verifies end to end and signs the unsubscribe headers
//! ([`dkim`]); quiet hours hold a message until the morning, dropping an out-for-delivery
//! that is no longer true ([`quiet_hours`]); the lease setting is checked ([`settings`]).
//! The two-process exactly-once test is in `scale_out.rs`, with the other PostgreSQL
//! scale-out test; it uses the helpers here.

mod batch;
mod crash;
mod dkim;
mod quiet_hours;
mod settings;

use std::process::{Child, Command, Stdio};

use carriers::{CarrierId, Status};
use chrono::{DateTime, Utc};
use parcelgate::dispatch::sealing::SecretSealer;
use parcelgate::domain::contact::Contact;
use parcelgate::domain::{MerchantId, NewShipment};
use parcelgate::store::{Store, UpdateSource};
use parcelgate::tracking::ApplyUpdates;

use crate::common::snapshots::one_event;

/// The sealing key the test and the processes it starts share (base64 of 32 bytes).
pub const KEY: &str = "cGFyY2VsZ2F0ZS1ub3RpZnktcHJvb2YtdGVzdC1rZXk=";

/// A `parcelgate serve` child process, killed (SIGKILL) when dropped.
pub struct Gateway(pub Child);

impl Gateway {
    /// Kills it at once: SIGKILL on unix, no graceful shutdown.
    pub fn kill(&mut self) {
        self.0.kill().expect("kill");
        self.0.wait().expect("reap");
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the real binary on `db_url`, e-mail to `smtp_url`, no quiet hours, no poller,
/// with the shared key and `extra` settings (`("NOTIFICATIONS__LEASE_SECS", "3")`).
pub fn spawn_serve(
    dir: &std::path::Path,
    db_url: &str,
    smtp_url: &str,
    extra: &[(&str, &str)],
) -> Gateway {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_parcelgate"));
    cmd.arg("serve")
        .current_dir(dir)
        .env("PARCELGATE_DATABASE_URL", db_url)
        .env("PARCELGATE_LISTEN", "127.0.0.1:0")
        .env("PARCELGATE_POLLER__ENABLED", "false")
        .env("PARCELGATE_SECRETS__KEY", KEY)
        .env("PARCELGATE_EMAIL__SMTP_URL", smtp_url)
        .env(
            "PARCELGATE_EMAIL__FROM",
            "Sklep Test <noreply@shop.example>",
        )
        .env("PARCELGATE_NOTIFICATIONS__QUIET_HOURS", "")
        .env("PARCELGATE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in extra {
        cmd.env(format!("PARCELGATE_{k}"), v);
    }
    Gateway(cmd.spawn().expect("start the parcelgate binary"))
}

/// Registers an InPost shipment with the shopper's address stored sealed under [`KEY`], as
/// `POST /v1/shipments` does; returns its id.
pub async fn seed(store: &dyn Store, merchant: &MerchantId, number: &str, email: &str) -> String {
    let new = NewShipment {
        merchant_id: merchant.clone(),
        carrier: Some(CarrierId::Inpost),
        tracking_number: number.to_string(),
        language: Some("pl".into()),
        ..Default::default()
    };
    let now = Utc::now();
    let (sh, _) = store
        .register_shipment(&new, &format!("tok{number}"), now)
        .await
        .expect("register");
    let contact = Contact {
        email: Some(email.to_string()),
        phone: None,
        name: Some("Anna".into()),
    };
    let sealer = SecretSealer::new(&carriers::Secret::new(KEY)).expect("key");
    let plain = serde_json::to_string(&contact).expect("json");
    let sealed = sealer.seal_bound(&plain, &sh.id).expect("seal");
    store
        .put_contact(&sh.id, &sealed, (true, false), now)
        .await
        .expect("contact");
    sh.id.to_string()
}

/// Applies a one-event status change at `at` (also the update's own time).
pub async fn change(
    store: &dyn Store,
    id: &str,
    number: &str,
    s: Status,
    sub: &'static str,
    at: DateTime<Utc>,
) {
    let snap = one_event(CarrierId::Inpost, number, s, sub, at);
    store
        .apply_snapshot(id, &snap, UpdateSource::Push, at)
        .await
        .expect("apply");
}
