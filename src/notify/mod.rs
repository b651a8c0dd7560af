//! Shopper notifications: the SMS providers and the message templates (the e-mail sender
//! lives beside them); what to send when is planned with the status change, in the outbox.

pub mod sms;
pub mod templates;
