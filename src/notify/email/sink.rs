//! A small SMTP server that keeps what it receives in memory: the shopper's mailbox of
//! `parcelgate demo`, the far end of the e-mail tests and of the e-mail benchmark.
//!
//! It speaks enough of RFC 5321 for real clients (EHLO/HELO, MAIL, RCPT, DATA with
//! dot-unstuffing, RSET, NOOP, QUIT, AUTH PLAIN and LOGIN; no TLS), listens on loopback, and
//! can be told to refuse a recipient at RCPT or at DATA with any reply, for the bounce tests,
//! or to hold its reply to DATA (the message kept, the client left waiting), for the crash
//! tests.
//! (`mailin-embedded` was considered: it serves on a fixed thread pool forever with no way
//! to stop it, which neither a test nor the demo's Ctrl-C can live with.)

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// Longest command line accepted (RFC 5321 allows 512; clients send more with parameters).
const MAX_LINE: u64 = 4096;
/// Longest line inside a message (RFC 5322 allows 998; lettre stays under 80).
const MAX_DATA_LINE: u64 = 64 * 1024;

/// The SMTP stage at which a rejection answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// At `RCPT TO` (an unknown mailbox: `550 5.1.1`).
    Rcpt,
    /// After the message data (a content or policy refusal: `554 5.7.1`).
    Data,
}

/// An answer the sink gives instead of accepting, for one recipient (or `*`: all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// When it answers.
    pub stage: Stage,
    /// The reply code (4xx temporary, 5xx permanent).
    pub code: u16,
    /// The reply text, usually starting with an enhanced status code (`5.1.1 …`).
    pub text: String,
    /// How many times it answers before the recipient is accepted again (`None`: always).
    pub times: Option<u32>,
}

impl Rejection {
    /// A rejection at RCPT, e.g. `Rejection::at_rcpt(550, "5.1.1 No such mailbox")`.
    pub fn at_rcpt(code: u16, text: &str) -> Rejection {
        Rejection {
            stage: Stage::Rcpt,
            code,
            text: text.to_string(),
            times: None,
        }
    }

    /// A rejection after DATA, e.g. `Rejection::at_data(554, "5.7.1 Message refused")`.
    pub fn at_data(code: u16, text: &str) -> Rejection {
        Rejection {
            stage: Stage::Data,
            code,
            text: text.to_string(),
            times: None,
        }
    }

