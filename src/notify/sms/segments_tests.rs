//! Segment counts against known values, and the transliteration that keeps Polish short.

use super::*;

fn parts(s: &str) -> (Encoding, usize, usize) {
    let c = count(s);
    (c.encoding, c.units, c.parts)
}

#[test]
fn gsm7_boundaries_are_160_then_153_per_part() {
    let a = |n| "a".repeat(n);
    assert_eq!(parts(""), (Encoding::Gsm7, 0, 1));
    assert_eq!(parts(&a(160)), (Encoding::Gsm7, 160, 1));
    assert_eq!(parts(&a(161)), (Encoding::Gsm7, 161, 2));
    assert_eq!(parts(&a(306)), (Encoding::Gsm7, 306, 2));
    assert_eq!(parts(&a(307)), (Encoding::Gsm7, 307, 3));
    assert_eq!(parts(&a(459)), (Encoding::Gsm7, 459, 3));
    assert_eq!(parts(&a(460)), (Encoding::Gsm7, 460, 4));
}

#[test]
fn extension_characters_take_two_septets_and_are_never_split() {
    // 80 euro signs are exactly 160 septets: one part.
    assert_eq!(parts(&"€".repeat(80)), (Encoding::Gsm7, 160, 1));
    // 81 are 162 septets; a part holds 76 of them (152 septets) since the 77th would need
    // septets 153 and 154.
    assert_eq!(parts(&"€".repeat(81)), (Encoding::Gsm7, 162, 2));
    assert_eq!(parts(&"€".repeat(153)), (Encoding::Gsm7, 306, 3));
    // 306 septets would be two parts by division, but the euro sign at septets 153-154
    // moves to part two whole, and the last character spills into a third.
    let s = format!("{}€{}", "a".repeat(152), "a".repeat(152));
    assert_eq!(parts(&s), (Encoding::Gsm7, 306, 3));
    assert_eq!(parts("{[~]}|\\^"), (Encoding::Gsm7, 16, 1));
    // German umlauts and ß are in the basic set: one septet each.
    assert_eq!(parts("Größe Äpfel Übermaß"), (Encoding::Gsm7, 19, 1));
}

#[test]
fn one_polish_letter_forces_ucs2_with_70_then_67_per_part() {
    assert_eq!(parts("Paczka doręczona"), (Encoding::Ucs2, 16, 1));
    let q = |n| "ą".repeat(n);
    assert_eq!(parts(&q(70)), (Encoding::Ucs2, 70, 1));
    assert_eq!(parts(&q(71)), (Encoding::Ucs2, 71, 2));
    assert_eq!(parts(&q(134)), (Encoding::Ucs2, 134, 2));
    assert_eq!(parts(&q(135)), (Encoding::Ucs2, 135, 3));
    // A mostly ASCII message with one ł is UCS-2 as a whole: 100 units, two parts.
    let s = format!("{}ł", "a".repeat(99));
    assert_eq!(parts(&s), (Encoding::Ucs2, 100, 2));
}

#[test]
fn characters_outside_the_bmp_take_two_units_and_are_never_split() {
    assert_eq!(parts("📦"), (Encoding::Ucs2, 2, 1));
    assert_eq!(parts(&"📦".repeat(35)), (Encoding::Ucs2, 70, 1));
    // 36 are 72 units; a part holds 33 (66 units), the 34th pair would straddle 67/68.
    assert_eq!(parts(&"📦".repeat(36)), (Encoding::Ucs2, 72, 2));
    assert_eq!(parts(&"📦".repeat(67)), (Encoding::Ucs2, 134, 3));
}

#[test]
fn transliteration_drops_polish_diacritics_and_keeps_german_umlauts() {
    assert_eq!(
        transliterate("Zażółć gęślą jaźń – ŻÓŁW"),
        "Zazolc gesla jazn - ZOLW"
    );
    assert_eq!(transliterate("Grüße aus München"), "Grüße aus München");
    assert!(matches!(transliterate("plain"), Cow::Borrowed(_)));
    assert_eq!(transliterate("„Paket“ … ’s"), "\"Paket\" ... 's");
    // Characters with no twin stay (and the body stays UCS-2).
    assert_eq!(transliterate("ok 📦"), "ok 📦");
    assert!(is_gsm7(&transliterate("Zażółć gęślą jaźń")));
}

#[test]
fn fit_transliterates_only_when_it_saves_parts() {
    // Short enough for one UCS-2 part: the letters stay.
    assert_eq!(fit("Paczka doręczona."), "Paczka doręczona.");
    // 100 characters with Polish letters: two UCS-2 parts, or one GSM-7 part.
    let long = "Sklep Ania: przesyłka 620000000000000000000000 czeka w paczkomacie WAW01M. \
                https://t.example/t/Ab12Cd";
    assert_eq!(count(long).parts, 2);
    let fitted = fit(long);
    assert_eq!(count(&fitted).encoding, Encoding::Gsm7);
    assert_eq!(count(&fitted).parts, 1);
    assert!(fitted.contains("przesylka"));
    // An emoji keeps UCS-2 even after transliteration, so nothing is gained: unchanged.
    let emoji = format!("{} 📦", "ż".repeat(70));
    assert_eq!(fit(&emoji), emoji);
}

#[test]
fn single_capacity_follows_the_encoding() {
    assert_eq!(count("a").single_capacity(), 160);
    assert_eq!(count("ą").single_capacity(), 70);
}
