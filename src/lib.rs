//! parcelgate: one tracking API over DHL, DPD and InPost. This crate builds the HTTP app,
//! the background workers and the store; `main.rs` is only the CLI around it.

pub mod engine;
pub mod store;
