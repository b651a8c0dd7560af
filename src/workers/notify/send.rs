//! Deciding one message: the shipment and the shopper's sealed contact opened, the
//! suppression list, the merchant's switches and quiet hours ([`gate`](super::gate)) and the
//! send rate honoured, a timed message checked to be still true, the template rendered in the
//! shopper's language through the preview's own loading (`notify::prepare`); then
//! [`deliver`](super::deliver) sends it.

use chrono::{DateTime, Utc};

use super::deliver::{deliver, Ready};
use super::gate::{settings_gate, Gate};
use super::outcome::{done, wait};
use super::senders::Senders;
use crate::domain::merchant_rules::email_hash;
use crate::domain::notify_plan::{Message, MessageStatus};
use crate::domain::notify_timing::still_true;
use crate::notify::prepare::{
    address, class_of, message_lang, open_contact, prepare, unsubscribe_url,
};
use crate::notify::shipment_context::shop_name;
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
    let Some(contact) =
        open_contact(&*state.store, state.sealer.as_ref().ok(), &shipment.id).await?
    else {
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
    let ctx = prepare(
        state,
        &shipment,
        merchant.as_ref(),
        lang,
        contact.name.clone(),
        Some(unsubscribe.clone()),
    )
    .await?;
    let shop = shop_name(merchant.as_ref());
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
    deliver(state, senders, ready, now).await
}
