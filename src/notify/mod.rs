//! Shopper notifications: the messages the gateway itself sends to shoppers on status changes.
pub mod email;
