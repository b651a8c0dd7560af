//! The mailer: composes, signs and sends shopper e-mail over a pool of lettre SMTP
//! connections built from [`EmailSettings`], and sorts the server's answer into what the
//! caller must do (suppress the address, mark the message failed, or retry later).

use std::error::Error as _;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::compose::{compose, OutgoingEmail};
use super::pool::{ConnectionPool, Connector, PoolError, Security, IDLE_TIMEOUT};
use super::settings::{EmailSettings, MessageClass, SmtpSecurity, SmtpSettings, SmtpUrlError};

/// The server took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The reply code (250).
    pub code: u16,
    /// The server's answer, all lines joined (`2.0.0 Ok: queued as 4F2A…`).
    pub answer: String,
}

/// Why a message was not sent, sorted by what the caller does next. `answer` is the server's
/// reply (code and text) or the local error, for the message log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendFailure {
    /// A permanent refusal of the recipient's address (5xx with enhanced status 5.1.x, the
    /// address part of RFC 3463, except 5.1.7/5.1.8 which are about the sender): add the
    /// address to the suppression list.
    #[error("recipient refused: {answer}")]
    Suppress {
        /// The reply code (550, 551, 553…).
        code: u16,
        /// The server's answer.
        answer: String,
    },
    /// A permanent refusal of this message (policy or content, 5.7.x at DATA, or a 5xx
    /// without an address status): mark it failed, keep the address.
    #[error("message refused: {answer}")]
    Rejected {
        /// The reply code.
        code: u16,
        /// The server's answer.
        answer: String,
    },
    /// A temporary failure (4xx, timeout, connection refused or lost, TLS): try again later.
    #[error("temporary failure: {answer}")]
    Retry {
        /// The reply code when the server answered (421, 451, 452…).
        code: Option<u16>,
        /// The server's answer or the local error.
        answer: String,
    },
    /// The message could not be built from the notification (a bad Message-ID, URL or
    /// language): sending it again cannot help.
    #[error("message not built: {reason}")]
    Invalid {
        /// What was wrong.
        reason: String,
    },
}

impl SendFailure {
    /// The answer for the message log.
    pub fn answer(&self) -> &str {
        match self {
            SendFailure::Suppress { answer, .. }
            | SendFailure::Rejected { answer, .. }
            | SendFailure::Retry { answer, .. } => answer,
            SendFailure::Invalid { reason } => reason,
        }
    }

    /// True for [`SendFailure::Retry`].
    pub fn is_retryable(&self) -> bool {
        matches!(self, SendFailure::Retry { .. })
    }
}

/// Sends shopper e-mail through one SMTP server. Cloning shares the pool.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    pool: ConnectionPool,
    /// lettre's own pooled transport, built on first use ([`Mailer::lettre_pool_send`]).
    raw: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
    settings: EmailSettings,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("smtp", &self.inner.settings.smtp.to_string())
            .field("pool_size", &self.inner.settings.pool_size)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Builds the mailer; no connection is opened until the first send.
    pub fn new(settings: EmailSettings) -> Result<Mailer, SmtpUrlError> {
        let connector = connector(&settings.smtp, settings.timeout)?;
        Ok(Mailer {
            inner: Arc::new(Inner {
                pool: ConnectionPool::new(connector, settings.pool_size),
                raw: OnceLock::new(),
                settings,
            }),
        })
    }

    /// The settings it was built from.
    pub fn settings(&self) -> &EmailSettings {
        &self.inner.settings
    }

    /// The configured sender for a class of message (`email.from` / `email.marketing_from`).
    pub fn sender(&self, class: MessageClass) -> &Mailbox {
        self.inner.settings.sender(class)
    }

    /// Composes, signs (when DKIM is configured) and sends one message. Waits for a free
    /// connection when `pool_size` sends are already under way.
    pub async fn send(&self, email: &OutgoingEmail) -> Result<Delivered, SendFailure> {
        let mut message = compose(email).map_err(|e| SendFailure::Invalid {
            reason: e.to_string(),
        })?;
        if let Some(dkim) = &self.inner.settings.dkim {
            dkim.sign(&mut message);
        }
        let bytes = message.formatted();
        let response = self.inner.pool.send(message.envelope(), &bytes).await;
        response.map(|r| delivered(&r)).map_err(|e| self.failure(e))
    }

    fn failure(&self, error: PoolError) -> SendFailure {
        match error {
            PoolError::Smtp(e) => classify(&e),
            PoolError::Timeout(during) => SendFailure::Retry {
                code: None,
                answer: format!("timed out after {:?} {during}", self.inner.settings.timeout),
            },
            PoolError::Io(answer) => SendFailure::Retry { code: None, answer },
            PoolError::Closed => SendFailure::Retry {
                code: None,
                answer: "the mailer is shut down".into(),
            },
        }
    }

    /// Sends a ready message over the same pool without composing or signing: lettre's SMTP
    /// exchange alone, the benchmark's baseline for what compose, DKIM and the caller's state
    /// cost on top.
    pub async fn raw_send(&self, message: Message) -> Result<Delivered, SendFailure> {
        let bytes = message.formatted();
        let response = self.inner.pool.send(message.envelope(), &bytes).await;
        response.map(|r| delivered(&r)).map_err(|e| self.failure(e))
    }

    /// Sends a ready message through lettre's own pooled `AsyncSmtpTransport` (built on first
    /// use with the same server and settings). Not used for notifications (see the pool's
    /// notes): on loopback it waits out a delayed ACK per message, which the benchmark can
    /// show beside [`Self::raw_send`].
    pub async fn lettre_pool_send(&self, message: Message) -> Result<Delivered, SendFailure> {
        let transport = match self.inner.raw.get() {
            Some(t) => t,
            None => {
                let t = raw_transport(&self.inner.settings).map_err(|e| SendFailure::Invalid {
                    reason: e.to_string(),
                })?;
                self.inner.raw.get_or_init(|| t)
            }
        };
        match transport.send(message).await {
            Ok(response) => Ok(delivered(&response)),
            Err(e) => Err(classify(&e)),
        }
    }

    /// Opens (or reuses) a connection and checks that the server answers, for a start-up
    /// check that names a wrong host or password before the first shopper is waiting.
    pub async fn test_connection(&self) -> Result<(), SendFailure> {
        self.inner.pool.check().await.map_err(|e| self.failure(e))
    }

    /// Connections idle in the pool now.
    pub fn idle_connections(&self) -> usize {
        self.inner.pool.idle_count()
    }

    /// Says QUIT on the idle connections; later sends fail with [`SendFailure::Retry`].
    pub async fn shutdown(&self) {
        self.inner.pool.close().await;
    }
}

