//! Shipment facts: the SQL both dialects share, the
//! [`AnalyticsStore`](crate::store::AnalyticsStore) implementation over it
//! ([`analytics_impl!`]), the facts writes of the update transaction ([`facts_writes!`]) and
//! the column binders of the bulk writes. The report's shared SQL is in `report.rs`; what
//! stays per backend is where rows come from (`UNNEST` over arrays on PostgreSQL, one row
//! per statement on SQLite) and the lane bumps.

/// Deliveries per working-day count of four lane scopes (`$1`–`$4`) since a month (`$5`).
pub const LANE_HISTORY: &str = "SELECT scope_key, wd, CAST(SUM(n) AS BIGINT) AS n \
     FROM lane_transit WHERE scope_key IN ($1, $2, $3, $4) AND month >= $5 \
     GROUP BY scope_key, wd";

/// A shipment's facts row.
pub const FACTS_OF: &str = "SELECT * FROM shipment_facts WHERE shipment_id = $1";
/// A merchant's facts, registered in a range, oldest first.
pub const FACTS_BETWEEN: &str = "SELECT * FROM shipment_facts WHERE merchant_id = $1 \
     AND created_at >= $2 AND created_at < $3 ORDER BY created_at, shipment_id";
/// Every delivered shipment's facts before an instant, oldest delivery first.
pub const DELIVERED_FACTS: &str = "SELECT * FROM shipment_facts \
     WHERE delivered_at IS NOT NULL AND delivered_at < $1 ORDER BY delivered_at, shipment_id";

/// Writes facts rows from `$rows` (a `VALUES` list on SQLite, `UNNEST` over arrays on
/// PostgreSQL), columns in [`bind_facts!`] order. A rewrite keeps the carrier's first
/// announced window (`COALESCE` with the stored one), so on-time figures measure the promise
/// the shopper saw first.
macro_rules! upsert_facts_sql {
    ($rows:expr) => {
        concat!(
            "INSERT INTO shipment_facts (shipment_id, merchant_id, carrier, service, lane, \
             week, created_at, first_scan_at, delivered_at, status, transit_minutes, \
             transit_wd, first_scan_minutes, delivered, first_attempt, exception, returned, \
             eta_source, eta_from, eta_to, carrier_eta_from, carrier_eta_to, on_time, \
             eta_in_window, eta_error_days) ",
            $rows,
            " ON CONFLICT (shipment_id) DO UPDATE SET service = EXCLUDED.service, \
             lane = EXCLUDED.lane, first_scan_at = EXCLUDED.first_scan_at, \
             delivered_at = EXCLUDED.delivered_at, status = EXCLUDED.status, \
             transit_minutes = EXCLUDED.transit_minutes, transit_wd = EXCLUDED.transit_wd, \
             first_scan_minutes = EXCLUDED.first_scan_minutes, delivered = EXCLUDED.delivered, \
             first_attempt = EXCLUDED.first_attempt, exception = EXCLUDED.exception, \
             returned = EXCLUDED.returned, eta_source = EXCLUDED.eta_source, \
             eta_from = EXCLUDED.eta_from, eta_to = EXCLUDED.eta_to, on_time = EXCLUDED.on_time, \
             carrier_eta_from = COALESCE(shipment_facts.carrier_eta_from, EXCLUDED.carrier_eta_from), \
             carrier_eta_to = COALESCE(shipment_facts.carrier_eta_to, EXCLUDED.carrier_eta_to), \
             eta_in_window = EXCLUDED.eta_in_window, eta_error_days = EXCLUDED.eta_error_days"
        )
    };
}
pub(crate) use upsert_facts_sql;

