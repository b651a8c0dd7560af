//! The carrier report's rollups on SQLite: writing a `RollupDelta` (one upsert per changed
//! row, keys sorted) and answering a report from `report_days` / `report_hist` plus the
//! raw-facts pieces of `rollup::plan`.

use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Row, SqliteConnection};

use super::ts;
use crate::domain::buckets::bucket_of;
use crate::domain::rollup::{hist_dim, plan, Grain, Piece, Plan, RollupDelta, Summer};
use crate::store::analytics::{FactsQuery, FactsSummary, Metric};
use crate::store::sql::report::{
    bind_hist, raw_scope, report_counters, upsert_hist_sql, RAW_COUNTERS,
};
use crate::store::{StoreError, StoreResult};

/// Adds a delta to both rollups.
pub(super) async fn apply_rollup(conn: &mut SqliteConnection, d: &RollupDelta) -> StoreResult<()> {
    for (k, v) in &d.days {
        let mut q = sqlx::query(
            "INSERT INTO report_days (merchant_id, day, carrier, service, lane, week, shipments, \
             delivered, first_attempt, exceptions, returned, with_eta, on_time, in_window, \
             abs_err, err, scanned, fsm) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) \
             ON CONFLICT (merchant_id, day, carrier, service, lane, week) DO UPDATE SET \
             shipments = shipments + excluded.shipments, \
             delivered = delivered + excluded.delivered, \
             first_attempt = first_attempt + excluded.first_attempt, \
             exceptions = exceptions + excluded.exceptions, \
             returned = returned + excluded.returned, with_eta = with_eta + excluded.with_eta, \
             on_time = on_time + excluded.on_time, in_window = in_window + excluded.in_window, \
             abs_err = abs_err + excluded.abs_err, err = err + excluded.err, \
             scanned = scanned + excluded.scanned, fsm = fsm + excluded.fsm",
        )
        .bind(&k.0)
        .bind(&k.1)
        .bind(&k.2)
        .bind(&k.3)
        .bind(&k.4)
        .bind(&k.5);
        for x in v {
            q = q.bind(*x);
        }
        q.execute(&mut *conn).await?;
    }
    let sql = upsert_hist_sql!("VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    each_row!(&mut *conn, &d.hist, sql, bind_hist);
    Ok(())
}

report_counters!(SqlitePool, SqliteRow);

async fn rollup_hist(pool: &SqlitePool, q: &FactsQuery, p: &Plan) -> StoreResult<Vec<SqliteRow>> {
    let Some((a, b)) = &p.span else {
        return Ok(Vec::new());
    };
    Ok(sqlx::query(
        "SELECT carrier, CASE WHEN $1 = 'carrier' THEN '' ELSE grp END AS grp, metric, \
         bucket, SUM(n) AS n FROM report_hist WHERE merchant_id = $2 AND dim = $3 \
         AND month >= $4 AND month < $5 GROUP BY 1, 2, 3, 4",
    )
    .bind(q.group_by.as_str())
    .bind(&q.merchant_id)
    .bind(hist_dim(q.group_by))
    .bind(a)
    .bind(b)
    .fetch_all(pool)
    .await?)
}

/// Runs a raw-piece query: `$1` the grouping, `$2` the merchant, `[$3, $4)` the piece.
async fn raw_rows(
    pool: &SqlitePool,
    sql: &'static str,
    q: &FactsQuery,
    piece: &Piece,
) -> StoreResult<Vec<SqliteRow>> {
    Ok(sqlx::query(sql)
        .bind(q.group_by.as_str())
        .bind(&q.merchant_id)
        .bind(ts(piece.from))
        .bind(ts(piece.to))
        .fetch_all(pool)
        .await?)
}

/// A raw piece's counters (`sql::report::RAW_COUNTERS`).
async fn raw_counters(
    pool: &SqlitePool,
    q: &FactsQuery,
    piece: &Piece,
) -> StoreResult<Vec<SqliteRow>> {
    raw_rows(pool, RAW_COUNTERS, q, piece).await
}

/// Exact values (minutes, working days) of a raw piece; bucketed by the caller.
async fn raw_hist(pool: &SqlitePool, q: &FactsQuery, piece: &Piece) -> StoreResult<Vec<SqliteRow>> {
    const RAW_HIST: &str = concat!(
        raw_scope!(),
        "SELECT carrier, grp, 'h' AS metric, transit_minutes AS v, COUNT(*) AS n FROM f \
         WHERE transit_minutes IS NOT NULL GROUP BY carrier, grp, transit_minutes \
         UNION ALL SELECT carrier, grp, 'w', transit_wd, COUNT(*) FROM f \
         WHERE transit_wd IS NOT NULL GROUP BY carrier, grp, transit_wd \
         UNION ALL SELECT carrier, grp, 's', first_scan_minutes, COUNT(*) FROM f \
         WHERE first_scan_minutes IS NOT NULL GROUP BY carrier, grp, first_scan_minutes"
    );
    raw_rows(pool, RAW_HIST, q, piece).await
}

fn metric(tag: &str) -> StoreResult<Metric> {
    Metric::from_tag(tag).ok_or_else(|| StoreError::Corrupt(format!("metric {tag:?}")))
}

/// The report's counters and distributions: rollup periods plus signed raw pieces.
pub(super) async fn summary(pool: &SqlitePool, q: &FactsQuery) -> StoreResult<FactsSummary> {
    let days = plan(q.from, q.to, Grain::Day);
    let months = plan(q.from, q.to, Grain::Month);
    let mut sum = Summer::default();
    for r in &rollup_counters(pool, q, &days).await? {
        let (carrier, grp, v) = counters_of(r)?;
        sum.counters(carrier, grp, v, 1);
    }
    for r in &rollup_hist(pool, q, &months).await? {
        let tag: String = r.try_get("metric")?;
        sum.histogram(
            r.try_get("carrier")?,
            r.try_get("grp")?,
            metric(&tag)?,
            r.try_get("bucket")?,
            r.try_get("n")?,
        );
    }
    for piece in &days.raw {
        for r in &raw_counters(pool, q, piece).await? {
            let (carrier, grp, v) = counters_of(r)?;
            sum.counters(carrier, grp, v, piece.sign);
        }
    }
    for piece in &months.raw {
        for r in &raw_hist(pool, q, piece).await? {
            let tag: String = r.try_get("metric")?;
            let metric = metric(&tag)?;
            let v: i64 = r.try_get("v")?;
            let value = match metric {
                Metric::TransitWorkingDays => v,
                _ => bucket_of(v),
            };
            let n: i64 = r.try_get("n")?;
            sum.histogram(
                r.try_get("carrier")?,
                r.try_get("grp")?,
                metric,
                value,
                piece.sign * n,
            );
        }
    }
    let (counters, histograms) = sum.finish();
    Ok(FactsSummary {
        counters,
        histograms,
    })
}
