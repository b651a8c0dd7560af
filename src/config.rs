//! Configuration: built-in defaults, an optional `parcelgate.toml`, then `PARCELGATE_…`
//! environment variables (`__` nests: `PARCELGATE_CARRIERS__INPOST__BASE_URL`).

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use carriers::dhl::DhlConfig;
use carriers::dpd::DpdConfig;
use carriers::inpost::InpostConfig;
use carriers::{AdapterConfig, Carrier, CarrierId, Registry, Secret};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize};

use crate::notify::email::{EmailSettings, EmailSettingsError};

/// Why the configuration was refused; always names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value could not be read (type, unknown key, syntax).
    #[error("configuration: {0}")]
    Parse(String),
    /// A value was read but makes no sense.
    #[error("configuration key `{key}`: {message}")]
    Invalid {
        /// Dotted key.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// A list of CIDR blocks, written as a TOML array or a comma-separated string (for env vars).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CidrList(pub Vec<IpNet>);

impl CidrList {
    /// Whether `ip` lies in any block (IPv4-mapped IPv6 addresses are checked as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// True when no block is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for CidrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        let items = match Raw::deserialize(d)? {
            Raw::One(s) => s
                .split(',')
                .map(|x| x.trim().to_string())
                .collect::<Vec<_>>(),
            Raw::Many(v) => v,
        };
        items
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(|s| parse_cidr(&s).map_err(serde::de::Error::custom))
            .collect::<Result<Vec<_>, _>>()
            .map(CidrList)
    }
}

/// A value that is neither a CIDR block nor an IP address.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a CIDR block or IP address")]
pub struct CidrError(pub String);

/// Parses `10.0.0.0/8`, or a bare address as a single-host block.
pub fn parse_cidr(s: &str) -> Result<IpNet, CidrError> {
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| CidrError(s.to_string()))
}

/// A carrier's webhook endpoint: the secret path segment and who may post to it. The same
/// keys for every carrier (`carriers.<carrier>.webhook_secret`, `…allowed_sources`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct WebhookEndpoint {
    /// The `{secret}` path segment of this carrier's webhook URL. Webhooks are refused without one.
    pub webhook_secret: Secret,
    /// Source addresses allowed to post webhooks (empty: any). InPost sends from 91.216.25.0/24.
    pub allowed_sources: CidrList,
}

/// Gateway-side settings of one carrier, next to the adapter's own.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CarrierSection<T> {
    /// Force the adapter on or off; by default it is on when it has what it needs.
    pub enabled: Option<bool>,
    /// The carrier's webhook endpoint (its keys sit directly in the carrier's section).
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// The adapter's own settings (base URL, credentials, limits).
    #[serde(flatten)]
    pub adapter: T,
}

/// One carrier's section, whatever its adapter: what the gateway needs to run it.
pub trait CarrierSettings {
    /// Which carrier.
    fn carrier(&self) -> CarrierId;
    /// Its webhook endpoint.
    fn endpoint(&self) -> &WebhookEndpoint;
    /// The adapter, when enabled (forced on, or not forced off and configured).
    fn build(&self) -> Option<Arc<dyn Carrier>>;
}

impl<T: AdapterConfig> CarrierSettings for CarrierSection<T> {
    fn carrier(&self) -> CarrierId {
        self.adapter.carrier()
    }

    fn endpoint(&self) -> &WebhookEndpoint {
        &self.endpoint
    }

    fn build(&self) -> Option<Arc<dyn Carrier>> {
        self.enabled
            .unwrap_or_else(|| self.adapter.configured())
            .then(|| self.adapter.build())
    }
}

/// All carriers. Adding a carrier adds its section here and in [`CarriersConfig::sections`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CarriersConfig {
    /// InPost ShipX.
    pub inpost: CarrierSection<InpostConfig>,
    /// DHL Unified Tracking.
    pub dhl: CarrierSection<DhlConfig>,
    /// DPD Poland and Europe.
    pub dpd: CarrierSection<DpdConfig>,
}

impl CarriersConfig {
    /// Every carrier's section.
    pub fn sections(&self) -> [&dyn CarrierSettings; 3] {
        [&self.inpost, &self.dhl, &self.dpd]
    }

    /// The registry of enabled adapters. Each adapter builds its own HTTP client, because
    /// its timeout and headers are its own.
    pub fn build(&self) -> Registry {
        let mut registry = Registry::new();
        for carrier in self.sections().into_iter().filter_map(|s| s.build()) {
            registry.register(carrier);
        }
        registry
    }

    /// The webhook endpoint settings of a carrier.
    pub fn endpoint(&self, carrier: CarrierId) -> Option<&WebhookEndpoint> {
        self.sections()
            .into_iter()
            .find(|s| s.carrier() == carrier)
            .map(|s| s.endpoint())
    }
}

