//! DPD adapter: DPD Poland InfoServices (per-waybill lookups and the account event feed) and
//! DPD Europe ParcelLifeCycleService 2.0, behind one [`Carrier`].
//!
//! Routing per number (see [`DpdCarrier::route`]): `U` waybills (13 digits + `U`) go to DPD
//! Poland. Any other number goes to the only configured backend; with both configured,
//! `TrackRequest.service` decides (`dpd-pl` / `dpd-europe`), then `origin_country` (`PL` →
//! Poland, any other → Europe), and the default is Poland.

pub mod detect;
pub mod europe;
pub mod links;
pub mod mapping;
pub mod pl;
pub mod soap;

mod client;

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod mapping_tests;

use std::time::Duration;

use async_trait::async_trait;
use http::HeaderMap;
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use crate::capability::EventFeed;
pub use crate::capability::FeedBatch;
use crate::carrier::{
    Capabilities, Carrier, CarrierId, Detection, PushSupport, RateLimit, TrackOutcome,
    TrackRequest, WebhookPayload,
};
use crate::error::CarrierError;
use crate::model::TrackingSnapshot;
use crate::secret::Secret;

/// DPD Poland InfoServices settings.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct DpdPlConfig {
    /// Base URL; the InfoServices path is appended.
    pub base_url: String,
    /// InfoServices login (empty = DPD Poland not configured).
    pub login: String,
    /// InfoServices password.
    pub password: Secret,
    /// InfoServices channel (a FID DPD assigns for InfoServices).
    pub channel: String,
    /// Default text language, `PL` or `EN` (a request's own language wins).
    pub language: String,
}

impl Default for DpdPlConfig {
    fn default() -> Self {
        DpdPlConfig {
            base_url: "https://dpdinfoservices.dpd.com.pl".to_string(),
            login: String::new(),
            password: Secret::default(),
            channel: String::new(),
            language: "PL".to_string(),
        }
    }
}

/// DPD Europe (DE/Benelux) ParcelLifeCycle settings.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct DpdEuropeConfig {
    /// Base URL, e.g. `https://wsshipper.dpd.nl`; `/soap/services/...` is appended.
    pub base_url: String,
    /// DELIS id (empty = DPD Europe not configured).
    pub delis_id: String,
    /// DELIS password.
    pub password: Secret,
    /// `messageLanguage`, e.g. `en_EN`.
    pub message_language: String,
}

impl Default for DpdEuropeConfig {
    fn default() -> Self {
        DpdEuropeConfig {
            base_url: "https://wsshipper.dpd.nl".to_string(),
            delis_id: String::new(),
            password: Secret::default(),
            message_language: "en_EN".to_string(),
        }
    }
}

/// DPD adapter configuration.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct DpdConfig {
    /// DPD Poland InfoServices.
    pub pl: DpdPlConfig,
    /// DPD Europe ParcelLifeCycle.
    pub europe: DpdEuropeConfig,
    /// Per-call timeout in seconds.
    pub timeout_secs: u64,
    /// Request budget per minute.
    pub rate_per_minute: u32,
    /// For the gateway's feed drain: keep feed events of waybills that are not registered
    /// shipments (true) or drop them (false). The adapter itself returns every waybill.
    pub keep_unregistered_feed_events: bool,
}

impl Default for DpdConfig {
    fn default() -> Self {
        DpdConfig {
            pl: DpdPlConfig::default(),
            europe: DpdEuropeConfig::default(),
            timeout_secs: 20,
            rate_per_minute: 30,
            keep_unregistered_feed_events: false,
        }
    }
}

impl DpdConfig {
    /// Whether DPD Poland credentials are set.
    pub fn pl_configured(&self) -> bool {
        !self.pl.login.trim().is_empty()
    }

    /// Whether DPD Europe credentials are set.
    pub fn europe_configured(&self) -> bool {
        !self.europe.delis_id.trim().is_empty()
    }
}

/// Which DPD system answers for a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// DPD Poland InfoServices.
    Poland,
    /// DPD Europe ParcelLifeCycleService.
    Europe,
}

/// The DPD adapter.
pub struct DpdCarrier {
    config: DpdConfig,
    http: reqwest::Client,
    token: tokio::sync::Mutex<Option<client::CachedToken>>,
}

