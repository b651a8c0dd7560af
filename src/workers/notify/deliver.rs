//! Sending a decided message: e-mail through the pooled mailer, SMS through the provider,
//! and the answer sorted: sent; a mailbox unknown or an invalid number suppresses the
//! contact (and fails the message); a 4xx or a timeout is retried; anything else fails it.

use chrono::{DateTime, Utc};

use super::outcome::{done, retry};
use super::senders::Senders;
use crate::domain::contact::Contact;
use crate::domain::i18n::Lang;
use crate::domain::notification::Channel;
use crate::domain::notify_plan::{Message, MessageStatus};
use crate::notify::email::compose::stable_message_id;
use crate::notify::email::{Mailbox, MessageClass, OutgoingEmail, SendFailure};
use crate::notify::sms::SmsFailure;
use crate::notify::templates::Rendered;
use crate::state::AppState;
use crate::store::notify::{MessageOutcome, Suppression};
use crate::store::StoreError;

/// A message decided and rendered, ready to go.
pub(super) struct Ready<'a> {
    /// The outbox row.
    pub m: &'a Message,
    /// The shopper's contact, opened.
    pub contact: &'a Contact,
    /// The address or number for this channel.
    pub to: &'a str,
    /// Its hash (the suppression list's key).
    pub hash: &'a str,
    /// `transactional` or `marketing`.
    pub class: &'static str,
    /// The shop's display name.
    pub shop: &'a str,
    /// The shopper's language.
    pub lang: Lang,
    /// The rendered template.
    pub rendered: Rendered,
    /// The one-click unsubscribe URL.
    pub unsubscribe: &'a str,
}

/// Sends it and sorts the answer.
pub(super) async fn deliver(
    state: &AppState,
    senders: &Senders,
    r: Ready<'_>,
    now: DateTime<Utc>,
) -> Result<MessageOutcome, StoreError> {
    let Ready {
        m,
        contact,
        to,
        hash,
        class,
        shop,
        lang,
        rendered,
        unsubscribe,
    } = r;
    Ok(match m.channel {
        Channel::Email => {
            let Some(mailer) = &senders.mailer else {
                return Ok(done(
                    m,
                    MessageStatus::Failed,
                    "e-mail is not configured (email.smtp_url)",
                    now,
                ));
            };
            let sender = mailer.sender(match class {
                "marketing" => MessageClass::Marketing,
                _ => MessageClass::Transactional,
            });
            let mail = OutgoingEmail {
                from_name: Some(shop.to_string()).filter(|s| !s.is_empty()),
                from: sender.email.clone(),
                reply_to: None,
                to: match to.parse() {
                    Ok(address) => Mailbox::new(contact.name.clone(), address),
                    Err(_) => {
                        return Ok(done(
                            m,
                            MessageStatus::Failed,
                            "the stored address does not parse",
                            now,
                        ))
                    }
                },
                subject: rendered.subject.unwrap_or_default(),
                text: rendered.text,
                html: rendered.html.unwrap_or_default(),
                message_id: stable_message_id(&m.message_id, &sender.email),
                list_unsubscribe_url: unsubscribe.to_string(),
                language: lang.code().to_string(),
            };
            match mailer.send(&mail).await {
                Ok(d) => done(
                    m,
                    MessageStatus::Sent,
                    format!("{} {}", d.code, d.answer),
                    now,
                ),
                Err(SendFailure::Suppress { code, answer }) => {
                    suppress(state, m, contact, hash, class, "mailbox_unknown").await?;
                    done(m, MessageStatus::Failed, format!("{code} {answer}"), now)
                }
                Err(e) if e.is_retryable() => retry(m, e.answer().to_string(), now),
                Err(e) => done(m, MessageStatus::Failed, e.answer().to_string(), now),
            }
        }
        Channel::Sms => {
            let Some(sms) = &senders.sms else {
                return Ok(done(
                    m,
                    MessageStatus::Failed,
                    "SMS is not configured (sms.provider)",
                    now,
                ));
            };
            match sms.send(to, &rendered.text).await {
                Ok(a) => done(
                    m,
                    MessageStatus::Sent,
                    format!("accepted {}", a.provider_id),
                    now,
                ),
                Err(e) if e.suppresses_number() => {
                    let reason = match e {
                        SmsFailure::OptedOut { .. } => "opted_out",
                        _ => "invalid_number",
                    };
                    suppress(state, m, contact, hash, class, reason).await?;
                    done(m, MessageStatus::Failed, e.answer().to_string(), now)
                }
                Err(e) if e.is_retryable() => retry(m, e.answer().to_string(), now),
                Err(e) => done(m, MessageStatus::Failed, e.answer().to_string(), now),
            }
        }
    })
}

/// Adds the contact to the merchant's suppression list after a hard bounce.
async fn suppress(
    state: &AppState,
    m: &Message,
    contact: &Contact,
    hash: &str,
    class: &str,
    reason: &str,
) -> Result<(), StoreError> {
    let masked = match m.channel {
        Channel::Email => contact
            .email
            .as_deref()
            .map(crate::domain::contact::mask_email),
        Channel::Sms => contact
            .phone
            .as_deref()
            .map(crate::domain::contact::mask_phone),
    };
    let entry = Suppression {
        contact_hash: hash.to_string(),
        masked: masked.unwrap_or_default(),
        class: class.to_string(),
        reason: reason.to_string(),
        created_at: Utc::now(),
    };
    tracing::info!(contact = %entry.masked, reason, "contact suppressed");
    state.store.suppress(&m.merchant_id, &entry).await
}
