//! Decoding helpers shared by both backends: enum names and JSON columns back to types.

use carriers::{CarrierId, Status, TzSource};
use serde::de::DeserializeOwned;

use super::{StoreError, StoreResult};

/// Parses a stored status name.
pub fn status(s: &str) -> StoreResult<Status> {
    Status::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown status {s:?}")))
}

/// Parses a stored carrier id.
pub fn carrier(s: &str) -> StoreResult<CarrierId> {
    CarrierId::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown carrier {s:?}")))
}

/// Parses a stored time-zone source.
pub fn tz_source(s: &str) -> TzSource {
    if s == "carrier" {
        TzSource::Carrier
    } else {
        TzSource::Assumed
    }
}

/// Parses a JSON column.
pub fn json<T: DeserializeOwned>(column: &str, s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Parses an optional JSON column.
pub fn json_opt<T: DeserializeOwned>(column: &str, s: Option<String>) -> StoreResult<Option<T>> {
    s.map(|s| json(column, &s)).transpose()
}

/// Serializes a value for a JSON column.
pub fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}
