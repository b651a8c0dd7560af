//! SQLite: callback subscriptions (create, read, patch, delete, rotate, disable).

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use super::SqliteStore;
use crate::store::callbacks::{NewSubscription, Subscription, SubscriptionPatch};
use crate::store::{codec, StoreResult};

pub(super) use super::{from_ts, ts};

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
pub(super) fn sub_from_row(r: &SqliteRow) -> StoreResult<Subscription> {
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
        previous_secret_expires_at: r
            .try_get::<Option<i64>, _>("previous_secret_expires_at")?
            .map(from_ts),
        last_success_at: r.try_get::<Option<i64>, _>("last_success_at")?.map(from_ts),
        failing_since: r.try_get::<Option<i64>, _>("failing_since")?.map(from_ts),
        created_at: from_ts(r.try_get("created_at")?),
        updated_at: from_ts(r.try_get("updated_at")?),
    })
}

/// The enabled subscriptions of a merchant, inside a write transaction.
pub(super) async fn enabled_for_merchant(
    tx: &mut Transaction<'static, Sqlite>,
    merchant_id: &str,
) -> StoreResult<Vec<Subscription>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        sub_columns!(),
        " FROM subscriptions WHERE merchant_id = ? AND enabled = 1"
    ))
    .bind(merchant_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(sub_from_row).collect()
}

/// Inserts a subscription.
pub(super) async fn create(
    s: &SqliteStore,
    new: &NewSubscription,
    now: DateTime<Utc>,
) -> StoreResult<Subscription> {
    let id = crate::store::new_id("sub");
    let row = sqlx::query(concat!(
        "INSERT INTO subscriptions (id, merchant_id, url, description, event_types, carriers, \
         statuses, enabled, disabled_reason, secret, created_at, updated_at) \
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING ",
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
    .bind(ts(now))
    .bind(ts(now))
    .fetch_one(&s.writer)
    .await?;
    sub_from_row(&row)
}

/// A subscription, optionally scoped to a merchant.
pub(super) async fn get(
    s: &SqliteStore,
    merchant_id: Option<&str>,
    id: &str,
) -> StoreResult<Option<Subscription>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        sub_columns!(),
        " FROM subscriptions WHERE id = ? AND (? IS NULL OR merchant_id = ?)"
    ))
    .bind(id)
    .bind(merchant_id)
    .bind(merchant_id)
    .fetch_optional(&s.reader)
    .await?;
    row.as_ref().map(sub_from_row).transpose()
}

/// A merchant's subscriptions.
pub(super) async fn list(s: &SqliteStore, merchant_id: &str) -> StoreResult<Vec<Subscription>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        sub_columns!(),
        " FROM subscriptions WHERE merchant_id = ? ORDER BY id"
    ))
    .bind(merchant_id)
    .fetch_all(&s.reader)
    .await?;
    rows.iter().map(sub_from_row).collect()
}

/// Applies a patch (read, change, write in one transaction).
pub(super) async fn update(
    s: &SqliteStore,
    merchant_id: &str,
    id: &str,
    patch: &SubscriptionPatch,
    now: DateTime<Utc>,
) -> StoreResult<Option<Subscription>> {
    let mut tx = s.begin().await?;
    let row = sqlx::query(concat!(
        "SELECT ",
        sub_columns!(),
        " FROM subscriptions WHERE id = ? AND merchant_id = ?"
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
        "UPDATE subscriptions SET url = ?, description = ?, event_types = ?, carriers = ?, \
         statuses = ?, enabled = ?, disabled_reason = ?, failing_since = ?, updated_at = ? \
         WHERE id = ? RETURNING ",
        sub_columns!()
    ))
    .bind(&sub.url)
    .bind(&sub.description)
    .bind(codec::to_json(&sub.event_types))
    .bind(codec::to_json(&sub.carriers))
    .bind(codec::to_json(&sub.statuses))
    .bind(sub.enabled)
    .bind(&sub.disabled_reason)
    .bind(sub.failing_since.map(ts))
    .bind(ts(now))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(sub_from_row(&row)?))
}

/// Deletes a subscription (its deliveries cascade).
pub(super) async fn delete(s: &SqliteStore, merchant_id: &str, id: &str) -> StoreResult<bool> {
    let n = sqlx::query("DELETE FROM subscriptions WHERE id = ? AND merchant_id = ?")
        .bind(id)
        .bind(merchant_id)
        .execute(&s.writer)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Rotates the secret.
pub(super) async fn rotate(
    s: &SqliteStore,
    merchant_id: &str,
    id: &str,
    new_secret: &str,
    previous_valid_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<Option<Subscription>> {
    let row = sqlx::query(concat!(
        "UPDATE subscriptions SET previous_secret = secret, previous_secret_expires_at = ?, \
         secret = ?, updated_at = ? WHERE id = ? AND merchant_id = ? RETURNING ",
        sub_columns!()
    ))
    .bind(ts(previous_valid_until))
    .bind(new_secret)
    .bind(ts(now))
    .bind(id)
    .bind(merchant_id)
    .fetch_optional(&s.writer)
    .await?;
    row.as_ref().map(sub_from_row).transpose()
}

/// Disables a subscription with a reason.
pub(super) async fn disable(
    s: &SqliteStore,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE subscriptions SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?",
    )
    .bind(reason)
    .bind(ts(now))
    .bind(id)
    .execute(&s.writer)
    .await?;
    Ok(())
}
