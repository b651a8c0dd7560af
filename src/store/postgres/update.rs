//! PostgreSQL side of [`UpdateTx`](crate::store::UpdateTx): one transaction that first takes
//! `SELECT … FOR UPDATE` on the shipment row, so a second update of the same shipment waits
//! until this one commits and then merges against what it wrote (one status change recorded,
//! never two). The steps are the shared ones (`store::sql::update`).

use sqlx::{Postgres, Transaction};

use crate::store::sql::update::{update_tx_impl, SHIPMENT_FOR_UPDATE};
use crate::store::update::INVALIDATION_CHANNEL;
use crate::store::StoreResult;

/// An open PostgreSQL write transaction of the tracking pipeline.
pub struct Update(pub(super) Transaction<'static, Postgres>);

impl Update {
    /// `NOTIFY` is transactional: other processes hear it only if this update commits.
    async fn publish(&mut self, shipment_id: &str) -> StoreResult<()> {
        run!(exec &mut *self.0,
            "SELECT pg_notify($1, $2)", INVALIDATION_CHANNEL, format!("shipment:{shipment_id}")
        );
        Ok(())
    }
}

update_tx_impl!(Update, postgres, SHIPMENT_FOR_UPDATE);
