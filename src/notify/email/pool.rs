//! The SMTP connection pool behind the mailer: at most `size` connections, each exchange under
//! one deadline, and a connection that timed out or failed is closed, never reused.
//!
//! lettre's own async pool is not used for notifications, for three reasons found in its
//! code (0.11): its timeout covers only the TCP connect, so a server that stops answering
//! holds a send forever; cancelling a send (our deadline) hands the half-used connection back
//! to the pool, where the next message would read the previous one's reply — a rejection
//! could be pinned on the wrong shopper; and it returns connections from a spawned task and
//! opens a new one when none is idle, so it neither reuses reliably nor caps how many are
//! open. lettre still does all the SMTP: connect, STARTTLS, AUTH, MAIL/RCPT/DATA.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// An idle connection is closed after this long (servers drop theirs after a few minutes).
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// An idle connection older than this is checked with NOOP before use; a younger one is
/// used as is, saving a round trip per message under load.
const CHECK_AFTER: Duration = Duration::from_secs(5);
/// The AUTH mechanisms offered, in order of preference (lettre's defaults).
const MECHANISMS: &[Mechanism] = &[Mechanism::Plain, Mechanism::Login];

/// How the connection is secured, as lettre needs it per connection.
#[derive(Clone)]
pub(crate) enum Security {
    /// Plain text only.
    Plain,
    /// STARTTLS when the server offers it.
    Opportunistic(TlsParameters),
    /// STARTTLS or nothing.
    StartTls(TlsParameters),
    /// TLS from the first byte (opened by [`ImplicitTls`]).
    Implicit,
}

/// Where and how to connect.
pub(crate) struct Connector {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) hello: ClientId,
    pub(crate) security: Security,
    pub(crate) credentials: Option<Credentials>,
    /// Deadline of the connection set-up, and of each message's exchange.
    pub(crate) timeout: Duration,
}

/// Why an exchange failed.
#[derive(Debug)]
pub(crate) enum PoolError {
    /// lettre's error (a server reply, a network or TLS failure).
    Smtp(lettre::transport::smtp::Error),
    /// The deadline passed; says during what.
    Timeout(&'static str),
    /// The TCP connection or the implicit TLS around it could not be opened.
    Io(String),
    /// The pool was closed.
    Closed,
}

impl From<lettre::transport::smtp::Error> for PoolError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        PoolError::Smtp(e)
    }
}

struct Idle {
    conn: AsyncSmtpConnection,
    since: Instant,
}

/// At most `size` connections open; idle ones are kept for reuse.
pub(crate) struct ConnectionPool {
    connector: Connector,
    permits: Semaphore,
    idle: Mutex<Vec<Idle>>,
}

impl ConnectionPool {
    pub(crate) fn new(connector: Connector, size: u32) -> ConnectionPool {
        ConnectionPool {
            connector,
            permits: Semaphore::new(size.max(1) as usize),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends one message. On success the connection goes back to the pool; on any failure
    /// it is closed (lettre aborts it on an error reply; on a timeout it is dropped mid-way).
    pub(crate) async fn send(
        &self,
        envelope: &Envelope,
        bytes: &[u8],
    ) -> Result<Response, PoolError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PoolError::Closed)?;
        let mut conn = self.checkout().await?;
        match tokio::time::timeout(self.connector.timeout, conn.send(envelope, bytes)).await {
            Ok(Ok(response)) => {
                self.checkin(conn);
                Ok(response)
            }
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(PoolError::Timeout("sending the message")),
        }
    }

