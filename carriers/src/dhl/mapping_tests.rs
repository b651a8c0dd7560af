//! Table tests for `mapping.rs`: every row of the DHL mapping tables, the event-code rule
//! and the per-service time zones.

use super::mapping::*;
use crate::model::Mapped;
use crate::model::Status;

fn pl(code: &str) -> Option<Mapped> {
    lookup(PARCEL_PL, code)
}

#[test]
fn every_row_has_a_substatus_of_its_own_status() {
    for (code, m) in STATUS_CODES.iter().chain(PARCEL_PL) {
        assert!(m.substatus.starts_with(m.status.as_str()), "{code}: {m:?}");
    }
}

#[test]
fn status_codes_map_to_base_statuses() {
    let cases = [
        ("pre-transit", Status::InfoReceived),
        ("transit", Status::InTransit),
        ("delivered", Status::Delivered),
        ("failure", Status::Exception),
        ("unknown", Status::Unknown),
        ("Transit", Status::InTransit),
        ("something-new", Status::Unknown),
    ];
    for (code, want) in cases {
        assert_eq!(map_status_code(Some(code)).status, want, "{code}");
    }
    assert_eq!(map_status_code(None), Mapped::UNKNOWN);
}

#[test]
fn every_parcel_pl_code_of_carriers_md_maps_as_intended() {
    use Status::*;
    let groups: &[(Status, &[&str])] = &[
        (InfoReceived, &["EDWP"]),
        (
            InTransit,
            &[
                "DWP", "SORT", "LP", "LW", "LW_PL", "WEJPL", "WYJPL", "EXA", "EXC", "EDB", "EDC",
                "SEC", "TRM", "TRM_X", "TRM2", "BCZ", "LIK", "WER", "ZID", "ZMA", "ZOS",
                "ZWW_KRYZ", "ZWW_NSP", "SP_ATDSP", "SP_DW", "SP_DWP", "SP_PU", "POW", "PNPT",
                "PO18", "PSHOP", "SAS", "SOB", "ZA", "ZAIT",
            ],
        ),
        (OutForDelivery, &["LK", "KWC"]),
        (
            AvailableForPickup,
            &[
                "DOR_SP",
                "SP_DSP",
                "SP_PA",
                "SP_KP",
                "OWL",
                "OWL_KP",
                "OWL_ONO",
                "OWL_PS_KP",
                "OWL_PS_ONO",
                "OWL_SP_KP",
                "OWL_SP_ONO",
            ],
        ),
        (
            Delivered,
            &[
                "DOR", "DOR_LOK", "DOR_OTH", "DOR_OWL", "DOR_POC", "DOR_RDZ", "DOR_SAS", "PPDOR",
                "SP_DOR",
            ],
        ),
        (
            FailedAttempt,
            &[
                "AWI",
                "AWI_DP2",
                "AWI_NSP",
                "AWI_ONU",
                "AWI_OZ",
                "AWI_ROD",
                "AWI_SAS",
                "AWI_SPCAP",
                "ZWW",
                "SP_CAP",
                "AN_SAS",
            ],
        ),
        (
            Exception,
            &[
                "AN", "AN_RA", "AN_BO", "OP", "OP_BWER", "OP_COD", "OP_DO", "OP_DOK", "OP_DUB",
                "OP_OTH", "OP_PLA", "OP_PNK", "OP_REZ", "OP_ROD", "OP_SAS", "OP_TNZ", "OP_UMO",
                "OP_USK", "OP_USP", "BRG", "BRG_SAS", "CC", "PNK", "REZ", "ZWR", "ZWR_AN",
                "ZWR_OP", "ZWR_WER", "ZWR_ZB", "ZWR_ZT", "AWI_CZAS", "SP_CN", "SP_ZAM", "SP_OP",
                "SP_TO", "SP_KZW", "SP_ZWR",
            ],
        ),
        (ReturnedToSender, &["ZWN"]),
    ];
    for (want, codes) in groups {
        for code in *codes {
            assert_eq!(pl(code).map(|m| m.status), Some(*want), "{code}");
        }
    }
}

#[test]
fn substatuses_of_note() {
    let sub = |c: &str| pl(c).map(|m| m.substatus);
    assert_eq!(sub("AWI"), Some("failed_attempt.recipient_absent"));
    assert_eq!(sub("OWL_PS_KP"), Some("available_for_pickup.locker"));
    assert_eq!(
        sub("OWL_SP_ONO"),
        Some("available_for_pickup.service_point")
    );
    assert_eq!(sub("DOR_SAS"), Some("delivered.neighbour"));
    assert_eq!(sub("OP_TNZ"), Some("exception.refused"));
    assert_eq!(sub("OP_DO"), Some("exception.id_check_failed"));
    assert_eq!(sub("ZWR_OP"), Some("exception.return_to_sender"));
    assert_eq!(sub("ZWR_ZB"), Some("exception.pickup_expired"));
    assert_eq!(sub("BRG_XYZ"), Some("exception.payment_required"));
    assert_eq!(pl("NOPE"), None);
    assert_eq!(pl("OWL_XX"), None, "OWL is exact, not a prefix");
}

#[test]
fn event_codes_are_found_in_status_description_or_a_prefix() {
    let f = |s: Option<&str>, d: Option<&str>| find_event_code(PARCEL_PL, s, d);
    assert_eq!(
        f(Some("SP_DSP"), Some("Shipment is waiting")).map(|x| x.0),
        Some("SP_DSP".into())
    );
    assert_eq!(
        f(Some("Shipment delivered"), Some("DOR")).map(|x| x.0),
        Some("DOR".into())
    );
    let (code, m) = f(None, Some("AWI: Delivery failed. Recipient was absent.")).unwrap();
    assert_eq!(
        (code.as_str(), m.map(|m| m.status)),
        ("AWI", Some(Status::FailedAttempt))
    );
    assert_eq!(
        f(Some("AWI – Delivery failed"), None).map(|x| x.0),
        Some("AWI".into())
    );
    // Unknown code-shaped status: reported, unmapped.
    assert_eq!(f(Some("NEW_CODE"), None), Some(("NEW_CODE".into(), None)));
    // Sentences and unknown prefixes are not codes.
    assert_eq!(
        f(None, Some("przesyłka przyjęta w terminalu nadawczym DHL")),
        None
    );
    assert_eq!(f(None, Some("DHL: parcel on its way")), None);
    assert_eq!(f(Some("DOR"), None).and_then(|x| x.1), pl("DOR"));
}

#[test]
fn tables_are_per_service_and_zones_per_service() {
    assert!(event_table(Some("parcel-pl")).is_some());
    assert!(event_table(Some("parcel-de")).is_none());
    assert!(event_table(None).is_none());
    assert_eq!(home_zone(Some("parcel-pl")), chrono_tz::Europe::Warsaw);
    assert_eq!(home_zone(Some("express")), chrono_tz::Europe::Berlin);
    assert_eq!(home_zone(None), chrono_tz::Europe::Berlin);
}