impl DpdCarrier {
    /// Builds the adapter (no network call: the Europe token is fetched on first use).
    pub fn new(config: DpdConfig) -> Self {
        let http = crate::http_util::build_client(Duration::from_secs(config.timeout_secs.max(1)));
        DpdCarrier {
            config,
            http,
            token: tokio::sync::Mutex::new(None),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &DpdConfig {
        &self.config
    }

    /// Picks the backend and the canonical number for a request (rule in the module docs).
    pub fn route(&self, req: &TrackRequest) -> Result<(Backend, String), CarrierError> {
        let (pl, eu) = (self.config.pl_configured(), self.config.europe_configured());
        let not_configured = |detail: &str| CarrierError::NotConfigured {
            carrier: CarrierId::Dpd,
            detail: detail.to_string(),
        };
        let classified = detect::classify(&req.tracking_number);
        let number = classified
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_else(|| crate::registry::normalize_number(&req.tracking_number));
        if matches!(classified, Some(detect::DpdNumber::PlWaybill(_))) {
            return if pl {
                Ok((Backend::Poland, number))
            } else {
                Err(not_configured(
                    "a DPD Poland waybill needs pl.login/password/channel",
                ))
            };
        }
        let backend = match (pl, eu) {
            (false, false) => {
                return Err(not_configured(
                    "neither pl.login nor europe.delis_id is set",
                ))
            }
            (true, false) => Backend::Poland,
            (false, true) => Backend::Europe,
            (true, true) => match (req.service.as_deref(), req.origin_country.as_deref()) {
                (Some(detect::SERVICE_PL), _) => Backend::Poland,
                (Some(detect::SERVICE_EUROPE), _) => Backend::Europe,
                (_, Some(c)) if !c.trim().eq_ignore_ascii_case("PL") => Backend::Europe,
                _ => Backend::Poland,
            },
        };
        Ok((backend, number))
    }

    /// Looks one number up.
    pub async fn track_one(&self, req: &TrackRequest) -> Result<TrackingSnapshot, CarrierError> {
        let (backend, number) = self.route(req)?;
        let span = tracing::debug_span!("dpd_track", carrier = "dpd", tracking_number = %number,
            backend = ?backend);
        async {
            match backend {
                Backend::Poland => {
                    let language = self.pl_language(req.language.as_deref());
                    self.pl_track(&number, &language).await
                }
                Backend::Europe => self.europe_track(&number).await,
            }
        }
        .instrument(span)
        .await
    }

    fn pl_language(&self, requested: Option<&str>) -> String {
        match requested.map(|l| l.trim().to_ascii_lowercase()) {
            Some(l) if l.starts_with("pl") => "PL".to_string(),
            Some(l) if l.starts_with("en") => "EN".to_string(),
            _ => self.config.pl.language.trim().to_ascii_uppercase(),
        }
    }

    /// Drains up to `limit` unconfirmed events of the DPD Poland account
    /// (`getEventsForCustomerV4`), grouped by waybill. Call [`confirm_feed`](Self::confirm_feed)
    /// with the batch's `confirm_id` only after the events are committed.
    pub async fn fetch_feed(&self, limit: u32) -> Result<FeedBatch, CarrierError> {
        let language = self.pl_language(None);
        let events = self.pl_customer_events(limit, &language).await?;
        let snapshots = pl::snapshots(&events.events, |e| e.waybill.clone());
        Ok(FeedBatch {
            confirm_id: if events.events.is_empty() {
                None
            } else {
                events.confirm_id
            },
            snapshots,
        })
    }

    /// Acknowledges a committed feed batch (`markEventsAsProcessedV1`).
    pub async fn confirm_feed(&self, confirm_id: &str) -> Result<(), CarrierError> {
        self.pl_mark_processed(confirm_id).await
    }
}

#[async_trait]
impl Carrier for DpdCarrier {
    fn id(&self) -> CarrierId {
        CarrierId::Dpd
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            batch_size: 1,
            push: PushSupport::Feed,
            rate_limit: RateLimit {
                per_second: f64::from(self.config.rate_per_minute.max(1)) / 60.0,
                per_day: None,
            },
            max_polls_per_shipment_per_day: None,
        }
    }

    fn detect(&self, tracking_number: &str) -> Option<Detection> {
        detect::detect(tracking_number)
    }

    async fn track(&self, requests: &[TrackRequest]) -> Vec<TrackOutcome> {
        let mut out = Vec::with_capacity(requests.len());
        for req in requests {
            let result = self.track_one(req).await;
            out.push(TrackOutcome {
                tracking_number: req.tracking_number.clone(),
                result,
            });
        }
        out
    }

    fn verify_webhook(&self, _headers: &HeaderMap, _body: &[u8]) -> Result<(), CarrierError> {
        Err(CarrierError::WebhookAuth {
            carrier: CarrierId::Dpd,
            detail: "DPD sends no webhooks; its account feed is drained with fetch_feed"
                .to_string(),
        })
    }

    fn parse_webhook(&self, _body: &[u8]) -> Result<WebhookPayload, CarrierError> {
        Err(CarrierError::NotConfigured {
            carrier: CarrierId::Dpd,
            detail: "DPD sends no webhooks; its account feed is drained with fetch_feed"
                .to_string(),
        })
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.config.timeout_secs.max(1))
    }

    fn needs_history(&self) -> bool {
        true
    }

    fn event_feed(&self) -> Option<&dyn EventFeed> {
        Some(self)
    }

    fn public_tracking_url(
        &self,
        tracking_number: &str,
        lang: &str,
        destination_country: Option<&str>,
    ) -> Option<String> {
        Some(links::public_tracking_url(
            tracking_number,
            lang,
            destination_country,
        ))
    }

