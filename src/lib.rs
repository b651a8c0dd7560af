//! parcelgate: one tracking API over DHL, DPD and InPost. This crate builds the HTTP app,
//! the background workers and the store; `main.rs` is only the CLI around it.

pub mod analytics;
pub mod api;
pub mod app;
pub mod cache;
pub mod config;
pub mod demo;
pub mod dispatch;
pub mod domain;
pub mod engine;
pub mod error;
pub mod history;
pub mod inbound;
pub mod metrics;
pub mod notify;
pub mod pages;
pub mod sandbox;
pub mod state;
pub mod store;
pub mod tracking;
pub mod workers;