    /// Answers only the first `n` times, then accepts (a temporary failure that clears).
    pub fn times(mut self, n: u32) -> Rejection {
        self.times = Some(n);
        self
    }
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// Order of arrival, from 1.
    pub seq: u64,
    /// Which connection brought it (from 1, in order of accept).
    pub connection: u64,
    /// The EHLO/HELO name the client gave.
    pub helo: String,
    /// The user name of a successful AUTH on that connection.
    pub auth_user: Option<String>,
    /// The envelope sender (`MAIL FROM`; empty for the null sender).
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`).
    pub rcpt_to: Vec<String>,
    /// The message as received (CRLF line ends, dots unstuffed).
    pub data: Vec<u8>,
    /// When the final dot arrived.
    pub received_at: SystemTime,
}

impl ReceivedEmail {
    /// The message parsed (headers decoded, parts split), for tests and the demo's mailbox page.
    pub fn parse(&self) -> Option<mail_parser::Message<'_>> {
        mail_parser::MessageParser::default().parse(&self.data)
    }
}

/// How the sink behaves.
#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// Name in the greeting and EHLO reply.
    pub hostname: String,
    /// Messages kept (oldest dropped first); the count of received messages goes on.
    pub keep: usize,
    /// Largest message accepted (larger: `552 5.3.4`).
    pub max_message_bytes: usize,
    /// When set, MAIL needs a prior AUTH with exactly these credentials.
    pub credentials: Option<(String, String)>,
    /// Waited before answering the final dot (to make a client's timeout fire).
    pub data_delay: Duration,
}

impl Default for SinkOptions {
    fn default() -> Self {
        SinkOptions {
            hostname: "sink.parcelgate.test".into(),
            keep: 20_000,
            max_message_bytes: 10 * 1024 * 1024,
            credentials: None,
            data_delay: Duration::ZERO,
        }
    }
}

/// The sink did not receive the number of messages waited for in time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the SMTP sink received {received} of {wanted} messages in {waited:?}")]
pub struct SinkTimeout {
    /// Messages received when the wait ended.
    pub received: u64,
    /// Messages waited for.
    pub wanted: u64,
    /// How long it waited.
    pub waited: Duration,
}

struct Shared {
    options: SinkOptions,
    stored: Mutex<VecDeque<Arc<ReceivedEmail>>>,
    rejections: Mutex<HashMap<String, Rejection>>,
    received: watch::Sender<u64>,
    arrivals: broadcast::Sender<Arc<ReceivedEmail>>,
    connections: AtomicU64,
    open: AtomicU64,
    /// While true, accepted messages are kept but their `250` waits.
    hold: watch::Sender<bool>,
}

/// Locks, carrying on past a poisoned lock: the data is a log of received mail, and a panic
/// elsewhere must not hide it from the test that wants to see it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running sink; dropping it stops it (and closes its connections).
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSink")
            .field("addr", &self.addr)
            .finish()
    }
}

impl SmtpSink {
    /// Starts a sink with default options on `127.0.0.1` and a free port.
    pub async fn start() -> io::Result<SmtpSink> {
        SmtpSink::start_with(SinkOptions::default()).await
    }

    /// Starts a sink with these options on `127.0.0.1` and a free port.
    pub async fn start_with(options: SinkOptions) -> io::Result<SmtpSink> {
        SmtpSink::bind(SocketAddr::from(([127, 0, 0, 1], 0)), options).await
    }

    /// Starts a sink on `addr` (the demo picks its own port).
    pub async fn bind(addr: SocketAddr, options: SinkOptions) -> io::Result<SmtpSink> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            options,
            stored: Mutex::new(VecDeque::new()),
            rejections: Mutex::new(HashMap::new()),
            received: watch::channel(0).0,
            arrivals: broadcast::channel(1024).0,
            connections: AtomicU64::new(0),
            open: AtomicU64::new(0),
            hold: watch::channel(false).0,
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(SmtpSink { addr, shared, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `email.smtp_url` that points a mailer at it (plain text: the sink has no TLS).
    pub fn smtp_url(&self) -> String {
        format!("smtp://{}?tls=none", self.addr)
    }

    /// Refuses `recipient` (compared without case; `*` for every recipient) as told.
    pub fn reject(&self, recipient: &str, rejection: Rejection) {
        lock(&self.shared.rejections).insert(recipient.to_ascii_lowercase(), rejection);
    }

    /// Accepts `recipient` again.
    pub fn accept(&self, recipient: &str) {
        lock(&self.shared.rejections).remove(&recipient.to_ascii_lowercase());
    }

    /// While `on`, a message is kept (it counts as received) when its data ends, but the
    /// `250` after DATA waits until the hold is lifted: the sender sits between handing the
    /// message over and learning it was taken, where a crash leaves it unsure whether it
    /// went. Lifting the hold sends the held replies (to clients still connected).
    pub fn hold_replies(&self, on: bool) {
        self.shared.hold.send_replace(on);
    }

    /// Messages received so far (all of them, also those no longer kept).
    pub fn received(&self) -> u64 {
        *self.shared.received.borrow()
    }

    /// The messages kept, oldest first.
    pub fn messages(&self) -> Vec<Arc<ReceivedEmail>> {
        lock(&self.shared.stored).iter().cloned().collect()
    }

    /// The kept messages for one envelope recipient, oldest first.
    pub fn messages_to(&self, recipient: &str) -> Vec<Arc<ReceivedEmail>> {
        lock(&self.shared.stored)
            .iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(recipient)))
            .cloned()
            .collect()
    }

    /// Waits until `n` messages in all have been received, then returns the kept ones.
    pub async fn wait_for(
        &self,
        n: u64,
        timeout: Duration,
    ) -> Result<Vec<Arc<ReceivedEmail>>, SinkTimeout> {
        let mut rx = self.shared.received.subscribe();
        let reached = tokio::time::timeout(timeout, rx.wait_for(|count| *count >= n)).await;
        match reached {
            Ok(Ok(_)) => Ok(self.messages()),
            _ => Err(SinkTimeout {
                received: self.received(),
                wanted: n,
                waited: timeout,
            }),
        }
    }

    /// Each message as it arrives (for a live mailbox page). A slow reader that falls more
    /// than 1024 behind misses some; [`Self::messages`] still has them.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ReceivedEmail>> {
        self.shared.arrivals.subscribe()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// TCP connections open now.
    pub fn open_connections(&self) -> u64 {
        self.shared.open.load(Ordering::SeqCst)
    }

    /// Stops listening and closes every connection.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts until aborted; the connection tasks live in a JoinSet owned by this task, so
/// aborting it drops them all.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let id = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
                    shared.open.fetch_add(1, Ordering::SeqCst);
                    let shared = Arc::clone(&shared);
                    sessions.spawn(async move {
                        // A broken connection only ends that session.
                        let _ = Session::new(id, &shared).run(stream).await;
                        shared.open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                // Out of file descriptors and the like: wait, then go on accepting.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
}

/// One SMTP session's state.
struct Session<'a> {
    id: u64,
    shared: &'a Shared,
    helo: String,
    auth_user: Option<String>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

/// What reading a line gave.
enum Line {
    Text(Vec<u8>),
    TooLong,
    Closed,
}

impl<'a> Session<'a> {
    fn new(id: u64, shared: &'a Shared) -> Session<'a> {
        Session {
            id,
            shared,
            helo: String::new(),
            auth_user: None,
            mail_from: None,
            rcpt_to: Vec::new(),
        }
    }

    async fn run(mut self, stream: TcpStream) -> io::Result<()> {
        // Replies are small and each waits for the client: without NODELAY a reply can sit
        // behind Nagle's algorithm while the client's delayed ACK runs out.
        stream.set_nodelay(true)?;
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        let host = self.shared.options.hostname.clone();
        write
            .write_all(format!("220 {host} ESMTP parcelgate sink\r\n").as_bytes())
            .await?;
        loop {
            let line = match read_line(&mut read, MAX_LINE).await? {
                Line::Closed => return Ok(()),
                Line::TooLong => {
                    write.write_all(b"500 5.5.2 Line too long\r\n").await?;
                    continue;
                }
                Line::Text(line) => line,
            };
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            let (verb, arg) = match line.split_once(' ') {
                Some((verb, arg)) => (verb.to_ascii_uppercase(), arg.trim()),
                None => (line.to_ascii_uppercase(), ""),
            };
            let reply = match verb.as_str() {
                "EHLO" => {
                    self.helo = arg.to_string();
                    self.reset();
                    let mut reply = format!(
                        "250-{host} greets {arg}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
                         250-ENHANCEDSTATUSCODES\r\n250-SIZE {}\r\n",
                        self.shared.options.max_message_bytes
                    );
                    if self.shared.options.credentials.is_some() {
                        reply.push_str("250-AUTH PLAIN LOGIN\r\n");
                    }
                    reply.push_str("250 HELP\r\n");
                    reply
                }
                "HELO" => {
                    self.helo = arg.to_string();
                    self.reset();
                    format!("250 {host}\r\n")
                }
                "AUTH" => self.auth(arg, &mut read, &mut write).await?,
                "MAIL" => self.mail(arg),
                "RCPT" => self.rcpt(arg),
                "DATA" => {
                    if self.rcpt_to.is_empty() {
                        "503 5.5.1 RCPT first\r\n".to_string()
                    } else {
                        write
                            .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                            .await?;
                        self.data(&mut read).await?
                    }
                }
                "RSET" => {
                    self.reset();
                    "250 2.0.0 Ok\r\n".to_string()
                }
                "NOOP" => "250 2.0.0 Ok\r\n".to_string(),
                "VRFY" => "252 2.1.5 Cannot VRFY user\r\n".to_string(),
                "STARTTLS" => "454 4.7.0 TLS not available\r\n".to_string(),
                "QUIT" => {
                    write.write_all(b"221 2.0.0 Bye\r\n").await?;
                    return Ok(());
                }
                _ => "500 5.5.2 Command not recognized\r\n".to_string(),
            };
            write.write_all(reply.as_bytes()).await?;
        }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }

    fn mail(&mut self, arg: &str) -> String {
        if self.mail_from.is_some() {
            return "503 5.5.1 Nested MAIL command\r\n".into();
        }
        if self.shared.options.credentials.is_some() && self.auth_user.is_none() {
            return "530 5.7.0 Authentication required\r\n".into();
        }
        match path_arg(arg, "FROM:") {
            Some(from) => {
                self.mail_from = Some(from);
                "250 2.1.0 Ok\r\n".into()
            }
            None => "501 5.5.4 Syntax: MAIL FROM:<address>\r\n".into(),
        }
    }

    fn rcpt(&mut self, arg: &str) -> String {
        if self.mail_from.is_none() {
            return "503 5.5.1 MAIL first\r\n".into();
        }
        let Some(to) = path_arg(arg, "TO:").filter(|to| !to.is_empty()) else {
            return "501 5.5.4 Syntax: RCPT TO:<address>\r\n".into();
        };
        if let Some((code, text)) = self.rejection(&to, Stage::Rcpt) {
            return format!("{code} {text}\r\n");
        }
        self.rcpt_to.push(to);
        "250 2.1.5 Ok\r\n".into()
    }

    /// The rejection for `recipient` at `stage`, counting down a limited one.
    fn rejection(&self, recipient: &str, stage: Stage) -> Option<(u16, String)> {
        let mut rules = lock(&self.shared.rejections);
        let key = [recipient.to_ascii_lowercase(), "*".to_string()]
            .into_iter()
            .find(|k| {
                rules
                    .get(k)
                    .is_some_and(|r| r.stage == stage && r.times != Some(0))
            })?;
        let rule = rules.get_mut(&key)?;
        if let Some(n) = &mut rule.times {
            *n -= 1;
        }
        Some((rule.code, rule.text.clone()))
    }

    async fn data(&mut self, read: &mut BufReader<OwnedReadHalf>) -> io::Result<String> {
        let max = self.shared.options.max_message_bytes;
        let mut data = Vec::new();
        let mut too_big = false;
        loop {
            let line = match read_line(read, MAX_DATA_LINE).await? {
                Line::Closed => return Err(io::ErrorKind::UnexpectedEof.into()),
                Line::TooLong => {
                    too_big = true;
                    continue;
                }
                Line::Text(line) => line,
            };
            if line == b".\r\n" || line == b".\n" {
                break;
            }
            let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
            if data.len() + unstuffed.len() > max {
                too_big = true;
            }
            if !too_big {
                data.extend_from_slice(unstuffed);
            }
        }
        let envelope_from = self.mail_from.take().unwrap_or_default();
        let rcpt_to = std::mem::take(&mut self.rcpt_to);
        if too_big {
            return Ok("552 5.3.4 Message or line too big\r\n".into());
        }
        if !self.shared.options.data_delay.is_zero() {
            tokio::time::sleep(self.shared.options.data_delay).await;
        }
        if let Some((code, text)) = rcpt_to
            .iter()
            .find_map(|to| self.rejection(to, Stage::Data))
        {
            return Ok(format!("{code} {text}\r\n"));
        }
        let seq = self.store(envelope_from, rcpt_to, data);
        let mut hold = self.shared.hold.subscribe();
        // The sink itself is never dropped while a session runs (the accept loop owns both).
        let _ = hold.wait_for(|held| !held).await;
        Ok(format!("250 2.0.0 Ok: queued as {seq}\r\n"))
    }

    fn store(&self, mail_from: String, rcpt_to: Vec<String>, data: Vec<u8>) -> u64 {
        let shared = self.shared;
        let mut stored = lock(&shared.stored);
        // The sequence is taken under the store's lock, so kept messages are in order.
        let seq = *shared.received.borrow() + 1;
        let email = Arc::new(ReceivedEmail {
            seq,
            connection: self.id,
            helo: self.helo.clone(),
            auth_user: self.auth_user.clone(),
            mail_from,
            rcpt_to,
            data,
            received_at: SystemTime::now(),
        });
        stored.push_back(Arc::clone(&email));
        while stored.len() > shared.options.keep {
            stored.pop_front();
        }
        shared.received.send_replace(seq);
        drop(stored);
        // No subscriber is fine: the demo page may not be open.
        let _ = shared.arrivals.send(email);
        seq
    }

    async fn auth(
        &mut self,
        arg: &str,
        read: &mut BufReader<OwnedReadHalf>,
        write: &mut tokio::net::tcp::OwnedWriteHalf,
    ) -> io::Result<String> {
        let Some((want_user, want_pass)) = self.shared.options.credentials.clone() else {
            return Ok("502 5.5.1 AUTH not offered\r\n".into());
        };
        if self.auth_user.is_some() {
            return Ok("503 5.5.1 Already authenticated\r\n".into());
        }
        let (mechanism, initial) = match arg.split_once(' ') {
            Some((m, i)) => (m.to_ascii_uppercase(), Some(i.trim().to_string())),
            None => (arg.to_ascii_uppercase(), None),
        };
        let decoded = |b64: &str| {
            STANDARD
                .decode(b64.trim())
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        let (user, pass) = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    Some(i) => i,
                    None => {
                        write.write_all(b"334 \r\n").await?;
                        answer(read).await?
                    }
                };
                // authzid \0 authcid \0 password
                let Some(text) = decoded(&response) else {
                    return Ok("501 5.5.2 Not base64\r\n".into());
                };
                let mut parts = text.split('\0').skip(1);
                match (parts.next(), parts.next()) {
                    (Some(u), Some(p)) => (u.to_string(), p.to_string()),
                    _ => return Ok("501 5.5.2 Malformed PLAIN response\r\n".into()),
                }
            }
            "LOGIN" => {
                let user = match initial {
                    Some(i) => i,
                    None => {
                        write.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                        answer(read).await?
                    }
                };
                write.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                let pass = answer(read).await?;
                match (decoded(&user), decoded(&pass)) {
                    (Some(u), Some(p)) => (u, p),
                    _ => return Ok("501 5.5.2 Not base64\r\n".into()),
                }
            }
            _ => return Ok("504 5.5.4 Unrecognized authentication type\r\n".into()),
        };
        if user == want_user && pass == want_pass {
            self.auth_user = Some(user);
            Ok("235 2.7.0 Authentication successful\r\n".into())
        } else {
            Ok("535 5.7.8 Authentication credentials invalid\r\n".into())
        }
    }
}

/// One line of a SASL exchange.
async fn answer(read: &mut BufReader<OwnedReadHalf>) -> io::Result<String> {
    match read_line(read, MAX_LINE).await? {
        Line::Text(line) => Ok(String::from_utf8_lossy(&line).trim_end().to_string()),
        Line::TooLong => Ok(String::new()),
        Line::Closed => Err(io::ErrorKind::UnexpectedEof.into()),
    }
}

/// Reads one line with its ending; a line longer than `limit` is consumed to its end and
/// reported as too long, so a client cannot make the sink buffer without bound.
async fn read_line(read: &mut BufReader<OwnedReadHalf>, limit: u64) -> io::Result<Line> {
    let mut line = Vec::new();
    let n = read.take(limit).read_until(b'\n', &mut line).await?;
    if n == 0 {
        return Ok(Line::Closed);
    }
    if line.ends_with(b"\n") {
        return Ok(Line::Text(line));
    }
    if (n as u64) < limit {
        // End of stream in the middle of a line.
        return Ok(Line::Closed);
    }
    loop {
        let mut rest = Vec::new();
        let n = read.take(limit).read_until(b'\n', &mut rest).await?;
        if n == 0 {
            return Ok(Line::Closed);
        }
        if rest.ends_with(b"\n") {
            return Ok(Line::TooLong);
        }
    }
}

/// The address in `FROM:<a@b> SIZE=10` (or `TO:<…>`), `None` when malformed; `<>` is "".
fn path_arg(arg: &str, prefix: &str) -> Option<String> {
    let head = arg.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = arg[prefix.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_string())
}

#[cfg(test)]
#[path = "sink_tests.rs"]
mod tests;
