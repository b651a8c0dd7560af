//! The gateway's integration tests: one test binary, shared helpers in `gateway/common`.

// Test code: a failed unwrap is a failed test, which is what it should be.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::field_reassign_with_default
)]

mod api_contract;
mod common;
mod dhl_flow;
mod inpost_flow;
mod pages;
mod pages_dashboard;
mod pages_fixtures;
mod pages_lookup;
mod pages_store;
mod store_contract;
