//! parcelgate: one tracking API over DHL, DPD and InPost. This crate builds the HTTP app,
//! the background workers and the store; `main.rs` is only the CLI around it.

pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod config;
pub mod engine;
pub mod error;
pub mod feed;
pub mod inbound;
pub mod metrics;
pub mod pages;
pub mod poller;
pub mod ratelimit;
pub mod store;
pub mod workers;
