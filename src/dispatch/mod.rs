//! Status-change callbacks out: the payload, Standard Webhooks signing, SSRF protection, the
//! retry schedule, the shopper's contact for merchants that opt in, and the worker that
//! drains the outbox.
//!
//! Ordering rule: for one shipment and one subscription, deliveries go out in the order the
//! changes were recorded (`deliveries.seq`); a delivery is not attempted while an earlier one
//! of the same pair is still pending, so a later change is never delivered before an earlier
//! one has succeeded or died. Different shipments, and different subscriptions, never wait
//! for each other. A retry by hand or a replay is a new attempt at the head of its queue
//! position (`seq` of a replay is after everything already enqueued).

pub mod contact;
pub mod payload;
pub mod schedule;
pub mod sealing;
pub mod sender;
pub mod signing;
pub mod ssrf;
pub mod worker;
