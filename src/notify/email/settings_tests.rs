//! Unit tests of `email.smtp_url` and sender parsing: every URL form and every error.

use super::*;

fn parse(url: &str) -> SmtpSettings {
    SmtpSettings::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn error(url: &str) -> SmtpUrlError {
    match SmtpSettings::parse(url) {
        Ok(s) => panic!("{url} parsed as {s:?}"),
        Err(e) => e,
    }
}

#[test]
fn plain_smtp_is_opportunistic_on_port_25() {
    let s = parse("smtp://mail.shop.example");
    assert_eq!(s.host, "mail.shop.example");
    assert_eq!(s.port, 25);
    assert_eq!(s.security, SmtpSecurity::Opportunistic);
    assert_eq!(s.credentials, None);
    assert_eq!(s.hello_name, None);
    assert_eq!(parse("smtp://mail.shop.example:2525").port, 2525);
    assert_eq!(
        parse("smtp://h?tls=opportunistic").security,
        SmtpSecurity::Opportunistic
    );
}

#[test]
fn tls_none_is_plain_text() {
    let s = parse("smtp://127.0.0.1:2525?tls=none");
    assert_eq!(s.security, SmtpSecurity::Plain);
    assert_eq!(s.host, "127.0.0.1");
    assert_eq!(s.port, 2525);
    assert!(!s.security.always_encrypted());
}

#[test]
fn tls_required_is_starttls_on_587() {
    let s = parse("smtp://smtp.shop.example?tls=required");
    assert_eq!(s.security, SmtpSecurity::StartTls);
    assert_eq!(s.port, 587);
    assert!(s.security.always_encrypted());
    assert_eq!(parse("smtp://h:25?tls=required").port, 25);
}

#[test]
fn smtps_is_implicit_tls_on_465() {
    let s = parse("smtps://smtp.shop.example");
    assert_eq!(s.security, SmtpSecurity::Implicit);
    assert_eq!(s.port, 465);
    assert!(s.security.always_encrypted());
    assert_eq!(parse("SMTPS://Smtp.Shop.Example:4650").port, 4650);
    assert_eq!(parse("SMTPS://Smtp.Shop.Example").host, "smtp.shop.example");
}

#[test]
fn credentials_are_percent_decoded() {
    let s = parse("smtps://apikey%40shop.example:p%C3%A4ss%3Aw%2Fo%23rd@smtp.shop.example");
    let c = s.credentials.expect("credentials");
    assert_eq!(c.user, "apikey@shop.example");
    assert_eq!(c.password.expose(), "päss:w/o#rd");
}

#[test]
fn ipv6_hosts_lose_their_brackets() {
    let s = parse("smtp://[::1]:2525?tls=none");
    assert_eq!(s.host, "::1");
    assert_eq!(s.to_string(), "smtp://[::1]:2525?tls=none");
}

#[test]
fn a_path_segment_is_the_ehlo_name() {
    let s = parse("smtp://relay.example/mail.shop.example");
    assert_eq!(s.hello_name.as_deref(), Some("mail.shop.example"));
    assert_eq!(parse("smtp://relay.example/").hello_name, None);
    assert_eq!(error("smtp://relay.example/a/b"), SmtpUrlError::BadPath);
}

#[test]
fn debug_and_display_never_show_the_password() {
    let s = parse("smtp://user:hunter2-secret@smtp.shop.example?tls=required");
    let debug = format!("{s:?}");
    let display = s.to_string();
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("***"), "{debug}");
    assert_eq!(
        display,
        "smtp://user:***@smtp.shop.example:587?tls=required"
    );
    assert_eq!(
        parse("smtps://smtp.shop.example").to_string(),
        "smtps://smtp.shop.example:465"
    );
}

