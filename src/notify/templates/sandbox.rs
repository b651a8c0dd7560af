//! The template engine's fence: a minijinja environment with fuel, a recursion limit, HTML
//! auto-escape and a capped output, and a screen that refuses the few constructs which could
//! still build unbounded values, so a merchant's template can neither hang nor eat memory.
//!
//! Fuel bounds the steps a render takes and the output cap bounds what it writes, but
//! neither bounds a value built in a few steps: `{% set s = s ~ s %}` doubles a string per
//! line, and a macro's or `{% filter %}`'s output is buffered in full before it is written.
//! So merchant templates (and the built-ins, which follow the same rules) do without string
//! operators (`~`, `+`, `*`), macros, call and filter blocks, block assignments, `self`,
//! recursive loops and includes. Filters that grow strings (`replace`, `join`) are capped, the ones that
//! fan values out (`batch`, `slice`, `indent`, …) and `namespace()` are not offered.
//! Notification templates need none of these: text, variables, `if`, `for` and filters.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior};

use super::error::TemplateError;
use super::position::Position;

/// What one render may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Instructions one render may execute (a built-in e-mail takes a few hundred).
    pub fuel: u64,
    /// Nesting depth (each `if`/`for` level counts 1).
    pub recursion: usize,
    /// Bytes one rendered part (subject, text, html, an SMS) may have.
    pub max_output_bytes: usize,
    /// Bytes of template source accepted.
    pub max_source_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 20_000,
            recursion: 64,
            max_output_bytes: 256 * 1024,
            max_source_bytes: 64 * 1024,
        }
    }
}

/// Largest string `replace` and `join` may produce.
pub const MAX_VALUE_BYTES: usize = 16 * 1024;

/// Builtin filters taken away: they fan one value out into many or pad it to any width.
const REMOVED_FILTERS: [&str; 9] = [
    "batch", "slice", "indent", "chain", "zip", "pprint", "format", "replace", "join",
];

/// A minijinja environment with the limits set. Names ending in `.html` are auto-escaped for
/// HTML; every other name (subject, text, SMS) is plain text.
pub fn environment<'s>(limits: &Limits, undefined: UndefinedBehavior) -> Environment<'s> {
    let mut env = Environment::new();
    env.set_fuel(Some(limits.fuel));
    env.set_recursion_limit(limits.recursion);
    env.set_undefined_behavior(undefined);
    // Block tags on their own lines leave no blank lines behind.
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    for f in REMOVED_FILTERS {
        env.remove_filter(f);
    }
    env.add_filter("replace", capped_replace);
    env.add_filter("join", capped_join);
    // namespace() carries values across loop iterations (the other way to accumulate);
    // debug() prints the whole context.
    env.remove_global("namespace");
    env.remove_global("debug");
    env
}

fn too_big(what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("{what} would be longer than {MAX_VALUE_BYTES} bytes"),
    )
}

/// `replace`, refusing results over [`MAX_VALUE_BYTES`]; safe only when both sides are.
fn capped_replace(value: &Value, from: Cow<'_, str>, to: &Value) -> Result<Value, Error> {
    let s = value.to_string();
    let to_s = to.to_string();
    let hits = if from.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(from.as_ref()).count()
    };
    let size = hits
        .checked_mul(to_s.len())
        .and_then(|n| n.checked_add(s.len()));
    if size.is_none_or(|n| n > MAX_VALUE_BYTES) {
        return Err(too_big("replace"));
    }
    let out = s.replace(from.as_ref(), &to_s);
    Ok(if value.is_safe() && to.is_safe() {
        Value::from_safe_string(out)
    } else {
        Value::from(out)
    })
}

/// `join`, escaping like the builtin and refusing results over [`MAX_VALUE_BYTES`].
fn capped_join(state: &State, value: &Value, joiner: Option<Cow<'_, str>>) -> Result<Value, Error> {
    let escape = !matches!(state.auto_escape(), AutoEscape::None);
    let joiner = match joiner {
        Some(j) if escape => state.format(Value::from(j.as_ref()))?,
        Some(j) => j.into_owned(),
        None => String::new(),
    };
    let mut out = String::new();
    for (i, item) in value.try_iter()?.enumerate() {
        if i > 0 {
            out.push_str(&joiner);
        }
        match item.as_str() {
            Some(s) if !escape || item.is_safe() => out.push_str(s),
            _ if escape => out.push_str(&state.format(item)?),
            _ => {
                let _ = write!(out, "{item}");
            }
        }
        if out.len() > MAX_VALUE_BYTES {
            return Err(too_big("join"));
        }
    }
    Ok(if escape {
        Value::from_safe_string(out)
    } else {
        Value::from(out)
    })
}

/// An `io::Write` that refuses to grow past its limit; the render then stops with a write
/// error, which [`Capped::exceeded`] tells apart from any other.
pub struct Capped<W> {
    inner: W,
    limit: usize,
    written: usize,
    exceeded: bool,
}

impl<W: io::Write> Capped<W> {
    /// Wraps `inner`, allowing `limit` bytes.
    pub fn new(inner: W, limit: usize) -> Self {
        Capped {
            inner,
            limit,
            written: 0,
            exceeded: false,
        }
    }

    /// Whether a write was refused for the limit.
    pub fn exceeded(&self) -> bool {
        self.exceeded
    }

    /// The wrapped writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: io::Write> io::Write for Capped<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written.saturating_add(buf.len()) > self.limit {
            self.exceeded = true;
            return Err(io::Error::other("output limit reached"));
        }
        let n = self.inner.write(buf)?;
        self.written += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Turns an engine error into the error merchants see, with its line and column in
/// `source`, the source of the template that failed.
pub fn engine_error(e: &Error, exceeded: bool, limits: &Limits, source: &str) -> TemplateError {
    if exceeded {
        return TemplateError::TooLarge {
            limit: limits.max_output_bytes,
        };
    }
    let (line, column) = locate(e, source);
    let detail = e.detail().unwrap_or_default();
    match e.kind() {
        ErrorKind::OutOfFuel => TemplateError::OutOfFuel {
            line,
            column,
            limit: limits.fuel,
        },
        ErrorKind::InvalidOperation | ErrorKind::SyntaxError
            if detail.contains("recursion limit") =>
        {
            TemplateError::TooDeep {
                line,
                column,
                limit: limits.recursion,
            }
        }
        ErrorKind::SyntaxError => TemplateError::Syntax {
            line: line.unwrap_or(1),
            column,
            message: describe(e),
        },
        _ => TemplateError::Render {
            line,
            column,
            message: describe(e),
        },
    }
}

/// Line and column of an engine error: both from the byte range minijinja keeps for the
/// failing token or expression, when it has one that agrees with its line; else its line
/// alone (some runtime errors know only the instruction's line).
fn locate(e: &Error, source: &str) -> (Option<usize>, Option<usize>) {
    let line = e.line();
    match e.range() {
        Some(r) if r.start <= source.len() => {
            let p = Position::of(source, r.start);
            if line.is_none_or(|l| l == p.line) {
                (Some(p.line), Some(p.column))
            } else {
                (line, None)
            }
        }
        _ => (line, None),
    }
}

/// `unknown filter: filter wordcount is unknown`: the kind and minijinja's detail, without
/// the template name minijinja appends.
fn describe(e: &Error) -> String {
    if e.kind() == ErrorKind::UndefinedError {
        return format!(
            "{}: a variable or attribute that does not exist; check its spelling (variables: \
             {})",
            e.kind(),
            super::context::VARIABLES.join(", ")
        );
    }
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}
