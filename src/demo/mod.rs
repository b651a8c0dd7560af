//! `parcelgate demo`: the whole product on a fresh machine. Starts the carrier sandbox, the
//! gateway on a temporary SQLite database with every adapter pointed at the sandbox, a
//! callback receiver, and a local SMTP sink the gateway's shopper e-mail goes to (shown as
//! the shopper's mailbox on the receiver); creates a merchant, subscribes the receiver and
//! the gateway's DHL push, registers about thirty shipments (shoppers in Polish, English and
//! German), then plays the journeys in accelerated time.
//!
//! The gateway polls on its real schedule (hours), so the accelerated journeys reach it by
//! push: InPost webhooks, DHL Unified Push, and DPD's feed, which the demo drains once per
//! journey hour (the gateway's own feed worker drains it every minute).

pub mod error;
pub mod mailbox;
pub mod receiver;
pub mod setup;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use carriers::{CarrierId, Status};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::Running;
use crate::notify::email::SmtpSink;
use crate::sandbox::{demo_fleet, Credentials, Journey, Knobs, Sandbox, SandboxConfig};
pub use error::DemoError;
use receiver::Receiver;
use setup::{Api, Shared};

/// How to run the demo.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Gateway address (loopback); port 0 picks a free one.
    pub listen: SocketAddr,
    /// Real milliseconds per journey hour.
    pub hour_ms: u64,
    /// Sandbox latency and fault injection.
    pub knobs: Knobs,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            hour_ms: 1000,
            knobs: Knobs::default(),
        }
    }
}

