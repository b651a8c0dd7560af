//! Hands one rendered shopper message to its channel, e-mail or SMS, and turns the answer
//! into the message's outcome: sent, retried (4xx, timeouts), failed, or failed with the
//! contact suppressed (mailbox unknown, invalid number). The e-mail carries the merchant's
//! own From display name and Reply-To; its From address stays the operator's, which DKIM
//! and SPF vouch for.

use chrono::{DateTime, Utc};

use super::outcome::{done, retry};
use super::senders::Senders;
use crate::domain::contact::Contact;
use crate::domain::i18n::Lang;
use crate::domain::notification::Channel;
use crate::domain::notify_plan::{Message, MessageStatus};
use crate::domain::notify_settings::NotificationSettings;
use crate::notify::email::compose::stable_message_id;
use crate::notify::email::{Mailbox, MessageClass, OutgoingEmail, SendFailure};
use crate::notify::sms::SmsFailure;
use crate::notify::templates::Rendered;
use crate::state::AppState;
use crate::store::notify::{MessageOutcome, Suppression};
use crate::store::StoreError;

/// One message ready to go.
pub(super) struct Ready<'a> {
    /// The outbox row.
    pub m: &'a Message,
    /// The shopper's address or number.
    pub to: &'a str,
    /// The shopper's contact (for the name and the masked form).
    pub contact: &'a Contact,
    /// The contact's hash (suppression list key).
    pub hash: &'a str,
    /// `transactional` or `marketing`.
    pub class: &'static str,
    /// The merchant's notification settings.
    pub settings: &'a NotificationSettings,
    /// The shop's name as shoppers see it (the From name unless the merchant chose one).
    pub shop: &'a str,
    /// The rendered template.
    pub rendered: Rendered,
    /// The one-click unsubscribe URL.
    pub unsubscribe: String,
    /// The message's language.
    pub lang: Lang,
}

/// Sends it and says what came of it.
pub(super) async fn deliver(
    state: &AppState,
    senders: &Senders,
    r: Ready<'_>,
    now: DateTime<Utc>,
) -> Result<MessageOutcome, StoreError> {
    match r.m.channel {
        Channel::Email => email(state, senders, r, now).await,
        Channel::Sms => sms(state, senders, r, now).await,
    }
}

async fn email(
    state: &AppState,
    senders: &Senders,
    r: Ready<'_>,
    now: DateTime<Utc>,
) -> Result<MessageOutcome, StoreError> {
    let m = r.m;
    let Some(mailer) = &senders.mailer else {
        return Ok(done(
            m,
            MessageStatus::Failed,
            "e-mail is not configured (email.smtp_url)",
            now,
        ));
    };
    let sender = mailer.sender(match r.class {
        "marketing" => MessageClass::Marketing,
        _ => MessageClass::Transactional,
    });
    let Ok(address) = r.to.parse() else {
        return Ok(done(
            m,
            MessageStatus::Failed,
            "the stored address does not parse",
            now,
        ));
    };
    let from_name = r
        .settings
        .from_name(m.trigger)
        .map(str::to_string)
        .or_else(|| Some(r.shop.to_string()).filter(|s| !s.is_empty()));
    // Validated when set (PATCH /v1/merchant); a stored one that no longer parses is left out
    // rather than failing the message.
    let reply_to = r
        .settings
        .reply_to
        .as_deref()
        .and_then(|a| a.parse().ok())
        .map(|a| Mailbox::new(None, a));
    let mail = OutgoingEmail {
        from_name,
        from: sender.email.clone(),
        reply_to,
        to: Mailbox::new(r.contact.name.clone(), address),
        subject: r.rendered.subject.unwrap_or_default(),
        text: r.rendered.text,
        html: r.rendered.html.unwrap_or_default(),
        message_id: stable_message_id(&m.message_id, &sender.email),
        list_unsubscribe_url: r.unsubscribe,
        language: r.lang.code().to_string(),
    };
    Ok(match mailer.send(&mail).await {
        Ok(d) => done(
            m,
            MessageStatus::Sent,
            format!("{} {}", d.code, d.answer),
            now,
        ),
        Err(SendFailure::Suppress { code, answer }) => {
            suppress(state, m, r.contact, r.hash, r.class, "mailbox_unknown").await?;
            done(m, MessageStatus::Failed, format!("{code} {answer}"), now)
        }
        Err(e) if e.is_retryable() => retry(m, e.answer().to_string(), now),
        Err(e) => done(m, MessageStatus::Failed, e.answer().to_string(), now),
    })
}

async fn sms(
    state: &AppState,
    senders: &Senders,
    r: Ready<'_>,
    now: DateTime<Utc>,
) -> Result<MessageOutcome, StoreError> {
    let m = r.m;
    let Some(sms) = &senders.sms else {
        return Ok(done(
            m,
            MessageStatus::Failed,
            "SMS is not configured (sms.provider)",
            now,
        ));
    };
    Ok(match sms.send(r.to, &r.rendered.text).await {
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
            suppress(state, m, r.contact, r.hash, r.class, reason).await?;
            done(m, MessageStatus::Failed, e.answer().to_string(), now)
        }
        Err(e) if e.is_retryable() => retry(m, e.answer().to_string(), now),
        Err(e) => done(m, MessageStatus::Failed, e.answer().to_string(), now),
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
