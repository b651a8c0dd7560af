//! PostgreSQL side of the notification store: the shared implementation
//! (`store::sql::notify`), the claim taking `FOR UPDATE SKIP LOCKED` so two processes never
//! send one message.

use super::PgStore;
use crate::store::sql::notify::notify_impl;

notify_impl!(PgStore, claim_lock: " FOR UPDATE SKIP LOCKED");
