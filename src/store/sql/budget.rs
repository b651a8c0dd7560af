//! Carrier budgets: the SQL both dialects share, the row they read, and the
//! [`BudgetStore`](crate::store::budget::BudgetStore) implementation over it
//! ([`budget_impl!`]). The backends differ only in how the reservation holds the row: a
//! `FOR UPDATE` row lock on PostgreSQL (so processes queue on it), SQLite's writer lock
//! (`BEGIN IMMEDIATE`) on SQLite.

use crate::store::budget::BudgetRow;
use crate::store::rows::{time, DbCount, DbTime};

/// A carrier's budget row.
pub const BUDGET_OF: &str =
    "SELECT next_slot_at, day, used_today, paused_until FROM carrier_budgets WHERE carrier = $1";

/// Makes sure a carrier's budget row exists, so a reservation has a row to lock.
pub const ENSURE_BUDGET: &str = "INSERT INTO carrier_budgets (carrier, next_slot_at, day, \
     used_today) VALUES ($1, $2, $3, 0) ON CONFLICT (carrier) DO NOTHING";
/// Stores a reservation's outcome (an upsert: on SQLite the row may not exist yet).
pub const WRITE_BUDGET: &str = "INSERT INTO carrier_budgets (carrier, next_slot_at, day, \
     used_today, paused_until) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (carrier) DO UPDATE \
     SET next_slot_at = EXCLUDED.next_slot_at, day = EXCLUDED.day, \
     used_today = EXCLUDED.used_today, paused_until = EXCLUDED.paused_until";
/// A pause only ever lengthens: the later of the stored and the new instant wins (written
/// as a `CASE`, which reads the same where PostgreSQL has `GREATEST` and SQLite `MAX`).
pub const PAUSE: &str = "INSERT INTO carrier_budgets (carrier, next_slot_at, day, used_today, \
     paused_until) VALUES ($1, $2, $3, 0, $4) ON CONFLICT (carrier) DO UPDATE SET \
     paused_until = CASE WHEN carrier_budgets.paused_until IS NULL \
     OR carrier_budgets.paused_until < EXCLUDED.paused_until \
     THEN EXCLUDED.paused_until ELSE carrier_budgets.paused_until END";

/// A `carrier_budgets` row as both backends decode it.
#[derive(sqlx::FromRow)]
pub struct BudgetDbRow {
    next_slot_at: DbTime,
    day: String,
    used_today: DbCount,
    paused_until: Option<DbTime>,
}

impl From<BudgetDbRow> for BudgetRow {
    fn from(r: BudgetDbRow) -> BudgetRow {
        BudgetRow {
            next_slot_at: r.next_slot_at.0,
            day: r.day,
            used_today: r.used_today.0,
            paused_until: time(r.paused_until),
        }
    }
}

/// Implements [`BudgetStore`](crate::store::budget::BudgetStore) for a backend type with
/// `read()`, `write()` and `begin()`; `row_lock` is what the reservation's read appends to
/// hold the row until commit (`" FOR UPDATE"`, or `""` where the transaction already holds
/// the writer lock), and `ensure_row` whether the row must first exist to be locked (a
/// write SQLite's writer lock makes unnecessary, and one write fewer per reservation).
macro_rules! budget_impl {
    ($store:ty, row_lock: $row_lock:tt, ensure_row: $ensure:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::budget::BudgetStore for $store {
            async fn reserve_calls(
                &self,
                carrier: carriers::CarrierId,
                limits: $crate::store::budget::BudgetLimits,
                now: chrono::DateTime<chrono::Utc>,
                want: u32,
            ) -> $crate::store::StoreResult<$crate::store::budget::Reservation> {
                use $crate::store::rows::{DbCount, DbTime};
                use $crate::store::sql::budget::{BudgetDbRow, ENSURE_BUDGET, WRITE_BUDGET};
                let mut tx = self.begin().await?;
                if $ensure {
                    run!(exec &mut *tx,
                        ENSURE_BUDGET, carrier.as_str(), DbTime(now),
                        now.format("%Y-%m-%d").to_string()
                    );
                }
                let row: Option<BudgetDbRow> = run!(opt &mut *tx,
                    concat!(
                    "SELECT next_slot_at, day, used_today, paused_until FROM carrier_budgets \
                     WHERE carrier = $1",
                    $row_lock
                ),
                    carrier.as_str()
                );
                // The clock is read once the lock is held: a caller that queued behind other
                // writers must not be handed a slot that already passed while it waited (that
                // makes calls bunch up).
                let now = now.max(chrono::Utc::now());
                let row = row.map(Into::into);
                let (write, answer) =
                    $crate::store::budget::plan_reservation(row.as_ref(), limits, now, want);
                if let Some(w) = write {
                    run!(exec &mut *tx,
                        WRITE_BUDGET, carrier.as_str(), DbTime(w.next_slot_at), &w.day,
                        DbCount(w.used_today), DbTime::opt(w.paused_until)
                    );
                }
                tx.commit().await?;
                Ok(answer)
            }

            async fn pause_carrier(
                &self,
                carrier: carriers::CarrierId,
                until: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::rows::DbTime;
                let now = chrono::Utc::now();
                sqlx::query($crate::store::sql::budget::PAUSE)
                    .bind(carrier.as_str())
                    .bind(DbTime(now))
                    .bind(now.format("%Y-%m-%d").to_string())
                    .bind(DbTime(until))
                    .execute(self.write())
                    .await?;
                Ok(())
            }

            async fn budget_usage(
                &self,
                carrier: carriers::CarrierId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<$crate::store::budget::BudgetUsage> {
                use $crate::store::sql::budget::{BudgetDbRow, BUDGET_OF};
                let row: Option<BudgetDbRow> = sqlx::query_as(BUDGET_OF)
                    .bind(carrier.as_str())
                    .fetch_optional(self.read())
                    .await?;
                Ok($crate::store::budget::usage_of(row.map(Into::into), now))
            }
        }
    };
}
pub(crate) use budget_impl;
