//! The built-ins against the sample shipment, validation errors with their lines, escaping,
//! and the sandbox stopping runaway templates.

use std::time::{Duration, Instant};

use super::*;
use crate::notify::sms::segments::Encoding;

/// Words only a message in that language has (lower-case stems, matched as written).
fn markers(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Pl => &["paczk", "przesył", "przesyl", "zakup", "zamówieni"],
        Lang::En => &["parcel", "order"],
        Lang::De => &["Paket", "Sendung", "Bestellung"],
    }
}

fn in_language(text: &str, lang: Lang) -> bool {
    markers(lang).iter().any(|m| text.contains(m))
        && Lang::ALL
            .into_iter()
            .filter(|other| *other != lang)
            .all(|other| !markers(other).iter().any(|m| text.contains(m)))
}

#[test]
fn every_builtin_validates_and_renders_in_its_language() {
    let t = Templates::new();
    let mut count = 0;
    for trigger in Trigger::ALL {
        for channel in Channel::ALL {
            for lang in Lang::ALL {
                let which = format!("{trigger}/{channel}/{}", lang.code());
                let source = Templates::builtin_source(trigger, channel, lang);
                // Strict: every variable a built-in names exists.
                t.validate(trigger, channel, source)
                    .unwrap_or_else(|e| panic!("{which}: {e}"));
                let ctx = TemplateContext::sample_for(trigger, lang);
                let r = t
                    .render(trigger, channel, lang, None, &ctx)
                    .unwrap_or_else(|e| panic!("{which}: {e}"));
                // A review request links to the merchant's review page instead.
                let link = match trigger {
                    Trigger::ReviewRequest => ctx.review_url.as_deref().unwrap_or_default(),
                    _ => &ctx.tracking_url,
                };
                assert!(r.text.contains(link), "{which}: {}", r.text);
                assert!(in_language(&r.text, lang), "{which}: {}", r.text);
                assert!(!r.text.contains("none"), "{which} prints a missing value");
                assert!(!r.text.contains(".."), "{which}: {}", r.text);
                if trigger.is_marketing() {
                    let unsubscribe = ctx.unsubscribe_url.as_deref().unwrap_or("?");
                    assert!(r.text.contains(unsubscribe), "{which}: no unsubscribe link");
                }
                match channel {
                    Channel::Email => {
                        let subject = r.subject.as_deref().unwrap_or_default();
                        let html = r.html.as_deref().unwrap_or_default();
                        assert!(!subject.is_empty() && !subject.contains('\n'), "{which}");
                        assert!(
                            in_language(subject, lang) || trigger.is_marketing(),
                            "{which}: {subject}"
                        );
                        assert!(r.text.lines().count() > 4, "{which}: {}", r.text);
                        assert!(html.starts_with("<!doctype html>"), "{which}");
                        assert!(html.contains(&format!("href=\"{link}\"")), "{which}");
                        assert!(
                            html.contains(&format!("lang=\"{}\"", lang.code())),
                            "{which}"
                        );
                    }
                    Channel::Sms => {
                        let seg = segments::count(&r.text);
                        assert_eq!(
                            (seg.encoding, seg.parts),
                            (Encoding::Gsm7, 1),
                            "{which} ({} units): {}",
                            seg.units,
                            r.text
                        );
                        assert!(r.subject.is_none() && r.html.is_none());
                    }
                }
                count += 1;
            }
        }
    }
    assert_eq!(count, 60);
}

#[test]
fn builtins_render_for_a_shipment_without_optional_details() {
    let t = Templates::new();
    for trigger in Trigger::ALL {
        for channel in Channel::ALL {
            for lang in Lang::ALL {
                let ctx = TemplateContext::sparse(lang);
                let r = t.render(trigger, channel, lang, None, &ctx).unwrap();
                let all = format!("{:?} {} {:?}", r.subject, r.text, r.html);
                // (`none` as a word: the layout's CSS says text-decoration:none.)
                assert!(!r.text.contains("none"), "{trigger}: {}", r.text);
                assert!(
                    !all.contains(">none<") && !all.contains("{{"),
                    "{trigger}: {all}"
                );
                // Without a review page, a review request e-mail asks for a reply instead.
                if (trigger, channel) != (Trigger::ReviewRequest, Channel::Email) {
                    assert!(r.text.contains(&ctx.tracking_url), "{trigger}: {}", r.text);
                }
            }
        }
    }
}

