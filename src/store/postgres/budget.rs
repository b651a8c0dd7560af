//! PostgreSQL side of [`BudgetStore`]: shared carrier budgets (row lock per reservation, so
//! processes queue on it) and the batched webhook insert.

use async_trait::async_trait;
use carriers::CarrierId;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::PgStore;
use crate::store::budget::{
    plan_reservation, usage_of, BudgetLimits, BudgetRow, BudgetStore, BudgetUsage, Reservation,
};
use crate::store::StoreResult;

fn row_of(r: &sqlx::postgres::PgRow) -> StoreResult<BudgetRow> {
    Ok(BudgetRow {
        next_slot_at: r.try_get("next_slot_at")?,
        day: r.try_get("day")?,
        used_today: r.try_get::<i32, _>("used_today")?.max(0) as u32,
        paused_until: r.try_get("paused_until")?,
    })
}

#[async_trait]
impl BudgetStore for PgStore {
    async fn reserve_calls(
        &self,
        carrier: CarrierId,
        limits: BudgetLimits,
        now: DateTime<Utc>,
        want: u32,
    ) -> StoreResult<Reservation> {
        let mut tx = self.pool.begin().await?;
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
        let row = sqlx::query("SELECT * FROM carrier_budgets WHERE carrier = $1 FOR UPDATE")
            .bind(carrier.as_str())
            .fetch_one(&mut *tx)
            .await?;
        let row = row_of(&row)?;
        // The clock is read once the row lock is held (see the SQLite store).
        let now = now.max(Utc::now());
        let (write, answer) = plan_reservation(Some(&row), limits, now, want);
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

    async fn pause_carrier(&self, carrier: CarrierId, until: DateTime<Utc>) -> StoreResult<()> {
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO carrier_budgets (carrier, next_slot_at, day, used_today, paused_until) \
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT (carrier) DO UPDATE SET \
             paused_until = GREATEST(carrier_budgets.paused_until, excluded.paused_until)",
        )
        .bind(carrier.as_str())
        .bind(now)
        .bind(now.format("%Y-%m-%d").to_string())
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn budget_usage(
        &self,
        carrier: CarrierId,
        now: DateTime<Utc>,
    ) -> StoreResult<BudgetUsage> {
        let row = sqlx::query("SELECT * FROM carrier_budgets WHERE carrier = $1")
            .bind(carrier.as_str())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(row_of)
            .transpose()?;
        Ok(usage_of(row, now))
    }
}
