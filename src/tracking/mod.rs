//! Applying carrier updates to shipments: the one pipeline every poll, webhook, feed batch
//! and gateway decision (expiry) goes through, and what follows a committed apply.

pub mod pushed;

pub use pushed::{after_apply, apply_pushed};
