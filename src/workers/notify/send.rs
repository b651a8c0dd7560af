//! Deciding one message: the shipment and the shopper's sealed contact opened, the
//! suppression list and quiet hours honoured, a timed message checked to be still true, the
//! template rendered in the shopper's language; then [`deliver`](super::deliver) sends it.

use chrono::{DateTime, Utc};

use super::deliver::{deliver, Ready};
use super::outcome::{class_of, defer, done};
use super::senders::Senders;
use crate::domain::contact::Contact;
use crate::domain::i18n::Lang;
use crate::domain::merchant_rules::email_hash;
use crate::domain::notification::Channel;
use crate::domain::notify_plan::{Message, MessageStatus};
use crate::domain::notify_timing::still_true;
use crate::domain::quiet_hours::{zone_of, QuietHours};
use crate::domain::Shipment;
use crate::notify::shipment_context::{shop_name, ShipmentMessage};
use crate::notify::unsubscribe;
use crate::state::AppState;
use crate::store::notify::MessageOutcome;
use crate::store::StoreError;

/// Decides and sends one message.
#[tracing::instrument(name = "notify", skip_all,
    fields(shipment_id = %m.shipment_id, trigger = m.trigger.as_str(), channel = m.channel.as_str()))]
pub(super) async fn handle(
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
    let Some(contact) = open_contact(state, &shipment).await? else {
        return Ok(done(
            m,
            MessageStatus::Failed,
            "no contact data (erased or never given)",
            now,
        ));
    };
    let Some(to) = (match m.channel {
        Channel::Email => contact.email.clone(),
        Channel::Sms => contact.phone.clone(),
    }) else {
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
    // Quiet hours in the shopper's zone: wait for the morning, without counting an attempt.
    if let Some(q) = QuietHours::parse(&state.config.notifications.quiet_hours) {
        let release = q.release_at(now, zone_of(shipment.destination_country.as_deref()));
        if release > now {
            return Ok(defer(m, release));
        }
    }
    // Sent only while still true: an out-for-delivery held overnight and delivered meanwhile,
    // a reminder for a parcel already picked up, "delayed" for one delivered in time.
    if let Err(why) = still_true(m.trigger, &shipment, now) {
        return Ok(done(m, MessageStatus::Cancelled, why, now));
    }
    let merchant = state.store.merchant(&shipment.merchant_id).await?;
    let shop = shop_name(merchant.as_ref());
    let events = state.store.events(&shipment.id).await?;
    let lang = shipment
        .language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::Pl);
    let unsubscribe = unsubscribe::url(
        &state.config.public_url,
        &unsubscribe::key(state.config.sealing_key()),
        &m.merchant_id,
        &hash,
        class,
    );
    let ctx = ShipmentMessage {
        shipment: &shipment,
        events: &events,
        merchant: merchant.as_ref(),
        customer_name: contact.name.clone(),
        lang,
        tracking_url: state.tracking_url(&shipment.public_token),
        unsubscribe_url: Some(unsubscribe.clone()),
    }
    .context();
    let key = (m.trigger.as_str(), m.channel.as_str(), lang.code());
    let own = state.store.template(&m.merchant_id, key).await?;
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
        contact: &contact,
        to: &to,
        hash: &hash,
        class,
        shop: &shop,
        lang,
        rendered,
        unsubscribe: &unsubscribe,
    };
    deliver(state, senders, ready, now).await
}

/// The shipment's contact, opened (None when erased or never given).
async fn open_contact(state: &AppState, s: &Shipment) -> Result<Option<Contact>, StoreError> {
    let Some(sealed) = state.store.contact(&s.id).await? else {
        return Ok(None);
    };
    let Ok(sealer) = &state.sealer else {
        return Ok(None);
    };
    Ok(sealer
        .open_bound(&sealed, &s.id)
        .ok()
        .and_then(|plain| serde_json::from_str(&plain).ok()))
}
