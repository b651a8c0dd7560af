//! Applying carrier updates to shipments: the one pipeline every poll, webhook, feed batch
//! and gateway decision (expiry, stalls) goes through, its pure planning steps, the one
//! next-poll rule, and what follows a committed apply.

pub mod apply;
pub mod plan;
pub mod pushed;
pub mod schedule;

pub use apply::{apply_update, mark_stalled, ApplyOutcome, ApplyUpdates};
pub use pushed::{after_apply, apply_pushed};
pub use schedule::{next_poll_at, push_fed, PollDone, PollInput};
