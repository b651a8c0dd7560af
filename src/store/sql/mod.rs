//! The shared core of both backends: SQL that is the same in both dialects, written once as
//! constants with `$N` placeholders (sqlx-sqlite numbers `$N` like PostgreSQL), and the
//! store trait implementations that run it, written once as a macro per concern and
//! expanded into `SqliteStore` and `PgStore` (`<concern>_impl!(SqliteStore)`).
//!
//! Why a macro and not code generic over `sqlx::Database`: a generic store needs a wall of
//! higher-ranked bounds on every function (arguments, row decoding, executors, every bound
//! type) and an `Any` driver loses types; an expansion per backend is checked by the
//! compiler against that backend's own driver, with no bounds at all. Each expansion calls
//! `self.read()`, `self.write()` and `self.begin()`, which both stores define, and for what
//! truly differs (locking, upserts, arrays against JSON) an inherent method of the same name
//! in `sqlite/<concern>.rs` and `postgres/<concern>.rs`.

pub mod analytics;
pub mod budget;
pub mod inbox;
pub mod merchants;
pub mod outbox;
pub mod shipments;
pub mod stale;
pub mod subscriptions;
pub mod update;
