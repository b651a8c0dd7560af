//! Serde types for DHL's Shipment Tracking – Unified wire format (pull response, problem
//! bodies, Unified Push bodies). Unknown fields are ignored; everything DHL may omit is optional.

use serde::{Deserialize, Deserializer};

/// The body of `GET /track/shipments`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackResponse {
    /// The shipments DHL found for the number (several when services share an id).
    #[serde(default)]
    pub shipments: Vec<Shipment>,
    /// Links to the same id in other services, when DHL knows of any.
    #[serde(default)]
    pub possible_additional_shipments_url: Vec<String>,
}

/// One shipment, as in `shipments[]` of both the pull response and a push body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shipment {
    /// The shipment id: a string in DHL's docs, a number in some samples; both accepted.
    #[serde(default, deserialize_with = "string_or_number")]
    pub id: Option<String>,
    /// DHL division (`express`, `parcel-de`, `parcel-pl`, `ecommerce`, ...).
    pub service: Option<String>,
    /// Present (and true) only once DHL has identified the shipment as returning to its origin.
    pub return_flag: Option<bool>,
    /// Where it came from.
    pub origin: Option<Place>,
    /// Where it goes.
    pub destination: Option<Place>,
    /// The latest event, shaped like `events[]`.
    pub status: Option<Event>,
    /// A single estimated delivery instant.
    pub estimated_time_of_delivery: Option<String>,
    /// An estimated delivery window.
    pub estimated_delivery_time_frame: Option<TimeFrame>,
    /// Free text about the estimate (e.g. "By End of Day").
    pub estimated_time_of_delivery_remark: Option<String>,
    /// Shipment-level facts.
    pub details: Option<Details>,
    /// The event history.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// `{address: {...}}` wrapper DHL uses for origin, destination and event locations.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Place {
    /// The address.
    pub address: Option<Address>,
}

/// A (partial) address.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// ISO 3166-1 alpha-2.
    pub country_code: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City or free-text locality.
    pub address_locality: Option<String>,
}

/// `estimatedDeliveryTimeFrame`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeFrame {
    /// Window start.
    pub estimated_from: Option<String>,
    /// Window end.
    pub estimated_through: Option<String>,
}

/// One event (also the shape of `shipments[].status`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Timestamp, with or without offset.
    pub timestamp: Option<String>,
    /// Where.
    pub location: Option<Place>,
    /// DHL's simplified code: `pre-transit`, `transit`, `delivered`, `failure`, `unknown`.
    pub status_code: Option<String>,
    /// Division-specific: sometimes a code (`DOR`, `SP_DSP`), sometimes a sentence.
    pub status: Option<String>,
    /// Human description.
    pub description: Option<String>,
    /// Extra remark.
    pub remark: Option<String>,
    /// What happens next.
    pub next_steps: Option<String>,
}

/// `details`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    /// The product.
    pub product: Option<Product>,
    /// Proof of delivery.
    pub proof_of_delivery: Option<ProofOfDelivery>,
    /// Number of pieces.
    pub total_number_of_pieces: Option<u32>,
    /// Piece ids.
    #[serde(default)]
    pub piece_ids: Vec<String>,
    /// The receiver (a schema.org-like Person/Organization); only the name is read.
    pub receiver: Option<Party>,
}

/// `details.product`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// Product name, e.g. "DHL PAKET (parcel)".
    pub product_name: Option<String>,
}

/// `details.proofOfDelivery`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProofOfDelivery {
    /// When it was recorded.
    pub timestamp: Option<String>,
    /// Link to the signature image.
    pub signature_url: Option<String>,
    /// Link to the PoD document.
    pub document_url: Option<String>,
    /// A boolean in some divisions, the signing Person object in DHL's own example.
    pub signed: Option<Signed>,
}

/// `proofOfDelivery.signed`: either a flag or who signed.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Signed {
    /// `true` / `false`.
    Flag(bool),
    /// `{ "@type": "Person", "name": ..., ... }`.
    By(Party),
}

/// A Person or Organization; only names are read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// Full name.
    pub name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Organization name.
    pub organization_name: Option<String>,
}

impl Party {
    /// The best display name available.
    pub fn display_name(&self) -> Option<String> {
        if let Some(n) = self.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return Some(n.trim().to_string());
        }
        let joined = [self.given_name.as_deref(), self.family_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !joined.is_empty() {
            return Some(joined);
        }
        self.organization_name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }
}

/// An RFC 7807-style problem body: `{title, detail, status, instance}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Problem {
    /// Short title, e.g. "No result found".
    pub title: Option<String>,
    /// Longer detail.
    pub detail: Option<String>,
    /// HTTP status repeated in the body.
    pub status: Option<u16>,
    /// The request path that failed.
    pub instance: Option<String>,
}

/// Any Unified Push body: `subscription.push` carries shipments, lifecycle scopes
/// (`subscription.created`, `subscription.failure`, ...) carry `secret`, `expires`, `failure`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PushBody {
    /// `subscription.push`, `subscription.created`, `subscription.failure`, ...
    pub scope: Option<String>,
    /// Link to the subscription.
    #[serde(rename = "self")]
    pub self_link: Option<String>,
    /// Subscription id, when the body names it directly.
    #[serde(default, deserialize_with = "string_or_number")]
    pub id: Option<String>,
    /// Tracking updates (`subscription.push`).
    #[serde(default)]
    pub shipments: Vec<Shipment>,
    /// Activation secret (`subscription.created`).
    pub secret: Option<String>,
    /// When the subscription expires.
    pub expires: Option<String>,
    /// Failure description (`subscription.failure`), kept as raw JSON.
    pub failure: Option<serde_json::Value>,
}

/// The answer to creating a push subscription: `{id, secret, ...}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubscriptionCreated {
    /// Subscription id.
    #[serde(default, deserialize_with = "string_or_number")]
    pub id: Option<String>,
    /// Activation secret, sent back as `DHL-API-Hook-Secret`.
    pub secret: Option<String>,
}

/// Accepts `"123"`, `123` or `null` as an optional string.
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(serde_json::Number),
    }
    Ok(Option::<Id>::deserialize(d)?.map(|id| match id {
        Id::S(s) => s,
        Id::N(n) => n.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_a_string_or_a_number_and_unknown_fields_are_ignored() {
        let r: TrackResponse = serde_json::from_str(
            r#"{"shipments":[{"id":7777777770,"x":1},{"id":"00340434292135100124"},{}]}"#,
        )
        .unwrap();
        let ids: Vec<_> = r.shipments.iter().map(|s| s.id.clone()).collect();
        assert_eq!(
            ids,
            vec![
                Some("7777777770".to_string()),
                Some("00340434292135100124".to_string()),
                None
            ]
        );
    }

    #[test]
    fn signed_is_a_flag_or_a_person() {
        let p: ProofOfDelivery = serde_json::from_str(r#"{"signed":true}"#).unwrap();
        assert!(matches!(p.signed, Some(Signed::Flag(true))));
        let p: ProofOfDelivery = serde_json::from_str(
            r#"{"signed":{"@type":"Person","givenName":"Jan","familyName":"Kowalski"}}"#,
        )
        .unwrap();
        match p.signed {
            Some(Signed::By(party)) => {
                assert_eq!(party.display_name().as_deref(), Some("Jan Kowalski"))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
