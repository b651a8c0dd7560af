//! PostgreSQL side of the carrier budgets: the shared implementation (`store::sql::budget`)
//! plus the reservation under a row lock (so processes queue on it) and the pause upsert.

use carriers::CarrierId;
use chrono::{DateTime, Utc};

use super::PgStore;
use crate::store::budget::{plan_reservation, BudgetLimits, Reservation};
use crate::store::sql::budget::{budget_impl, BudgetDbRow};
use crate::store::StoreResult;

budget_impl!(PgStore);

impl PgStore {
    /// A pause only ever lengthens: the later of the stored and the new instant wins.
    const PAUSE: &'static str =
        "INSERT INTO carrier_budgets (carrier, next_slot_at, day, used_today, paused_until) \
         VALUES ($1, $2, $3, 0, $4) ON CONFLICT (carrier) DO UPDATE SET \
         paused_until = GREATEST(carrier_budgets.paused_until, excluded.paused_until)";

    /// Reserves up to `want` call slots under the budget row's lock.
    async fn reserve(
        &self,
        carrier: CarrierId,
        limits: BudgetLimits,
        now: DateTime<Utc>,
        want: u32,
    ) -> StoreResult<Reservation> {
        let mut tx = self.begin().await?;
        // Make sure the row exists so FOR UPDATE has something to lock.
        sqlx::query(
            "INSERT INTO carrier_budgets (carrier, next_slot_at, day, used_today) VALUES ($1, $2, $3, 0) \
             ON CONFLICT (carrier) DO NOTHING",
        )
        .bind(carrier.as_str())
        .bind(now)
        .bind(now.format("%Y-%m-%d").to_string())
        .execute(&mut *tx)
        .await?;
        let row: BudgetDbRow = sqlx::query_as(
            "SELECT next_slot_at, day, used_today, paused_until FROM carrier_budgets \
             WHERE carrier = $1 FOR UPDATE",
        )
        .bind(carrier.as_str())
        .fetch_one(&mut *tx)
        .await?;
        // The clock is read once the row lock is held (see the SQLite store).
        let now = now.max(Utc::now());
        let (write, answer) = plan_reservation(Some(&row.into()), limits, now, want);
        if let Some(w) = write {
            sqlx::query(
                "UPDATE carrier_budgets SET next_slot_at = $2, day = $3, used_today = $4, paused_until = $5 WHERE carrier = $1",
            )
            .bind(carrier.as_str())
            .bind(w.next_slot_at)
            .bind(&w.day)
            .bind(w.used_today as i32)
            .bind(w.paused_until)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(answer)
    }
}
