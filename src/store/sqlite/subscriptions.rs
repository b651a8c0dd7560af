//! SQLite: callback subscriptions (create, read, patch, delete, rotate, disable), the shared
//! implementation of `store::sql::subscriptions` with what SQLite does its own way.

use super::SqliteStore;
use crate::store::sql::subscriptions::{subscriptions_impl, OWNED};

subscriptions_impl!(SqliteStore, sqlx::Sqlite);

impl SqliteStore {
    /// The read of a patch (read, change, write in one transaction): no row lock in
    /// SQLite, whose `BEGIN IMMEDIATE` already holds the database's write lock.
    pub(crate) const SUBSCRIPTION_FOR_PATCH: &'static str = OWNED;
}
