//! PostgreSQL: callback subscriptions (create, read, patch, delete, rotate, disable).

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};

use super::PgStore;
use crate::store::callbacks::{NewSubscription, Subscription, SubscriptionPatch};
use crate::store::{codec, StoreResult};

/// The subscription columns.
macro_rules! sub_columns {
    () => {
        "id, merchant_id, url, description, event_types, carriers, statuses, enabled, \
         disabled_reason, secret, previous_secret, previous_secret_expires_at, last_success_at, \
         failing_since, created_at, updated_at"
    };
}
pub(super) use sub_columns;

/// Decodes a subscription row.
pub(super) fn sub_from_row(r: &PgRow) -> StoreResult<Subscription> {
    Ok(Subscription {
        id: r.try_get("id")?,
        merchant_id: r.try_get("merchant_id")?,
        url: r.try_get("url")?,
        description: r.try_get("description")?,
        event_types: codec::json("event_types", r.try_get("event_types")?)?,
        carriers: codec::json("carriers", r.try_get("carriers")?)?,
        statuses: codec::json("statuses", r.try_get("statuses")?)?,
        enabled: r.try_get("enabled")?,
        disabled_reason: r.try_get("disabled_reason")?,
        secret: r.try_get("secret")?,
        previous_secret: r.try_get("previous_secret")?,
        previous_secret_expires_at: r.try_get("previous_secret_expires_at")?,
        last_success_at: r.try_get("last_success_at")?,
        failing_since: r.try_get("failing_since")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The enabled subscriptions of a merchant, inside a write transaction.
pub(super) async fn enabled_for_merchant(
    tx: &mut Transaction<'static, Postgres>,
    merchant_id: &str,
) -> StoreResult<Vec<Subscription>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        sub_columns!(),
        " FROM subscriptions WHERE merchant_id = $1 AND enabled"
    ))
    .bind(merchant_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(sub_from_row).collect()
}

/// Inserts a subscription.
pub(super) async fn create(
    s: &PgStore,
    new: &NewSubscription,
    now: DateTime<Utc>,
) -> StoreResult<Subscription> {
    let id = crate::store::new_id("sub");
    let row = sqlx::query(concat!(
        "INSERT INTO subscriptions (id, merchant_id, url, description, event_types, carriers, \
         statuses, enabled, disabled_reason, secret, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING ",
        sub_columns!()
    ))
    .bind(&id)
    .bind(&new.merchant_id)
    .bind(&new.url)
    .bind(&new.description)
    .bind(codec::to_json(&new.event_types))
    .bind(codec::to_json(&new.carriers))
    .bind(codec::to_json(&new.statuses))
    .bind(new.enabled)
    .bind((!new.enabled).then_some(crate::store::callbacks::DISABLED_BY_MERCHANT))
    .bind(&new.secret)
    .bind(now)
    .fetch_one(&s.pool)
    .await?;
    sub_from_row(&row)
}

/// A subscription, optionally scoped to a merchant.
pub(super) async fn get(
    s: &PgStore,
    merchant_id: Option<&str>,
    id: &str,
) -> StoreResult<Option<Subscription>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        sub_columns!(),
        " FROM subscriptions WHERE id = $1 AND ($2::text IS NULL OR merchant_id = $2)"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(&s.pool)
    .await?;
    row.as_ref().map(sub_from_row).transpose()
}

/// A merchant's subscriptions.
pub(super) async fn list(s: &PgStore, merchant_id: &str) -> StoreResult<Vec<Subscription>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        sub_columns!(),
        " FROM subscriptions WHERE merchant_id = $1 ORDER BY id"
    ))
    .bind(merchant_id)
    .fetch_all(&s.pool)
    .await?;
    rows.iter().map(sub_from_row).collect()
}

/// Applies a patch (the row is locked while it is read and written).
pub(super) async fn update(
    s: &PgStore,
    merchant_id: &str,
    id: &str,
    patch: &SubscriptionPatch,
    now: DateTime<Utc>,
) -> StoreResult<Option<Subscription>> {
    let mut tx = s.pool.begin().await?;
    let row = sqlx::query(concat!(
        "SELECT ",
        sub_columns!(),
        " FROM subscriptions WHERE id = $1 AND merchant_id = $2 FOR UPDATE"
    ))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut sub = sub_from_row(&row)?;
    patch.apply_to(&mut sub, now);
    let row = sqlx::query(concat!(
        "UPDATE subscriptions SET url = $1, description = $2, event_types = $3, carriers = $4, \
         statuses = $5, enabled = $6, disabled_reason = $7, failing_since = $8, updated_at = $9 \
         WHERE id = $10 RETURNING ",
        sub_columns!()
    ))
    .bind(&sub.url)
    .bind(&sub.description)
    .bind(codec::to_json(&sub.event_types))
    .bind(codec::to_json(&sub.carriers))
    .bind(codec::to_json(&sub.statuses))
    .bind(sub.enabled)
    .bind(&sub.disabled_reason)
    .bind(sub.failing_since)
    .bind(now)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(sub_from_row(&row)?))
}

/// Deletes a subscription (its deliveries cascade).
pub(super) async fn delete(s: &PgStore, merchant_id: &str, id: &str) -> StoreResult<bool> {
    let n = sqlx::query("DELETE FROM subscriptions WHERE id = $1 AND merchant_id = $2")
        .bind(id)
        .bind(merchant_id)
        .execute(&s.pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Rotates the secret.
pub(super) async fn rotate(
    s: &PgStore,
    merchant_id: &str,
    id: &str,
    new_secret: &str,
    previous_valid_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<Option<Subscription>> {
    let row = sqlx::query(concat!(
        "UPDATE subscriptions SET previous_secret = secret, previous_secret_expires_at = $1, \
         secret = $2, updated_at = $3 WHERE id = $4 AND merchant_id = $5 RETURNING ",
        sub_columns!()
    ))
    .bind(previous_valid_until)
    .bind(new_secret)
    .bind(now)
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(&s.pool)
    .await?;
    row.as_ref().map(sub_from_row).transpose()
}

/// Disables a subscription with a reason.
pub(super) async fn disable(
    s: &PgStore,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE subscriptions SET enabled = FALSE, disabled_reason = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(&s.pool)
    .await?;
    Ok(())
}
