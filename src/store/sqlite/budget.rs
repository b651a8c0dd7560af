//! SQLite side of [`BudgetStore`]: shared carrier budgets and the batched webhook insert.

use async_trait::async_trait;
use carriers::CarrierId;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{from_ts, ts, SqliteStore};
use crate::store::budget::{
    plan_reservation, usage_of, BudgetLimits, BudgetRow, BudgetStore, BudgetUsage, Reservation,
};
use crate::store::StoreResult;

fn row_of(r: &sqlx::sqlite::SqliteRow) -> StoreResult<BudgetRow> {
    Ok(BudgetRow {
        next_slot_at: from_ts(r.try_get("next_slot_at")?),
        day: r.try_get("day")?,
        used_today: r.try_get::<i64, _>("used_today")?.max(0) as u32,
        paused_until: r.try_get::<Option<i64>, _>("paused_until")?.map(from_ts),
    })
}

#[async_trait]
impl BudgetStore for SqliteStore {
    async fn reserve_calls(
        &self,
        carrier: CarrierId,
        limits: BudgetLimits,
        now: DateTime<Utc>,
        want: u32,
    ) -> StoreResult<Reservation> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        // The clock is read once the write lock is held: a caller that queued behind other
        // writers must not be handed a slot that already passed while it waited (that makes
        // calls bunch up).
        let now = now.max(Utc::now());
        let row = sqlx::query("SELECT * FROM carrier_budgets WHERE carrier = ?")
            .bind(carrier.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(row_of)
            .transpose()?;
        let (write, answer) = plan_reservation(row.as_ref(), limits, now, want);
        if let Some(w) = write {
            sqlx::query(
                "INSERT INTO carrier_budgets (carrier, next_slot_at, day, used_today, paused_until) \
                 VALUES (?,?,?,?,?) ON CONFLICT (carrier) DO UPDATE SET next_slot_at = excluded.next_slot_at, \
                 day = excluded.day, used_today = excluded.used_today, paused_until = excluded.paused_until",
            )
            .bind(carrier.as_str())
            .bind(ts(w.next_slot_at))
            .bind(&w.day)
            .bind(i64::from(w.used_today))
            .bind(w.paused_until.map(ts))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(answer)
    }

    async fn pause_carrier(&self, carrier: CarrierId, until: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO carrier_budgets (carrier, next_slot_at, day, used_today, paused_until) \
             VALUES (?, ?, ?, 0, ?) ON CONFLICT (carrier) DO UPDATE SET \
             paused_until = MAX(COALESCE(paused_until, 0), excluded.paused_until)",
        )
        .bind(carrier.as_str())
        .bind(ts(Utc::now()))
        .bind(Utc::now().format("%Y-%m-%d").to_string())
        .bind(ts(until))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn budget_usage(
        &self,
        carrier: CarrierId,
        now: DateTime<Utc>,
    ) -> StoreResult<BudgetUsage> {
        let row = sqlx::query("SELECT * FROM carrier_budgets WHERE carrier = ?")
            .bind(carrier.as_str())
            .fetch_optional(&self.reader)
            .await?
            .as_ref()
            .map(row_of)
            .transpose()?;
        Ok(usage_of(row, now))
    }
}
