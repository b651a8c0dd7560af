//! The timeline engine: merging carrier snapshots into a shipment's timeline, deriving the
//! current status, the progress steps shown to shoppers, and ETAs (working days, holidays).

pub mod eta;
pub mod holidays;
pub mod merge;
pub mod progress;
pub mod schedule;
pub mod working_days;

pub use merge::{merge_snapshot, CurrentState, MergePlan, StatusChange};
