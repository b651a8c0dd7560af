//! SQLite side of [`StaleStore`](crate::store::stale::StaleStore): the shared queries
//! (`store::sql::stale`) as they are; nothing here differs from PostgreSQL.

use super::SqliteStore;
use crate::store::sql::stale::stale_impl;

stale_impl!(SqliteStore);
