//! Test databases: a fresh, migrated store per call, never shared between tests or runs.
//!
//! SQLite always: a file in its own temporary directory. PostgreSQL only when
//! `TEST_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`): a new database
//! `pg_<random>` is created through that URL for every store and dropped (`WITH (FORCE)`)
//! when the [`TestStore`] is dropped, so parallel tests and repeated runs never see each
//! other's rows and nothing accumulates on the server.

#![allow(dead_code)] // each test module uses a different subset

use std::sync::Arc;

use parcelgate::store::postgres::PgStore;
use parcelgate::store::sqlite::SqliteStore;
use parcelgate::store::Store;
use sqlx::{Connection, PgConnection};

/// The variable naming the PostgreSQL server to test against.
pub const POSTGRES_ENV: &str = "TEST_POSTGRES_URL";

/// A fresh, migrated store and whatever keeps its database alive.
pub struct TestStore {
    /// `"sqlite"` or `"postgres"`: for assertion messages.
    pub name: &'static str,
    /// URL of this store's database (to start the app against the same data).
    pub url: String,
    /// The store.
    pub store: Arc<dyn Store>,
    // Declared last so the store's pool is dropped before the database goes away.
    _guard: Guard,
}

impl std::ops::Deref for TestStore {
    type Target = dyn Store;

    fn deref(&self) -> &Self::Target {
        &*self.store
    }
}

/// Keeps a test database alive; removes it on drop.
enum Guard {
    /// The temporary directory holding the SQLite file.
    Sqlite(tempfile::TempDir),
    /// A database created on the test server.
    Postgres(PgDatabase),
}

/// A throwaway PostgreSQL database, dropped when this is.
struct PgDatabase {
    /// URL of the server's maintenance database we created it through.
    admin_url: String,
    /// Its name (`pg_<hex>`, safe to splice into SQL).
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on; a short-lived
        // thread with its own runtime does the async work. Best effort: a failure only
        // leaves an unused database behind.
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let dropper = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        });
        let _ = dropper.join();
    }
}

/// Every store the suite should run against: SQLite always, PostgreSQL when configured.
pub async fn stores() -> Vec<TestStore> {
    let mut all = vec![sqlite_store().await];
    all.extend(pg_store().await);
    all
}

/// A fresh, migrated SQLite store in its own temporary directory.
pub async fn sqlite_store() -> TestStore {
    let dir = tempfile::tempdir().expect("create temp dir");
    let url = format!("sqlite://{}", dir.path().join("parcelgate.db").display());
    let store = SqliteStore::connect(&url).await.expect("open sqlite store");
    store.migrate().await.expect("migrate sqlite");
    TestStore {
        name: "sqlite",
        url,
        store: Arc::new(store),
        _guard: Guard::Sqlite(dir),
    }
}

/// A fresh, migrated PostgreSQL store on a new database, or `None` when
/// `TEST_POSTGRES_URL` is not set.
pub async fn pg_store() -> Option<TestStore> {
    let Some(admin_url) = postgres_url() else {
        announce_postgres_skipped();
        return None;
    };
    let name = format!("pg_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV}: cannot connect: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let _ = admin.close().await;
    // From here on the guard drops the database even if a later step panics.
    let guard = Guard::Postgres(PgDatabase {
        admin_url: admin_url.clone(),
        name: name.clone(),
    });
    let url = with_database(&admin_url, &name);
    // A small pool: many tests run in parallel against one server.
    let store = PgStore::connect_with_pool_size(&url, 4)
        .await
        .expect("connect to test database");
    store.migrate().await.expect("migrate postgres");
    Some(TestStore {
        name: "postgres",
        url,
        store: Arc::new(store),
        _guard: guard,
    })
}

/// The PostgreSQL server to test against, when `TEST_POSTGRES_URL` names one.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty())
}

/// Says once per test binary, on the raw stderr handle (the harness captures `eprintln!` of
/// passing tests, so that would stay silent), that the PostgreSQL half did not run.
pub fn announce_postgres_skipped() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "note: {POSTGRES_ENV} is not set: the PostgreSQL half of this test binary was skipped \
             (SQLite only); set it, e.g. postgres://postgres@127.0.0.1:5432/test, to run both"
        );
    });
}

/// `url` pointing at database `name` instead (user, host, port and options kept).
fn with_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).unwrap_or_else(|e| panic!("{POSTGRES_ENV}: {e}"));
    u.set_path(&format!("/{name}"));
    u.to_string()
}
