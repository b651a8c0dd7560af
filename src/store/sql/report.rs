//! The carrier report's SQL both dialects share: the grouping, the raw edge pieces' scope
//! and counters, the day-rollup sums and their read ([`report_counters!`]), and the
//! distribution-rollup upsert with its binder. How the rollups are written and read in bulk
//! (arrays on PostgreSQL) stays in `<backend>/report.rs`.

/// The report's group value for `$1` (the `group_by` name), in both dialects.
macro_rules! grp {
    () => {
        "CASE CAST($1 AS TEXT) WHEN 'service' THEN service WHEN 'lane' THEN lane \
         WHEN 'week' THEN week ELSE '' END"
    };
}
pub(crate) use grp;

/// The raw facts of one merchant (`$2`) registered in `[$3, $4)`, with the group value: the
/// scope of a report's raw edge pieces.
macro_rules! raw_scope {
    () => {
        concat!(
            "WITH f AS (SELECT *, ",
            $crate::store::sql::report::grp!(),
            " AS grp FROM shipment_facts \
             WHERE merchant_id = $2 AND created_at >= $3 AND created_at < $4) "
        )
    };
}
pub(crate) use raw_scope;

/// A raw edge piece's counters, in the shape of the `report_days` sums.
pub const RAW_COUNTERS: &str = concat!(
    raw_scope!(),
    "SELECT carrier, grp, COUNT(*) AS shipments, SUM(delivered) AS delivered, \
     SUM(first_attempt) AS first_attempt, SUM(exception) AS exceptions, \
     SUM(returned) AS returned, COUNT(on_time) AS with_eta, \
     COALESCE(SUM(on_time), 0) AS on_time, COALESCE(SUM(eta_in_window), 0) AS in_window, \
     COALESCE(SUM(ABS(eta_error_days)), 0) AS abs_err, \
     COALESCE(SUM(eta_error_days), 0) AS err, COUNT(first_scan_minutes) AS scanned, \
     COALESCE(SUM(first_scan_minutes), 0) AS fsm FROM f GROUP BY carrier, grp"
);

/// The report's day rollups summed per carrier and group (`$2` merchant, days `[$3, $4)`),
/// named as in `COUNTER_COLUMNS`; `CAST … AS BIGINT` because PostgreSQL sums `BIGINT` as
/// `NUMERIC`.
pub const ROLLUP_COUNTERS: &str = concat!(
    "SELECT carrier, ",
    grp!(),
    " AS grp, CAST(SUM(shipments) AS BIGINT) AS shipments, \
     CAST(SUM(delivered) AS BIGINT) AS delivered, \
     CAST(SUM(first_attempt) AS BIGINT) AS first_attempt, \
     CAST(SUM(exceptions) AS BIGINT) AS exceptions, CAST(SUM(returned) AS BIGINT) AS returned, \
     CAST(SUM(with_eta) AS BIGINT) AS with_eta, CAST(SUM(on_time) AS BIGINT) AS on_time, \
     CAST(SUM(in_window) AS BIGINT) AS in_window, CAST(SUM(abs_err) AS BIGINT) AS abs_err, \
     CAST(SUM(err) AS BIGINT) AS err, CAST(SUM(scanned) AS BIGINT) AS scanned, \
     CAST(SUM(fsm) AS BIGINT) AS fsm \
     FROM report_days WHERE merchant_id = $2 AND day >= $3 AND day < $4 GROUP BY 1, 2"
);

/// Defines, for a backend's pool and row types, the report's rollup-counter read
/// (`rollup_counters`, [`ROLLUP_COUNTERS`] over the plan's span of days) and the decoding of
/// a counters row (`counters_of`), shared by the rollup and raw pieces.
macro_rules! report_counters {
    ($pool:ty, $row:ty) => {
        fn counters_of(
            r: &$row,
        ) -> $crate::store::StoreResult<(String, String, [i64; $crate::domain::rollup::N_COUNTERS])>
        {
            use sqlx::Row as _;
            let mut v = [0; $crate::domain::rollup::N_COUNTERS];
            for (slot, name) in v.iter_mut().zip($crate::domain::rollup::COUNTER_COLUMNS) {
                *slot = r.try_get::<Option<i64>, _>(name)?.unwrap_or(0);
            }
            Ok((r.try_get("carrier")?, r.try_get("grp")?, v))
        }

        async fn rollup_counters(
            pool: &$pool,
            q: &$crate::domain::report::FactsQuery,
            p: &$crate::domain::rollup::Plan,
        ) -> $crate::store::StoreResult<Vec<$row>> {
            let Some((a, b)) = &p.span else {
                return Ok(Vec::new());
            };
            Ok(sqlx::query($crate::store::sql::report::ROLLUP_COUNTERS)
                .bind(q.group_by.as_str())
                .bind(&q.merchant_id)
                .bind(a)
                .bind(b)
                .fetch_all(pool)
                .await?)
        }
    };
}
pub(crate) use report_counters;

/// Adds to the report's distribution rollup from `$rows` (a `VALUES` list on SQLite, `UNNEST` over arrays on PostgreSQL),
/// columns in [`bind_hist!`] order.
macro_rules! upsert_hist_sql {
    ($rows:expr) => {
        concat!(
            "INSERT INTO report_hist (merchant_id, dim, month, carrier, grp, metric, bucket, n) ",
            $rows,
            " ON CONFLICT (merchant_id, dim, month, carrier, grp, metric, bucket) \
             DO UPDATE SET n = report_hist.n + EXCLUDED.n"
        )
    };
}
pub(crate) use upsert_hist_sql;

/// Binds the 8 columns of [`upsert_hist_sql!`] over `(key, count)` entries of a
/// `RollupDelta`'s histogram, like `sql::analytics::bind_facts!`.
macro_rules! bind_hist {
    ($query:expr, $col:ident) => {{
        use $crate::domain::rollup::HistKey as K;
        $query
            .bind($col!(|(k, _): (&K, &i64)| k.0.clone()))
            .bind($col!(|(k, _): (&K, &i64)| k.1))
            .bind($col!(|(k, _): (&K, &i64)| k.2.clone()))
            .bind($col!(|(k, _): (&K, &i64)| k.3.clone()))
            .bind($col!(|(k, _): (&K, &i64)| k.4.clone()))
            .bind($col!(|(k, _): (&K, &i64)| k.5))
            .bind($col!(|(k, _): (&K, &i64)| k.6))
            .bind($col!(|(_, n): (&K, &i64)| *n))
    }};
}
pub(crate) use bind_hist;