#[test]
fn polish_sms_keeps_its_letters_when_they_fit_and_drops_them_when_not() {
    let t = Templates::new();
    let ctx = TemplateContext::sample(Lang::Pl);
    let short = t
        .render(
            Trigger::Delivered,
            Channel::Sms,
            Lang::Pl,
            Some("Paczka doręczona."),
            &ctx,
        )
        .unwrap();
    assert_eq!(short.text, "Paczka doręczona.");
    let shipped = t
        .render(Trigger::Shipped, Channel::Sms, Lang::Pl, None, &ctx)
        .unwrap();
    assert_eq!(
        shipped.text,
        "Sklep Ania: Twoja paczka jest w drodze (InPost). Sledz: \
         https://track.example/t/Ab12Cd34Ef56Gh78"
    );
}

const EMAIL: &str = "{% block subject %}Paczka {{ tracking_number }}{% endblock %}\n\
                     {% block text %}Dzień dobry {{ customer_name }}!\n{{ tracking_url }}{% endblock %}\n";

#[test]
fn an_override_renders_text_and_html_with_escaping_only_in_html() {
    let t = Templates::new();
    let mut ctx = TemplateContext::sample(Lang::Pl);
    ctx.customer_name = Some("Ania <b>&</b>".into());
    let source =
        format!("{EMAIL}{{% block html %}}<p>Cześć {{{{ customer_name }}}}</p>{{% endblock %}}");
    t.validate(Trigger::Shipped, Channel::Email, &source)
        .unwrap();
    let r = t
        .render(
            Trigger::Shipped,
            Channel::Email,
            Lang::Pl,
            Some(&source),
            &ctx,
        )
        .unwrap();
    assert_eq!(
        r.subject.as_deref(),
        Some("Paczka 620000000000000000000000")
    );
    assert!(r.text.contains("Dzień dobry Ania <b>&</b>!"), "{}", r.text);
    let html = r.html.unwrap_or_default();
    assert!(
        html.contains("<p>Cześć Ania &lt;b&gt;&amp;&lt;&#x2f;b&gt;</p>"),
        "{html}"
    );
    assert!(!html.contains("Ania <b>"), "{html}");
    assert!(
        !html.contains("Śledź przesyłkę</a>"),
        "no button around a merchant's own html"
    );

    // Without an html block the HTML is the text, escaped, with the link and the button.
    let r = t
        .render(
            Trigger::Shipped,
            Channel::Email,
            Lang::Pl,
            Some(EMAIL),
            &ctx,
        )
        .unwrap();
    let html = r.html.unwrap_or_default();
    assert!(
        html.contains("Dzień dobry Ania &lt;b&gt;&amp;&lt;/b&gt;!"),
        "{html}"
    );
    assert!(
        html.contains(&format!("<a href=\"{0}\">{0}</a>", ctx.tracking_url)),
        "{html}"
    );
    assert!(html.contains("Śledź przesyłkę</a>"), "{html}");
    assert!(html.contains("border-top:4px solid #1f6feb"), "{html}");
}

#[test]
fn a_whole_html_document_is_sent_as_it_is_and_bad_branding_is_dropped() {
    let t = Templates::new();
    let mut ctx = TemplateContext::sample(Lang::En);
    let doc = format!(
        "{EMAIL}{{% block html %}}<!DOCTYPE html><html><body>Hi</body></html>{{% endblock %}}"
    );
    let r = t
        .render(Trigger::Shipped, Channel::Email, Lang::En, Some(&doc), &ctx)
        .unwrap();
    assert_eq!(
        r.html.as_deref(),
        Some("<!DOCTYPE html><html><body>Hi</body></html>")
    );
    ctx.brand.color = "red;background:url(x)".into();
    ctx.brand.logo_url = Some("javascript:alert(1)".into());
    let r = t
        .render(Trigger::Shipped, Channel::Email, Lang::En, None, &ctx)
        .unwrap();
    let html = r.html.unwrap_or_default();
    assert!(
        !html.contains("url(x)") && !html.contains("javascript:"),
        "{html}"
    );
    assert!(html.contains("#1f6feb"), "{html}");
}

