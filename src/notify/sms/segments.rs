//! SMS segment arithmetic (GSM 03.38 seven-bit alphabet versus UCS-2) and the transliteration
//! that lets a Polish message fit one GSM-7 segment instead of three UCS-2 ones.
//!
//! One SMS carries 140 bytes: 160 GSM-7 septets or 70 UCS-2 code units. A concatenated
//! message spends 6 bytes of every part on the header, leaving 153 septets or 67 units. A
//! character of the GSM-7 extension table (`€ [ ] { } \ ^ ~ |` and form feed) takes an escape
//! septet plus its own; a character outside the Basic Multilingual Plane (most emoji) takes a
//! surrogate pair. Neither pair is split across parts, which is why parts are packed one
//! character at a time rather than by dividing a total.

use std::borrow::Cow;

/// How a message is encoded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The GSM 03.38 default alphabet (with its extension table).
    Gsm7,
    /// UTF-16 code units; any character outside GSM-7 forces it for the whole message.
    Ucs2,
}

/// The segment count of a message body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    /// The encoding the body needs.
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2) the body takes.
    pub units: usize,
    /// Parts sent (and billed); an empty body still takes one.
    pub parts: usize,
}

impl Segments {
    /// Units one part carries in this encoding when the message is a single part.
    pub fn single_capacity(self) -> usize {
        match self.encoding {
            Encoding::Gsm7 => GSM7_SINGLE,
            Encoding::Ucs2 => UCS2_SINGLE,
        }
    }
}

/// Septets in a single-part GSM-7 message.
pub const GSM7_SINGLE: usize = 160;
/// Septets per part of a concatenated GSM-7 message.
pub const GSM7_PART: usize = 153;
/// Code units in a single-part UCS-2 message.
pub const UCS2_SINGLE: usize = 70;
/// Code units per part of a concatenated UCS-2 message.
pub const UCS2_PART: usize = 67;

/// The GSM 03.38 basic character set (3GPP TS 23.038, 6.2.1), minus the escape code 0x1B.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                          ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The basic set's extension table (6.2.1.1): each costs an escape septet plus its own.
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// Septets a character takes in GSM-7, or None when it has no GSM-7 form.
pub fn gsm7_septets(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Whether the whole body can be sent in GSM-7.
pub fn is_gsm7(body: &str) -> bool {
    body.chars().all(|c| gsm7_septets(c).is_some())
}

/// Counts the segments of a body.
pub fn count(body: &str) -> Segments {
    if is_gsm7(body) {
        let costs = body.chars().map(|c| gsm7_septets(c).unwrap_or(1));
        pack(costs, GSM7_SINGLE, GSM7_PART, Encoding::Gsm7)
    } else {
        let costs = body.chars().map(char::len_utf16);
        pack(costs, UCS2_SINGLE, UCS2_PART, Encoding::Ucs2)
    }
}

/// Packs characters of the given unit costs into parts without splitting one across two.
fn pack(
    costs: impl Iterator<Item = usize> + Clone,
    single: usize,
    part: usize,
    encoding: Encoding,
) -> Segments {
    let units: usize = costs.clone().sum();
    if units <= single {
        return Segments {
            encoding,
            units,
            parts: 1,
        };
    }
    let (mut parts, mut used) = (1, 0);
    for cost in costs {
        if used + cost > part {
            parts += 1;
            used = 0;
        }
        used += cost;
    }
    Segments {
        encoding,
        units,
        parts,
    }
}

/// The closest GSM-7 spelling of a character that has none, or None when it has one already
/// (German umlauts and ß are in the GSM-7 set and stay). Polish, Czech, Slovak and other
/// Latin letters lose their diacritics; typographic punctuation becomes its ASCII twin.
fn gsm7_twin(c: char) -> Option<&'static str> {
    if gsm7_septets(c).is_some() {
        return None;
    }
    Some(match c {
        // Polish.
        'ą' => "a",
        'ć' => "c",
        'ę' => "e",
        'ł' => "l",
        'ń' => "n",
        'ó' => "o",
        'ś' => "s",
        'ź' | 'ż' => "z",
        'Ą' => "A",
        'Ć' => "C",
        'Ę' => "E",
        'Ł' => "L",
        'Ń' => "N",
        'Ó' => "O",
        'Ś' => "S",
        'Ź' | 'Ż' => "Z",
        // German forms outside GSM-7 (the capital sharp s) and neighbours' letters.
        'ẞ' => "SS",
        'á' | 'â' | 'ã' | 'ă' | 'ā' => "a",
        'č' | 'ç' => "c",
        'ď' => "d",
        'ê' | 'ë' | 'ě' | 'ē' | 'ė' => "e",
        'í' | 'î' | 'ï' | 'ī' => "i",
        'ľ' | 'ĺ' => "l",
        'ň' => "n",
        'ô' | 'õ' | 'ő' | 'ō' => "o",
        'ř' | 'ŕ' => "r",
        'š' | 'ş' | 'ș' => "s",
        'ť' | 'ţ' | 'ț' => "t",
        'ú' | 'û' | 'ů' | 'ű' | 'ū' => "u",
        'ý' | 'ÿ' => "y",
        'ž' => "z",
        'Á' | 'Â' | 'Ã' | 'Ă' | 'Ā' | 'À' => "A",
        'Č' => "C",
        'Ď' => "D",
        'Ê' | 'Ë' | 'Ě' | 'È' => "E",
        'Í' | 'Î' | 'Ï' | 'Ì' => "I",
        'Ľ' | 'Ĺ' => "L",
        'Ň' => "N",
        'Ô' | 'Õ' | 'Ő' | 'Ò' => "O",
        'Ř' => "R",
        'Š' | 'Ş' | 'Ș' => "S",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'Ú' | 'Û' | 'Ů' | 'Ű' | 'Ù' => "U",
        'Ý' => "Y",
        'Ž' => "Z",
        // Typography that editors and templates bring in.
        '„' | '“' | '”' | '«' | '»' => "\"",
        '‚' | '‘' | '’' | '`' | '´' => "'",
        '–' | '—' | '−' => "-",
        '…' => "...",
        '\u{a0}' | '\u{2009}' | '\u{202f}' | '\t' => " ",
        '•' | '·' => "-",
        _ => return None,
    })
}

/// The body with every character that has a GSM-7 twin replaced by it (`Paczka doręczona` →
/// `Paczka doreczona`); characters with neither stay, so the result may still need UCS-2.
pub fn transliterate(body: &str) -> Cow<'_, str> {
    if body.chars().all(|c| gsm7_twin(c).is_none()) {
        return Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len());
    for c in body.chars() {
        match gsm7_twin(c) {
            Some(twin) => out.push_str(twin),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The body as it should be sent: transliterated when that takes fewer parts, as it is
/// otherwise. A short Polish message that fits one UCS-2 part keeps its letters; a longer one
/// is sent as one GSM-7 part rather than two or three UCS-2 parts.
pub fn fit(body: &str) -> Cow<'_, str> {
    let as_is = count(body);
    if as_is.encoding == Encoding::Gsm7 {
        return Cow::Borrowed(body);
    }
    let plain = transliterate(body);
    if count(&plain).parts < as_is.parts {
        plain
    } else {
        Cow::Borrowed(body)
    }
}

#[cfg(test)]
#[path = "segments_tests.rs"]
mod tests;