#[test]
fn every_error_names_the_setting_and_never_the_password() {
    let cases: &[(&str, SmtpUrlError)] = &[
        ("", SmtpUrlError::Empty),
        ("   ", SmtpUrlError::Empty),
        (
            "http://user:hunter2@smtp.shop.example",
            SmtpUrlError::UnknownScheme("http".into()),
        ),
        ("smtp://", SmtpUrlError::MissingHost),
        ("smtp://user:hunter2@", SmtpUrlError::MissingHost),
        ("smtp:relay", SmtpUrlError::MissingHost),
        (
            "smtp://user:hunter2@bad%20host",
            SmtpUrlError::BadHost("bad%20host".into()),
        ),
        ("smtp://h:0", SmtpUrlError::PortZero),
        (
            "smtp://user:hunter2@h?tls=always",
            SmtpUrlError::UnknownTls("always".into()),
        ),
        ("smtps://h?tls=required", SmtpUrlError::TlsWithSmtps),
        (
            "smtp://user:hunter2@h?timeout=5",
            SmtpUrlError::UnknownParameter("timeout".into()),
        ),
        (
            "smtp://h?tls=none&tls=required",
            SmtpUrlError::RepeatedParameter("tls".into()),
        ),
        (
            "smtp://user@h",
            SmtpUrlError::HalfCredentials("user name", "password"),
        ),
        (
            "smtp://:hunter2@h",
            SmtpUrlError::HalfCredentials("password", "user name"),
        ),
        (
            "smtp://user:hunter2%FF@h",
            SmtpUrlError::BadEncoding("password"),
        ),
        (
            "smtp://us%FFer:hunter2@h",
            SmtpUrlError::BadEncoding("user name"),
        ),
        ("smtp://h#x", SmtpUrlError::Fragment),
    ];
    for (url, want) in cases {
        let got = error(url);
        assert_eq!(&got, want, "{url}");
        let text = got.to_string();
        assert!(text.contains("email.smtp_url"), "{url}: {text}");
        assert!(!text.contains("hunter2"), "{url}: {text}");
    }
    // Not a URL at all: the parser's reason, never the text.
    for url in [
        "smtp://user:hunter2@h:99999",
        "mail.shop.example",
        "smtp://[::1",
    ] {
        let text = error(url).to_string();
        assert!(
            text.starts_with("email.smtp_url is not a URL"),
            "{url}: {text}"
        );
        assert!(!text.contains("hunter2"), "{url}: {text}");
    }
}

#[test]
fn an_unencoded_hash_in_the_password_is_refused_without_showing_it() {
    // `#` starts the fragment: the URL ends early and the rest would be silently lost.
    let e = SmtpSettings::parse("smtp://user:hun#ter2@smtp.shop.example").unwrap_err();
    let text = e.to_string();
    assert!(text.contains("email.smtp_url"), "{text}");
    assert!(!text.contains("ter2"), "{text}");
}

#[test]
fn senders_parse_named_and_bare() {
    let m = parse_mailbox("email.from", "Sklep Żółw <noreply@shop.example>").expect("named");
    assert_eq!(m.name.as_deref(), Some("Sklep Żółw"));
    assert_eq!(m.email.to_string(), "noreply@shop.example");
    let m = parse_mailbox("email.from", "  noreply@shop.example ").expect("bare");
    assert_eq!(m.name, None);
    assert_eq!(m.email.to_string(), "noreply@shop.example");
    let m = parse_mailbox("email.from", "\"Shop, Inc.\" <noreply@shop.example>").expect("quoted");
    assert_eq!(m.name.as_deref(), Some("Shop, Inc."));
}

#[test]
fn bad_senders_name_their_setting() {
    let cases = [
        ("email.from", ""),
        ("email.from", "Shop <noreply@shop.example"),
        ("email.from", "noreply"),
        ("email.from", "Shop noreply@shop.example"),
        ("email.marketing_from", "a@shop.example, b@shop.example"),
        ("email.marketing_from", "<a@shop.example> <b@shop.example>"),
        ("email.from", "noreply@"),
    ];
    for (key, value) in cases {
        let e = parse_mailbox(key, value).expect_err(value);
        let text = e.to_string();
        assert!(text.starts_with(key), "{value:?}: {text}");
    }
    let e = parse_mailbox("email.from", "").unwrap_err();
    assert_eq!(e, MailboxError::Missing { key: "email.from" });
}

#[test]
fn marketing_mail_falls_back_to_the_transactional_sender() {
    let settings = |marketing: Option<&str>| EmailSettings {
        smtp: parse("smtp://h"),
        from: parse_mailbox("email.from", "Shop <noreply@shop.example>").expect("from"),
        marketing_from: marketing
            .map(|m| parse_mailbox("email.marketing_from", m).expect("marketing")),
        pool_size: 1,
        timeout: Duration::from_secs(1),
        dkim: None,
    };
    let one = settings(None);
    assert_eq!(one.sender(MessageClass::Marketing), &one.from);
    let two = settings(Some("Shop News <news@shop.example>"));
    assert_eq!(
        two.sender(MessageClass::Marketing).email.to_string(),
        "news@shop.example"
    );
    assert_eq!(
        two.sender(MessageClass::Transactional).email.to_string(),
        "noreply@shop.example"
    );
}