/// One demo shipment.
#[derive(Debug, Clone)]
pub struct DemoShipment {
    /// Gateway shipment id.
    pub id: String,
    /// Carrier.
    pub carrier: CarrierId,
    /// Tracking number.
    pub tracking_number: String,
    /// Its scripted journey.
    pub journey: Journey,
    /// Where the gateway should end: status and substatus.
    pub expected: (Status, &'static str),
    /// Public tracking page.
    pub tracking_url: String,
    /// The shopper's language (`pl`, `en`, `de`).
    pub language: &'static str,
    /// The shopper's e-mail address (its messages reach the demo's mailbox).
    pub customer_email: String,
}

/// A running demo.
pub struct Demo {
    /// The gateway.
    pub gateway: Running,
    /// The carrier sandbox.
    pub sandbox: Sandbox,
    /// The callback receiver (also serving the shopper's mailbox).
    pub receiver: Receiver,
    /// The SMTP sink the gateway's shopper e-mails go to.
    pub mailbox: Arc<SmtpSink>,
    /// The gateway API, with the merchant's key.
    pub api: Api,
    /// The merchant.
    pub merchant_id: String,
    /// The shipments, in fleet order.
    pub shipments: Vec<DemoShipment>,
    db_dir: PathBuf,
    stop: watch::Sender<bool>,
    nudge: JoinHandle<()>,
}

/// Starts everything and plays the journeys.
pub async fn start(opts: DemoOptions) -> Result<Demo, DemoError> {
    if !opts.listen.ip().is_loopback() {
        return Err(DemoError::Setup(format!(
            "the demo listens on loopback only, not {}",
            opts.listen
        )));
    }
    let listen = if opts.listen.port() == 0 {
        setup::free_port()?
    } else {
        opts.listen
    };
    let db_dir = std::env::temp_dir().join(format!(
        "parcelgate-demo-{}-{}",
        std::process::id(),
        setup::random_hex(4)
    ));
    std::fs::create_dir_all(&db_dir)
        .map_err(|e| DemoError::Setup(format!("{}: {e}", db_dir.display())))?;
    let database_url = format!("sqlite://{}", db_dir.join("demo.db").display());
    let creds = Credentials::default();
    let shared = Shared::random();
    let mailbox = Arc::new(
        SmtpSink::start()
            .await
            .map_err(|e| DemoError::Setup(format!("SMTP sink: {e}")))?,
    );
    let receiver = Receiver::start(mailbox.clone())
        .await
        .map_err(|e| DemoError::Setup(format!("callback receiver: {e}")))?;
    let sandbox = Sandbox::start(SandboxConfig {
        hour_ms: opts.hour_ms,
        knobs: opts.knobs.clone(),
        credentials: creds.clone(),
        ..SandboxConfig::default()
    })
    .await?;
    let fleet = demo_fleet();
    for p in &fleet {
        sandbox.add(p.clone());
    }
    let mut config =
        setup::gateway_config(listen, &database_url, &sandbox.base_url(), &creds, &shared)?;
    setup::send_email_to(&mut config, &mailbox.smtp_url());
    let gateway = crate::app::start(config)
        .await
        .map_err(|e| DemoError::Setup(format!("gateway: {e}")))?;
    let base = format!("http://{}", gateway.addr);
    let (merchant_id, key) =
        setup::create_merchant(gateway.state.store.as_ref(), "Demo Shop").await?;
    let api = Api {
        base: base.clone(),
        key,
        http: reqwest::Client::new(),
    };
    let (_, secret) = setup::subscribe_callbacks(&api, &receiver.url()).await?;
    receiver.set_secret(&secret);
    setup::subscribe_dhl_push(&api, &["parcel-pl", "express"]).await?;
    sandbox
        .set_inpost_webhook(&format!(
            "{base}/v1/webhooks/inpost/{}",
            shared.inpost_webhook_secret
        ))
        .await?;
    let mut shipments = Vec::with_capacity(fleet.len());
    for (i, p) in fleet.iter().enumerate() {
        let (id, token) = setup::register(&api, i, p).await?;
        let (language, customer_email) = setup::shopper(i);
        shipments.push(DemoShipment {
            language,
            customer_email,
            id,
            carrier: p.carrier,
            tracking_number: p.number.clone(),
            journey: p.journey,
            expected: p.script.expected,
            tracking_url: gateway.state.tracking_url(&token),
        });
    }
    sandbox.play();
    let (stop, rx) = watch::channel(false);
    let nudge = tokio::spawn(drain_feed(
        gateway.state.clone(),
        Duration::from_millis(opts.hour_ms.max(200)),
        rx,
    ));
    Ok(Demo {
        gateway,
        sandbox,
        receiver,
        mailbox,
        api,
        merchant_id,
        shipments,
        db_dir,
        stop,
        nudge,
    })
}

/// Drains DPD's feed every `every` (one journey hour) until stopped.
async fn drain_feed(
    state: crate::state::AppState,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = crate::workers::feed::drain_once(&state).await {
            tracing::debug!(error = %e, "demo DPD feed drain failed; next hour retries");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}

/// A shipment's current `(status, substatus)` as the gateway reports it.
pub type Current = (Status, String);

impl Demo {
    /// `http://127.0.0.1:PORT` of the gateway.
    pub fn base_url(&self) -> String {
        self.api.base.clone()
    }

    /// The merchant's API key.
    pub fn api_key(&self) -> &str {
        &self.api.key
    }

    /// Every shipment's current status through `GET /v1/shipments/{id}`.
    pub async fn current(&self) -> Result<Vec<Current>, DemoError> {
        let mut out = Vec::with_capacity(self.shipments.len());
        for s in &self.shipments {
            let v = self.api.get(&format!("/v1/shipments/{}", s.id)).await?;
            let status = v["status"]
                .as_str()
                .and_then(Status::parse)
                .unwrap_or(Status::Unknown);
            out.push((status, v["substatus"].as_str().unwrap_or("").to_string()));
        }
        Ok(out)
    }

    /// Whether every shipment is at its expected final status and substatus.
    pub async fn all_arrived(&self) -> Result<bool, DemoError> {
        let now = self.current().await?;
        Ok(self
            .shipments
            .iter()
            .zip(&now)
            .all(|(s, (st, sub))| *st == s.expected.0 && sub == s.expected.1))
    }

    /// What to open, for the terminal.
    pub fn summary(&self) -> String {
        let base = self.base_url();
        let mut out = format!(
            "parcelgate demo is running (Ctrl-C stops it)\n\n\
             Gateway:            {base}\n\
             API key:            {key}\n\
             API docs:           {base}/docs\n\
             Dashboard:          {base}/dashboard   (sign in with the API key)\n\
             Callbacks received: {recv}   (JSON: {recv_json})\n\
             Shopper's mailbox:  {mailbox}   (the e-mails the shoppers got)\n\
             Carrier sandbox:    {sandbox}/sandbox\n\n\
             Tracking pages:\n",
            key = self.api.key,
            recv = self.receiver.page_url(),
            recv_json = self.receiver.url(),
            mailbox = self.receiver.mailbox_url(),
            sandbox = self.sandbox.base_url(),
        );
        for s in &self.shipments {
            out.push_str(&format!(
                "  {:<7} {:<24} {:<24} {}\n",
                s.carrier.display_name(),
                s.journey.name(),
                s.tracking_number,
                s.tracking_url
            ));
        }
        out.push_str(&format!(
            "\nTry: curl -s {base}/v1/shipments -H 'Authorization: Bearer {}'\n",
            self.api.key
        ));
        out
    }

    /// One line of progress: journey hour, statuses reached, callbacks verified.
    pub async fn progress_line(&self) -> String {
        let hours = self.sandbox.world().elapsed_hours();
        let received = self.receiver.received();
        let verified = received.iter().filter(|r| r.verified).count();
        let arrived = match self.current().await {
            Ok(now) => self
                .shipments
                .iter()
                .zip(&now)
                .filter(|(s, (st, _))| *st == s.expected.0)
                .count(),
            Err(_) => 0,
        };
        format!(
            "journey hour {hours:>5.1} · {arrived}/{} shipments at their final status · \
             {verified} callbacks verified, {} rejected · {} e-mails in the mailbox",
            self.shipments.len(),
            received.len() - verified,
            self.mailbox.received()
        )
    }

    /// Stops the gateway (finishing in-flight work), the sandbox and the receiver, and
    /// deletes the temporary database.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.nudge.await;
        self.gateway.shutdown().await;
        self.sandbox.shutdown().await;
        self.receiver.shutdown().await;
        self.mailbox.stop();
        if let Err(e) = std::fs::remove_dir_all(&self.db_dir) {
            tracing::warn!(error = %e, dir = %self.db_dir.display(), "could not remove the demo database");
        }
    }
}
