//! Shopper contact data: phone numbers normalized to E.164, a simple e-mail syntax check,
//! and the masked forms (`a***@shop.example`, `+48******800`) that are all logs may show.

/// Why a phone number was refused. The messages never repeat the number itself, so they
/// are safe to log and to return to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but blanks.
    #[error("the phone number is empty")]
    Empty,
    /// A letter (`600 ABC 800`, or a word where a number should be).
    #[error("a phone number has no letters (found `{0}`)")]
    Letter(char),
    /// Any other character that is neither a digit nor a separator.
    #[error(
        "a phone number may hold only digits, spaces, dashes, dots, slashes, parentheses and a \
         leading + (found `{0}`)"
    )]
    Character(char),
    /// `+` somewhere other than at the start.
    #[error("`+` may only start a phone number")]
    MisplacedPlus,
    /// Fewer digits than any reachable number has.
    #[error("the phone number has {0} digits with the country code; at least 8 are needed")]
    TooShort(usize),
    /// More digits than E.164 allows.
    #[error("the phone number has {0} digits with the country code; E.164 allows at most 15")]
    TooLong(usize),
    /// A country code cannot start with 0.
    #[error("a country code cannot start with 0")]
    BadCountryCode,
    /// A number of a known country with the wrong number of digits.
    #[error("a number in {country} (+{code}) has {expected} digits after the country code, this one has {got}")]
    WrongLength {
        /// The country's English name.
        country: &'static str,
        /// Its calling code.
        code: &'static str,
        /// What the country's numbers have (`9`, `6 to 13`).
        expected: String,
        /// What this one has.
        got: usize,
    },
    /// A national number (no `+`, no `00`) and no country to read it in.
    #[error(
        "the number has no country code and the shipment's country ({0}) is not one the \
         gateway can add it for; write it with + and the country code"
    )]
    NoCountry(String),
}

/// Calling-code rules for the countries whose national numbers the gateway completes.
struct Country {
    iso: &'static str,
    name: &'static str,
    code: &'static str,
    /// National (trunk) prefix dropped after the country code (`0151…` → `+49151…`).
    trunk: Option<char>,
    /// Digits of the national significant number (after the country code).
    digits: (usize, usize),
}

// Lengths are those of the national significant numbers (ITU-T E.164 national plans): Polish,
// Czech and Slovak numbers are all 9 digits; German and Austrian vary widely.
const COUNTRIES: [Country; 6] = [
    Country {
        iso: "PL",
        name: "Poland",
        code: "48",
        trunk: None,
        digits: (9, 9),
    },
    Country {
        iso: "DE",
        name: "Germany",
        code: "49",
        trunk: Some('0'),
        digits: (6, 13),
    },
    Country {
        iso: "AT",
        name: "Austria",
        code: "43",
        trunk: Some('0'),
        digits: (4, 13),
    },
    Country {
        iso: "CZ",
        name: "Czechia",
        code: "420",
        trunk: None,
        digits: (9, 9),
    },
    Country {
        iso: "SK",
        name: "Slovakia",
        code: "421",
        trunk: Some('0'),
        digits: (9, 9),
    },
    Country {
        iso: "CH",
        name: "Switzerland",
        code: "41",
        trunk: Some('0'),
        digits: (9, 9),
    },
];

fn country_by_iso(iso: &str) -> Option<&'static Country> {
    COUNTRIES
        .iter()
        .find(|c| c.iso.eq_ignore_ascii_case(iso.trim()))
}

/// Normalizes a phone number to E.164 (`+48600700800`).
///
/// Accepts `+48 600 700 800`, `0048 600-700-800`, `(+49) 151 2345 6789`, and national numbers
/// read in `default_country` (ISO 3166 alpha-2, the shipment's destination; callers pass `PL`
/// when it has none): `600700800` in Poland becomes `+48600700800`, `0151 23456789` in
/// Germany `+4915123456789`. A Polish number already carrying its country code without `+`
/// (`48600700800`, as SMSAPI writes it) is recognised too.
pub fn normalize_phone(input: &str, default_country: &str) -> Result<String, PhoneError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(PhoneError::Empty);
    }
    let mut digits = String::with_capacity(s.len());
    let mut plus = false;
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            // Leading only, though `(+49)` puts a parenthesis before it.
            '+' if digits.is_empty() && !plus => plus = true,
            '+' => return Err(PhoneError::MisplacedPlus),
            ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}' => {}
            c if c.is_alphabetic() => return Err(PhoneError::Letter(c)),
            c => return Err(PhoneError::Character(c)),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::TooShort(0));
    }
    let international = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_string()
    } else {
        national_to_international(&digits, default_country)?
    };
    check_international(&international)?;
    Ok(format!("+{international}"))
}

