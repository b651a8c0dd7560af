//! Shopper e-mail over SMTP: settings from configuration, the MIME message, DKIM signing, the
//! pooled mailer with its failure classes, and an in-memory SMTP sink for tests and the demo.

pub mod compose;
pub mod dkim;
pub mod settings;
pub mod sink;

pub use compose::{compose, stable_message_id, ComposeError, OutgoingEmail};
pub use dkim::{DkimAlgorithm, DkimError, DkimSigner};
pub use settings::{
    parse_mailbox, EmailSettings, EmailSettingsError, MailboxError, MessageClass, SmtpSecurity,
    SmtpSettings, SmtpUrlError,
};
pub use sink::{ReceivedEmail, Rejection, SinkOptions, SmtpSink, Stage};

/// An e-mail address (re-exported so callers need no direct lettre import).
pub use lettre::Address;
/// A display name and an address (`Shop <noreply@shop.example>`).
pub use lettre::message::Mailbox;
