//! The carrier report's rollups on PostgreSQL: writing a `RollupDelta` (two `UNNEST`
//! upserts, keys sorted) and answering a report from `report_days` / `report_hist` plus the
//! raw-facts pieces of `rollup::plan` (bucketed in SQL, so a raw piece returns buckets, not
//! one row per distinct minute).

use std::sync::LazyLock;

use sqlx::postgres::{PgPool, PgRow};
use sqlx::{PgConnection, Row};

use crate::domain::buckets::bucket_sql;
use crate::domain::rollup::{hist_dim, plan, Grain, Piece, Plan, RollupDelta, Summer, N_COUNTERS};
use crate::store::analytics::{FactsQuery, FactsSummary, Metric};
use crate::store::sql::report::{
    bind_hist, raw_scope, report_counters, upsert_hist_sql, RAW_COUNTERS,
};
use crate::store::{StoreError, StoreResult};

/// Adds a delta to both rollups.
pub(super) async fn apply_rollup(conn: &mut PgConnection, d: &RollupDelta) -> StoreResult<()> {
    if !d.days.is_empty() {
        let key = |i: usize| -> Vec<&str> {
            d.days
                .keys()
                .map(|k| match i {
                    0 => k.0.as_str(),
                    1 => k.1.as_str(),
                    2 => k.2.as_str(),
                    3 => k.3.as_str(),
                    4 => k.4.as_str(),
                    _ => k.5.as_str(),
                })
                .collect()
        };
        let mut q = sqlx::query(
            "INSERT INTO report_days (merchant_id, day, carrier, service, lane, week, shipments, \
             delivered, first_attempt, exceptions, returned, with_eta, on_time, in_window, \
             abs_err, err, scanned, fsm) \
             SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
             $6::TEXT[], $7::BIGINT[], $8::BIGINT[], $9::BIGINT[], $10::BIGINT[], $11::BIGINT[], \
             $12::BIGINT[], $13::BIGINT[], $14::BIGINT[], $15::BIGINT[], $16::BIGINT[], \
             $17::BIGINT[], $18::BIGINT[]) \
             ON CONFLICT (merchant_id, day, carrier, service, lane, week) DO UPDATE SET \
             shipments = report_days.shipments + EXCLUDED.shipments, \
             delivered = report_days.delivered + EXCLUDED.delivered, \
             first_attempt = report_days.first_attempt + EXCLUDED.first_attempt, \
             exceptions = report_days.exceptions + EXCLUDED.exceptions, \
             returned = report_days.returned + EXCLUDED.returned, \
             with_eta = report_days.with_eta + EXCLUDED.with_eta, \
             on_time = report_days.on_time + EXCLUDED.on_time, \
             in_window = report_days.in_window + EXCLUDED.in_window, \
             abs_err = report_days.abs_err + EXCLUDED.abs_err, \
             err = report_days.err + EXCLUDED.err, \
             scanned = report_days.scanned + EXCLUDED.scanned, \
             fsm = report_days.fsm + EXCLUDED.fsm",
        );
        for i in 0..6 {
            q = q.bind(key(i));
        }
        for i in 0..N_COUNTERS {
            q = q.bind(d.days.values().map(|v| v[i]).collect::<Vec<i64>>());
        }
        q.execute(&mut *conn).await?;
    }
    if !d.hist.is_empty() {
        macro_rules! col {
            ($f:expr) => {
                d.hist.iter().map($f).collect::<Vec<_>>()
            };
        }
        let query = sqlx::query(upsert_hist_sql!(
            "SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
             $6::TEXT[], $7::BIGINT[], $8::BIGINT[])"
        ));
        bind_hist!(query, col).execute(&mut *conn).await?;
    }
    Ok(())
}

report_counters!(PgPool, PgRow);

