//! SQLite side of [`UpdateTx`](crate::store::UpdateTx): one `BEGIN IMMEDIATE` transaction on
//! the single writer connection, so the shipment is guarded by SQLite's writer lock for the
//! whole update. The steps are the shared ones (`store::sql::update`).

use sqlx::{Sqlite, Transaction};

use crate::store::sql::shipments::SHIPMENT_BY_ID;
use crate::store::sql::update::update_tx_impl;
use crate::store::StoreResult;

/// An open SQLite write transaction of the tracking pipeline.
pub struct Update(pub(super) Transaction<'static, Sqlite>);

impl Update {
    /// Nothing to announce: one process owns a SQLite database and evicts its own caches
    /// after commit.
    async fn publish(&mut self, _shipment_id: &str) -> StoreResult<()> {
        Ok(())
    }
}

update_tx_impl!(Update, sqlite, SHIPMENT_BY_ID);
