//! One shopper e-mail as the notifier hands it over ([`OutgoingEmail`]) and its MIME form:
//! multipart/alternative (text and HTML, UTF-8) with the one-click unsubscribe headers of
//! RFC 8058, a caller-chosen Message-ID and the shopper's language.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

/// One message to one shopper.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    /// The From display name (the merchant's own, else the configured sender's).
    pub from_name: Option<String>,
    /// The From address (the configured sender: it is what DKIM and SPF vouch for).
    pub from: Address,
    /// Where replies go (the merchant's support address).
    pub reply_to: Option<Mailbox>,
    /// The shopper.
    pub to: Mailbox,
    /// Subject line, plain text (line breaks are folded into spaces).
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
    /// The Message-ID without angle brackets (`ntf_…@shop.example`). The caller derives it
    /// from the outbox row, so a message sent again after a crash carries the same id and
    /// the shopper's mailbox can fold the two.
    pub message_id: String,
    /// The one-click unsubscribe URL (`{public_url}/u/{token}`).
    pub list_unsubscribe_url: String,
    /// BCP 47 language of the text (`pl`, `de`, `en-GB`), sent as Content-Language.
    pub language: String,
}

/// Why an [`OutgoingEmail`] cannot become a message: the data is wrong, so sending it again
/// cannot help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// The Message-ID is not `left@right` of printable ASCII.
    #[error("message id {0:?} is not of the form left@right (printable ASCII, no spaces or <>)")]
    MessageId(String),
    /// The unsubscribe URL is not an absolute http(s) URL.
    #[error("unsubscribe URL {0:?} is not an absolute http or https URL")]
    UnsubscribeUrl(String),
    /// The language is not a BCP 47 tag.
    #[error("language {0:?} is not a BCP 47 tag such as pl, de or en-GB")]
    Language(String),
    /// lettre refused the message.
    #[error("the message cannot be built: {0}")]
    Build(String),
}

/// `Message-ID: <left@right>` from an id unique to the notification: the caller's row id and
/// the sender's domain (`stable_message_id("ntf_42", &from)` is `ntf_42@shop.example`).
pub fn stable_message_id(unique: &str, from: &Address) -> String {
    format!("{unique}@{}", from.domain())
}

/// Builds the MIME message. The Date is now; the Message-ID is the caller's.
pub fn compose(email: &OutgoingEmail) -> Result<Message, ComposeError> {
    let message_id = checked_message_id(&email.message_id)?;
    let unsubscribe = checked_unsubscribe_url(&email.list_unsubscribe_url)?;
    let language = checked_language(&email.language)?;

    let from = Mailbox::new(
        email
            .from_name
            .as_deref()
            .map(one_line)
            .filter(|n| !n.is_empty()),
        email.from.clone(),
    );
    let mut builder = Message::builder()
        .from(from)
        .to(email.to.clone())
        .subject(one_line(&email.subject))
        .message_id(Some(format!("<{message_id}>")))
        .raw_header(raw("List-Unsubscribe", format!("<{unsubscribe}>")))
        .raw_header(raw(
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_string(),
        ))
        .raw_header(raw("Content-Language", language.to_string()))
        // RFC 3834: tells vacation responders not to answer a notification.
        .raw_header(raw("Auto-Submitted", "auto-generated".to_string()));
    if let Some(reply_to) = &email.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| ComposeError::Build(e.to_string()))
}

fn raw(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

/// Display names and subjects are one line: a CR or LF in them would end the header.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

fn checked_message_id(id: &str) -> Result<&str, ComposeError> {
    let bare = id
        .trim()
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(id.trim());
    let printable = bare
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    match bare.split_once('@') {
        Some((left, right))
            if printable && !left.is_empty() && !right.is_empty() && !right.contains('@') =>
        {
            Ok(bare)
        }
        _ => Err(ComposeError::MessageId(id.to_string())),
    }
}

/// The URL in its serialized form: ASCII only (the URL parser percent-encodes the rest), so it
/// goes into the header verbatim and cannot close the angle brackets around it.
fn checked_unsubscribe_url(text: &str) -> Result<String, ComposeError> {
    let bad = || ComposeError::UnsubscribeUrl(text.to_string());
    let url = url::Url::parse(text.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad());
    }
    let serialized = url.as_str();
    if serialized.contains(['<', '>', ' ', ',']) {
        return Err(bad());
    }
    Ok(serialized.to_string())
}

/// A primary language of two or three letters (ISO 639) and subtags of up to eight letters
/// or digits: the tags shoppers' languages have, without the rarer BCP 47 forms.
fn checked_language(tag: &str) -> Result<&str, ComposeError> {
    let tag = tag.trim();
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary_ok && rest_ok {
        Ok(tag)
    } else {
        Err(ComposeError::Language(tag.to_string()))
    }
}

#[cfg(test)]
#[path = "compose_tests.rs"]
pub(crate) mod tests;