    /// A feed batch holds only the newest DPD Poland events; the sequence rules of
    /// [`mapping::map_pl_sequence`] are re-run over stored + new business codes so a
    /// pickup-point adoption or a delivery after a return arriving in a later batch is
    /// mapped as it would be in a full waybill lookup.
    fn remap_with_history(
        &self,
        history: &[crate::TrackingEvent],
        snapshot: &mut crate::TrackingSnapshot,
    ) {
        remap_pl_with_history(history, snapshot);
    }
}

#[async_trait]
impl EventFeed for DpdCarrier {
    async fn fetch_feed(&self, limit: u32) -> Result<FeedBatch, CarrierError> {
        DpdCarrier::fetch_feed(self, limit).await
    }

    async fn confirm_feed(&self, confirm_id: &str) -> Result<(), CarrierError> {
        DpdCarrier::confirm_feed(self, confirm_id).await
    }

    fn keep_unregistered(&self) -> bool {
        self.config.keep_unregistered_feed_events
    }
}

impl crate::registry::AdapterConfig for DpdConfig {
    fn carrier(&self) -> CarrierId {
        CarrierId::Dpd
    }

    /// DPD runs once DPD Poland or DPD Europe credentials are set.
    fn configured(&self) -> bool {
        !self.pl.login.is_empty() || !self.europe.delis_id.is_empty()
    }

    fn build(&self) -> std::sync::Arc<dyn Carrier> {
        std::sync::Arc::new(DpdCarrier::new(self.clone()))
    }
}

/// See [`DpdCarrier::remap_with_history`]; Europe statuses need no history and are left alone.
pub fn remap_pl_with_history(
    history: &[crate::TrackingEvent],
    snapshot: &mut crate::TrackingSnapshot,
) {
    if snapshot.details.service.as_deref() != Some(pl::SERVICE) || history.is_empty() {
        return;
    }
    let is_business_code = |c: &str| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit());
    // Oldest first; stored events first at equal instants (they were seen earlier).
    let mut seq: Vec<(chrono::DateTime<chrono::Utc>, u8, usize, String)> = history
        .iter()
        .filter(|e| is_business_code(&e.raw_code))
        .enumerate()
        .map(|(i, e)| (e.occurred_at, 0, i, e.raw_code.clone()))
        .collect();
    seq.extend(
        snapshot
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| (e.occurred_at, 1, i, e.raw_code.clone())),
    );
    seq.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let codes: Vec<&str> = seq.iter().map(|x| x.3.as_str()).collect();
    let mapped = mapping::map_pl_sequence(&codes);
    for ((_, source, index, _), m) in seq.iter().zip(mapped) {
        if *source == 1 {
            if let Some(e) = snapshot.events.get_mut(*index) {
                e.status = m.status;
                e.substatus = m.substatus.to_string();
            }
        }
    }
}

#[cfg(test)]
mod history_tests {
    use super::*;
    use crate::time::LocalTime;
    use crate::{Location, Mapped, Status, TrackingEvent, TrackingSnapshot};
    use chrono::TimeZone;

    fn ev(code: &str, hour: u32) -> TrackingEvent {
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 5, 18, hour, 0, 0)
            .unwrap();
        let lt = LocalTime {
            utc: t,
            offset_seconds: 7200,
            source: crate::TzSource::Assumed,
        };
        TrackingEvent::new(
            CarrierId::Dpd,
            "1",
            mapping::map_pl_code(code),
            code,
            None,
            lt,
            Location::default(),
        )
    }

    fn batch(codes: &[(&str, u32)]) -> TrackingSnapshot {
        let mut s = TrackingSnapshot::new(CarrierId::Dpd, "1");
        s.details.service = Some(pl::SERVICE.to_string());
        let codes: Vec<&str> = codes.iter().map(|c| c.0).collect();
        let mapped = mapping::map_pl_sequence(&codes);
        s.events = codes
            .iter()
            .zip(mapped)
            .enumerate()
            .map(|(i, (c, m))| {
                let mut e = ev(c, 12 + i as u32);
                e.status = m.status;
                e.substatus = m.substatus.to_string();
                e
            })
            .collect();
        s
    }

    #[test]
    fn a_later_batch_is_mapped_against_the_stored_history() {
        // Alone, a pickup-point adoption looks like the sender's drop-off…
        let mut later = batch(&[("511201", 12)]);
        assert_eq!(later.events[0].status, Status::InTransit);
        // …but after the courier collected it and it travelled, it waits for the recipient.
        let history = vec![ev("030103", 8), ev("040101", 9), ev("050101", 10)];
        remap_pl_with_history(&history, &mut later);
        assert_eq!(later.events[0].status, Status::AvailableForPickup);

        // A delivery after a stored return event is the parcel reaching the sender.
        let mut delivered = batch(&[("190101", 12)]);
        assert_eq!(delivered.events[0].status, Status::Delivered);
        remap_pl_with_history(&[ev("040101", 8), ev("230403", 10)], &mut delivered);
        assert_eq!(
            (
                delivered.events[0].status,
                delivered.events[0].substatus.as_str()
            ),
            (
                Status::ReturnedToSender,
                "returned_to_sender.delivered_to_sender"
            )
        );
        let _ = Mapped::UNKNOWN;
    }
}
