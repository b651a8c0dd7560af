//! PostgreSQL side of the shipments store: the shared implementation
//! (`store::sql::shipments`) with PostgreSQL's migrations and locks: the poller's claim takes
//! `FOR UPDATE SKIP LOCKED`, the owned-row check before a delete `FOR UPDATE`.

use super::PgStore;
use crate::store::sql::merchants::merchants_impl;
use crate::store::sql::shipments::store_impl;

merchants_impl!(PgStore);
store_impl!(
    PgStore,
    postgres,
    Postgres,
    "./migrations/postgres",
    claim_lock: " FOR UPDATE SKIP LOCKED",
    row_lock: " FOR UPDATE"
);
