//! The notification worker: claims due messages from the outbox, opens the shopper's sealed
//! contact, honours suppressions, the merchant's switches and quiet hours and its send rate
//! (`notify_gate`, with the settings read from the store for every message), renders the
//! template in the shopper's language and sends it by e-mail or SMS (`notify_send`), then
//! records the outcome. A 4xx or a timeout is retried (1 min, 5 min, 30 min, 2 h, then
//! dead); a mailbox unknown or an invalid number suppresses the contact; any other rejection
//! fails the message without suppressing.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::notify_gate::{settings_gate, Gate, SendRate};
use super::notify_send::{send, Ready};
use super::step::{idle, Outcome};
use crate::domain::contact::Contact;
use crate::domain::merchant_rules::email_hash;
use crate::domain::notification::Channel;
use crate::domain::notify_plan::{Message, MessageStatus};
use crate::domain::notify_timing::still_true;
use crate::notify::email::Mailer;
use crate::notify::prepare::{
    address, class_of, message_lang, open_contact, prepare, unsubscribe_url,
};
use crate::notify::shipment_context::shop_name;
use crate::notify::sms::SmsSender;
use crate::notify::templates::Templates;
use crate::state::AppState;
use crate::store::notify::{MessageOutcome, Suppression};
use crate::store::StoreError;

/// Delays after the first, second, … failed attempt; past the last the message is dead.
const RETRY_AFTER_MINUTES: [i64; 4] = [1, 5, 30, 120];
/// Messages claimed per step.
const BATCH: u32 = 50;
/// How long a claimed message is leased to this process.
const LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// The senders this process has: e-mail when SMTP is configured, SMS when a provider is.
pub struct Senders {
    /// The SMTP sender.
    pub mailer: Option<Mailer>,
    /// The SMS provider.
    pub sms: Option<SmsSender>,
    /// The templates (the state's, shared with the API).
    pub templates: Arc<Templates>,
    /// Each merchant's send rate (`notifications.per_merchant_per_second`), this process.
    pub rate: SendRate,
}

impl Senders {
    /// Builds the senders from the configuration (bad settings were refused at load).
    pub fn from_state(state: &AppState) -> Senders {
        let mailer = match state.config.email.settings() {
            Ok(Some(settings)) => Mailer::new(settings)
                .map_err(|e| tracing::error!(error = %e, "e-mail is configured but unusable"))
                .ok(),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "e-mail settings are invalid; no e-mail is sent");
                None
            }
        };
        Senders {
            mailer,
            sms: SmsSender::from_config(&state.config.sms),
            templates: state.templates.clone(),
            rate: SendRate::new(state.config.notifications.per_merchant_per_second),
        }
    }
}

/// Runs until `stop` turns true, a step every second (sooner when a step had work).
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let senders = Senders::from_state(&state);
    loop {
        let busy = matches!(tick(&state, &senders).await, Outcome::Worked(_));
        if !busy {
            senders.rate.forget_idle();
        }
        let wait = if busy {
            Duration::from_millis(10)
        } else {
            Duration::from_secs(1)
        };
        if idle(wait, &tokio::sync::Notify::new(), &mut stop).await {
            break;
        }
    }
}

/// One step: claims due messages and handles each.
pub async fn tick(state: &AppState, senders: &Senders) -> Outcome {
    let now = Utc::now();
    let claimed = match state.store.claim_messages(now, now + LEASE, BATCH).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "claiming shopper messages failed");
            return Outcome::Idle;
        }
    };
    if claimed.is_empty() {
        return Outcome::Idle;
    }
    let n = claimed.len();
    for m in claimed {
        let outcome = match handle(state, senders, &m, now).await {
            Ok(o) => o,
            Err(e) => retry(&m, format!("storage: {e}"), now),
        };
        state.metrics.inc(
            "parcelgate_notifications_total",
            &[
                ("trigger", m.trigger.as_str()),
                ("channel", m.channel.as_str()),
                ("outcome", outcome.status.as_str()),
            ],
        );
        if let Err(e) = state.store.finish_message(&m.id, &outcome).await {
            tracing::warn!(error = %e, message = %m.id, "recording a message outcome failed");
        }
    }
    Outcome::Worked(n)
}

/// A final outcome.
pub(super) fn done(
    m: &Message,
    status: MessageStatus,
    answer: impl Into<String>,
    now: DateTime<Utc>,
) -> MessageOutcome {
    MessageOutcome {
        status,
        attempts: m.attempts + u32::from(status == MessageStatus::Sent),
        next_attempt_at: now,
        answer: Some(answer.into()),
        sent_at: (status == MessageStatus::Sent).then_some(now),
    }
}

