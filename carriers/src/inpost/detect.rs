//! InPost tracking-number detection: 24 digits.

use crate::carrier::{CarrierId, Detection};
use crate::registry::normalize_number;

/// Claims 24-digit numbers (`602677439331630337653846`): no other carrier here uses that length.
pub fn detect(raw: &str) -> Option<Detection> {
    let n = normalize_number(raw);
    (n.len() == 24 && n.bytes().all(|b| b.is_ascii_digit())).then_some(Detection {
        carrier: CarrierId::Inpost,
        confidence: 90,
        service: None,
        normalized: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_24_digits_only() {
        assert_eq!(
            detect("6026 7743 9331 6303 3765 3846").map(|d| d.normalized),
            Some("602677439331630337653846".to_string())
        );
        assert!(detect("60267743933163033765384").is_none());
        assert!(detect("6026774393316303376538461").is_none());
        assert!(detect("60267743933163033765384A").is_none());
    }
}