fn delivered(response: &Response) -> Delivered {
    Delivered {
        code: code_number(response.code()),
        answer: response.message().collect::<Vec<_>>().join(" "),
    }
}

fn tls_parameters(smtp: &SmtpSettings) -> Result<TlsParameters, SmtpUrlError> {
    TlsParameters::new(smtp.host.clone()).map_err(|e| SmtpUrlError::Tls(e.to_string()))
}

fn hello_name(smtp: &SmtpSettings) -> ClientId {
    match &smtp.hello_name {
        Some(name) => ClientId::Domain(name.clone()),
        None => ClientId::default(),
    }
}

fn credentials(smtp: &SmtpSettings) -> Option<Credentials> {
    smtp.credentials
        .as_ref()
        .map(|c| Credentials::new(c.user.clone(), c.password.expose().to_string()))
}

fn connector(smtp: &SmtpSettings, timeout: Duration) -> Result<Connector, SmtpUrlError> {
    let security = match smtp.security {
        SmtpSecurity::Plain => Security::Plain,
        SmtpSecurity::Opportunistic => Security::Opportunistic(tls_parameters(smtp)?),
        SmtpSecurity::StartTls => Security::StartTls(tls_parameters(smtp)?),
        SmtpSecurity::Implicit => {
            // Checks the host is a name TLS can verify; the pool opens the TLS itself.
            tls_parameters(smtp)?;
            Security::Implicit
        }
    };
    Ok(Connector {
        host: smtp.host.clone(),
        port: smtp.port,
        hello: hello_name(smtp),
        security,
        credentials: credentials(smtp),
        timeout,
    })
}

fn raw_transport(
    settings: &EmailSettings,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, SmtpUrlError> {
    let smtp = &settings.smtp;
    let tls = match smtp.security {
        SmtpSecurity::Plain => Tls::None,
        SmtpSecurity::Opportunistic => Tls::Opportunistic(tls_parameters(smtp)?),
        SmtpSecurity::StartTls => Tls::Required(tls_parameters(smtp)?),
        SmtpSecurity::Implicit => Tls::Wrapper(tls_parameters(smtp)?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
        .port(smtp.port)
        .tls(tls)
        .hello_name(hello_name(smtp))
        .timeout(Some(settings.timeout))
        .pool_config(
            PoolConfig::new()
                .max_size(settings.pool_size.max(1))
                .idle_timeout(IDLE_TIMEOUT),
        );
    if let Some(c) = credentials(smtp) {
        builder = builder.credentials(c);
    }
    Ok(builder.build())
}

/// Sorts a lettre error into what to do. lettre does not say which command failed, so the
/// enhanced status code decides: only an address status (5.1.x) suppresses. A bare `550`
/// without one is as often a policy refusal as an unknown mailbox, and suppressing wrongly
/// costs the shopper every later message, so it only fails this one.
fn classify(error: &lettre::transport::smtp::Error) -> SendFailure {
    if let Some(code) = error.status() {
        let number = code_number(code);
        // lettre keeps the server's text (all lines joined) as the error's source.
        let text = error.source().map(|s| s.to_string()).unwrap_or_default();
        let answer = format!("{number} {text}").trim_end().to_string();
        if error.is_permanent() {
            return if is_recipient_address_status(&text) {
                SendFailure::Suppress {
                    code: number,
                    answer,
                }
            } else {
                SendFailure::Rejected {
                    code: number,
                    answer,
                }
            };
        }
        return SendFailure::Retry {
            code: Some(number),
            answer,
        };
    }
    let answer = if error.is_timeout() {
        format!("timed out: {error}")
    } else {
        error.to_string()
    };
    SendFailure::Retry { code: None, answer }
}

fn code_number(code: lettre::transport::smtp::response::Code) -> u16 {
    code.to_string().parse().unwrap_or(0)
}

/// True when the text starts with an enhanced status `5.1.x` about the recipient: every
/// address status of RFC 3463 except 5.1.7 and 5.1.8, which are about the sender.
fn is_recipient_address_status(text: &str) -> bool {
    let Some(word) = text.split_whitespace().next() else {
        return false;
    };
    let mut parts = word.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("5"), Some("1"), Some(detail), None) => {
            !detail.is_empty()
                && detail.len() <= 3
                && detail.bytes().all(|b| b.is_ascii_digit())
                && !matches!(detail, "7" | "8")
        }
        _ => false,
    }
}

#[cfg(test)]
#[path = "transport_tests.rs"]
mod tests;
