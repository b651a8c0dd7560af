//! SQLite side of the shipments store: the shared implementation (`store::sql::shipments`)
//! with SQLite's migrations and no row locks: the poller's claim is a conditional
//! `UPDATE … RETURNING` under `BEGIN IMMEDIATE`, and the writer lock guards a delete.

use super::SqliteStore;
use crate::store::sql::merchants::merchants_impl;
use crate::store::sql::shipments::store_impl;

merchants_impl!(SqliteStore);
store_impl!(
    SqliteStore,
    sqlite,
    Sqlite,
    "./migrations/sqlite",
    claim_lock: "",
    row_lock: ""
);
