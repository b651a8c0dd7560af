//! DPD tracking-number detection (carriers.md §4): 14-digit parcel numbers with an optional
//! ISO 7064 MOD 37,36 check character, 28-character label barcodes, and DPD Poland waybills
//! (13 digits + `U`).

use crate::carrier::{CarrierId, Detection};
use crate::registry::normalize_number;

/// Service hint for numbers that only DPD Poland InfoServices can track.
pub const SERVICE_PL: &str = "dpd-pl";
/// Service hint for numbers to be tracked through DPD Europe ParcelLifeCycle.
pub const SERVICE_EUROPE: &str = "dpd-europe";

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The ISO 7064 MOD 37,36 check character for `payload` (digits and `A-Z`), or `None` when
/// the payload holds another character.
pub fn check_char(payload: &str) -> Option<char> {
    const M: u32 = 36;
    let mut p = M;
    for c in payload.bytes() {
        let v = value(c)?;
        let mut s = (p + v) % M;
        if s == 0 {
            s = M;
        }
        p = (2 * s) % (M + 1);
    }
    let check = (M + 1 - p) % M;
    Some(char::from(ALPHABET[check as usize]))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// What a number is, for DPD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DpdNumber {
    /// A 14-digit parcel label number (check character stripped, barcode reduced).
    Parcel {
        /// The 14 digits.
        number: String,
        /// Whether a check character was present and correct (a stronger claim).
        checked: bool,
    },
    /// A DPD Poland waybill: 13 digits followed by `U`.
    PlWaybill(String),
}

impl DpdNumber {
    /// The canonical number sent to DPD.
    pub fn as_str(&self) -> &str {
        match self {
            DpdNumber::Parcel { number, .. } => number,
            DpdNumber::PlWaybill(w) => w,
        }
    }
}

/// Classifies a pasted number; `None` when it is not a DPD format (or its check char is wrong).
pub fn classify(raw: &str) -> Option<DpdNumber> {
    let n = normalize_number(raw);
    if !n.is_ascii() {
        return None;
    }
    match n.len() {
        14 if all_digits(&n) => Some(DpdNumber::Parcel {
            number: n,
            checked: false,
        }),
        15 if all_digits(&n[..14]) => {
            let (payload, check) = n.split_at(14);
            let expected = check_char(payload)?;
            check.starts_with(expected).then(|| DpdNumber::Parcel {
                number: payload.to_string(),
                checked: true,
            })
        }
        14 if all_digits(&n[..13]) && n.ends_with('U') => Some(DpdNumber::PlWaybill(n)),
        28 if all_digits(&n[..27]) => {
            let (payload, check) = n.split_at(27);
            let expected = check_char(payload)?;
            check.starts_with(expected).then(|| DpdNumber::Parcel {
                number: n[7..21].to_string(),
                checked: true,
            })
        }
        _ => None,
    }
}

/// The [`Detection`] for a number, if DPD claims it.
///
/// Confidence: a passed check character 90, a `U` waybill 80, a bare 14-digit number 40
/// (DHL Paket also uses digit-only numbers). `service` is `dpd-pl` for `U` waybills.
pub fn detect(raw: &str) -> Option<Detection> {
    let found = classify(raw)?;
    let (confidence, service) = match &found {
        DpdNumber::Parcel { checked: true, .. } => (90, None),
        DpdNumber::Parcel { checked: false, .. } => (40, None),
        DpdNumber::PlWaybill(_) => (80, Some(SERVICE_PL.to_string())),
    };
    Some(Detection {
        carrier: CarrierId::Dpd,
        confidence,
        service,
        normalized: found.as_str().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barcodes_with_valid_check_reduce_to_the_parcel_number() {
        // Test numbers from jkeen/tracking_number_data couriers/dpd.json.
        for (raw, parcel) in [
            ("00 81827 0998 0000 0200 33 350 276 C", "09980000020033"),
            ("0081 827 0998 0000 0200 45 327 276 N", "09980000020045"),
        ] {
            let d = detect(raw);
            assert_eq!(
                d.as_ref().map(|d| d.normalized.as_str()),
                Some(parcel),
                "{raw}"
            );
            assert_eq!(d.map(|d| d.confidence), Some(90));
        }
        assert_eq!(detect("008182709980000020033350276A"), None);
        assert_eq!(detect("0081 827 0998 0000 0200 45 000 000 N"), None);
    }

    #[test]
    fn fourteen_digits_with_and_without_check_char() {
        let bare = detect("05308801410058");
        assert_eq!(bare.as_ref().map(|d| d.confidence), Some(40));
        assert_eq!(
            bare.map(|d| d.normalized),
            Some("05308801410058".to_string())
        );

        let good = check_char("05308801410058").unwrap_or('?');
        let with_check = format!("05308801410058{good}");
        let d = detect(&with_check);
        assert_eq!(d.as_ref().map(|d| d.confidence), Some(90));
        assert_eq!(d.map(|d| d.normalized), Some("05308801410058".to_string()));

        let bad = if good == 'A' { 'B' } else { 'A' };
        assert_eq!(detect(&format!("05308801410058{bad}")), None);
    }

    #[test]
    fn u_waybills_are_dpd_poland() {
        let d = detect("1000727398456u");
        assert_eq!(
            d.as_ref().map(|d| d.normalized.as_str()),
            Some("1000727398456U")
        );
        assert_eq!(
            d.as_ref().and_then(|d| d.service.as_deref()),
            Some(SERVICE_PL)
        );
        assert_eq!(d.map(|d| d.confidence), Some(80));
    }

    #[test]
    fn other_shapes_are_not_claimed() {
        for raw in [
            "",
            "12345",
            "0530880141005ż",
            "0530880141005",
            "JJD000123456789",
            "602677439331630337653846",
        ] {
            assert_eq!(detect(raw), None, "{raw}");
        }
    }
}
