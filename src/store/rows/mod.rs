//! Row types both backends decode and bind alike. The columns differ between the dialects
//! only in how an instant and a small integer are stored, so two newtypes carry that
//! difference and one `#[derive(sqlx::FromRow)]` row type serves `SqliteRow` and `PgRow`:
//!
//! - [`DbTime`]: INTEGER microseconds since the epoch on SQLite (exact ordering, cheap range
//!   scans), `TIMESTAMPTZ` on PostgreSQL;
//! - [`DbCount`]: a non-negative count, `INTEGER` (64-bit) on SQLite, `INTEGER` (32-bit) on
//!   PostgreSQL;
//! - [`DbInt`]: a signed 32-bit value (UTC offsets, working days) in the same columns.
//!
//! Booleans need no newtype: sqlx stores `bool` as 0/1 on SQLite and as `BOOLEAN` on
//! PostgreSQL, and SQL written `WHERE enabled` reads the same in both.

pub mod analytics;
pub mod callbacks;
pub mod notify;
pub mod shipments;

use chrono::{DateTime, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Postgres, Sqlite, Type};

/// An instant as each backend stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DbTime(pub DateTime<Utc>);

/// A non-negative count as each backend stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DbCount(pub u32);

/// A signed 32-bit value as each backend stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DbInt(pub i32);

impl DbTime {
    /// An optional instant, for binding.
    pub fn opt(t: Option<DateTime<Utc>>) -> Option<DbTime> {
        t.map(DbTime)
    }
}

/// Reads back an optional stored instant.
pub fn time(t: Option<DbTime>) -> Option<DateTime<Utc>> {
    t.map(|t| t.0)
}

/// Defines the decoders of a row type into its domain type: `$all` for a `Vec` of rows and,
/// when named, `$one` for an optional row (a miss stays `None`; a corrupt row is an error).
macro_rules! decoders {
    ($row:ty => $domain:ty, $all:ident) => {
        /// Decodes rows.
        pub fn $all(rows: Vec<$row>) -> $crate::store::StoreResult<Vec<$domain>> {
            rows.into_iter().map(<$domain>::try_from).collect()
        }
    };
    ($row:ty => $domain:ty, $all:ident, $one:ident) => {
        $crate::store::rows::decoders!($row => $domain, $all);

        /// Decodes an optional row.
        pub fn $one(row: Option<$row>) -> $crate::store::StoreResult<Option<$domain>> {
            row.map(<$domain>::try_from).transpose()
        }
    };
}
pub(crate) use decoders;

/// Implements `Type`, `Encode` and `Decode` of a newtype for one driver through the type
/// the driver stores it as (`$via`), converting with `$to` / `$from`.
macro_rules! stored_as {
    ($ty:ty, $db:ty, $via:ty, $to:expr, $from:expr) => {
        impl Type<$db> for $ty {
            fn type_info() -> <$db as Database>::TypeInfo {
                <$via as Type<$db>>::type_info()
            }

            fn compatible(ty: &<$db as Database>::TypeInfo) -> bool {
                <$via as Type<$db>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, $db> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut <$db as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                let to: fn(&$ty) -> Result<$via, BoxDynError> = $to;
                <$via as Encode<'q, $db>>::encode(to(self)?, buf)
            }
        }

        impl<'r> Decode<'r, $db> for $ty {
            fn decode(value: <$db as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let from: fn($via) -> Result<$ty, BoxDynError> = $from;
                from(<$via as Decode<'r, $db>>::decode(value)?)
            }
        }
    };
}

stored_as!(DbTime, Sqlite, i64, |t| Ok(t.0.timestamp_micros()), |v| {
    DateTime::from_timestamp_micros(v)
        .map(DbTime)
        .ok_or_else(|| format!("instant out of range: {v} µs").into())
});
stored_as!(DbTime, Postgres, DateTime<Utc>, |t| Ok(t.0), |v| Ok(
    DbTime(v)
));
stored_as!(DbCount, Sqlite, i64, |c| Ok(i64::from(c.0)), |v| Ok(
    DbCount(u32::try_from(v.max(0)).unwrap_or(u32::MAX))
));
stored_as!(
    DbCount,
    Postgres,
    i32,
    |c| Ok(i32::try_from(c.0).unwrap_or(i32::MAX)),
    |v| Ok(DbCount(u32::try_from(v).unwrap_or(0)))
);
stored_as!(DbInt, Sqlite, i64, |c| Ok(i64::from(c.0)), |v| Ok(DbInt(
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
)));
stored_as!(DbInt, Postgres, i32, |c| Ok(c.0), |v| Ok(DbInt(v)));

/// PostgreSQL arrays of the newtypes (the bulk writes bind `UNNEST` column arrays).
impl sqlx::postgres::PgHasArrayType for DbTime {
    fn array_type_info() -> sqlx::postgres::PgTypeInfo {
        <DateTime<Utc> as sqlx::postgres::PgHasArrayType>::array_type_info()
    }
}

/// See [`DbTime`]'s array type.
impl sqlx::postgres::PgHasArrayType for DbInt {
    fn array_type_info() -> sqlx::postgres::PgTypeInfo {
        <i32 as sqlx::postgres::PgHasArrayType>::array_type_info()
    }
}
