//! Tests of the SMTP sink, spoken to line by line over TCP as a client would.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::*;

/// A hand-driven SMTP client: sends a line, returns the reply's lines.
struct Client {
    read: BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(sink: &SmtpSink) -> (Client, String) {
        let stream = TcpStream::connect(sink.addr()).await.expect("connect");
        let (read, write) = stream.into_split();
        let mut client = Client {
            read: BufReader::new(read),
            write,
        };
        let greeting = client.reply().await;
        (client, greeting)
    }

    async fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(5), self.read.read_line(&mut line))
                .await
                .expect("reply in time")
                .expect("read");
            assert!(n > 0, "connection closed; got so far: {all:?}");
            all.push_str(&line);
            // The last line of a reply has a space after the code.
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    async fn send(&mut self, line: &str) -> String {
        self.write
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .expect("write");
        self.reply().await
    }

    async fn raw(&mut self, bytes: &[u8]) {
        self.write.write_all(bytes).await.expect("write");
    }
}

#[tokio::test]
async fn a_message_is_received_with_its_envelope_and_dots_unstuffed() {
    let sink = SmtpSink::start().await.expect("sink");
    assert!(sink.addr().ip().is_loopback());
    assert_eq!(
        sink.smtp_url(),
        format!("smtp://127.0.0.1:{}?tls=none", sink.addr().port())
    );
    let (mut c, greeting) = Client::connect(&sink).await;
    assert!(greeting.starts_with("220 "), "{greeting}");
    let ehlo = c.send("EHLO client.test").await;
    for ext in ["8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "SIZE"] {
        assert!(ehlo.contains(ext), "{ehlo}");
    }
    assert!(!ehlo.contains("AUTH"), "no AUTH unless configured: {ehlo}");
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    assert!(c
        .send("MAIL FROM:<noreply@shop.example> SIZE=100")
        .await
        .starts_with("250"));
    assert!(c.send("RCPT TO:<anna@example.pl>").await.starts_with("250"));
    assert!(c.send("DATA").await.starts_with("354"));
    c.raw(b"Subject: hi\r\n\r\n..leading dot\r\n.\r\nnot the end? it was\r\n")
        .await;
    // The lone dot above ended the data; what follows is read as a command.
    let queued = c.reply().await;
    assert!(queued.starts_with("250 2.0.0"), "{queued}");
    let next = c.reply().await;
    assert!(next.starts_with("500"), "{next}");
    assert!(c.send("QUIT").await.starts_with("221"));

    let got = sink.wait_for(1, Duration::from_secs(5)).await.expect("one");
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.seq, 1);
    assert_eq!(m.connection, 1);
    assert_eq!(m.helo, "client.test");
    assert_eq!(m.mail_from, "noreply@shop.example");
    assert_eq!(m.rcpt_to, ["anna@example.pl"]);
    assert_eq!(m.data, b"Subject: hi\r\n\r\n.leading dot\r\n");
    let parsed = m.parse().expect("parses");
    assert_eq!(parsed.subject(), Some("hi"));
}

#[tokio::test]
async fn commands_out_of_order_and_rset_are_answered_as_smtp_says() {
    let sink = SmtpSink::start().await.expect("sink");
    let (mut c, _) = Client::connect(&sink).await;
    assert!(c.send("HELO client.test").await.starts_with("250"));
    assert!(c.send("RCPT TO:<a@x.test>").await.starts_with("503"));
    assert!(c.send("DATA").await.starts_with("503"));
    assert!(c.send("MAIL FROM:<>").await.starts_with("250"));
    assert!(c.send("MAIL FROM:<b@x.test>").await.starts_with("503"));
    assert!(c.send("RCPT TO:<a@x.test>").await.starts_with("250"));
    assert!(c.send("RSET").await.starts_with("250"));
    assert!(
        c.send("DATA").await.starts_with("503"),
        "RSET forgot the RCPT"
    );
    assert!(c.send("NOOP").await.starts_with("250"));
    assert!(c.send("MAIL FROM:junk").await.starts_with("501"));
    assert!(c.send("STARTTLS").await.starts_with("454"));
    assert!(c.send("BANANA").await.starts_with("500"));
    let long = format!("NOOP {}", "x".repeat(10_000));
    assert!(c.send(&long).await.starts_with("500 5.5.2 Line too long"));
    assert!(c.send("NOOP").await.starts_with("250"), "still in step");
    assert_eq!(sink.received(), 0);
}

