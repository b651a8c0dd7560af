//! The stable event fingerprint that lets a poll and a webhook agree on one event.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::carrier::CarrierId;

/// Fingerprints an event from carrier, tracking number, raw code and instant (to the second).
///
/// Location is deliberately left out: a carrier that re-sends an event with a location it
/// lacked before must produce the same id, so the richer copy enriches the stored one instead
/// of doubling it. Two scans with the same code at the same second are the same scan.
pub fn fingerprint(
    carrier: CarrierId,
    tracking_number: &str,
    raw_code: &str,
    at: DateTime<Utc>,
) -> String {
    let mut h = Sha256::new();
    h.update(carrier.as_str().as_bytes());
    h.update([0]);
    h.update(tracking_number.trim().to_ascii_uppercase().as_bytes());
    h.update([0]);
    h.update(raw_code.as_bytes());
    h.update([0]);
    h.update(at.timestamp().to_be_bytes());
    let digest = h.finalize();
    format!("ev_{}", hex::encode(&digest[..12]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn same_inputs_same_id_and_any_difference_changes_it() {
        let t = Utc
            .with_ymd_and_hms(2026, 5, 17, 10, 0, 0)
            .single()
            .unwrap_or_default();
        let a = fingerprint(CarrierId::Inpost, "123", "delivered", t);
        assert_eq!(a, fingerprint(CarrierId::Inpost, " 123 ", "delivered", t));
        assert_ne!(a, fingerprint(CarrierId::Inpost, "124", "delivered", t));
        assert_ne!(a, fingerprint(CarrierId::Inpost, "123", "avizo", t));
        assert_ne!(a, fingerprint(CarrierId::Dhl, "123", "delivered", t));
        assert_ne!(
            a,
            fingerprint(
                CarrierId::Inpost,
                "123",
                "delivered",
                t + chrono::Duration::seconds(1)
            )
        );
        assert!(a.starts_with("ev_") && a.len() == 27);
    }
}