/// Not yet due after all (quiet hours, the send rate): queued again for `until`, with no
/// attempt counted.
fn wait(m: &Message, until: DateTime<Utc>, why: &str) -> MessageOutcome {
    MessageOutcome {
        status: MessageStatus::Queued,
        attempts: m.attempts,
        next_attempt_at: until,
        answer: Some(why.into()),
        sent_at: None,
    }
}

/// A failed attempt: retried on the schedule, dead past its end.
pub(super) fn retry(m: &Message, answer: String, now: DateTime<Utc>) -> MessageOutcome {
    let attempts = m.attempts + 1;
    match RETRY_AFTER_MINUTES.get(attempts as usize - 1) {
        Some(min) => MessageOutcome {
            status: MessageStatus::Queued,
            attempts,
            next_attempt_at: now + chrono::Duration::minutes(*min),
            answer: Some(answer),
            sent_at: None,
        },
        None => MessageOutcome {
            status: MessageStatus::Dead,
            attempts,
            next_attempt_at: now,
            answer: Some(answer),
            sent_at: None,
        },
    }
}

/// Decides and sends one message.
#[tracing::instrument(name = "notify", skip_all,
    fields(shipment_id = %m.shipment_id, trigger = m.trigger.as_str(), channel = m.channel.as_str()))]
async fn handle(
    state: &AppState,
    senders: &Senders,
    m: &Message,
    now: DateTime<Utc>,
) -> Result<MessageOutcome, StoreError> {
    let Some(shipment) = state.store.shipment_by_id(&m.shipment_id).await? else {
        return Ok(done(
            m,
            MessageStatus::Failed,
            "the shipment was deleted",
            now,
        ));
    };
    let Some(contact) = open_contact(state, &shipment.id).await? else {
        return Ok(done(
            m,
            MessageStatus::Failed,
            "no contact data (erased or never given)",
            now,
        ));
    };
    let Some(to) = address(&contact, m.channel).map(str::to_string) else {
        return Ok(done(
            m,
            MessageStatus::Failed,
            "no contact for this channel",
            now,
        ));
    };
    let class = class_of(m.trigger);
    let hash = email_hash(&to);
    if state
        .store
        .is_suppressed(&m.merchant_id, &hash, class)
        .await?
    {
        tracing::info!(contact = %contact.masked(), "suppressed");
        return Ok(done(
            m,
            MessageStatus::Suppressed,
            "the contact is on the suppression list",
            now,
        ));
    }
    // The merchant's switches and quiet hours, read from the store now (not when planned).
    let merchant = state.store.merchant(&shipment.merchant_id).await?;
    let settings = merchant
        .as_ref()
        .map(|x| x.settings.notifications.clone())
        .unwrap_or_default();
    let quiet = &state.config.notifications.quiet_hours;
    match settings_gate(&settings, m, &shipment, quiet, now) {
        Gate::Go => {}
        Gate::Cancel(why) => return Ok(done(m, MessageStatus::Cancelled, why, now)),
        Gate::Wait { until, why } => return Ok(wait(m, until, why)),
    }
    // Sent only while still true: an out-for-delivery held overnight and delivered meanwhile,
    // a reminder for a parcel already picked up, "delayed" for one delivered in time.
    if let Err(why) = still_true(m.trigger, &shipment, now) {
        return Ok(done(m, MessageStatus::Cancelled, why, now));
    }
    // Last, so a message held or cancelled above spends none of the merchant's allowance.
    if let Gate::Wait { until, why } = senders.rate.take(&m.merchant_id, now) {
        return Ok(wait(m, until, why));
    }
    let lang = message_lang(&shipment);
    let unsubscribe = unsubscribe_url(state, &m.merchant_id, &to, m.channel, m.trigger);
    let prepared = prepare(
        state,
        &shipment,
        lang,
        contact.name.clone(),
        Some(unsubscribe.clone()),
    )
    .await?;
    let (shop, ctx) = (shop_name(prepared.merchant.as_ref()), prepared.context);
    let key = (m.trigger.as_str(), m.channel.as_str(), lang.code());
    let own = state
        .store
        .template(&m.merchant_id, key)
        .await?
        .map(|t| t.source);
    let rendered = match senders
        .templates
        .render(m.trigger, m.channel, lang, own.as_deref(), &ctx)
    {
        Ok(r) => r,
        Err(e) => {
            return Ok(done(
                m,
                MessageStatus::Failed,
                format!("template: {e}"),
                now,
            ))
        }
    };
    let ready = Ready {
        m,
        to: &to,
        contact: &contact,
        hash: &hash,
        class,
        settings: &settings,
        shop: &shop,
        rendered,
        unsubscribe,
        lang,
    };
    send(state, senders, ready, now).await
}

/// Adds the contact to the merchant's suppression list after a hard bounce.
pub(super) async fn suppress(
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
