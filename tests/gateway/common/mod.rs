//! Shared test helpers: databases, the running app, carrier fixtures and snapshots.

pub mod app;
pub mod db;
pub mod notify;
pub mod snapshots;
