//! Shopper notifications: the messages the gateway itself sends to shoppers on status
//! changes: e-mail over SMTP, SMS through a provider's HTTP API, and the templates both are
//! rendered from. What to send when is planned with the status change, in the outbox.

pub mod contact;
pub mod email;
pub mod prepare;
pub mod shipment_context;
pub mod sms;
pub mod templates;
pub mod unsubscribe;
