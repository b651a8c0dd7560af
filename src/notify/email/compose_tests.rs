//! Unit tests of the MIME form of a shopper e-mail, read back with mail-parser.

use mail_parser::{MessageParser, MimeHeaders};

use super::*;

pub(crate) fn sample() -> OutgoingEmail {
    OutgoingEmail {
        from_name: Some("Sklep Łódź".into()),
        from: "noreply@shop.example".parse().expect("from"),
        reply_to: Some("Obsługa <pomoc@shop.example>".parse().expect("reply-to")),
        to: "Zażółć Gęślą <anna@example.pl>".parse().expect("to"),
        subject: "Twoja paczka jest w drodze — zamówienie A-1001".into(),
        text: "Cześć Anno,\nprzesyłka A-1001 jest w drodze.\nŚledź: https://track.example/t/abc\n"
            .into(),
        html: "<p>Cześć Anno,</p><p>przesyłka <b>A-1001</b> jest w drodze. Grüße, Straße</p>"
            .into(),
        message_id: "ntf_42@shop.example".into(),
        list_unsubscribe_url: "https://track.example/u/tok_123".into(),
        language: "pl".into(),
    }
}

fn header<'a>(m: &'a mail_parser::Message<'a>, name: &str) -> Option<String> {
    m.header_raw(name).map(|v| v.trim().to_string())
}

#[test]
fn the_message_is_text_and_html_with_every_header() {
    let message = compose(&sample()).expect("compose");
    let bytes = message.formatted();
    let m = MessageParser::default().parse(&bytes).expect("parses");

    assert_eq!(
        m.subject(),
        Some("Twoja paczka jest w drodze — zamówienie A-1001")
    );
    let from = m.from().and_then(|a| a.first()).expect("from");
    assert_eq!(from.name(), Some("Sklep Łódź"));
    assert_eq!(from.address(), Some("noreply@shop.example"));
    let reply_to = m.reply_to().and_then(|a| a.first()).expect("reply-to");
    assert_eq!(reply_to.address(), Some("pomoc@shop.example"));
    assert_eq!(reply_to.name(), Some("Obsługa"));
    let to = m.to().and_then(|a| a.first()).expect("to");
    assert_eq!(to.name(), Some("Zażółć Gęślą"));
    assert_eq!(m.message_id(), Some("ntf_42@shop.example"));
    assert!(m.date().is_some());
    assert_eq!(
        header(&m, "List-Unsubscribe").as_deref(),
        Some("<https://track.example/u/tok_123>")
    );
    assert_eq!(
        header(&m, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(header(&m, "Content-Language").as_deref(), Some("pl"));
    assert_eq!(
        header(&m, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );

    let ct = m.content_type().expect("content type");
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(m.text_body.len(), 1);
    assert_eq!(m.html_body.len(), 1);
    let text = m.body_text(0).expect("text part");
    assert!(text.contains("Cześć Anno"), "{text}");
    assert!(text.contains("https://track.example/t/abc"), "{text}");
    let html = m.body_html(0).expect("html part");
    assert!(html.contains("<b>A-1001</b>"), "{html}");
    assert!(html.contains("Grüße, Straße"), "{html}");
    for part in m.parts.iter().skip(1) {
        let ct = part.content_type().expect("part type");
        assert_eq!(ct.attribute("charset"), Some("utf-8"), "{ct:?}");
    }
    // Everything on the wire is 7-bit: headers in RFC 2047 words, bodies encoded.
    assert!(bytes.is_ascii());
}

#[test]
fn reply_to_and_from_name_are_optional() {
    let mut e = sample();
    e.reply_to = None;
    e.from_name = None;
    let bytes = compose(&e).expect("compose").formatted();
    let m = MessageParser::default().parse(&bytes).expect("parses");
    assert!(m.reply_to().is_none());
    let from = m.from().and_then(|a| a.first()).expect("from");
    assert_eq!(from.name(), None);
    // An empty name is no name, not `"" <…>`.
    e.from_name = Some("  ".into());
    let bytes = compose(&e).expect("compose").formatted();
    let m = MessageParser::default().parse(&bytes).expect("parses");
    assert_eq!(m.from().and_then(|a| a.first()).expect("from").name(), None);
}

#[test]
fn line_breaks_cannot_inject_headers() {
    let mut e = sample();
    e.subject = "Paczka\r\nBcc: victim@example.com".into();
    e.from_name = Some("Shop\nX-Evil: 1".into());
    let bytes = compose(&e).expect("compose").formatted();
    let m = MessageParser::default().parse(&bytes).expect("parses");
    assert!(m.header_raw("Bcc").is_none());
    assert!(m.header_raw("X-Evil").is_none());
    assert_eq!(m.subject(), Some("Paczka Bcc: victim@example.com"));
}

#[test]
fn message_ids_take_brackets_or_not() {
    let mut e = sample();
    e.message_id = "<ntf_42@shop.example>".into();
    let bytes = compose(&e).expect("compose").formatted();
    let m = MessageParser::default().parse(&bytes).expect("parses");
    assert_eq!(m.message_id(), Some("ntf_42@shop.example"));
    assert_eq!(stable_message_id("ntf_42", &e.from), "ntf_42@shop.example");
}

#[test]
fn bad_fields_are_refused_with_what_was_wrong() {
    type Change = fn(&mut OutgoingEmail);
    let cases: Vec<(Change, ComposeError)> = vec![
        (
            |e| e.message_id = "no-at-sign".into(),
            ComposeError::MessageId("no-at-sign".into()),
        ),
        (
            |e| e.message_id = "a b@c".into(),
            ComposeError::MessageId("a b@c".into()),
        ),
        (
            |e| e.message_id = "a@b@c".into(),
            ComposeError::MessageId("a@b@c".into()),
        ),
        (
            |e| e.message_id = "@c".into(),
            ComposeError::MessageId("@c".into()),
        ),
        (
            |e| e.list_unsubscribe_url = "/u/tok".into(),
            ComposeError::UnsubscribeUrl("/u/tok".into()),
        ),
        (
            |e| e.list_unsubscribe_url = "mailto:u@shop.example".into(),
            ComposeError::UnsubscribeUrl("mailto:u@shop.example".into()),
        ),
        (
            |e| e.language = "polski".into(),
            ComposeError::Language("polski".into()),
        ),
        (
            |e| e.language = "".into(),
            ComposeError::Language("".into()),
        ),
        (
            |e| e.language = "pl\r\nX: y".into(),
            ComposeError::Language("pl\r\nX: y".into()),
        ),
    ];
    for (change, want) in cases {
        let mut e = sample();
        change(&mut e);
        assert_eq!(compose(&e).unwrap_err(), want);
    }
    for ok in ["de", "en-GB", "pl-PL", "zh-Hant-TW"] {
        let mut e = sample();
        e.language = ok.into();
        assert!(compose(&e).is_ok(), "{ok}");
    }
}

#[test]
fn an_unsubscribe_url_with_odd_characters_is_sent_encoded() {
    let mut e = sample();
    e.list_unsubscribe_url = "http://127.0.0.1:8080/u/tok ą>".into();
    let bytes = compose(&e).expect("compose").formatted();
    let m = MessageParser::default().parse(&bytes).expect("parses");
    assert_eq!(
        header(&m, "List-Unsubscribe").as_deref(),
        Some("<http://127.0.0.1:8080/u/tok%20%C4%85%3E>")
    );
}
