//! The timeline engine: merging carrier snapshots into a shipment's timeline, deriving the
//! current status, and the progress steps shown to shoppers.

pub mod merge;
pub mod progress;
pub mod schedule;

pub use merge::{merge_snapshot, CurrentState, MergePlan, StatusChange};
