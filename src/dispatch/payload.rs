//! Rendering a stored callback body for sending: the stored payload (built by
//! `domain::callback`) carries the relative tracking path, made absolute here with the
//! configured `public_url`; for a merchant that opted in, the shopper's contact is added here
//! too, so it is never written into the outbox (which keeps payloads longer than the
//! contact's retention).

pub use crate::domain::callback::*;
use crate::domain::contact::Contact;

/// Why a stored payload could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("stored payload is not a callback body: {0}")]
pub struct RenderError(#[from] serde_json::Error);

/// The bytes sent: the stored payload with the tracking path made absolute, and the
/// shopper's contact when one is given (any contact fields a stored payload might carry are
/// replaced, so only the contact opened at send time is ever sent).
pub fn render(
    stored: &str,
    public_url: &str,
    contact: Option<&Contact>,
) -> Result<String, RenderError> {
    let mut body: CallbackBody = serde_json::from_str(stored)?;
    if body.data.tracking_url.starts_with('/') {
        body.data.tracking_url = format!(
            "{}{}",
            public_url.trim_end_matches('/'),
            body.data.tracking_url
        );
    }
    body.data.customer_email = contact.and_then(|c| c.email.clone());
    body.data.customer_phone = contact.and_then(|c| c.phone.clone());
    body.data.customer_name = contact.and_then(|c| c.name.clone());
    Ok(serde_json::to_string(&body)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const STORED: &str = r#"{"type":"shipment.status_changed","timestamp":"2026-12-01T10:00:00Z",
        "data":{"id":"shp_1","carrier":"inpost","tracking_number":"6026","order_ref":null,
        "status":"delivered","substatus":"delivered","previous_status":"in_transit",
        "previous_substatus":"in_transit","eta":null,"previous_eta":null,"latest_event":null,
        "tracking_url":"/t/tok","occurred_at":null,"customer_email":"stale@example.pl"}}"#;

    #[test]
    fn the_contact_is_added_only_when_given() {
        let plain: Value =
            serde_json::from_str(&render(STORED, "https://pg.example/", None).unwrap()).unwrap();
        assert_eq!(plain["data"]["tracking_url"], "https://pg.example/t/tok");
        for k in ["customer_email", "customer_phone", "customer_name"] {
            assert!(plain["data"].get(k).is_none(), "{k}: {plain}");
        }
        let c = Contact {
            email: Some("anna@example.pl".into()),
            phone: None,
            name: Some("Anna".into()),
        };
        let with: Value =
            serde_json::from_str(&render(STORED, "https://pg.example", Some(&c)).unwrap()).unwrap();
        assert_eq!(with["data"]["customer_email"], "anna@example.pl");
        assert_eq!(with["data"]["customer_name"], "Anna");
        assert!(with["data"].get("customer_phone").is_none());
    }
}
