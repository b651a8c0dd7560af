//! Shared test helpers: databases, the running app, carrier fixtures.

pub mod app;
pub mod db;
