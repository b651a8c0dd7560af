//! Carrier budgets: the SQL both dialects share, the row they read, and the
//! [`BudgetStore`](crate::store::budget::BudgetStore) implementation over it
//! ([`budget_impl!`]). The reservation (SQLite's writer lock against PostgreSQL's row lock)
//! and the pause upsert (`MAX` against `GREATEST`) are each backend's own.

use crate::store::budget::BudgetRow;
use crate::store::rows::{time, DbCount, DbTime};

/// A carrier's budget row.
pub const BUDGET_OF: &str =
    "SELECT next_slot_at, day, used_today, paused_until FROM carrier_budgets WHERE carrier = $1";

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
/// `read()`, `write()`, the inherent `reserve` and the associated `PAUSE` statement
/// (`$1` carrier, `$2` now, `$3` today, `$4` paused until).
macro_rules! budget_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::budget::BudgetStore for $store {
            async fn reserve_calls(
                &self,
                carrier: carriers::CarrierId,
                limits: $crate::store::budget::BudgetLimits,
                now: chrono::DateTime<chrono::Utc>,
                want: u32,
            ) -> $crate::store::StoreResult<$crate::store::budget::Reservation> {
                self.reserve(carrier, limits, now, want).await
            }

            async fn pause_carrier(
                &self,
                carrier: carriers::CarrierId,
                until: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::rows::DbTime;
                let now = chrono::Utc::now();
                sqlx::query(Self::PAUSE)
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
