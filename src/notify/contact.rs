//! Opening a shipment's sealed contact data for a send (a shopper message, or a callback of a
//! merchant that asked for the contact): read from the store, opened with the row id as AAD.

use crate::domain::contact::Contact;
use crate::domain::ShipmentId;
use crate::state::AppState;
use crate::store::StoreError;

/// The shipment's contact, opened. `None` when erased or never given, and also when it does
/// not open (no usable key, or a value sealed to another row): such a contact is as good as
/// absent, and the caller sends without it.
pub async fn open_contact(
    state: &AppState,
    id: &ShipmentId,
) -> Result<Option<Contact>, StoreError> {
    let Some(sealed) = state.store.contact(id).await? else {
        return Ok(None);
    };
    let Ok(sealer) = &state.sealer else {
        return Ok(None);
    };
    Ok(sealer
        .open_bound(&sealed, id)
        .ok()
        .and_then(|plain| serde_json::from_str(&plain).ok()))
}
