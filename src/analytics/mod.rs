//! Courier performance analytics: per-shipment facts, the carrier report (JSON and CSV),
//! exact percentiles, and the ETA backtest.

pub mod backtest;
pub mod facts;
pub mod percentile;
pub mod report;

pub use crate::store::analytics::GroupBy;
pub use report::{carrier_report, to_csv, CarrierReport, CarrierStats, Range};
