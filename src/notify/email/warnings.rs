//! What `serve` warns about at start when shopper e-mail is on: RFC 8058's one-click
//! unsubscribe wants an https link and a DKIM signature covering `List-Unsubscribe` and
//! `List-Unsubscribe-Post`. The gateway still sends (the link works over http, and unsigned
//! mail is delivered), but mailbox providers may ignore the one-click header, so the
//! operator is told once, at start.

use super::EmailSettings;

/// One reason the unsubscribe headers fall short of RFC 8058.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rfc8058Warning {
    /// `public_url` is not https, so the `List-Unsubscribe` link is not either.
    PlainHttpLink,
    /// DKIM is off, so nothing signs the `List-Unsubscribe` headers.
    NoDkim,
}

impl Rfc8058Warning {
    /// The log line for the operator, naming the setting that fixes it.
    pub fn message(self) -> &'static str {
        match self {
            Rfc8058Warning::PlainHttpLink => {
                "shopper e-mail is on and PARCELGATE_PUBLIC_URL is not https: the one-click \
                 unsubscribe link (List-Unsubscribe) is http, and RFC 8058 wants https, so \
                 mailbox providers may not offer it; set an https public_url"
            }
            Rfc8058Warning::NoDkim => {
                "shopper e-mail is on without DKIM: RFC 8058 wants a DKIM signature covering \
                 List-Unsubscribe and List-Unsubscribe-Post, so mailbox providers may ignore \
                 one-click unsubscribe; set email.dkim_selector, email.dkim_domain and \
                 email.dkim_private_key (PARCELGATE_EMAIL__DKIM_*)"
            }
        }
    }
}

/// The warnings for this configuration: none while e-mail is off (`email` is `None`).
pub fn rfc8058_warnings(public_url: &str, email: Option<&EmailSettings>) -> Vec<Rfc8058Warning> {
    let Some(email) = email else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let https = url::Url::parse(public_url.trim()).is_ok_and(|u| u.scheme() == "https");
    if !https {
        out.push(Rfc8058Warning::PlainHttpLink);
    }
    if email.dkim.is_none() {
        out.push(Rfc8058Warning::NoDkim);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EmailConfig;
    use carriers::Secret;

    fn settings(dkim: bool) -> EmailSettings {
        let mut c = EmailConfig {
            smtp_url: Secret::new("smtps://smtp.shop.example"),
            from: "noreply@shop.example".into(),
            ..EmailConfig::default()
        };
        if dkim {
            c.dkim_selector = "pg2026".into();
            c.dkim_domain = "shop.example".into();
            c.dkim_private_key = Secret::new(include_str!("testdata/ed25519.test.pem"));
        }
        c.settings().unwrap().expect("e-mail on")
    }

    #[test]
    fn nothing_while_email_is_off() {
        assert!(rfc8058_warnings("http://127.0.0.1:8080", None).is_empty());
    }

    #[test]
    fn http_public_url_and_missing_dkim_each_warn() {
        let (plain, signed) = (settings(false), settings(true));
        assert_eq!(
            rfc8058_warnings("http://track.shop.example", Some(&plain)),
            vec![Rfc8058Warning::PlainHttpLink, Rfc8058Warning::NoDkim]
        );
        assert_eq!(
            rfc8058_warnings("http://track.shop.example", Some(&signed)),
            vec![Rfc8058Warning::PlainHttpLink]
        );
        assert_eq!(
            rfc8058_warnings("https://track.shop.example", Some(&plain)),
            vec![Rfc8058Warning::NoDkim]
        );
        assert!(rfc8058_warnings("HTTPS://track.shop.example/", Some(&signed)).is_empty());
    }

    #[test]
    fn each_message_names_its_setting() {
        assert!(Rfc8058Warning::PlainHttpLink
            .message()
            .contains("PARCELGATE_PUBLIC_URL"));
        assert!(Rfc8058Warning::NoDkim
            .message()
            .contains("PARCELGATE_EMAIL__DKIM_"));
    }
}
