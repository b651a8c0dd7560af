//! Opening a shipment's sealed contact data for a send (a shopper message, or a callback of a
//! merchant that asked for the contact): read from the store, opened with the row id as AAD.

use crate::dispatch::sealing::SecretSealer;
use crate::domain::contact::Contact;
use crate::domain::ShipmentId;
use crate::store::{Store, StoreError};

/// The shipment's contact, opened. `None` when erased or never given, and also when it does
/// not open (no usable key, or a value sealed to another row): such a contact is as good as
/// absent, and the caller sends without it.
/// The store and the sealer are passed in (not the app state): dispatch and the notifier
/// both call this, and neither layer should reach up for the whole state to do it.
pub async fn open_contact(
    store: &dyn Store,
    sealer: Option<&SecretSealer>,
    id: &ShipmentId,
) -> Result<Option<Contact>, StoreError> {
    let Some(sealed) = store.contact(id).await? else {
        return Ok(None);
    };
    let Some(sealer) = sealer else {
        return Ok(None);
    };
    Ok(sealer
        .open_bound(&sealed, id)
        .ok()
        .and_then(|plain| serde_json::from_str(&plain).ok()))
}
