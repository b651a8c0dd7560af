//! Refusals and where they point: syntax errors, the screen's refused constructs and the
//! engine's own limits, each with its line and column.

use minijinja::UndefinedBehavior;

use super::tests::refused;
use super::*;

#[test]
fn validation_points_at_the_line() {
    let e = refused(Channel::Sms, "Hello\n{{ tracking_url }\n");
    // The stray `}` is the 17th character of line 2.
    assert!(
        matches!(
            e,
            TemplateError::Syntax {
                line: 2,
                column: Some(17),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with("line 2, column 17: syntax error"),
        "{e}"
    );
    assert!(e.message().starts_with("syntax error"), "{e}");

    // Columns count characters: the Polish letters before the mistake take two bytes each.
    let e = refused(Channel::Sms, "Hello\n\nZażółć {{ tracking_ulr }}\n");
    assert_eq!((e.line(), e.column()), (Some(3), Some(11)), "{e:?}");
    assert!(e.to_string().contains("undefined"), "{e}");

    let e = refused(Channel::Sms, "{{ shop_name }}\n{{ shop_name|wordcount }}");
    assert_eq!(e.line(), Some(2), "{e:?}");
    assert!(e.column().is_some(), "{e:?}");
    assert!(e.to_string().contains("unknown filter"), "{e}");
}

#[test]
fn constructs_that_build_unbounded_values_are_refused_with_their_line() {
    // (source, line, column of the operator, name or tag at fault, what the message names)
    let cases = [
        ("{% set s = shop_name %}\n{% set s = s ~ s %}", 2, 14, "`~`"),
        ("{{ 'x' * 100000000 }}", 1, 8, "`*`"),
        ("a\nb\n{{ shop_name + shop_name }}", 3, 14, "`+`"),
        // A string of two-byte letters before the operator: still counted in characters.
        ("{{ 'ąę' ~ tracking_url }}", 1, 9, "`~`"),
        (
            "{% macro d(n) %}{{ d(n) }}{% endmacro %}{{ d(1) }}",
            1,
            1,
            "macros",
        ),
        (
            "x {% filter upper %}x{% endfilter %}",
            1,
            3,
            "filter blocks",
        ),
        ("{% set x %}\nbig\n{% endset %}", 1, 1, "block assignments"),
        ("\n{% set ns = namespace(s='') %}", 2, 13, "`namespace`"),
        (
            "{% block a %}x{% endblock %}\n{{ self.a() }}",
            2,
            4,
            "`self`",
        ),
        ("{% include 'other' %}", 1, 1, "includes"),
        (
            "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
            1,
            17,
            "`recursive`",
        ),
    ];
    for (source, line, column, what) in cases {
        let e = refused(Channel::Sms, source);
        assert!(
            matches!(e, TemplateError::NotAllowed { line: l, column: Some(c), .. }
                if l == line && c == column),
            "{source}: {e:?}"
        );
        assert!(e.to_string().contains(what), "{source}: {e}");
    }
    // Strings, comments and raw blocks may hold those characters.
    Templates::new()
        .validate(
            Trigger::Shipped,
            Channel::Sms,
            "{# a ~ b * c #}{% raw %}{{ x ~ y }}{% endraw %}{{ '2 + 2 ~ *' }} {{ tracking_url }}",
        )
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn the_engine_itself_stops_deep_recursion() {
    // Behind the screen, a recursive macro still meets the recursion limit.
    let limits = Limits::default();
    let env = sandbox::environment(&limits, UndefinedBehavior::Strict);
    let t = env
        .template_from_str("{% macro d(n) %}{{ d(n - 1) }}{% endmacro %}{{ d(1000) }}")
        .unwrap();
    let e = t.render(()).unwrap_err();
    let mapped = sandbox::engine_error(&e, false, &limits, t.source());
    assert!(
        matches!(mapped, TemplateError::TooDeep { limit: 64, .. }),
        "{mapped:?}"
    );
    assert!(mapped.to_string().contains("nested too deeply"), "{mapped}");
}

#[test]
fn growing_filters_are_capped() {
    let big = "x".repeat(9000);
    let e = refused(
        Channel::Sms,
        &format!("{{{{ '{big}'|replace('x', 'xx') }}}} {{{{ tracking_url }}}}"),
    );
    assert!(
        e.to_string()
            .contains("replace would be longer than 16384 bytes"),
        "{e}"
    );
    let e = refused(
        Channel::Sms,
        &format!("{{{{ ['{big}', '{big}']|join(' ') }}}} {{{{ tracking_url }}}}"),
    );
    assert!(e.to_string().contains("join would be longer"), "{e}");
    // Ordinary use of both is fine.
    let t = Templates::new();
    let r = t
        .render(
            Trigger::Shipped,
            Channel::Sms,
            Lang::En,
            Some("{{ shop_name|replace(\"'\", '') }} {{ ['a', 'b']|join('-') }}"),
            &TemplateContext::sample(Lang::En),
        )
        .unwrap();
    assert_eq!(r.text, "Annas Shop a-b");
}

#[test]
fn errors_point_at_lines_through_the_error_api() {
    assert_eq!(
        TemplateError::NotAllowed {
            line: 4,
            column: Some(2),
            message: "x".into()
        }
        .line(),
        Some(4)
    );
    assert_eq!(TemplateError::MissingBlock("text").line(), None);
}