fn national_to_international(digits: &str, default_country: &str) -> Result<String, PhoneError> {
    let country = country_by_iso(default_country)
        .ok_or_else(|| PhoneError::NoCountry(default_country.trim().chars().take(8).collect()))?;
    let (min, max) = country.digits;
    let international = match country.trunk {
        // National numbers there are written with the trunk prefix (`0151 …`); without it, a
        // number starting with the country code already carries it.
        Some(t) => match digits.strip_prefix(t) {
            Some(national) => format!("{}{national}", country.code),
            None if digits.starts_with(country.code) => digits.to_string(),
            None => format!("{}{digits}", country.code),
        },
        // No trunk prefix (Poland, Czechia): a number of the national length is national;
        // a longer one starting with the code (`48600700800`, as SMSAPI writes it) is not.
        None => match digits.strip_prefix(country.code) {
            Some(rest) if digits.len() > max && (min..=max).contains(&rest.len()) => {
                digits.to_string()
            }
            _ => format!("{}{digits}", country.code),
        },
    };
    Ok(international)
}

fn check_international(digits: &str) -> Result<(), PhoneError> {
    if digits.starts_with('0') {
        return Err(PhoneError::BadCountryCode);
    }
    if digits.len() > 15 {
        return Err(PhoneError::TooLong(digits.len()));
    }
    if digits.len() < 8 {
        return Err(PhoneError::TooShort(digits.len()));
    }
    // Countries whose plans the gateway knows are held to their lengths: a Polish number of
    // 8 or 10 digits is a typo the provider would only reject later.
    if let Some(c) = COUNTRIES.iter().find(|c| digits.starts_with(c.code)) {
        let got = digits.len() - c.code.len();
        let (min, max) = c.digits;
        if !(min..=max).contains(&got) {
            return Err(PhoneError::WrongLength {
                country: c.name,
                code: c.code,
                expected: if min == max {
                    min.to_string()
                } else {
                    format!("{min} to {max}")
                },
                got,
            });
        }
    }
    Ok(())
}

/// Whether `email` looks like an address mail can be sent to: one `@`, a local part of at most
/// 64 characters, a dotted domain, no blanks or control characters, 254 characters in all.
/// Deliverability is the SMTP server's to judge; this only catches what is plainly not an
/// address before it is stored.
pub fn is_valid_email(email: &str) -> bool {
    let e = email.trim();
    if e.is_empty() || e.len() > 254 || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && !domain.contains("..")
        && !domain.contains(['@', '[', ']', '(', ')', ',', ';', ':', '<', '>', '"', '\\'])
}

/// The form of an e-mail address that logs may show: `anna@shop.example` → `a***@shop.example`.
/// Something that is not an address becomes `***`.
pub fn mask_email(email: &str) -> String {
    match email.trim().rsplit_once('@') {
        Some((local, domain)) if !domain.is_empty() => match local.chars().next() {
            Some(first) => format!("{first}***@{domain}"),
            None => format!("***@{domain}"),
        },
        _ => "***".to_string(),
    }
}

/// The form of a phone number that logs may show: the `+`, the first two digits (the country,
/// mostly) and the last three; each other digit becomes `*`, so `+48600700800` →
/// `+48******800`. Anything shorter than six digits is masked whole.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    let plus = if phone.trim_start().starts_with('+') {
        "+"
    } else {
        ""
    };
    if digits.len() < 6 {
        return format!("{plus}***");
    }
    let n = digits.len();
    let head: String = digits[..2].iter().collect();
    let tail: String = digits[n - 3..].iter().collect();
    format!("{plus}{head}{}{tail}", "*".repeat(n - 5))
}

#[cfg(test)]
#[path = "contact_tests.rs"]
mod tests;

/// A shipment's shopper contact data: personal data, stored only sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    /// E-mail address, trimmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number in E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The shopper's name, for the greeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Contact {
    /// Whether there is anything to store.
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phone.is_none() && self.name.is_none()
    }

    /// The masked form for logs (`a***@shop.example`, `+48******800`).
    pub fn masked(&self) -> String {
        let parts: Vec<String> = [
            self.email.as_deref().map(mask_email),
            self.phone.as_deref().map(mask_phone),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join(", ")
    }
}
