//! Shipment facts: the SQL both dialects share, the
//! [`AnalyticsStore`](crate::store::AnalyticsStore) implementation over it
//! ([`analytics_impl!`]) and the facts writes of the update transaction ([`facts_writes!`]).
//! The report (`<backend>/report.rs`), bulk import, facts upserts and lane bumps (`UNNEST`
//! on PostgreSQL, one row at a time on SQLite) stay per backend.

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
            $crate::store::sql::analytics::grp!(),
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

/// A shipment's facts row.
pub const FACTS_OF: &str = "SELECT * FROM shipment_facts WHERE shipment_id = $1";
/// A merchant's facts, registered in a range, oldest first.
pub const FACTS_BETWEEN: &str = "SELECT * FROM shipment_facts WHERE merchant_id = $1 \
     AND created_at >= $2 AND created_at < $3 ORDER BY created_at, shipment_id";
/// Every delivered shipment's facts before an instant, oldest delivery first.
pub const DELIVERED_FACTS: &str = "SELECT * FROM shipment_facts \
     WHERE delivered_at IS NOT NULL AND delivered_at < $1 ORDER BY delivered_at, shipment_id";

/// Implements [`AnalyticsStore`](crate::store::AnalyticsStore) for a backend type with
/// `read()` and the inherent `summary` (the report) and `import` (bulk history).
macro_rules! analytics_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::AnalyticsStore for $store {
            async fn facts_summary(
                &self,
                q: &$crate::domain::report::FactsQuery,
            ) -> $crate::store::StoreResult<$crate::domain::report::FactsSummary> {
                self.summary(q).await
            }

            async fn facts_between(
                &self,
                merchant_id: &str,
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::ShipmentFacts>> {
                use $crate::store::rows::DbTime;
                let rows = sqlx::query_as($crate::store::sql::analytics::FACTS_BETWEEN)
                    .bind(merchant_id)
                    .bind(DbTime(from))
                    .bind(DbTime(to))
                    .fetch_all(self.read())
                    .await?;
                $crate::store::rows::analytics::facts(rows)
            }

            async fn shipment_facts(
                &self,
                shipment_id: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::ShipmentFacts>> {
                use $crate::store::rows::analytics::FactsRow;
                let row: Option<FactsRow> = sqlx::query_as($crate::store::sql::analytics::FACTS_OF)
                    .bind(shipment_id)
                    .fetch_optional(self.read())
                    .await?;
                row.map(TryFrom::try_from).transpose()
            }

            async fn delivered_facts(
                &self,
                before: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::ShipmentFacts>> {
                let rows = sqlx::query_as($crate::store::sql::analytics::DELIVERED_FACTS)
                    .bind($crate::store::rows::DbTime(before))
                    .fetch_all(self.read())
                    .await?;
                $crate::store::rows::analytics::facts(rows)
            }

            async fn import_history(
                &self,
                rows: &[($crate::domain::Shipment, $crate::domain::ShipmentFacts)],
            ) -> $crate::store::StoreResult<()> {
                self.import(rows).await
            }
        }
    };
}
pub(crate) use analytics_impl;

/// Defines, for a backend's `Transaction<'static, $db>`, the facts writes an update or a
/// delete makes inside its transaction: `stored_facts`, `record_facts` (rewrite the row and
/// move its share of the report rollups from the old row to the new one, bump the lane
/// rollup for a delivery) and `forget_facts` (before a delete). The backend file provides
/// `upsert_facts`, `apply_rollup` and `bump_lanes`.
macro_rules! facts_writes {
    ($db:ty) => {
        /// The stored facts row of a shipment, read inside a write transaction.
        pub(super) async fn stored_facts(
            tx: &mut sqlx::Transaction<'static, $db>,
            shipment_id: &str,
        ) -> $crate::store::StoreResult<Option<$crate::domain::ShipmentFacts>> {
            use $crate::store::rows::analytics::FactsRow;
            let row: Option<FactsRow> = sqlx::query_as($crate::store::sql::analytics::FACTS_OF)
                .bind(shipment_id)
                .fetch_optional(&mut **tx)
                .await?;
            row.map(TryFrom::try_from).transpose()
        }

        /// Rewrites a shipment's facts row and its shares of the rollups (the shipment row is
        /// locked by the update, so no one rewrites the facts meanwhile).
        pub(super) async fn record_facts(
            tx: &mut sqlx::Transaction<'static, $db>,
            facts: &$crate::domain::ShipmentFacts,
            bumps: &[$crate::store::LaneBump],
        ) -> $crate::store::StoreResult<()> {
            use $crate::domain::rollup::RollupDelta;
            let old = stored_facts(tx, &facts.shipment_id).await?;
            upsert_facts(tx, std::slice::from_ref(facts)).await?;
            let delta = RollupDelta::between(old.as_ref(), Some(facts));
            if !delta.is_empty() {
                apply_rollup(tx, &delta).await?;
            }
            let counts: Vec<_> = bumps
                .iter()
                .map(|(s, m, w)| (s.clone(), m.clone(), *w, 1))
                .collect();
            bump_lanes(tx, &counts).await
        }

        /// Takes a shipment's facts row out of the report rollups, inside the transaction
        /// that deletes the shipment (the facts row goes with it, ON DELETE CASCADE).
        pub(super) async fn forget_facts(
            tx: &mut sqlx::Transaction<'static, $db>,
            merchant_id: &str,
            shipment_id: &str,
        ) -> $crate::store::StoreResult<()> {
            use $crate::domain::rollup::RollupDelta;
            if let Some(old) = stored_facts(tx, shipment_id).await? {
                if old.merchant_id == merchant_id {
                    apply_rollup(tx, &RollupDelta::between(Some(&old), None)).await?;
                }
            }
            Ok(())
        }
    };
}
pub(crate) use facts_writes;
