//! The shopper's contact in callbacks, for merchants that opt in
//! (`callbacks_include_contact`): whether a merchant asked for it (read fresh for every
//! claimed batch, so a change made through another process applies at once), and the
//! contact itself, opened from the store at send time. It is never part of the stored
//! payload; once erased (retention or `DELETE …/contact`) callbacks carry none.

use std::collections::HashMap;

use crate::dispatch::sealing::SecretSealer;
use crate::domain::contact::Contact;
use crate::domain::{MerchantId, ShipmentId};
use crate::notify::contact::open_contact;
use crate::store::Store;

/// Whether a merchant's callbacks carry the contact: `Err` (the reason) when its settings
/// could not be read, so the delivery waits rather than going out without what was asked.
pub type OptIn = Result<bool, String>;

/// Each merchant's choice, read once per claimed batch.
#[derive(Default)]
pub struct OptIns(HashMap<MerchantId, OptIn>);

impl OptIns {
    /// The merchant's choice (a deleted merchant: no contact).
    pub async fn of(&mut self, store: &dyn Store, merchant: &MerchantId) -> OptIn {
        if let Some(known) = self.0.get(merchant) {
            return known.clone();
        }
        let read = store
            .merchant(merchant)
            .await
            .map(|m| m.is_some_and(|m| m.settings.callbacks_include_contact))
            .map_err(|e| format!("merchant settings could not be read: {e}"));
        self.0.insert(merchant.clone(), read.clone());
        read
    }
}

/// The contact to add to a delivery for `shipment_id`: `None` when not asked for, erased or
/// never given; `Err` (the reason) when it could not be read now.
pub async fn for_delivery(
    store: &dyn Store,
    sealer: Option<&SecretSealer>,
    opt_in: OptIn,
    shipment_id: &str,
) -> Result<Option<Contact>, String> {
    if !opt_in? {
        return Ok(None);
    }
    open_contact(store, sealer, &ShipmentId::from(shipment_id))
        .await
        .map_err(|e| format!("shopper contact could not be read: {e}"))
}