/// The background poller.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollerConfig {
    /// Run the poller in this process.
    pub enabled: bool,
    /// Seconds between scans for due shipments when idle.
    pub tick_secs: u64,
    /// Shipments claimed per scan.
    pub batch: u32,
    /// Seconds a claim is held before another process may take it.
    pub lease_secs: u64,
    /// Carrier calls in flight at once.
    pub concurrency: usize,
    /// Seconds between drains of the DPD Poland event feed when it is empty.
    pub feed_interval_secs: u64,
}

impl Default for PollerConfig {
    fn default() -> Self {
        PollerConfig {
            enabled: true,
            tick_secs: 5,
            batch: 50,
            lease_secs: 120,
            concurrency: 8,
            feed_interval_secs: 60,
        }
    }
}

/// Carrier webhooks in.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct InboundConfig {
    /// Largest accepted webhook body.
    pub max_body_bytes: usize,
    /// Proxies whose `X-Forwarded-For` is believed (empty: the header is ignored).
    pub trusted_proxies: CidrList,
}

impl Default for InboundConfig {
    fn default() -> Self {
        InboundConfig {
            max_body_bytes: 1024 * 1024,
            trusted_proxies: CidrList::default(),
        }
    }
}

/// Status-change callbacks out.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbacksConfig {
    /// Allow `http://` callback URLs (development only).
    pub allow_http: bool,
    /// Blocks that may be called even though they are private (e.g. `127.0.0.1/32` for a local receiver).
    pub allowed_cidrs: CidrList,
    /// Seconds a receiver has to answer.
    pub timeout_secs: u64,
    /// Run the delivery worker in this process.
    pub enabled: bool,
    /// Deliveries in flight at once (all endpoints).
    pub concurrency: u32,
    /// Deliveries in flight at once to one subscription, so a slow or dead endpoint cannot
    /// take the capacity healthy ones need.
    pub per_endpoint_concurrency: u32,
    /// Deliveries claimed per scan.
    pub batch: u32,
    /// Seconds a claimed delivery is leased (must exceed `timeout_secs`); a crashed
    /// process's deliveries are retried when their lease expires.
    pub lease_secs: u64,
    /// Milliseconds between scans for due deliveries when idle.
    pub poll_interval_ms: u64,
    /// Delay before each attempt in milliseconds; its length is the number of attempts.
    pub retry_schedule_ms: Vec<u64>,
    /// A subscription failing without a success for this many hours is disabled.
    pub disable_after_hours: u64,
    /// Key (base64 of 32 bytes) that seals subscription signing secrets in the database;
    /// empty: stored as they are (a warning at start-up).
    pub secrets_key: Secret,
}

impl Default for CallbacksConfig {
    fn default() -> Self {
        CallbacksConfig {
            allow_http: false,
            allowed_cidrs: CidrList::default(),
            timeout_secs: 15,
            enabled: true,
            concurrency: 256,
            per_endpoint_concurrency: 64,
            batch: 500,
            lease_secs: 60,
            poll_interval_ms: 200,
            retry_schedule_ms: crate::dispatch::schedule::DEFAULT_SCHEDULE_MS.to_vec(),
            disable_after_hours: 120,
            secrets_key: Secret::default(),
        }
    }
}

/// When silence from a carrier becomes a stall or an expiry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaleConfig {
    /// Days after registration with no carrier scan before a shipment is stalled.
    pub first_scan_days: u32,
    /// Days in transit without a scan before a shipment is stalled.
    pub in_transit_days: u32,
    /// Days without any carrier data before a shipment is expired.
    pub expire_days: u32,
    /// Seconds between sweeps.
    pub check_interval_secs: u64,
}

impl Default for StaleConfig {
    fn default() -> Self {
        StaleConfig {
            first_scan_days: 5,
            in_transit_days: 7,
            expire_days: 30,
            check_interval_secs: 600,
        }
    }
}

/// Read caches.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Maximum bytes of cached shipment responses.
    pub max_bytes: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            max_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Text messages to shoppers, through SMSAPI.pl or Twilio over their HTTP APIs
/// (`PARCELGATE_SMS__PROVIDER`, `PARCELGATE_SMS__TOKEN`, …).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsConfig {
    /// `smsapi`, `twilio`, or empty: no text messages are sent.
    pub provider: String,
    /// The provider's API base URL; empty: its public one (`https://api.smsapi.pl`,
    /// `https://api.twilio.com`). Tests point it at a local stand-in.
    pub base_url: String,
    /// SMSAPI: the OAuth token (sent as `Authorization: Bearer`).
    pub token: Secret,
    /// Twilio: the account SID (`AC…`).
    pub account_sid: String,
    /// Twilio: the auth token.
    pub auth_token: Secret,
    /// The sender: a registered sender name (at most 11 letters and digits) or a number in
    /// E.164. SMSAPI: optional (the account's default sender is used). Twilio: required
    /// unless `messaging_service_sid` is set.
    pub from: String,
    /// Twilio: a Messaging Service (`MG…`) to send through instead of `from`.
    pub messaging_service_sid: String,
    /// Seconds the provider has to answer before the message is retried.
    pub timeout_secs: u64,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            provider: String::new(),
            base_url: String::new(),
            token: Secret::default(),
            account_sid: String::new(),
            auth_token: Secret::default(),
            from: String::new(),
            messaging_service_sid: String::new(),
            timeout_secs: 10,
        }
    }
}