#[tokio::test]
async fn rejections_answer_at_their_stage_and_count_down() {
    let sink = SmtpSink::start().await.expect("sink");
    sink.reject(
        "Nobody@Example.PL",
        Rejection::at_rcpt(550, "5.1.1 No such mailbox"),
    );
    sink.reject("spam@example.pl", Rejection::at_data(554, "5.7.1 Refused"));
    sink.reject(
        "busy@example.pl",
        Rejection::at_rcpt(451, "4.3.0 Try later").times(1),
    );
    let (mut c, _) = Client::connect(&sink).await;
    c.send("EHLO c").await;
    c.send("MAIL FROM:<s@shop.example>").await;
    assert_eq!(
        c.send("RCPT TO:<nobody@example.pl>").await,
        "550 5.1.1 No such mailbox\r\n"
    );
    assert_eq!(
        c.send("RCPT TO:<busy@example.pl>").await,
        "451 4.3.0 Try later\r\n"
    );
    assert!(c.send("RCPT TO:<busy@example.pl>").await.starts_with("250"));
    assert!(c.send("RCPT TO:<spam@example.pl>").await.starts_with("250"));
    c.send("DATA").await;
    c.raw(b"Subject: x\r\n\r\nbody\r\n.\r\n").await;
    assert_eq!(c.reply().await, "554 5.7.1 Refused\r\n");
    assert_eq!(sink.received(), 0, "refused at DATA: not stored");

    sink.accept("spam@example.pl");
    c.send("MAIL FROM:<s@shop.example>").await;
    c.send("RCPT TO:<spam@example.pl>").await;
    c.send("DATA").await;
    c.raw(b"Subject: x\r\n\r\nbody\r\n.\r\n").await;
    assert!(c.reply().await.starts_with("250"));
    assert_eq!(sink.received(), 1);

    sink.reject("*", Rejection::at_rcpt(421, "4.7.0 Closing"));
    c.send("MAIL FROM:<s@shop.example>").await;
    assert!(c
        .send("RCPT TO:<anyone@example.pl>")
        .await
        .starts_with("421"));
}

#[tokio::test]
async fn auth_is_required_when_configured_and_records_the_user() {
    let sink = SmtpSink::start_with(SinkOptions {
        credentials: Some(("shop@x.test".into(), "sekret".into())),
        ..SinkOptions::default()
    })
    .await
    .expect("sink");
    let (mut c, _) = Client::connect(&sink).await;
    assert!(c.send("EHLO c").await.contains("AUTH PLAIN LOGIN"));
    assert!(c.send("MAIL FROM:<s@x.test>").await.starts_with("530"));
    // \0shop@x.test\0wrong
    let wrong = STANDARD.encode(b"\0shop@x.test\0wrong");
    assert!(c
        .send(&format!("AUTH PLAIN {wrong}"))
        .await
        .starts_with("535"));
    assert!(c.send("AUTH LOGIN").await.starts_with("334"));
    assert!(c
        .send(&STANDARD.encode("shop@x.test"))
        .await
        .starts_with("334"));
    assert!(c.send(&STANDARD.encode("sekret")).await.starts_with("235"));
    assert!(c.send("MAIL FROM:<s@x.test>").await.starts_with("250"));
    c.send("RCPT TO:<r@x.test>").await;
    c.send("DATA").await;
    c.raw(b"\r\nhi\r\n.\r\n").await;
    assert!(c.reply().await.starts_with("250"));
    let got = sink.wait_for(1, Duration::from_secs(5)).await.expect("one");
    assert_eq!(got[0].auth_user.as_deref(), Some("shop@x.test"));
}

#[tokio::test]
async fn waiting_times_out_with_the_count_and_keep_bounds_memory() {
    let sink = SmtpSink::start_with(SinkOptions {
        keep: 2,
        ..SinkOptions::default()
    })
    .await
    .expect("sink");
    let mut arrivals = sink.subscribe();
    let (mut c, _) = Client::connect(&sink).await;
    c.send("EHLO c").await;
    for i in 0..3 {
        c.send("MAIL FROM:<s@x.test>").await;
        c.send(&format!("RCPT TO:<r{i}@x.test>")).await;
        c.send("DATA").await;
        c.raw(format!("Subject: {i}\r\n\r\nbody\r\n.\r\n").as_bytes())
            .await;
        assert!(c.reply().await.starts_with("250"));
    }
    let e = sink
        .wait_for(4, Duration::from_millis(100))
        .await
        .unwrap_err();
    assert_eq!((e.received, e.wanted), (3, 4));
    let kept = sink.messages();
    assert_eq!(
        kept.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [2, 3],
        "oldest dropped"
    );
    assert_eq!(sink.messages_to("R2@x.test").len(), 1);
    assert_eq!(arrivals.recv().await.expect("first").seq, 1);
    assert_eq!(sink.connections(), 1);
    assert_eq!(sink.open_connections(), 1);
    drop(c);
    tokio::time::timeout(Duration::from_secs(5), async {
        while sink.open_connections() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("closed connection counted");
}

#[tokio::test]
async fn a_stopped_sink_refuses_connections() {
    let sink = SmtpSink::start().await.expect("sink");
    let addr = sink.addr();
    sink.stop();
    drop(sink);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn held_replies_keep_the_message_and_answer_only_once_lifted() {
    let sink = SmtpSink::start().await.expect("sink");
    sink.hold_replies(true);
    let (mut c, _) = Client::connect(&sink).await;
    c.send("EHLO client.test").await;
    c.send("MAIL FROM:<noreply@shop.example>").await;
    c.send("RCPT TO:<anna@example.pl>").await;
    assert!(c.send("DATA").await.starts_with("354"));
    c.raw(b"Subject: held\r\n\r\nbody\r\n.\r\n").await;
    // Kept at once, answered not yet.
    let got = sink
        .wait_for(1, Duration::from_secs(5))
        .await
        .expect("kept");
    assert_eq!(got[0].parse().expect("parses").subject(), Some("held"));
    let mut line = String::new();
    let waited =
        tokio::time::timeout(Duration::from_millis(300), c.read.read_line(&mut line)).await;
    assert!(waited.is_err(), "answered while held: {line:?}");
    sink.hold_replies(false);
    let queued = c.reply().await;
    assert!(queued.starts_with("250 2.0.0"), "{queued}");
    assert_eq!(sink.received(), 1);
}
