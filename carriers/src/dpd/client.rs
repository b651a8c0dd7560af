//! DPD HTTP calls: SOAP POSTs with faults turned into typed errors, DPD Poland lookups and
//! feed, and DPD Europe tracking with a cached login token renewed once on an auth fault.

use std::time::{Duration, Instant};

use chrono_tz::Tz;
use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;

use super::{europe, pl, soap, DpdCarrier};
use crate::carrier::CarrierId;
use crate::error::CarrierError;
use crate::http_util::{body_snippet, classify, read_body, transport_error};
use crate::model::TrackingSnapshot;

const C: CarrierId = CarrierId::Dpd;

/// How long a DPD Europe auth token is reused (DPD issues tokens valid for about a day).
pub const TOKEN_TTL: Duration = Duration::from_secs(23 * 3600);

/// A DPD Europe auth token and when it was fetched.
#[derive(Debug, Clone)]
pub struct CachedToken {
    token: String,
    fetched_at: Instant,
}

fn url(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

impl DpdCarrier {
    /// POSTs a SOAP envelope; SOAP faults (HTTP 500 or 200) become Unauthorized/Rejected,
    /// other HTTP failures go through `http_util::classify`.
    async fn post_soap(
        &self,
        url: &str,
        content_type: &str,
        soap_action: &str,
        body: String,
        number: &str,
    ) -> Result<Vec<u8>, CarrierError> {
        let resp = self
            .http
            .post(url)
            .header(CONTENT_TYPE, content_type)
            .header("SOAPAction", soap_action)
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(C, &e))?;
        if resp.status() == StatusCode::INTERNAL_SERVER_ERROR {
            let bytes = read_body(C, resp).await?;
            let fault = soap::parse_tree(C, &bytes)
                .ok()
                .and_then(|root| root.child("Body").and_then(soap::fault));
            return Err(match fault {
                Some(f) => f.into_error(C),
                None => CarrierError::Upstream {
                    carrier: C,
                    status: 500,
                    detail: body_snippet(&bytes),
                },
            });
        }
        classify(C, number, resp, soap::describe).await
    }

    fn pl_auth(&self) -> pl::Auth<'_> {
        pl::Auth {
            login: &self.config.pl.login,
            password: self.config.pl.password.expose(),
            channel: &self.config.pl.channel,
        }
    }

    async fn pl_post(&self, body: String, number: &str) -> Result<Vec<u8>, CarrierError> {
        let url = url(&self.config.pl.base_url, pl::PATH);
        // JAX-WS endpoint: SOAP 1.1, empty SOAPAction.
        self.post_soap(&url, "text/xml; charset=utf-8", "\"\"", body, number)
            .await
    }

    /// `getEventsForWaybillV1` for one number; no events → NotFound.
    pub(super) async fn pl_track(
        &self,
        number: &str,
        language: &str,
    ) -> Result<TrackingSnapshot, CarrierError> {
        let req = pl::waybill_request(number, language, self.pl_auth());
        let body = self.pl_post(req, number).await?;
        let events = pl::parse_events(&body, "getEventsForWaybillV1")?;
        pl::snapshots(&events.events, |_| Some(number.to_string()))
            .into_iter()
            .next()
            .ok_or_else(|| CarrierError::NotFound {
                carrier: C,
                tracking_number: number.to_string(),
            })
    }

    /// `getEventsForCustomerV4`.
    pub(super) async fn pl_customer_events(
        &self,
        limit: u32,
        language: &str,
    ) -> Result<pl::Events, CarrierError> {
        self.require_pl()?;
        let req = pl::customer_events_request(limit, language, self.pl_auth());
        let body = self.pl_post(req, "").await?;
        pl::parse_events(&body, "getEventsForCustomerV4")
    }

    /// `markEventsAsProcessedV1`; DPD answering `false` is a Rejected error.
    pub(super) async fn pl_mark_processed(&self, confirm_id: &str) -> Result<(), CarrierError> {
        self.require_pl()?;
        let req = pl::mark_processed_request(confirm_id, self.pl_auth());
        let body = self.pl_post(req, "").await?;
        if pl::parse_mark_processed(&body)? {
            Ok(())
        } else {
            Err(CarrierError::Rejected {
                carrier: C,
                status: None,
                detail: format!(
                    "markEventsAsProcessedV1 returned false for confirmId {confirm_id}"
                ),
            })
        }
    }

    fn require_pl(&self) -> Result<(), CarrierError> {
        if self.config.pl_configured() {
            Ok(())
        } else {
            Err(CarrierError::NotConfigured {
                carrier: C,
                detail: "the DPD Poland feed needs pl.login/password/channel".to_string(),
            })
        }
    }

    /// The zone for Europe times whose location has no country: from the host's TLD.
    fn europe_fallback_zone(&self) -> Tz {
        let host = self.config.europe.base_url.to_ascii_lowercase();
        let host = host.split("://").nth(1).unwrap_or(&host);
        let host = host.split(['/', ':']).next().unwrap_or(host);
        if host.ends_with(".be") {
            chrono_tz::Europe::Brussels
        } else if host.ends_with(".nl") {
            chrono_tz::Europe::Amsterdam
        } else {
            chrono_tz::Europe::Berlin
        }
    }

    /// A valid auth token: the cached one unless it is older than [`TOKEN_TTL`] or equals
    /// `rejected` (the token DPD just refused), else a fresh `getAuth`.
    async fn europe_token(&self, rejected: Option<&str>) -> Result<String, CarrierError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref() {
            if t.fetched_at.elapsed() < TOKEN_TTL && rejected != Some(t.token.as_str()) {
                return Ok(t.token.clone());
            }
        }
        let eu = &self.config.europe;
        let req = europe::login_request(&eu.delis_id, eu.password.expose(), &eu.message_language);
        let url = url(&eu.base_url, europe::LOGIN_PATH);
        let body = self
            .post_soap(
                &url,
                "text/xml;charset=UTF-8",
                europe::LOGIN_ACTION,
                req,
                "",
            )
            .await?;
        let token = europe::parse_login(&body)?;
        *cached = Some(CachedToken {
            token: token.clone(),
            fetched_at: Instant::now(),
        });
        Ok(token)
    }

    async fn europe_track_with(
        &self,
        token: &str,
        number: &str,
    ) -> Result<TrackingSnapshot, CarrierError> {
        let eu = &self.config.europe;
        let req = europe::tracking_request(&eu.delis_id, token, &eu.message_language, number);
        let url = url(&eu.base_url, europe::PLC_PATH);
        let body = self
            .post_soap(
                &url,
                "text/xml;charset=UTF-8",
                europe::PLC_ACTION,
                req,
                number,
            )
            .await?;
        europe::parse_tracking(&body, number, self.europe_fallback_zone())
    }

    /// `getTrackingData` with the cached token; on Unauthorized the token is renewed once.
    pub(super) async fn europe_track(
        &self,
        number: &str,
    ) -> Result<TrackingSnapshot, CarrierError> {
        let token = self.europe_token(None).await?;
        match self.europe_track_with(&token, number).await {
            Err(CarrierError::Unauthorized { .. }) => {
                tracing::info!(
                    carrier = "dpd",
                    "DPD Europe token refused; logging in again"
                );
                let fresh = self.europe_token(Some(&token)).await?;
                self.europe_track_with(&fresh, number).await
            }
            other => other,
        }
    }
}
