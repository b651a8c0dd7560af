//! `PgStore`: PostgreSQL, for production and several gateway processes sharing one database.

use super::*;

/// The PostgreSQL implementation of [`Store`].
pub struct PgStore {
    pool: sqlx::PgPool,
}

impl PgStore {
    /// Connects.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(16).connect(url).await?;
        Ok(PgStore { pool })
    }
}
