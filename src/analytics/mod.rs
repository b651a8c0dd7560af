//! Courier performance analytics: per-shipment facts, the carrier report (JSON and CSV) and
//! its exact reference, percentiles and hour buckets, and the ETA backtest.

pub mod backtest;

pub mod exact;
pub mod facts;

pub mod report;

pub use crate::store::analytics::GroupBy;
pub use report::{carrier_report, to_csv, CarrierReport, CarrierStats, Range};
