//! E-mail settings: the SMTP URL (`email.smtp_url`) and the sender mailboxes, parsed once into
//! typed values whose errors name the setting and never repeat a password.
//!
//! The URL forms (the default port follows the form when the URL gives none):
//!
//! | URL | connection | default port |
//! |---|---|---|
//! | `smtp://host` | plain, upgraded with STARTTLS when the server offers it | 25 |
//! | `smtp://host?tls=none` | plain, never STARTTLS (a local relay or test sink) | 25 |
//! | `smtp://host?tls=opportunistic` | the same as no `tls` | 25 |
//! | `smtp://host?tls=required` | STARTTLS required: refuses to send in clear | 587 |
//! | `smtps://host` | TLS from the first byte (implicit TLS) | 465 |
//!
//! Credentials go in the URL, percent-encoded (`smtp://user%40shop.example:p%40ss@host`);
//! an optional single path segment is the EHLO name (`smtp://host/mail.shop.example`).
//! Plain `smtp://` keeps port 25 (the relay port a local MTA listens on) rather than lettre's
//! 587, because a URL without `tls=required` usually points at such a relay; submission
//! servers on 587 want STARTTLS, which `tls=required` asks for.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use carriers::Secret;
use lettre::message::Mailbox;
use percent_encoding::percent_decode_str;

use super::dkim::{DkimError, DkimSigner};

/// The setting the SMTP URL comes from, named in every error about it.
pub const SMTP_URL_KEY: &str = "email.smtp_url";

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text only (`tls=none`): for a relay on loopback or the test sink.
    Plain,
    /// Plain, upgraded with STARTTLS when the server offers it (the default for `smtp://`).
    /// A server that offers STARTTLS must then present a valid certificate.
    Opportunistic,
    /// STARTTLS is required (`tls=required`): a server without it gets nothing.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

impl SmtpSecurity {
    /// The `tls=` value or scheme that selects this mode, as written in the URL.
    fn as_query(self) -> Option<&'static str> {
        match self {
            SmtpSecurity::Plain => Some("none"),
            SmtpSecurity::Opportunistic => None,
            SmtpSecurity::StartTls => Some("required"),
            SmtpSecurity::Implicit => None,
        }
    }

    /// True when mail and credentials can never travel in clear.
    pub fn always_encrypted(self) -> bool {
        matches!(self, SmtpSecurity::StartTls | SmtpSecurity::Implicit)
    }
}

/// SMTP AUTH credentials from the URL's user info, percent-decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    /// The user name (often the full address).
    pub user: String,
    /// The password; prints as `***`.
    pub password: Secret,
}

impl fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("user", &self.user)
            .field("password", &self.password)
            .finish()
    }
}

/// A parsed `email.smtp_url`. `Debug` and `Display` mask the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// Host name or IP address (without brackets for IPv6).
    pub host: String,
    /// TCP port (from the URL, else the form's default).
    pub port: u16,
    /// How the connection is secured.
    pub security: SmtpSecurity,
    /// SMTP AUTH credentials, when the URL has a user.
    pub credentials: Option<SmtpCredentials>,
    /// The EHLO name, when the URL has a path; otherwise the machine's host name is sent.
    pub hello_name: Option<String>,
}

/// Why `email.smtp_url` was refused. Messages name the setting and never contain the
/// password (nor any other part of the user info).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpUrlError {
    /// Nothing was given.
    #[error("email.smtp_url is empty")]
    Empty,
    /// The text is not a URL at all.
    #[error("email.smtp_url is not a URL ({0}); write smtp://host:port or smtps://host:port")]
    NotAUrl(String),
    /// The scheme is neither `smtp` nor `smtps`.
    #[error("email.smtp_url has the unknown scheme {0:?}; use smtp:// or smtps://")]
    UnknownScheme(String),
    /// No host after `//`.
    #[error("email.smtp_url has no host; write smtp://host:port")]
    MissingHost,
    /// The host is not a host name.
    #[error("email.smtp_url: {0:?} is not a host name")]
    BadHost(String),
    /// Port 0 cannot be connected to.
    #[error("email.smtp_url: port 0 is not a port")]
    PortZero,
    /// `tls=` has a value other than `required`, `opportunistic` or `none`.
    #[error(
        "email.smtp_url has the unknown tls value {0:?}; use tls=required, tls=opportunistic or tls=none"
    )]
    UnknownTls(String),
    /// `tls=` on an `smtps://` URL, which is always TLS.
    #[error("email.smtp_url: tls= does not apply to smtps:// (always TLS from the start)")]
    TlsWithSmtps,
    /// A query parameter other than `tls`.
    #[error("email.smtp_url has the unknown parameter {0:?} (only tls= is read)")]
    UnknownParameter(String),
    /// The same parameter twice.
    #[error("email.smtp_url gives {0}= twice")]
    RepeatedParameter(String),
    /// A user without a password, or a password without a user.
    #[error("email.smtp_url has a {0} but no {1}; write smtp://user:password@host")]
    HalfCredentials(&'static str, &'static str),
    /// The user name or password is not valid percent-encoded UTF-8.
    #[error("email.smtp_url: the {0} is not valid percent-encoded UTF-8")]
    BadEncoding(&'static str),
    /// A `#` ended the URL early: usually an unencoded `#` in the password.
    #[error("email.smtp_url contains '#'; percent-encode it as %23 in the user name or password")]
    Fragment,
    /// A path of more than one segment (one segment is the EHLO name).
    #[error("email.smtp_url: the path must be empty or a single EHLO name")]
    BadPath,
    /// TLS cannot be set up for the host (found when the mailer is built).
    #[error("email.smtp_url: cannot set up TLS for the host ({0})")]
    Tls(String),
}