/// Binds the 25 columns of [`upsert_facts_sql!`] to `$query`, each value made by
/// `$col!(closure over &ShipmentFacts)`: the backend's `$col` applies it to one row (SQLite)
/// or collects it over a chunk into an array (PostgreSQL), so the column list is written once.
macro_rules! bind_facts {
    ($query:expr, $col:ident) => {{
        use $crate::domain::ShipmentFacts as F;
        use $crate::store::rows::analytics::{flag_of, small, source_name};
        use $crate::store::rows::DbTime;
        $query
            .bind($col!(|f: &F| f.shipment_id.clone()))
            .bind($col!(|f: &F| f.merchant_id.clone()))
            .bind($col!(|f: &F| f.carrier.as_str().to_string()))
            .bind($col!(|f: &F| f.service.clone()))
            .bind($col!(|f: &F| f.lane.clone()))
            .bind($col!(|f: &F| f.week.clone()))
            .bind($col!(|f: &F| DbTime(f.created_at)))
            .bind($col!(|f: &F| DbTime::opt(f.first_scan_at)))
            .bind($col!(|f: &F| DbTime::opt(f.delivered_at)))
            .bind($col!(|f: &F| f.status.as_str().to_string()))
            .bind($col!(|f: &F| small(f.transit_minutes)))
            .bind($col!(|f: &F| small(f.transit_wd)))
            .bind($col!(|f: &F| small(f.first_scan_minutes)))
            .bind($col!(|f: &F| flag_of(f.delivered())))
            .bind($col!(|f: &F| flag_of(f.first_attempt)))
            .bind($col!(|f: &F| flag_of(f.exception)))
            .bind($col!(|f: &F| flag_of(f.returned)))
            .bind($col!(|f: &F| f
                .eta_source
                .map(|s| source_name(s).to_string())))
            .bind($col!(|f: &F| DbTime::opt(f.eta_from)))
            .bind($col!(|f: &F| DbTime::opt(f.eta_to)))
            .bind($col!(|f: &F| DbTime::opt(f.carrier_eta_from)))
            .bind($col!(|f: &F| DbTime::opt(f.carrier_eta_to)))
            .bind($col!(|f: &F| f.on_time.map(flag_of)))
            .bind($col!(|f: &F| f.eta_in_window.map(flag_of)))
            .bind($col!(|f: &F| small(f.eta_error_days)))
    }};
}
pub(crate) use bind_facts;

/// Inserts finished shipments of a history import from `$rows` (as in
/// [`upsert_facts_sql!`]), columns in [`bind_imported!`] order; an id already stored is kept.
macro_rules! import_shipments_sql {
    ($rows:expr) => {
        concat!(
            "INSERT INTO shipments (id, merchant_id, carrier, tracking_number, order_ref, \
             service, origin_country, destination_country, destination_postal_code, \
             public_token, status, substatus, status_changed_at, last_event_at, details, eta, \
             original_eta, created_at, updated_at) ",
            $rows,
            " ON CONFLICT DO NOTHING"
        )
    };
}
pub(crate) use import_shipments_sql;

/// Binds the 19 columns of [`import_shipments_sql!`], like [`bind_facts!`].
macro_rules! bind_imported {
    ($query:expr, $col:ident) => {{
        use $crate::domain::Shipment as S;
        use $crate::store::codec;
        use $crate::store::rows::DbTime;
        $query
            .bind($col!(|s: &S| s.id.clone()))
            .bind($col!(|s: &S| s.merchant_id.clone()))
            .bind($col!(|s: &S| s.carrier.as_str().to_string()))
            .bind($col!(|s: &S| s.tracking_number.clone()))
            .bind($col!(|s: &S| s.order_ref.clone()))
            .bind($col!(|s: &S| s.service.clone()))
            .bind($col!(|s: &S| s.origin_country.clone()))
            .bind($col!(|s: &S| s.destination_country.clone()))
            .bind($col!(|s: &S| s.destination_postal_code.clone()))
            .bind($col!(|s: &S| s.public_token.clone()))
            .bind($col!(|s: &S| s.status.as_str().to_string()))
            .bind($col!(|s: &S| s.substatus.clone()))
            .bind($col!(|s: &S| DbTime::opt(s.status_changed_at)))
            .bind($col!(|s: &S| DbTime::opt(s.last_event_at)))
            .bind($col!(|s: &S| codec::to_json(&s.details)))
            .bind($col!(|s: &S| s.eta.as_ref().map(codec::to_json)))
            .bind($col!(|s: &S| s.original_eta.as_ref().map(codec::to_json)))
            .bind($col!(|s: &S| DbTime(s.created_at)))
            .bind($col!(|s: &S| DbTime(s.updated_at)))
    }};
}
pub(crate) use bind_imported;