/// Shopper e-mail (`email.*`). E-mail is off while `smtp_url` is empty.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailConfig {
    /// `smtp://[user:pass@]host[:port][?tls=required|opportunistic|none]` or
    /// `smtps://[user:pass@]host[:port]`; empty: no e-mail. Holds credentials, so it never prints.
    pub smtp_url: Secret,
    /// Sender of transactional messages: `Shop <noreply@shop.example>` or a bare address.
    pub from: String,
    /// Sender of marketing messages (review requests); empty: `from`.
    pub marketing_from: String,
    /// Most SMTP connections open at once.
    pub pool_size: u32,
    /// Seconds allowed to connect (with STARTTLS and AUTH), and for one message's whole
    /// SMTP exchange; past it the attempt counts as a temporary failure.
    pub timeout_secs: u64,
    /// DKIM selector (`s=`); DKIM is on when selector, domain and a key are set.
    pub dkim_selector: String,
    /// DKIM signing domain (`d=`), normally the domain of `from`.
    pub dkim_domain: String,
    /// DKIM private key, PEM (PKCS#1 RSA, or PKCS#8 RSA or Ed25519).
    pub dkim_private_key: Secret,
    /// A file holding the DKIM private key, instead of `dkim_private_key`.
    pub dkim_private_key_file: String,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            smtp_url: Secret::default(),
            from: String::new(),
            marketing_from: String::new(),
            pool_size: 8,
            timeout_secs: 30,
            dkim_selector: String::new(),
            dkim_domain: String::new(),
            dkim_private_key: Secret::default(),
            dkim_private_key_file: String::new(),
        }
    }
}

impl SmsConfig {
    /// SMSAPI's public API.
    pub const SMSAPI_URL: &'static str = "https://api.smsapi.pl";
    /// Twilio's public API.
    pub const TWILIO_URL: &'static str = "https://api.twilio.com";

    /// Whether a provider is chosen.
    pub fn enabled(&self) -> bool {
        !self.provider.trim().is_empty()
    }

    /// The base URL to call: the configured one, or the provider's public one.
    pub fn effective_base_url(&self) -> &str {
        match (self.base_url.trim(), self.provider.trim()) {
            ("", "twilio") => Self::TWILIO_URL,
            ("", _) => Self::SMSAPI_URL,
            (url, _) => url.trim_end_matches('/'),
        }
    }

    /// The first missing or malformed key and what is wrong with it.
    fn problem(&self) -> Option<(&'static str, String)> {
        let provider = self.provider.trim();
        if !["", "smsapi", "twilio"].contains(&provider) {
            return Some((
                "sms.provider",
                format!("must be smsapi, twilio or empty (off), not {provider:?}"),
            ));
        }
        if provider.is_empty() {
            return None;
        }
        if !self.base_url.trim().is_empty() {
            match url::Url::parse(self.base_url.trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                Ok(_) => return Some(("sms.base_url", "must be an http(s) URL".into())),
                Err(e) => return Some(("sms.base_url", format!("not a URL: {e}"))),
            }
        }
        if self.timeout_secs == 0 || self.timeout_secs > 120 {
            return Some(("sms.timeout_secs", "must be between 1 and 120".into()));
        }
        if let Some(message) = sender_problem(self.from.trim()) {
            return Some(("sms.from", message));
        }
        let needed = |what: &str| format!("required when sms.provider is {provider} ({what})");
        match provider {
            "smsapi" if self.token.is_empty() => {
                Some(("sms.token", needed("the SMSAPI OAuth token")))
            }
            "twilio" if self.account_sid.trim().is_empty() => {
                Some(("sms.account_sid", needed("the account SID, AC…")))
            }
            "twilio" if !sid_like(self.account_sid.trim(), "AC") => Some((
                "sms.account_sid",
                "must be AC followed by 32 hexadecimal digits".into(),
            )),
            "twilio" if self.auth_token.is_empty() => {
                Some(("sms.auth_token", needed("the account's auth token")))
            }
            "twilio"
                if !self.messaging_service_sid.trim().is_empty()
                    && !sid_like(self.messaging_service_sid.trim(), "MG") =>
            {
                Some((
                    "sms.messaging_service_sid",
                    "must be MG followed by 32 hexadecimal digits".into(),
                ))
            }
            "twilio"
                if self.from.trim().is_empty() && self.messaging_service_sid.trim().is_empty() =>
            {
                Some((
                    "sms.from",
                    "Twilio needs a sender: set sms.from (a Twilio number or sender name) or \
                     sms.messaging_service_sid"
                        .into(),
                ))
            }
            _ => None,
        }
    }
}