/// The error `validate` gives for an SMS or e-mail `shipped` template.
pub(super) fn refused(channel: Channel, source: &str) -> TemplateError {
    Templates::new()
        .validate(Trigger::Shipped, channel, source)
        .unwrap_err()
}

#[test]
fn email_templates_need_subject_and_text() {
    let e = refused(
        Channel::Email,
        "{% block text %}x {{ tracking_url }}{% endblock %}",
    );
    assert_eq!(e, TemplateError::MissingBlock("subject"));
    assert_eq!(
        e.to_string(),
        "an e-mail template needs {% block subject %}…{% endblock %}"
    );
    let e = refused(Channel::Email, "{% block subject %}Hi{% endblock %}");
    assert_eq!(e, TemplateError::MissingBlock("text"));
    let e = refused(
        Channel::Email,
        "{% block subject %} {% endblock %}{% block text %}x{% endblock %}",
    );
    assert!(e.to_string().contains("subject renders empty"), "{e}");
}

#[test]
fn marketing_needs_the_unsubscribe_link_and_sms_a_sane_length() {
    let t = Templates::new();
    let e = t
        .validate(
            Trigger::ReviewRequest,
            Channel::Sms,
            "Rate us! {{ tracking_url }}",
        )
        .unwrap_err();
    assert!(e.to_string().contains("unsubscribe_url"), "{e}");
    t.validate(
        Trigger::ReviewRequest,
        Channel::Sms,
        "Rate us! {{ review_url }} Stop: {{ unsubscribe_url }}",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let long = format!("{} {{{{ tracking_url }}}}", "x".repeat(460));
    let e = t
        .validate(Trigger::Shipped, Channel::Sms, &long)
        .unwrap_err();
    assert!(e.to_string().contains("4 SMS parts"), "{e}");
}

#[test]
fn a_runaway_loop_runs_out_of_fuel_quickly() {
    let started = Instant::now();
    let e = refused(
        Channel::Sms,
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    );
    assert!(
        matches!(e, TemplateError::OutOfFuel { limit: 20_000, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("more than 20000 steps"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn huge_output_stops_at_the_cap() {
    let line = "x".repeat(1000);
    let source = format!("{{% for i in range(5000) %}}{line}{{% endfor %}}");
    let e = refused(Channel::Sms, &source);
    assert_eq!(e, TemplateError::TooLarge { limit: 256 * 1024 });
    let email = format!(
        "{{% block subject %}}s{{% endblock %}}{{% block text %}}{{% for i in range(5000) %}}{line}{{% endfor %}}{{% endblock %}}"
    );
    assert_eq!(
        refused(Channel::Email, &email),
        TemplateError::TooLarge { limit: 256 * 1024 }
    );
    let e = refused(Channel::Sms, &"x".repeat(70 * 1024));
    assert_eq!(e, TemplateError::SourceTooLarge { limit: 64 * 1024 });
}

#[test]
fn the_variable_list_in_error_messages_is_the_context() {
    let sample = serde_json::to_value(TemplateContext::sample(Lang::Pl)).unwrap_or_default();
    let mut keys: Vec<&str> = sample
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    let mut listed = context::VARIABLES.to_vec();
    listed.sort_unstable();
    assert_eq!(keys, listed);
    let e = refused(Channel::Sms, "{{ tracking_ulr }}");
    assert!(
        e.to_string()
            .contains("check its spelling (variables: language, shop_name"),
        "{e}"
    );
}

#[test]
fn the_engine_can_be_shared_between_workers() {
    fn shared<T: Send + Sync>() {}
    shared::<Templates>();
    shared::<crate::notify::sms::SmsSender>();
}

#[test]
fn an_unguarded_optional_part_renders_empty_when_sending() {
    let t = Templates::new();
    let source = "Hi {{ customer_name }}! {{ pickup_point.name }}|{{ collect_by }}|";
    t.validate(Trigger::Shipped, Channel::Sms, source)
        .unwrap_or_else(|e| panic!("{e}"));
    let r = t
        .render(
            Trigger::Shipped,
            Channel::Sms,
            Lang::En,
            Some(source),
            &TemplateContext::sparse(Lang::En),
        )
        .unwrap();
    assert_eq!(r.text, "Hi ! ||");
}
