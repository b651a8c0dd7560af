//! PostgreSQL side of the carrier budgets: the shared implementation (`store::sql::budget`),
//! the reservation holding the budget row under `FOR UPDATE` so processes queue on it.

use super::PgStore;
use crate::store::sql::budget::budget_impl;

budget_impl!(PgStore, row_lock: " FOR UPDATE", ensure_row: true);