impl SmtpSettings {
    /// Parses `smtp://[user:password@]host[:port][/ehlo-name][?tls=required|opportunistic|none]`
    /// or `smtps://[user:password@]host[:port][/ehlo-name]`.
    pub fn parse(text: &str) -> Result<SmtpSettings, SmtpUrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SmtpUrlError::Empty);
        }
        // url's errors describe the problem without echoing the input, so they are safe here.
        let url = url::Url::parse(text).map_err(|e| match e {
            url::ParseError::EmptyHost => SmtpUrlError::MissingHost,
            e => SmtpUrlError::NotAUrl(e.to_string()),
        })?;
        if url.fragment().is_some() {
            return Err(SmtpUrlError::Fragment);
        }
        let implicit = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => return Err(SmtpUrlError::UnknownScheme(other.to_string())),
        };
        let host = match url.host() {
            None => return Err(SmtpUrlError::MissingHost),
            Some(url::Host::Domain("")) => return Err(SmtpUrlError::MissingHost),
            Some(url::Host::Domain(name)) => {
                if !is_host_name(name) {
                    return Err(SmtpUrlError::BadHost(name.to_string()));
                }
                name.to_ascii_lowercase()
            }
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).to_string(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).to_string(),
        };

        let mut tls: Option<String> = None;
        for (name, value) in url.query_pairs() {
            if name != "tls" {
                return Err(SmtpUrlError::UnknownParameter(name.into_owned()));
            }
            if tls.replace(value.into_owned()).is_some() {
                return Err(SmtpUrlError::RepeatedParameter("tls".into()));
            }
        }
        let security = match (implicit, tls.as_deref()) {
            (true, None) => SmtpSecurity::Implicit,
            (true, Some(_)) => return Err(SmtpUrlError::TlsWithSmtps),
            (false, None | Some("opportunistic")) => SmtpSecurity::Opportunistic,
            (false, Some("required")) => SmtpSecurity::StartTls,
            (false, Some("none")) => SmtpSecurity::Plain,
            (false, Some(other)) => return Err(SmtpUrlError::UnknownTls(other.to_string())),
        };
        let port = match url.port() {
            Some(0) => return Err(SmtpUrlError::PortZero),
            Some(port) => port,
            None => match security {
                SmtpSecurity::Implicit => 465,
                SmtpSecurity::StartTls => 587,
                SmtpSecurity::Plain | SmtpSecurity::Opportunistic => 25,
            },
        };

        let user = decode(url.username(), "user name")?;
        let password = url.password().map(|p| decode(p, "password")).transpose()?;
        let credentials = match (user.is_empty(), password) {
            (true, None) => None,
            (false, Some(password)) if !password.is_empty() => Some(SmtpCredentials {
                user,
                password: Secret::new(password),
            }),
            (false, _) => return Err(SmtpUrlError::HalfCredentials("user name", "password")),
            (true, Some(_)) => return Err(SmtpUrlError::HalfCredentials("password", "user name")),
        };

        let hello_name = match url.path().trim_start_matches('/') {
            "" => None,
            name if is_host_name(name) => Some(name.to_string()),
            _ => return Err(SmtpUrlError::BadPath),
        };

        Ok(SmtpSettings {
            host,
            port,
            security,
            credentials,
            hello_name,
        })
    }
}

/// The URL again with the password masked, for log lines (`smtp://user:***@host:587?tls=required`).
impl fmt::Display for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.security == SmtpSecurity::Implicit {
            "smtps"
        } else {
            "smtp"
        };
        write!(f, "{scheme}://")?;
        if let Some(c) = &self.credentials {
            write!(f, "{}:***@", c.user)?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        if let Some(name) = &self.hello_name {
            write!(f, "/{name}")?;
        }
        if let Some(tls) = self.security.as_query() {
            write!(f, "?tls={tls}")?;
        }
        Ok(())
    }
}

