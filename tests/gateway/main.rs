//! The gateway's integration tests: one test binary, shared helpers in `gateway/common`.

// Test code: a failed unwrap is a failed test, which is what it should be.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::field_reassign_with_default
)]

mod analytics_api;
mod analytics_rollup;
mod api_contract;
mod callbacks_api;
mod callbacks_crash;
mod callbacks_flow;
mod callbacks_receiver;
mod callbacks_store;
mod cli;
mod common;
mod demo;
mod dhl_flow;
mod dpd_flow;
mod eta_predict;
mod harness;
mod ingest;
mod inpost_flow;
mod notify_callbacks;
mod notify_email;
mod notify_merchant;
mod notify_merchant_rate;
mod notify_outcomes;
mod notify_proof;
mod notify_store;
mod notify_templates;
mod notify_timed;
mod pages;
mod pages_dashboard;
mod pages_fixtures;
mod pages_lookup;
mod pages_store;
mod read_cache;
mod scale_out;
mod shutdown;
mod stale;
mod store_contract;
