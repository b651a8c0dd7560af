//! The shared core of both backends: SQL that is the same in both dialects, written once as
//! constants with `$N` placeholders (sqlx-sqlite numbers `$N` like PostgreSQL), and the
//! store trait implementations that run it, written once as a macro per concern and
//! expanded into `SqliteStore` and `PgStore` (`<concern>_impl!(SqliteStore)`).
//!
//! Why a macro and not code generic over `sqlx::Database`: a generic store needs a wall of
//! higher-ranked bounds on every function (arguments, row decoding, executors, every bound
//! type) and an `Any` driver loses types; an expansion per backend is checked by the
//! compiler against that backend's own driver, with no bounds at all. Each expansion calls
//! `self.read()`, `self.write()` and `self.begin()`, which both stores define, and for what
//! truly differs (locking, upserts, arrays against JSON) an inherent method of the same name
//! in `sqlite/<concern>.rs` and `postgres/<concern>.rs`.

pub mod analytics;
pub mod budget;
pub mod inbox;
pub mod merchants;
pub mod notify;
pub mod outbox;
pub mod report;
pub mod shipments;
pub mod stale;
pub mod subscriptions;
pub mod update;

/// Runs a lease claim, a backend's statement with `$1` = lease until, `$2` = now and
/// `$3` = limit that returns the claimed rows, in a write transaction of its own; evaluates
/// to the rows (the caller names their type).
macro_rules! claim_rows {
    ($store:expr, $sql:expr, $now:expr, $lease_until:expr, $limit:expr) => {{
        use $crate::store::rows::DbTime;
        let mut tx = $store.begin().await?;
        let rows = sqlx::query_as($sql)
            .bind(DbTime($lease_until))
            .bind(DbTime($now))
            .bind(i64::from($limit))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows
    }};
}
pub(crate) use claim_rows;

/// Runs `$sql` on `$on` (a pool or a connection) with each argument bound in order, `?` on
/// failure, and evaluates to what the fetch gives: `run!(exec …)` the rows affected,
/// `run!(all …)` / `run!(opt …)` / `run!(one …)` decoded rows (the caller names their type),
/// `run!(scalar …)` / `run!(scalar_opt …)` one column. One line per statement instead of a
/// bind chain per method, so the statements read as what they do.
macro_rules! run {
    (exec $on:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        sqlx::query($sql)$(.bind($arg))*.execute($on).await?.rows_affected()
    };
    (all $on:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        sqlx::query_as($sql)$(.bind($arg))*.fetch_all($on).await?
    };
    (opt $on:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        sqlx::query_as($sql)$(.bind($arg))*.fetch_optional($on).await?
    };
    (one $on:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        sqlx::query_as($sql)$(.bind($arg))*.fetch_one($on).await?
    };
    (scalar $on:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        sqlx::query_scalar($sql)$(.bind($arg))*.fetch_one($on).await?
    };
    (scalar_opt $on:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        sqlx::query_scalar($sql)$(.bind($arg))*.fetch_optional($on).await?
    };
}
pub(crate) use run;
