//! Phone normalization, the e-mail check and the masked forms.

use super::*;

#[test]
fn polish_numbers_in_every_usual_spelling_become_e164() {
    for input in [
        "+48 600 700 800",
        "+48600700800",
        "600700800",
        "600-700-800",
        "600 700 800",
        "0048600700800",
        "0048 600 700 800",
        "48600700800",
        "(+48) 600 700 800",
        " +48 (600) 700-800 ",
    ] {
        assert_eq!(
            normalize_phone(input, "PL").as_deref(),
            Ok("+48600700800"),
            "{input}"
        );
    }
    // A Polish default applies to any destination country written in lower case too.
    assert_eq!(
        normalize_phone("600700800", "pl").as_deref(),
        Ok("+48600700800")
    );
}

#[test]
fn german_and_other_numbers_keep_their_country() {
    assert_eq!(
        normalize_phone("+49 151 2345 6789", "PL").as_deref(),
        Ok("+4915123456789")
    );
    // German national numbers carry the trunk 0, dropped after +49.
    assert_eq!(
        normalize_phone("0151 23456789", "DE").as_deref(),
        Ok("+4915123456789")
    );
    assert_eq!(
        normalize_phone("0151/2345-6789", "de").as_deref(),
        Ok("+4915123456789")
    );
    assert_eq!(
        normalize_phone("004915123456789", "PL").as_deref(),
        Ok("+4915123456789")
    );
    assert_eq!(
        normalize_phone("+420 601 234 567", "PL").as_deref(),
        Ok("+420601234567")
    );
    // A country the table does not hold, written internationally: accepted as it is.
    assert_eq!(
        normalize_phone("+44 7700 900123", "PL").as_deref(),
        Ok("+447700900123")
    );
}

#[test]
fn malformed_numbers_are_refused_with_a_reason() {
    let e = |input: &str| normalize_phone(input, "PL").unwrap_err();
    assert_eq!(e(""), PhoneError::Empty);
    assert_eq!(e("   "), PhoneError::Empty);
    assert_eq!(e("600 ABC 800"), PhoneError::Letter('A'));
    assert_eq!(e("call me"), PhoneError::Letter('c'));
    assert_eq!(e("600#700#800"), PhoneError::Character('#'));
    assert_eq!(e("600+700800"), PhoneError::MisplacedPlus);
    assert_eq!(e("+1234567"), PhoneError::TooShort(7));
    assert_eq!(e("+1234567890123456"), PhoneError::TooLong(16));
    assert_eq!(e("+0600700800"), PhoneError::BadCountryCode);
    let short = e("60070080");
    assert_eq!(
        short.to_string(),
        "a number in Poland (+48) has 9 digits after the country code, this one has 8"
    );
    assert!(matches!(
        e("+48 600 700 8000"),
        PhoneError::WrongLength { got: 10, .. }
    ));
    let none = normalize_phone("600700800", "FR").unwrap_err();
    assert!(none.to_string().contains("(FR)"), "{none}");
    assert!(none.to_string().contains("write it with +"), "{none}");
    // No message repeats the number.
    for input in ["60070080", "+1234567890123456", "600 ABC 800"] {
        let msg = e(input).to_string();
        assert!(!msg.contains("600") && !msg.contains("12345"), "{msg}");
    }
}

#[test]
fn email_syntax_check_catches_what_is_plainly_not_an_address() {
    for ok in [
        "anna@shop.example",
        "Anna.Kowalska+orders@poczta.example.pl",
        " jan@example.de ",
        "\"odd\"@example.com",
    ] {
        assert!(is_valid_email(ok), "{ok}");
    }
    let long_local = format!("{}@example.com", "a".repeat(65));
    let long_total = format!("a@{}.com", "b".repeat(260));
    for bad in [
        "",
        "anna",
        "anna@",
        "@shop.example",
        "anna@localhost",
        "anna@shop..example",
        "anna@.shop.example",
        "anna@shop.example.",
        "an na@shop.example",
        "anna@shop.ex\nample",
        "anna@sh@op.example",
        long_local.as_str(),
        long_total.as_str(),
    ] {
        assert!(!is_valid_email(bad), "{bad:?}");
    }
}

#[test]
fn masked_forms_hide_all_but_the_edges() {
    assert_eq!(mask_email("anna@shop.example"), "a***@shop.example");
    assert_eq!(
        mask_email(" Jan.Nowak@poczta.example "),
        "J***@poczta.example"
    );
    assert_eq!(mask_email("@shop.example"), "***@shop.example");
    assert_eq!(mask_email("not an address"), "***");
    assert_eq!(mask_email("anna@"), "***");
    assert_eq!(mask_phone("+48600700800"), "+48******800");
    assert_eq!(mask_phone("+4915123456789"), "+49********789");
    assert_eq!(mask_phone("600700800"), "60****800");
    assert_eq!(mask_phone("+4812"), "+***");
    assert_eq!(mask_phone(""), "***");
}
