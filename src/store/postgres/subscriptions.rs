//! PostgreSQL: callback subscriptions (create, read, patch, delete, rotate, disable), the
//! shared implementation of `store::sql::subscriptions` with what PostgreSQL does its own way.

use super::PgStore;
use crate::store::rows::callbacks::subscription_columns;
use crate::store::sql::subscriptions::subscriptions_impl;

subscriptions_impl!(PgStore, sqlx::Postgres);

impl PgStore {
    /// The read of a patch: the row is locked while it is read and written.
    pub(crate) const SUBSCRIPTION_FOR_PATCH: &'static str = concat!(
        "SELECT ",
        subscription_columns!(),
        " FROM subscriptions WHERE id = $1 AND merchant_id = $2 FOR UPDATE"
    );
}