/// Twilio SIDs: a two-letter prefix and 32 hexadecimal digits.
fn sid_like(sid: &str, prefix: &str) -> bool {
    sid.len() == 34 && sid.starts_with(prefix) && sid[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// What is wrong with a sender, if anything: a number must be E.164, a name at most 11
/// letters, digits, spaces, dots or dashes (the limit both providers and the networks set).
fn sender_problem(from: &str) -> Option<String> {
    if from.is_empty() {
        return None;
    }
    if let Some(digits) = from.strip_prefix('+') {
        let ok = (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        return (!ok).then(|| "a sender number must be + and 8 to 15 digits".to_string());
    }
    let ok = from.chars().count() <= 11
        && from
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-'))
        && from.chars().any(|c| c.is_ascii_alphabetic());
    (!ok).then(|| {
        "a sender name has at most 11 characters (letters, digits, space, dot, dash) and at \
         least one letter; a number is written +48…"
            .to_string()
    })
}

impl EmailConfig {
    /// The settings parsed and checked, or `None` when e-mail is off. Values given while
    /// e-mail is off are checked as well, so a typo shows before SMTP is switched on.
    pub fn settings(&self) -> Result<Option<EmailSettings>, EmailSettingsError> {
        use crate::notify::email::settings::{parse_mailbox, SmtpSettings};
        use crate::notify::email::DkimSigner;

        let on = !self.smtp_url.expose().trim().is_empty();
        let smtp = on
            .then(|| SmtpSettings::parse(self.smtp_url.expose()))
            .transpose()?;
        let from = (on || !self.from.trim().is_empty())
            .then(|| parse_mailbox("email.from", &self.from))
            .transpose()?;
        let marketing_from = (!self.marketing_from.trim().is_empty())
            .then(|| parse_mailbox("email.marketing_from", &self.marketing_from))
            .transpose()?;
        if self.pool_size == 0 {
            return Err(EmailSettingsError::Value {
                key: "email.pool_size",
                problem: "must be at least 1",
            });
        }
        if self.timeout_secs == 0 {
            return Err(EmailSettingsError::Value {
                key: "email.timeout_secs",
                problem: "must be at least 1",
            });
        }
        let dkim = DkimSigner::from_settings(
            &self.dkim_selector,
            &self.dkim_domain,
            &self.dkim_private_key,
            &self.dkim_private_key_file,
        )?;
        let (Some(smtp), Some(from)) = (smtp, from) else {
            return Ok(None);
        };
        Ok(Some(EmailSettings {
            smtp,
            from,
            marketing_from,
            pool_size: self.pool_size,
            timeout: std::time::Duration::from_secs(self.timeout_secs),
            dkim,
        }))
    }
}

/// The key that seals secrets and personal data at rest (`secrets.key`,
/// `PARCELGATE_SECRETS__KEY`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecretsConfig {
    /// Base64 of 32 bytes (`openssl rand -base64 32`). Empty: `callbacks.secrets_key` if
    /// set; else `serve` on SQLite generates one into a file beside the database.
    pub key: Secret,
}

/// Shopper notifications (`notifications.*`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsConfig {
    /// Days after a shipment's final status that its shopper contact data is kept.
    pub contact_retention_days: u32,
    /// The operator's default quiet hours in the shopper's time zone, `HH:MM-HH:MM`; empty:
    /// none. A merchant that has not set its own follows this as it is now.
    pub quiet_hours: String,
    /// Messages one merchant may send per second, burst the same (a bulk import cannot burst
    /// thousands); over it messages stay queued and go out later. 0: no limit. Kept per
    /// process.
    pub per_merchant_per_second: u32,
    /// Seconds a claimed message is leased to the process sending it (must exceed
    /// `email.timeout_secs`); a crashed process's messages are sent again, with the same
    /// Message-ID, once their lease expires.
    pub lease_secs: u64,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            contact_retention_days: 90,
            quiet_hours: "21:00-08:00".to_string(),
            per_merchant_per_second: 20,
            lease_secs: 120,
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://FILE` (default, embedded) or `postgres://…`.
    pub database_url: String,
    /// Listen address.
    pub listen: SocketAddr,
    /// Public base URL, used in tracking links.
    pub public_url: String,
    /// Log format: `text` or `json`.
    pub log_format: String,
    /// Carrier adapters.
    pub carriers: CarriersConfig,
    /// Poller.
    pub poller: PollerConfig,
    /// Inbound carrier webhooks.
    pub webhooks: InboundConfig,
    /// Outbound callbacks.
    pub callbacks: CallbacksConfig,
    /// Caches.
    pub cache: CacheConfig,
    /// Stalled and expired shipments.
    pub stale: StaleConfig,
    /// Text messages to shoppers.
    pub sms: SmsConfig,
    /// Shopper e-mail.
    pub email: EmailConfig,
    /// The sealing key.
    pub secrets: SecretsConfig,
    /// Shopper notifications.
    pub notifications: NotificationsConfig,
}

impl Config {
    /// The sealing key in force: `secrets.key`, or the older `callbacks.secrets_key`.
    pub fn sealing_key(&self) -> &Secret {
        if self.secrets.key.is_empty() {
            &self.callbacks.secrets_key
        } else {
            &self.secrets.key
        }
    }
}

impl Config {
    /// The longest one send may take: `email.timeout_secs`, or `sms.timeout_secs` when an
    /// SMS provider is configured and its timeout is longer.
    pub fn send_timeout_secs(&self) -> u64 {
        if self.sms.provider.trim().is_empty() {
            self.email.timeout_secs
        } else {
            self.email.timeout_secs.max(self.sms.timeout_secs)
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://parcelgate.db".to_string(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".to_string(),
            log_format: "text".to_string(),
            carriers: CarriersConfig::default(),
            poller: PollerConfig::default(),
            webhooks: InboundConfig::default(),
            callbacks: CallbacksConfig::default(),
            cache: CacheConfig::default(),
            stale: StaleConfig::default(),
            sms: SmsConfig::default(),
            email: EmailConfig::default(),
            secrets: SecretsConfig::default(),
            notifications: NotificationsConfig::default(),
        }
    }
}

impl Config {
    /// Loads defaults, then `file` (if it exists), then the environment; validates the result.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        let path = file.unwrap_or(Path::new("parcelgate.toml"));
        if path.exists() {
            fig = fig.merge(Toml::file(path));
        } else if file.is_some() {
            return Err(ConfigError::Invalid {
                key: "--config".into(),
                message: format!("{} does not exist", path.display()),
            });
        }
        // PARCELGATE_LOG is the log filter (read by main), not a configuration key.
        fig = fig.merge(
            Env::prefixed("PARCELGATE_")
                .filter(|k| !k.as_str().eq_ignore_ascii_case("log"))
                .split("__"),
        );
        Self::from_figment(fig)
    }

    /// Extracts and validates from a prepared figment (tests build their own).
    pub fn from_figment(fig: Figment) -> Result<Config, ConfigError> {
        let cfg: Config = fig
            .extract()
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            key: key.to_string(),
            message,
        };
        url::Url::parse(&self.public_url)
            .map_err(|e| invalid("public_url", format!("not a URL: {e}")))?;
        crate::dispatch::sealing::SecretSealer::new(&self.secrets.key)
            .map_err(|e| invalid("secrets.key", e.to_string()))?;
        crate::dispatch::sealing::SecretSealer::new(&self.callbacks.secrets_key)
            .map_err(|e| invalid("callbacks.secrets_key", e.to_string()))?;
        if !self.notifications.quiet_hours.trim().is_empty()
            && crate::domain::quiet_hours::QuietHours::parse(&self.notifications.quiet_hours)
                .is_none()
        {
            return Err(invalid(
                "notifications.quiet_hours",
                "must be HH:MM-HH:MM (e.g. 21:00-08:00) or empty for none".into(),
            ));
        }
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres"))
        {
            return Err(invalid(
                "database_url",
                "must start with sqlite:// or postgres://".into(),
            ));
        }
        for (name, base, secret) in [
            (
                "inpost",
                &self.carriers.inpost.adapter.base_url,
                &self.carriers.inpost.endpoint.webhook_secret,
            ),
            (
                "dhl",
                &self.carriers.dhl.adapter.base_url,
                &self.carriers.dhl.endpoint.webhook_secret,
            ),
        ] {
            url::Url::parse(base).map_err(|e| {
                invalid(
                    &format!("carriers.{name}.base_url"),
                    format!("not a URL: {e}"),
                )
            })?;
            if !secret.is_empty() && secret.expose().len() < 16 {
                return Err(invalid(
                    &format!("carriers.{name}.webhook_secret"),
                    "must be at least 16 characters (it is the only thing guarding the URL)".into(),
                ));
            }
        }
        let cb = &self.callbacks;
        if cb.timeout_secs == 0 || cb.lease_secs <= cb.timeout_secs {
            return Err(invalid(
                "callbacks.lease_secs",
                "must be greater than callbacks.timeout_secs (and the timeout above 0)".into(),
            ));
        }
        // A send may take its whole timeout; started just before the lease ends, it must
        // still finish inside it (the worker stops starting sends in time, see
        // `workers::notify::batch`).
        let send_timeout = self.send_timeout_secs();
        if self.notifications.lease_secs <= send_timeout {
            return Err(invalid(
                "notifications.lease_secs",
                format!(
                    "must be greater than the send timeout ({send_timeout} s, the longer of \
                     email.timeout_secs and sms.timeout_secs), or a slow send could outlive \
                     its lease and be sent twice"
                ),
            ));
        }
        if cb.retry_schedule_ms.is_empty() {
            return Err(invalid(
                "callbacks.retry_schedule_ms",
                "needs at least one attempt".into(),
            ));
        }
        if cb.concurrency == 0 || cb.per_endpoint_concurrency == 0 || cb.batch == 0 {
            return Err(invalid(
                "callbacks.concurrency",
                "concurrency, per_endpoint_concurrency and batch must be at least 1".into(),
            ));
        }
        if !["text", "json"].contains(&self.log_format.as_str()) {
            return Err(invalid("log_format", "must be text or json".into()));
        }
        if let Some((key, message)) = self.sms.problem() {
            return Err(invalid(key, message));
        }
        // The e-mail errors name their key in the message already; it is given once.
        self.email.settings().map_err(|e| {
            let key = e.key();
            let message = e.to_string();
            let message = message
                .strip_prefix(key)
                .map(|m| m.trim_start_matches([':', ' ']))
                .unwrap_or(&message)
                .to_string();
            invalid(key, message)
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::Serialized;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        for (k, v) in pairs {
            fig = fig.merge(Toml::string(&format!("{k} = {v}")).nested());
        }
        Config::from_figment(fig)
    }

    #[test]
    fn defaults_need_nothing() {
        let c = with(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.database_url.starts_with("sqlite://"));
    }

    #[test]
    fn cidr_lists_accept_commas_and_arrays() {
        let c: CidrList = serde_json::from_str("\"127.0.0.0/8, ::1\"").unwrap();
        assert!(c.contains("127.0.0.1".parse().unwrap()));
        assert!(c.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!c.contains("10.0.0.1".parse().unwrap()));
        let e = serde_json::from_str::<CidrList>("[\"banana\"]").unwrap_err();
        assert!(e.to_string().contains("banana"));
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = with(&[("public_url", "\"not a url\"")]).unwrap_err();
        assert!(e.to_string().contains("public_url"), "{e}");
        let e = with(&[("database_url", "\"mysql://x\"")]).unwrap_err();
        assert!(e.to_string().contains("database_url"), "{e}");
        let e = with(&[("lisen", "\"x\"")]).unwrap_err();
        assert!(e.to_string().contains("lisen"), "{e}");
        let mut c = Config::default();
        c.callbacks.secrets_key = Secret::new("c2hvcnQ=");
        let e = c.validate().unwrap_err();
        assert!(
            e.to_string().contains("callbacks.secrets_key") && e.to_string().contains("5 bytes"),
            "{e}"
        );
    }

    #[test]
    fn webhook_endpoints_keep_their_keys_and_are_found_by_carrier() {
        let toml = "[carriers.inpost]\nwebhook_secret = \"inpost-secret-0123456789\"\n\
                    allowed_sources = \"91.216.25.0/24\"\n\
                    [carriers.dpd]\nwebhook_secret = \"dpd-secret-0123456789\"\n";
        let fig = Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml));
        let c = Config::from_figment(fig).unwrap();
        let inpost = c.carriers.endpoint(CarrierId::Inpost).unwrap();
        assert!(inpost.webhook_secret.matches(b"inpost-secret-0123456789"));
        assert!(inpost
            .allowed_sources
            .contains("91.216.25.7".parse().unwrap()));
        let dpd = c.carriers.endpoint(CarrierId::Dpd).unwrap();
        assert!(dpd.webhook_secret.matches(b"dpd-secret-0123456789"));
        assert!(c
            .carriers
            .endpoint(CarrierId::Dhl)
            .unwrap()
            .webhook_secret
            .is_empty());
        let registry = c.carriers.build();
        let ids: Vec<_> = registry.all().map(|a| a.id()).collect();
        assert_eq!(
            ids,
            [CarrierId::Inpost],
            "only InPost runs without credentials"
        );
    }

    /// Dotted keys (`sms.provider`) merged as plain TOML, as a file would hold them.
    fn keyed(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let toml: String = pairs.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        let fig = Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(&toml));
        Config::from_figment(fig)
    }

    #[test]
    fn sms_is_off_by_default_and_each_provider_names_what_it_lacks() {
        let c = keyed(&[]).unwrap();
        assert!(!c.sms.enabled());
        let err = |pairs: &[(&str, &str)]| keyed(pairs).unwrap_err().to_string();
        let e = err(&[("sms.provider", "\"nexmo\"")]);
        assert!(
            e.contains("`sms.provider`") && e.contains("smsapi, twilio"),
            "{e}"
        );
        let e = err(&[("sms.provider", "\"smsapi\"")]);
        assert!(e.contains("`sms.token`") && e.contains("required"), "{e}");
        let e = err(&[("sms.provider", "\"twilio\"")]);
        assert!(e.contains("`sms.account_sid`"), "{e}");
        let sid = "\"AC0123456789abcdef0123456789abcdef\"";
        let e = err(&[
            ("sms.provider", "\"twilio\""),
            ("sms.account_sid", "\"AC12\""),
        ]);
        assert!(
            e.contains("`sms.account_sid`") && e.contains("32 hexadecimal"),
            "{e}"
        );
        let e = err(&[("sms.provider", "\"twilio\""), ("sms.account_sid", sid)]);
        assert!(e.contains("`sms.auth_token`"), "{e}");
        let twilio = [
            ("sms.provider", "\"twilio\""),
            ("sms.account_sid", sid),
            ("sms.auth_token", "\"tok\""),
        ];
        let e = err(&twilio);
        assert!(
            e.contains("`sms.from`") && e.contains("messaging_service_sid"),
            "{e}"
        );
        let mut with_from = twilio.to_vec();
        with_from.push(("sms.from", "\"+48500600700\""));
        let c = keyed(&with_from).unwrap();
        assert_eq!(c.sms.effective_base_url(), SmsConfig::TWILIO_URL);
        let mut with_service = twilio.to_vec();
        with_service.push((
            "sms.messaging_service_sid",
            "\"MG0123456789abcdef0123456789abcdef\"",
        ));
        assert!(keyed(&with_service).is_ok());
    }

    #[test]
    fn sms_sender_base_url_and_timeout_are_checked() {
        let smsapi = |extra: (&str, &str)| {
            keyed(&[
                ("sms.provider", "\"smsapi\""),
                ("sms.token", "\"t\""),
                extra,
            ])
        };
        let c = smsapi(("sms.from", "\"Sklep Ania\"")).unwrap();
        assert_eq!(c.sms.effective_base_url(), SmsConfig::SMSAPI_URL);
        assert!(format!("{:?}", c.sms).contains("token: ***"));
        let e = smsapi(("sms.from", "\"Sklep Ani Bis\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`sms.from`") && e.contains("11"), "{e}");
        let e = smsapi(("sms.from", "\"+48 500\"")).unwrap_err().to_string();
        assert!(e.contains("`sms.from`"), "{e}");
        let e = smsapi(("sms.base_url", "\"ftp://x\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`sms.base_url`"), "{e}");
        let c = smsapi(("sms.base_url", "\"http://127.0.0.1:9/\"")).unwrap();
        assert_eq!(c.sms.effective_base_url(), "http://127.0.0.1:9");
        let e = smsapi(("sms.timeout_secs", "0")).unwrap_err().to_string();
        assert!(e.contains("`sms.timeout_secs`"), "{e}");
    }

    #[test]
    fn webhook_endpoints_read_their_environment_names() {
        // The real loader's provider, under a prefix of this test's own.
        std::env::set_var(
            "PGEDGESTEST_CARRIERS__INPOST__WEBHOOK_SECRET",
            "env-secret-0123456789",
        );
        std::env::set_var(
            "PGEDGESTEST_CARRIERS__INPOST__ALLOWED_SOURCES",
            "10.0.0.0/8, 91.216.25.0/24",
        );
        let fig = Figment::from(Serialized::defaults(Config::default()))
            .merge(Env::prefixed("PGEDGESTEST_").split("__"));
        let c = Config::from_figment(fig).unwrap();
        let inpost = &c.carriers.inpost.endpoint;
        assert!(inpost.webhook_secret.matches(b"env-secret-0123456789"));
        assert!(inpost.allowed_sources.contains("10.1.2.3".parse().unwrap()));
        assert!(inpost
            .allowed_sources
            .contains("91.216.25.9".parse().unwrap()));
    }

    /// Like `with`, for dotted keys inside sections (`email.from = …`).
    fn with_dotted(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let toml: String = pairs.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        let fig = Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(&toml));
        Config::from_figment(fig)
    }

    #[test]
    fn email_is_off_until_an_smtp_url_is_set() {
        let c = with(&[]).unwrap();
        assert!(c.email.settings().unwrap().is_none());
        // A sender alone is checked but does not switch e-mail on.
        let c = with_dotted(&[("email.from", "\"Shop <noreply@shop.example>\"")]).unwrap();
        assert!(c.email.settings().unwrap().is_none());
    }

    #[test]
    fn the_merchant_send_rate_reads_its_environment_name() {
        std::env::set_var("PGRATETEST_NOTIFICATIONS__PER_MERCHANT_PER_SECOND", "7");
        let fig = Figment::from(Serialized::defaults(Config::default()))
            .merge(Env::prefixed("PGRATETEST_").split("__"));
        let c = Config::from_figment(fig).unwrap();
        assert_eq!(c.notifications.per_merchant_per_second, 7);
        assert_eq!(Config::default().notifications.per_merchant_per_second, 20);
    }

    #[test]
    fn email_settings_read_their_environment_names() {
        std::env::set_var(
            "PGEMAILTEST_EMAIL__SMTP_URL",
            "smtp://apikey:s3cr%40t@smtp.shop.example?tls=required",
        );
        std::env::set_var("PGEMAILTEST_EMAIL__FROM", "Sklep <noreply@shop.example>");
        std::env::set_var("PGEMAILTEST_EMAIL__POOL_SIZE", "3");
        let fig = Figment::from(Serialized::defaults(Config::default()))
            .merge(Env::prefixed("PGEMAILTEST_").split("__"));
        let c = Config::from_figment(fig).unwrap();
        let s = c.email.settings().unwrap().expect("e-mail on");
        assert_eq!(s.smtp.host, "smtp.shop.example");
        assert_eq!(s.smtp.port, 587);
        let creds = s.smtp.credentials.as_ref().expect("credentials");
        assert_eq!(creds.password.expose(), "s3cr@t");
        assert_eq!(s.from.name.as_deref(), Some("Sklep"));
        assert_eq!(s.pool_size, 3);
        assert_eq!(s.timeout, std::time::Duration::from_secs(30));
        assert!(s.dkim.is_none());
        // The URL carries the password: neither the config nor the settings print it.
        for text in [format!("{c:?}"), format!("{s:?}")] {
            assert!(!text.contains("s3cr"), "{text}");
        }
    }

    #[test]
    fn email_with_dkim_from_toml() {
        let key = include_str!("notify/email/testdata/ed25519.test.pem");
        let toml = format!(
            "[email]\nsmtp_url = \"smtps://smtp.shop.example\"\nfrom = \"noreply@shop.example\"\n\
             marketing_from = \"Sklep News <news@shop.example>\"\n\
             dkim_selector = \"pg2026\"\ndkim_domain = \"shop.example\"\n\
             dkim_private_key = \"\"\"\n{key}\"\"\"\n"
        );
        let fig = Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(&toml));
        let c = Config::from_figment(fig).unwrap();
        let s = c.email.settings().unwrap().expect("e-mail on");
        let dkim = s.dkim.as_ref().expect("dkim");
        assert_eq!(dkim.dns_name(), "pg2026._domainkey.shop.example");
        assert_eq!(
            s.marketing_from
                .as_ref()
                .map(|m| m.email.to_string())
                .as_deref(),
            Some("news@shop.example")
        );
        assert!(!format!("{c:?}").contains(key.lines().nth(1).unwrap()));
    }

    #[test]
    fn bad_email_values_name_their_key_once() {
        let url = ("email.smtp_url", "\"smtp://u:hunter2@smtp.shop.example\"");
        let from = ("email.from", "\"noreply@shop.example\"");
        type Pairs<'a> = &'a [(&'a str, &'a str)];
        let cases: &[(Pairs, &str, &str)] = &[
            (
                &[("email.smtp_url", "\"http://u:hunter2@h\""), from],
                "email.smtp_url",
                "unknown scheme",
            ),
            (
                &[("email.smtp_url", "\"smtp://u:hunter2@h?tls=yes\""), from],
                "email.smtp_url",
                "tls value",
            ),
            (&[url], "email.from", "required"),
            (
                &[url, ("email.from", "\"Shop <noreply\"")],
                "email.from",
                "unbalanced",
            ),
            (
                &[url, from, ("email.marketing_from", "\"news\"")],
                "email.marketing_from",
                "not an e-mail address",
            ),
            (
                &[url, from, ("email.pool_size", "0")],
                "email.pool_size",
                "at least 1",
            ),
            (
                &[url, from, ("email.timeout_secs", "0")],
                "email.timeout_secs",
                "at least 1",
            ),
            (
                &[url, from, ("email.dkim_selector", "\"pg\"")],
                "email.dkim_domain",
                "required",
            ),
            (
                &[
                    url,
                    from,
                    ("email.dkim_selector", "\"pg\""),
                    ("email.dkim_domain", "\"shop.example\""),
                    ("email.dkim_private_key", "\"garbage\""),
                ],
                "email.dkim_private_key",
                "not a PEM private key",
            ),
            (
                &[
                    url,
                    from,
                    ("email.dkim_selector", "\"pg\""),
                    ("email.dkim_domain", "\"shop.example\""),
                    ("email.dkim_private_key_file", "\"/nonexistent/k.pem\""),
                ],
                "email.dkim_private_key_file",
                "/nonexistent/k.pem",
            ),
        ];
        for (pairs, key, says) in cases {
            let e = with_dotted(pairs).unwrap_err();
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("configuration key `{key}`: ")),
                "{text}"
            );
            assert_eq!(text.matches(key).count(), 1, "{text}");
            assert!(text.contains(says), "{says}: {text}");
            assert!(!text.contains("hunter2"), "{text}");
        }
    }
}
