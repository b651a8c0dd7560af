//! SQLite side of the notification store: the shared implementation (`store::sql::notify`),
//! the claim held by SQLite's writer lock (`BEGIN IMMEDIATE`), so no row lock.

use super::SqliteStore;
use crate::store::sql::notify::notify_impl;

notify_impl!(SqliteStore, claim_lock: "");
