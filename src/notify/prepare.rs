//! Loading what a message about one shipment is rendered from (the shopper's opened contact,
//! the merchant, the events, the language, the unsubscribe link) and turning it into the
//! template variables through [`ShipmentMessage`]: one path for the sender and for the
//! preview, so a preview shows exactly what would be sent. Reads only. The contact itself is
//! opened by [`open_contact`], shared with the callbacks that carry it.

pub use super::contact::open_contact;

use super::shipment_context::ShipmentMessage;
use super::templates::TemplateContext;
use super::unsubscribe;
use crate::domain::contact::{mask_email, mask_phone, Contact};
use crate::domain::i18n::Lang;
use crate::domain::merchant_rules::email_hash;
use crate::domain::notification::{Channel, Trigger};
use crate::domain::{Merchant, MerchantId, Shipment};
use crate::state::AppState;
use crate::store::StoreError;

/// The address or number a message on `channel` goes to.
pub fn address(contact: &Contact, channel: Channel) -> Option<&str> {
    match channel {
        Channel::Email => contact.email.as_deref(),
        Channel::Sms => contact.phone.as_deref(),
    }
}

/// The language of a shipment's messages: its own, Polish when it has none we speak.
pub fn message_lang(s: &Shipment) -> Lang {
    s.language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::Pl)
}

/// Transactional and marketing messages are suppressed and unsubscribed separately.
pub fn class_of(t: Trigger) -> &'static str {
    if t.is_marketing() {
        "marketing"
    } else {
        "transactional"
    }
}

/// The one-click unsubscribe page of the address or number `to` (on `channel`) for the
/// trigger's class; the link carries the contact's hash and masked form, never the contact.
pub fn unsubscribe_url(
    state: &AppState,
    merchant_id: &MerchantId,
    to: &str,
    channel: Channel,
    trigger: Trigger,
) -> String {
    let masked = match channel {
        Channel::Email => mask_email(to),
        Channel::Sms => mask_phone(to),
    };
    unsubscribe::url(
        &state.config.public_url,
        &unsubscribe::key(state.config.sealing_key()),
        &unsubscribe::Unsubscribe {
            merchant_id: merchant_id.clone(),
            contact_hash: email_hash(to),
            class: class_of(trigger).to_string(),
            masked,
        },
    )
}

/// Reads the events of `shipment` and builds the variables of a message in `lang` to the
/// shopper named `customer_name`, branded for `merchant` (which the caller has already read:
/// the sender for its switches, the API as the caller's own merchant).
pub async fn prepare(
    state: &AppState,
    shipment: &Shipment,
    merchant: Option<&Merchant>,
    lang: Lang,
    customer_name: Option<String>,
    unsubscribe_url: Option<String>,
) -> Result<TemplateContext, StoreError> {
    let events = state.store.events(&shipment.id).await?;
    Ok(ShipmentMessage {
        shipment,
        events: &events,
        merchant,
        customer_name,
        lang,
        tracking_url: state.tracking_url(&shipment.public_token),
        unsubscribe_url,
    }
    .context())
}