/// One row per carrier, group and metric, the distribution as two arrays (bucket values and
/// counts, one entry per month and bucket, summed by the caller): a lane quarter's ~300,000
/// rollup rows arrive as ~2,000 rows, and the server hashes 2,000 groups, not 100,000.
async fn rollup_hist(pool: &PgPool, q: &FactsQuery, p: &Plan) -> StoreResult<Vec<PgRow>> {
    let Some((a, b)) = &p.span else {
        return Ok(Vec::new());
    };
    // Enough memory for a lane report's arrays in one in-memory hash table (the default 4 MB
    // spills it to disk); local to this read-only transaction.
    let mut tx = pool.begin().await?;
    run!(exec &mut *tx, "SET LOCAL work_mem = '64MB'");
    let rows = sqlx::query(
        "SELECT carrier, CASE WHEN $1::TEXT = 'carrier' THEN '' ELSE grp END AS grp, metric, \
         array_agg(bucket) AS buckets, array_agg(n) AS ns FROM report_hist \
         WHERE merchant_id = $2 AND dim = $3 AND month >= $4 AND month < $5 GROUP BY 1, 2, 3",
    )
    .bind(q.group_by.as_str())
    .bind(&q.merchant_id)
    .bind(hist_dim(q.group_by))
    .bind(a)
    .bind(b)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// Runs a raw-piece query: `$1` the grouping, `$2` the merchant, `[$3, $4)` the piece.
async fn raw_rows(
    pool: &PgPool,
    sql: &'static str,
    q: &FactsQuery,
    piece: &Piece,
) -> StoreResult<Vec<PgRow>> {
    Ok(sqlx::query(sql)
        .bind(q.group_by.as_str())
        .bind(&q.merchant_id)
        .bind(piece.from)
        .bind(piece.to)
        .fetch_all(pool)
        .await?)
}

/// A raw piece's counters (`sql::report::RAW_COUNTERS`).
async fn raw_counters(pool: &PgPool, q: &FactsQuery, piece: &Piece) -> StoreResult<Vec<PgRow>> {
    raw_rows(pool, RAW_COUNTERS, q, piece).await
}

/// A raw piece's distributions, bucketed in SQL (`buckets::bucket_sql`), in the shape of
/// [`rollup_hist`].
static RAW_HIST: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{}, v AS (SELECT carrier, grp, 'h' AS metric, ({})::BIGINT AS b FROM f \
         WHERE transit_minutes IS NOT NULL \
         UNION ALL SELECT carrier, grp, 'w', transit_wd::BIGINT FROM f \
         WHERE transit_wd IS NOT NULL \
         UNION ALL SELECT carrier, grp, 's', ({})::BIGINT FROM f \
         WHERE first_scan_minutes IS NOT NULL) \
         SELECT carrier, grp, metric, array_agg(b) AS buckets, array_agg(n) AS ns FROM \
         (SELECT carrier, grp, metric, b, COUNT(*) AS n FROM v GROUP BY 1, 2, 3, 4) x \
         GROUP BY 1, 2, 3",
        raw_scope!().trim_end(),
        bucket_sql("transit_minutes"),
        bucket_sql("first_scan_minutes"),
    )
});

async fn raw_hist(pool: &PgPool, q: &FactsQuery, piece: &Piece) -> StoreResult<Vec<PgRow>> {
    raw_rows(pool, RAW_HIST.as_str(), q, piece).await
}

/// Every raw piece's rows, with the piece's sign.
async fn raw_all<'a, F, Fut>(pieces: &'a [Piece], fetch: F) -> StoreResult<Vec<(i64, PgRow)>>
where
    F: Fn(&'a Piece) -> Fut,
    Fut: std::future::Future<Output = StoreResult<Vec<PgRow>>>,
{
    let mut out = Vec::new();
    for piece in pieces {
        out.extend(fetch(piece).await?.into_iter().map(|r| (piece.sign, r)));
    }
    Ok(out)
}

fn add_hist(sum: &mut Summer, r: &PgRow, sign: i64) -> StoreResult<()> {
    let tag: String = r.try_get("metric")?;
    let buckets: Vec<i64> = r.try_get("buckets")?;
    let counts: Vec<i64> = r.try_get("ns")?;
    sum.histograms(
        r.try_get("carrier")?,
        r.try_get("grp")?,
        metric(&tag)?,
        &buckets,
        &counts,
        sign,
    );
    Ok(())
}

fn metric(tag: &str) -> StoreResult<Metric> {
    Metric::from_tag(tag).ok_or_else(|| StoreError::Corrupt(format!("metric {tag:?}")))
}

/// The report's counters and distributions: rollup periods plus signed raw pieces, the four
/// reads concurrently on pooled connections.
pub(super) async fn summary(pool: &PgPool, q: &FactsQuery) -> StoreResult<FactsSummary> {
    let days = plan(q.from, q.to, Grain::Day);
    let months = plan(q.from, q.to, Grain::Month);
    let (counter_rows, hist_rows, raw_counter_rows, raw_hist_rows) = tokio::try_join!(
        rollup_counters(pool, q, &days),
        rollup_hist(pool, q, &months),
        raw_all(&days.raw, |p| raw_counters(pool, q, p)),
        raw_all(&months.raw, |p| raw_hist(pool, q, p)),
    )?;
    let mut sum = Summer::default();
    let counter_rows = counter_rows.into_iter().map(|r| (1, r));
    for (sign, r) in counter_rows.chain(raw_counter_rows) {
        let (carrier, grp, v) = counters_of(&r)?;
        sum.counters(carrier, grp, v, sign);
    }
    let hist_rows = hist_rows.into_iter().map(|r| (1, r));
    for (sign, r) in hist_rows.chain(raw_hist_rows) {
        add_hist(&mut sum, &r, sign)?;
    }
    let (counters, histograms) = sum.finish();
    Ok(FactsSummary {
        counters,
        histograms,
    })
}
