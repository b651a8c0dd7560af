//! SQLite side of the carrier budgets: the shared implementation (`store::sql::budget`)
//! plus the reservation under SQLite's writer lock and the pause upsert.

use carriers::CarrierId;
use chrono::{DateTime, Utc};

use super::SqliteStore;
use crate::store::budget::{plan_reservation, BudgetLimits, Reservation};
use crate::store::rows::{DbCount, DbTime};
use crate::store::sql::budget::{budget_impl, BudgetDbRow, BUDGET_OF};
use crate::store::StoreResult;

budget_impl!(SqliteStore);

impl SqliteStore {
    /// A pause only ever lengthens: the later of the stored and the new instant wins.
    const PAUSE: &'static str =
        "INSERT INTO carrier_budgets (carrier, next_slot_at, day, used_today, paused_until) \
         VALUES ($1, $2, $3, 0, $4) ON CONFLICT (carrier) DO UPDATE SET \
         paused_until = MAX(COALESCE(paused_until, 0), excluded.paused_until)";

    /// Reserves up to `want` call slots under the writer lock.
    async fn reserve(
        &self,
        carrier: CarrierId,
        limits: BudgetLimits,
        now: DateTime<Utc>,
        want: u32,
    ) -> StoreResult<Reservation> {
        let mut tx = self.begin().await?;
        // The clock is read once the write lock is held: a caller that queued behind other
        // writers must not be handed a slot that already passed while it waited (that makes
        // calls bunch up).
        let now = now.max(Utc::now());
        let row: Option<BudgetDbRow> = sqlx::query_as(BUDGET_OF)
            .bind(carrier.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let row = row.map(Into::into);
        let (write, answer) = plan_reservation(row.as_ref(), limits, now, want);
        if let Some(w) = write {
            sqlx::query(
                "INSERT INTO carrier_budgets (carrier, next_slot_at, day, used_today, paused_until) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (carrier) DO UPDATE SET \
                 next_slot_at = excluded.next_slot_at, day = excluded.day, \
                 used_today = excluded.used_today, paused_until = excluded.paused_until",
            )
            .bind(carrier.as_str())
            .bind(DbTime(w.next_slot_at))
            .bind(&w.day)
            .bind(DbCount(w.used_today))
            .bind(DbTime::opt(w.paused_until))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(answer)
    }
}
