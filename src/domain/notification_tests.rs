//! Tests of the trigger and channel vocabulary.

use super::*;

#[test]
fn names_round_trip_through_str_and_serde() {
    for t in Trigger::ALL {
        assert_eq!(t.as_str().parse::<Trigger>(), Ok(t));
        let json = serde_json::to_string(&t).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", t.as_str()));
        assert_eq!(serde_json::from_str::<Trigger>(&json).ok(), Some(t));
    }
    for c in Channel::ALL {
        assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
        assert_eq!(
            serde_json::to_string(&c).unwrap_or_default(),
            format!("\"{c}\"")
        );
    }
    assert_eq!(
        " Out_For_Delivery ".parse::<Trigger>(),
        Ok(Trigger::OutForDelivery)
    );
}

#[test]
fn unknown_names_list_the_valid_ones() {
    let e = "shiped".parse::<Trigger>().unwrap_err().to_string();
    assert!(e.contains("unknown trigger `shiped`"), "{e}");
    for t in Trigger::ALL {
        assert!(e.contains(t.as_str()), "{e}");
    }
    let e = "fax".parse::<Channel>().unwrap_err().to_string();
    assert_eq!(e, "unknown channel `fax`; expected one of: email, sms");
}

#[test]
fn only_review_requests_are_marketing_and_returns_wait_for_the_merchant() {
    let marketing: Vec<_> = Trigger::ALL
        .into_iter()
        .filter(|t| t.is_marketing())
        .collect();
    assert_eq!(marketing, [Trigger::ReviewRequest]);
    let off: Vec<_> = Trigger::ALL
        .into_iter()
        .filter(|t| !t.default_on())
        .collect();
    assert_eq!(off, [Trigger::ReturnedToSender, Trigger::ReviewRequest]);
}
