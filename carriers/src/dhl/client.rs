//! The pull client: `GET {base}/track/shipments`, error classification, and resolving a
//! several-shipment answer to the one asked for (or refusing to guess).

use super::wire::{Problem, Shipment, TrackResponse};
use super::{snapshot, DhlCarrier};
use crate::carrier::{CarrierId, TrackRequest};
use crate::error::CarrierError;
use crate::http_util::{body_snippet, classify, transport_error};
use crate::model::TrackingSnapshot;

/// Header carrying the consumer key.
pub const API_KEY_HEADER: &str = "DHL-API-Key";

impl DhlCarrier {
    /// Looks one number up and resolves DHL's answer to one shipment.
    pub async fn track_one(&self, req: &TrackRequest) -> Result<TrackingSnapshot, CarrierError> {
        let number = req.tracking_number.trim();
        if self.config.api_key.is_empty() {
            return Err(CarrierError::NotConfigured {
                carrier: CarrierId::Dhl,
                detail: "DHL api_key is not set".into(),
            });
        }
        let url = format!("{}/track/shipments", self.base_url());
        let mut query: Vec<(&str, &str)> = vec![("trackingNumber", number)];
        if let Some(s) = opt(&req.service) {
            query.push(("service", s));
        }
        if let Some(p) = opt(&req.destination_postal_code) {
            query.push(("recipientPostalCode", p));
        }
        if let Some(c) = opt(&req.origin_country) {
            query.push(("originCountryCode", c));
        }
        if let Some(l) = opt(&req.language).or_else(|| opt(&self.config.language)) {
            query.push(("language", l));
        }
        let resp = self
            .http
            .get(&url)
            .query(&query)
            .header(API_KEY_HEADER, self.config.api_key.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| transport_error(CarrierId::Dhl, &e))?;
        let body = classify(CarrierId::Dhl, number, resp, describe_problem).await?;
        let parsed = decode_track_response(&body)?;
        let shipment = resolve(number, req, &parsed.shipments)?;
        Ok(snapshot::build(number, shipment))
    }
}

/// Reads a DHL problem body (`title`, `detail`) for error messages; falls back to a snippet.
pub fn describe_problem(body: &[u8]) -> String {
    match serde_json::from_slice::<Problem>(body) {
        Ok(p) if p.title.is_some() || p.detail.is_some() => {
            let parts: Vec<&str> = [p.title.as_deref(), p.detail.as_deref()]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            parts.join(": ")
        }
        _ => body_snippet(body),
    }
}

/// Parses a tracking response; a broken body is a `Decode` error naming DHL, the line/column and
/// what serde expected.
pub fn decode_track_response(body: &[u8]) -> Result<TrackResponse, CarrierError> {
    serde_json::from_slice(body).map_err(|e| CarrierError::Decode {
        carrier: CarrierId::Dhl,
        detail: format!(
            "DHL tracking response (GET /track/shipments) is not the expected JSON: {e}"
        ),
    })
}

/// Picks the shipment the request means.
///
/// One shipment: that one (DHL already applied any `service` filter). Several: keep those whose
/// `service` equals the request's, then those whose destination postal code equals the request's
/// (compared without spaces/dashes, case-insensitively). Exactly one left wins; anything else is
/// `Ambiguous`. None at all is `NotFound`.
pub fn resolve<'a>(
    number: &str,
    req: &TrackRequest,
    shipments: &'a [Shipment],
) -> Result<&'a Shipment, CarrierError> {
    match shipments {
        [] => {
            return Err(CarrierError::NotFound {
                carrier: CarrierId::Dhl,
                tracking_number: number.to_string(),
            })
        }
        [one] => return Ok(one),
        _ => {}
    }
    let mut left: Vec<&Shipment> = shipments.iter().collect();
    if let Some(service) = req
        .service
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        left.retain(|s| {
            s.service
                .as_deref()
                .is_some_and(|x| x.trim().eq_ignore_ascii_case(service))
        });
    }
    if left.len() > 1 {
        if let Some(want) = req
            .destination_postal_code
            .as_deref()
            .map(postal_key)
            .filter(|p| !p.is_empty())
        {
            left.retain(|s| destination_postal(s).is_some_and(|p| p == want));
        }
    }
    match left.as_slice() {
        [one] => Ok(one),
        _ => {
            let services: Vec<String> = shipments
                .iter()
                .map(|s| s.service.clone().unwrap_or_else(|| "?".into()))
                .collect();
            Err(CarrierError::Ambiguous {
                carrier: CarrierId::Dhl,
                detail: format!(
                    "{} shipments for {number} (services: {}); {} match the known service/postal code; \
                     register the shipment with its DHL service or recipient postal code",
                    shipments.len(),
                    services.join(", "),
                    left.len()
                ),
            })
        }
    }
}

/// A trimmed, non-empty optional value.
fn opt(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn destination_postal(s: &Shipment) -> Option<String> {
    let p = s
        .destination
        .as_ref()?
        .address
        .as_ref()?
        .postal_code
        .as_deref()?;
    Some(postal_key(p)).filter(|p| !p.is_empty())
}

fn postal_key(p: &str) -> String {
    p.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_bodies_are_described_with_title_and_detail() {
        let body = br#"{"title":"No result found","status":404,"detail":"No shipment with given tracking number found."}"#;
        assert_eq!(
            describe_problem(body),
            "No result found: No shipment with given tracking number found."
        );
        assert_eq!(describe_problem(b"<html>oops</html>"), "<html>oops</html>");
        assert_eq!(describe_problem(b""), "(empty body)");
    }

    #[test]
    fn decode_errors_name_dhl_and_the_position() {
        let err =
            decode_track_response(br#"{"shipments": [{"id": "1", "events": {}}]}"#).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, CarrierError::Decode { .. }));
        assert!(
            msg.contains("DHL") && msg.contains("line 1 column"),
            "{msg}"
        );
    }

    #[test]
    fn postal_codes_compare_loosely() {
        assert_eq!(postal_key(" 53-111 "), "53111");
        assert_eq!(postal_key("1043 ag"), "1043AG");
    }
}