/// Percent-decodes one part of the user info; `what` names it in the error (never its value).
fn decode(part: &str, what: &'static str) -> Result<String, SmtpUrlError> {
    percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| SmtpUrlError::BadEncoding(what))
}

/// Letters, digits, `-`, `_` and dots, not starting or ending with a dot: what a DNS name or
/// an EHLO name may be. (The URL parser leaves the host of a non-http scheme as written.)
fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Why a sender address (`email.from`, `email.marketing_from`) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailboxError {
    /// The setting is required and empty.
    #[error("{key} is required when email.smtp_url is set (e.g. `Shop <noreply@shop.example>`)")]
    Missing {
        /// The setting.
        key: &'static str,
    },
    /// `<` without `>` or the other way round.
    #[error("{key}: unbalanced angle brackets in {value:?}")]
    Unbalanced {
        /// The setting.
        key: &'static str,
        /// The value as given (an address, not a secret).
        value: String,
    },
    /// Not a mailbox at all.
    #[error(
        "{key}: {value:?} is not an e-mail address; write `Shop <noreply@shop.example>` or `noreply@shop.example` ({reason})"
    )]
    Invalid {
        /// The setting.
        key: &'static str,
        /// The value as given.
        value: String,
        /// What the address parser said.
        reason: String,
    },
}

/// Parses an RFC 5322 mailbox, `Shop <noreply@shop.example>` or a bare
/// `noreply@shop.example`; `key` names the setting in errors.
pub fn parse_mailbox(key: &'static str, value: &str) -> Result<Mailbox, MailboxError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(MailboxError::Missing { key });
    }
    if value.contains('<') != value.contains('>') {
        return Err(MailboxError::Unbalanced {
            key,
            value: value.to_string(),
        });
    }
    let invalid = |reason: String| MailboxError::Invalid {
        key,
        value: value.to_string(),
        reason,
    };
    // lettre's parser stops at the end of the first mailbox and ignores what follows, so a
    // second address or trailing text is caught here: a named mailbox ends at its one `>`,
    // a bare one is the address and nothing else.
    let mailbox: Mailbox = value.parse().map_err(|e| invalid(format!("{e}")))?;
    let single = if value.ends_with('>') {
        value.matches('<').count() == 1 && value.matches('>').count() == 1
    } else {
        let address: &str = mailbox.email.as_ref();
        value == address
    };
    if !single {
        return Err(invalid("one mailbox only, nothing after it".into()));
    }
    Ok(mailbox)
}

/// Which From a message goes out with: review requests are marketing mail, sent from their own
/// address so that a shopper's unsubscribe (and a provider's reputation) keeps them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageClass {
    /// Status messages the shopper needs (shipped, out for delivery, waiting, delivered…).
    Transactional,
    /// Review requests.
    Marketing,
}

/// Everything the mailer needs, parsed and checked (built by `EmailConfig::settings`).
#[derive(Debug)]
pub struct EmailSettings {
    /// The SMTP server.
    pub smtp: SmtpSettings,
    /// The sender of transactional messages (`email.from`).
    pub from: Mailbox,
    /// The sender of marketing messages (`email.marketing_from`); `None`: `from`.
    pub marketing_from: Option<Mailbox>,
    /// Most SMTP connections open at once (`email.pool_size`).
    pub pool_size: u32,
    /// Connect and per-command timeout (`email.timeout_secs`).
    pub timeout: Duration,
    /// DKIM signing, when configured.
    pub dkim: Option<DkimSigner>,
}

impl EmailSettings {
    /// The configured sender for a class of message.
    pub fn sender(&self, class: MessageClass) -> &Mailbox {
        match class {
            MessageClass::Transactional => &self.from,
            MessageClass::Marketing => self.marketing_from.as_ref().unwrap_or(&self.from),
        }
    }
}

/// Why the e-mail section was refused; [`EmailSettingsError::key`] names the setting and the
/// message says what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum EmailSettingsError {
    /// `email.smtp_url`.
    #[error(transparent)]
    SmtpUrl(#[from] SmtpUrlError),
    /// `email.from` or `email.marketing_from`.
    #[error(transparent)]
    Mailbox(#[from] MailboxError),
    /// One of the `email.dkim_*` settings.
    #[error(transparent)]
    Dkim(#[from] DkimError),
    /// A number out of range.
    #[error("{key} {problem}")]
    Value {
        /// The setting.
        key: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
}

impl EmailSettingsError {
    /// The dotted setting the error is about.
    pub fn key(&self) -> &'static str {
        match self {
            EmailSettingsError::SmtpUrl(_) => SMTP_URL_KEY,
            EmailSettingsError::Mailbox(
                MailboxError::Missing { key }
                | MailboxError::Unbalanced { key, .. }
                | MailboxError::Invalid { key, .. },
            ) => key,
            EmailSettingsError::Dkim(e) => e.key(),
            EmailSettingsError::Value { key, .. } => key,
        }
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