/// Implements [`AnalyticsStore`](crate::store::AnalyticsStore) for a backend type with
/// `read()` and `begin()`, in a module that has the backend's report (`report::summary`),
/// the [`facts_writes!`] and `apply_rollup` / `bump_lanes`. `chunk` is how many rows one
/// statement of a history import writes (thousands in one `UNNEST`; one at a time anyway on
/// SQLite, where the chunk only bounds the batch in memory).
macro_rules! analytics_impl {
    ($store:ty, chunk: $chunk:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::AnalyticsStore for $store {
            async fn facts_summary(
                &self,
                q: &$crate::domain::report::FactsQuery,
            ) -> $crate::store::StoreResult<$crate::domain::report::FactsSummary> {
                super::report::summary(self.read(), q).await
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
                use $crate::domain::ShipmentFacts;
                let mut tx = self.begin().await?;
                // One delta for the whole call, written once at the end: sorted keys, like a
                // single apply, so an import and concurrent applies lock rollup rows in the
                // same order.
                let mut delta = $crate::domain::rollup::RollupDelta::default();
                for chunk in rows.chunks($chunk) {
                    import_chunk(&mut tx, chunk, &mut delta).await?;
                }
                apply_rollup(&mut tx, &delta).await?;
                let facts: Vec<ShipmentFacts> = rows.iter().map(|(_, f)| f.clone()).collect();
                bump_lanes(&mut tx, &$crate::store::analytics::rollup_counts(&facts)).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use analytics_impl;

/// Defines, for a backend's `Transaction<'static, $db>`, the facts writes an update or a
/// delete makes inside its transaction: `stored_facts`, `record_facts` (rewrite the row and
/// move its share of the report rollups from the old row to the new one, bump the lane
/// rollup for a delivery) and `forget_facts` (before a delete). The backend file provides
/// `upsert_facts`, `apply_rollup` and `bump_lanes`, and for the history import
/// (`import_chunk`, which the backend's `import` calls) `insert_shipments` and
/// `replaced_facts`.
macro_rules! facts_writes {
    ($db:ty) => {
        /// The delivered history of a lane's four scopes since `since` (`YYYY-MM`).
        pub(super) async fn lane_history(
            tx: &mut sqlx::Transaction<'static, $db>,
            key: &$crate::domain::lane::LaneKey,
            since: &str,
        ) -> $crate::store::StoreResult<$crate::domain::lane::LaneHistory> {
            use sqlx::Row as _;
            use $crate::domain::lane::{Histogram, LaneHistory};
            let scopes = key.scopes();
            let rows = sqlx::query($crate::store::sql::analytics::LANE_HISTORY)
                .bind(&scopes[0].1)
                .bind(&scopes[1].1)
                .bind(&scopes[2].1)
                .bind(&scopes[3].1)
                .bind(since)
                .fetch_all(&mut **tx)
                .await?;
            let mut levels: Vec<(_, Histogram)> = scopes
                .iter()
                .map(|(s, _)| (*s, Histogram::default()))
                .collect();
            for r in &rows {
                let scope: String = r.try_get("scope_key")?;
                let wd: $crate::store::rows::DbInt = r.try_get("wd")?;
                let n: i64 = r.try_get("n")?;
                if let Some(i) = scopes.iter().position(|(_, k)| *k == scope) {
                    levels[i].1.add(wd.0.max(0) as u32, n.max(0) as u64);
                }
            }
            Ok(LaneHistory { levels })
        }

        /// The stored facts row of a shipment, read inside a write transaction.
        pub(super) async fn stored_facts(
            tx: &mut sqlx::Transaction<'static, $db>,
            shipment_id: &str,
        ) -> $crate::store::StoreResult<Option<$crate::domain::ShipmentFacts>> {
            use $crate::store::rows::analytics::FactsRow;
            let row: Option<FactsRow> = run!(opt &mut **tx,
                $crate::store::sql::analytics::FACTS_OF, shipment_id
            );
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

        /// Writes one chunk of a history import (shipments, facts and the facts' shares of
        /// the report rollups) into the import's transaction and delta.
        pub(super) async fn import_chunk(
            tx: &mut sqlx::Transaction<'static, $db>,
            chunk: &[($crate::domain::Shipment, $crate::domain::ShipmentFacts)],
            delta: &mut $crate::domain::rollup::RollupDelta,
        ) -> $crate::store::StoreResult<()> {
            let shipments: Vec<&$crate::domain::Shipment> = chunk.iter().map(|(s, _)| s).collect();
            insert_shipments(tx, &shipments).await?;
            let facts: Vec<$crate::domain::ShipmentFacts> =
                chunk.iter().map(|(_, f)| f.clone()).collect();
            // Rows replaced (re-imported ids) leave the rollups before the new ones enter.
            for old in replaced_facts(tx, &facts).await? {
                delta.add(&old, -1);
            }
            for f in &facts {
                delta.add(f, 1);
            }
            upsert_facts(tx, &facts).await
        }
    };
}
pub(crate) use facts_writes;
