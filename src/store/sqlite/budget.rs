//! SQLite side of the carrier budgets: the shared implementation (`store::sql::budget`),
//! the reservation held by SQLite's writer lock (`BEGIN IMMEDIATE`), so no row lock.

use super::SqliteStore;
use crate::store::sql::budget::budget_impl;

budget_impl!(SqliteStore, row_lock: "", ensure_row: false);
