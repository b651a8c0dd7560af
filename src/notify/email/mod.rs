//! Shopper e-mail over SMTP: settings from configuration, the MIME message, DKIM signing, the
//! pooled mailer with its failure classes, and an in-memory SMTP sink for tests and the demo.
//!
//! The notifier builds an [`OutgoingEmail`] per message and hands it to [`Mailer::send`];
//! the [`SendFailure`] it may get back says whether to suppress the address, fail the
//! message or retry later.

pub mod compose;
pub mod dkim;
mod pool;
pub mod settings;
pub mod sink;
pub mod transport;
pub mod warnings;

pub use compose::{compose, stable_message_id, ComposeError, OutgoingEmail};
pub use dkim::{DkimAlgorithm, DkimError, DkimSigner};
pub use settings::{
    parse_mailbox, EmailSettings, EmailSettingsError, MailboxError, MessageClass, SmtpSecurity,
    SmtpSettings, SmtpUrlError,
};
pub use sink::{ReceivedEmail, Rejection, SinkOptions, SinkTimeout, SmtpSink, Stage};
pub use transport::{Delivered, Mailer, SendFailure};

/// A display name and an address (`Shop <noreply@shop.example>`).
pub use lettre::message::Mailbox;
/// An e-mail address (re-exported so callers need no direct lettre import).
pub use lettre::Address;