    /// Checks that a connection can be had and answers NOOP.
    pub(crate) async fn check(&self) -> Result<(), PoolError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PoolError::Closed)?;
        let mut conn = self.checkout().await?;
        let answered = tokio::time::timeout(self.connector.timeout, conn.test_connected())
            .await
            .unwrap_or(false);
        if answered {
            self.checkin(conn);
            Ok(())
        } else {
            Err(PoolError::Timeout("waiting for NOOP"))
        }
    }

    /// Says QUIT on every idle connection and refuses further sends.
    pub(crate) async fn close(&self) {
        self.permits.close();
        let idle = std::mem::take(&mut *self.lock());
        for mut idle in idle {
            let _ = tokio::time::timeout(self.connector.timeout, idle.conn.quit()).await;
        }
    }

    /// Connections idle in the pool now.
    pub(crate) fn idle_count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Idle>> {
        // A panic while holding the lock leaves a plain Vec behind; it is still usable.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The most recently used idle connection (the warmest), else a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, PoolError> {
        loop {
            let next = {
                let mut idle = self.lock();
                // Stale ones are dropped (closing their sockets) rather than checked.
                idle.retain(|c| c.since.elapsed() < IDLE_TIMEOUT);
                idle.pop()
            };
            let Some(Idle { mut conn, since }) = next else {
                return self.connect().await;
            };
            if conn.has_broken() {
                continue;
            }
            if since.elapsed() < CHECK_AFTER {
                return Ok(conn);
            }
            let alive = tokio::time::timeout(self.connector.timeout, conn.test_connected())
                .await
                .unwrap_or(false);
            if alive {
                return Ok(conn);
            }
        }
    }

    fn checkin(&self, conn: AsyncSmtpConnection) {
        if !conn.has_broken() {
            self.lock().push(Idle {
                conn,
                since: Instant::now(),
            });
        }
    }

    /// Connects, upgrades with STARTTLS as configured and authenticates, all under the
    /// deadline (lettre's own timeout covers the TCP connect only).
    async fn connect(&self) -> Result<AsyncSmtpConnection, PoolError> {
        let c = &self.connector;
        let set_up = async {
            let tcp = TcpStream::connect((c.host.as_str(), c.port))
                .await
                .map_err(|e| PoolError::Io(format!("connecting to {}:{}: {e}", c.host, c.port)))?;
            // lettre writes a message's body and its final dot in two writes; with Nagle on,
            // the dot waits for the server's delayed ACK of the body: 40 ms per message.
            tcp.set_nodelay(true)
                .map_err(|e| PoolError::Io(format!("setting TCP_NODELAY: {e}")))?;
            let stream: Box<dyn AsyncTokioStream> = match &c.security {
                Security::Implicit => Box::new(ImplicitTls::connect(tcp, &c.host).await?),
                _ => Box::new(tcp),
            };
            let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &c.hello).await?;
            match &c.security {
                Security::Opportunistic(tls) if conn.can_starttls() => {
                    conn.starttls(tls.clone(), &c.hello).await?;
                }
                // lettre refuses when the server does not offer STARTTLS: nothing goes in clear.
                Security::StartTls(tls) => conn.starttls(tls.clone(), &c.hello).await?,
                _ => {}
            }
            if let Some(credentials) = &c.credentials {
                conn.auth(MECHANISMS, credentials).await?;
            }
            Ok::<_, PoolError>(conn)
        };
        tokio::time::timeout(c.timeout, set_up)
            .await
            .map_err(|_| PoolError::Timeout("connecting"))?
    }
}

/// A TLS-from-the-first-byte stream for `smtps://`, opened here rather than by lettre so that
/// the socket under it has TCP_NODELAY. Trust is the same as lettre's: the webpki roots.
#[derive(Debug)]
struct ImplicitTls(tokio_rustls::client::TlsStream<TcpStream>);

impl ImplicitTls {
    async fn connect(tcp: TcpStream, host: &str) -> Result<ImplicitTls, PoolError> {
        let tls_error = |e: String| PoolError::Io(format!("TLS with {host}: {e}"));
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|e| tls_error(e.to_string()))?;
        let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| tls_error(e.to_string()))?;
        Ok(ImplicitTls(stream))
    }
}

impl AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}
