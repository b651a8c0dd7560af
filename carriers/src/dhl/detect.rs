//! DHL tracking-number detection (carriers.md §4), hand-written without regexes.
//!
//! | Format | Service | Confidence |
//! |---|---|---|
//! | 20 digits starting `00340434` (Paket DE) | `parcel-de` | 95 |
//! | `J` + 2–3 letters + 9–10 digits (`JJD…`, `JVGL…`, Express piece) | `express` | 85 |
//! | `JD` + 18 digits (piece ids in DHL's own examples; Express or Paket) | none | 75 |
//! | 10 digits passing mod-7 (Express AWB) | `express` | 70 (DPD also uses 10 digits) |
//! | `GM|LX|RX|UV|CN|SG|TH|IN|HK|MY` + 10–39 digits | `ecommerce` | 60 |
//! | 11 digits starting 1 or 2 (Parcel PL) | `parcel-pl` | 50 (a bare digit count) |
//!
//! A 10-digit number failing mod-7 is not claimed.

use crate::carrier::{CarrierId, Detection};
use crate::registry::normalize_number;

/// eCommerce prefixes.
const ECOMMERCE_PREFIXES: [&str; 10] = ["GM", "LX", "RX", "UV", "CN", "SG", "TH", "IN", "HK", "MY"];

/// Claims `raw` for DHL when its format is one of DHL's (see the module table).
pub fn detect(raw: &str) -> Option<Detection> {
    let n = normalize_number(raw);
    let (service, confidence) = classify(&n)?;
    Some(Detection {
        carrier: CarrierId::Dhl,
        confidence,
        service: service.map(str::to_string),
        normalized: n,
    })
}

fn classify(n: &str) -> Option<(Option<&'static str>, u8)> {
    if all_digits(n) {
        return match n.len() {
            20 if n.starts_with("00340434") => Some((Some("parcel-de"), 95)),
            10 if express_mod7(n) => Some((Some("express"), 70)),
            11 if n.starts_with('1') || n.starts_with('2') => Some((Some("parcel-pl"), 50)),
            _ => None,
        };
    }
    if let Some(rest) = n.strip_prefix('J') {
        let letters = rest.chars().take_while(char::is_ascii_uppercase).count();
        let digits = &rest[letters..];
        if all_digits(digits) {
            if (2..=3).contains(&letters) && (9..=10).contains(&digits.len()) {
                return Some((Some("express"), 85));
            }
            if letters == 1 && rest.starts_with('D') && digits.len() == 18 {
                return Some((None, 75));
            }
        }
        return None;
    }
    let prefix = n.get(..2)?;
    let digits = n.get(2..)?;
    if ECOMMERCE_PREFIXES.contains(&prefix)
        && all_digits(digits)
        && (10..=39).contains(&digits.len())
    {
        return Some((Some("ecommerce"), 60));
    }
    None
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// DHL Express AWB check: the first nine digits, as a number, mod 7 equal the tenth digit.
pub fn express_mod7(n: &str) -> bool {
    if n.len() != 10 || !all_digits(n) {
        return false;
    }
    let (body, check) = n.split_at(9);
    let body_mod = body
        .bytes()
        .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 7);
    check.parse::<u32>().ok() == Some(body_mod)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(n: &str) -> Option<(Option<String>, u8)> {
        detect(n).map(|d| (d.service, d.confidence))
    }

    #[test]
    fn express_awb_needs_a_passing_mod7_check_digit() {
        // 777777777 mod 7 = 0 → 7777777770 (DHL's sample) is valid.
        assert!(express_mod7("7777777770"));
        assert_eq!(hint("7777777770"), Some((Some("express".into()), 70)));
        // 123456789 mod 7 = 1.
        assert!(express_mod7("1234567891"));
        assert!(!express_mod7("1234567892"));
        assert_eq!(hint("1234567892"), None);
        assert_eq!(hint("7777777771"), None);
    }

    #[test]
    fn paket_de_piece_and_parcel_pl() {
        assert_eq!(
            hint("00340434292135100124"),
            Some((Some("parcel-de".into()), 95))
        );
        assert_eq!(
            hint("0034 0434 2921 3510 0124"),
            Some((Some("parcel-de".into()), 95))
        );
        assert_eq!(
            hint("00340435292135100124"),
            None,
            "other 20-digit prefixes are not claimed"
        );
        assert_eq!(hint("24333892874"), Some((Some("parcel-pl".into()), 50)));
        assert_eq!(hint("14333892874"), Some((Some("parcel-pl".into()), 50)));
        assert_eq!(hint("34333892874"), None);
    }

    #[test]
    fn express_pieces_and_ecommerce() {
        assert_eq!(hint("JJD123456789"), Some((Some("express".into()), 85)));
        assert_eq!(hint("jvgl1234567890"), Some((Some("express".into()), 85)));
        assert_eq!(hint("JD014600006281230704"), Some((None, 75)));
        assert_eq!(hint("JJD12345678"), None, "8 digits");
        assert_eq!(hint("JABCD123456789"), None, "4 letters");
        assert_eq!(hint("GM1234567890"), Some((Some("ecommerce".into()), 60)));
        assert_eq!(
            hint("LX123456789012345678901234567890123456789"),
            Some((Some("ecommerce".into()), 60))
        );
        assert_eq!(hint("GM123456789"), None, "9 digits");
        assert_eq!(hint("ZZ1234567890"), None);
        assert_eq!(hint("CN123456789CN"), None, "UPU S10 is not DHL eCommerce");
    }

    #[test]
    fn non_claims() {
        for n in [
            "",
            "   ",
            "602677439331630337653846",
            "05308801410058",
            "1000727398456U",
            "ABC",
        ] {
            assert_eq!(detect(n), None, "{n}");
        }
        let d = detect(" jjd-123456789 ").unwrap();
        assert_eq!(
            (d.carrier, d.normalized.as_str()),
            (CarrierId::Dhl, "JJD123456789")
        );
    }
}
