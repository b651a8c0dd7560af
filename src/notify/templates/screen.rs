//! The screen in front of the engine: refuses, with their line and column, the few
//! constructs that could build unbounded values (see [`super::sandbox`] for why), and
//! collects the block names a template defines.

use super::error::TemplateError;
use super::position::Position;
use super::sandbox::Limits;

/// What the screen learned about a source.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Screened {
    /// Names of the `{% block %}`s, in order.
    pub blocks: Vec<String>,
}

/// Tags refused, with why.
const REFUSED_TAGS: [(&str, &str); 8] = [
    (
        "macro",
        "macros are not available in notification templates",
    ),
    (
        "call",
        "call blocks are not available in notification templates",
    ),
    (
        "filter",
        "filter blocks are not available; apply the filter to a variable: {{ x|upper }}",
    ),
    (
        "include",
        "includes are not available in notification templates",
    ),
    (
        "import",
        "imports are not available in notification templates",
    ),
    (
        "from",
        "imports are not available in notification templates",
    ),
    (
        "extends",
        "a notification template stands alone; it cannot extend another",
    ),
    (
        "autoescape",
        "escaping is fixed: HTML parts are escaped, text parts are not",
    ),
];

/// Checks a source against the rules in the module doc and collects its block names. Errors
/// carry the line and column of the tag or operator at fault; syntax errors are left to the
/// parser, which reports them better.
pub fn screen(source: &str, limits: &Limits) -> Result<Screened, TemplateError> {
    if source.len() > limits.max_source_bytes {
        return Err(TemplateError::SourceTooLarge {
            limit: limits.max_source_bytes,
        });
    }
    let mut out = Screened::default();
    let mut i = 0;
    while let Some(rel) = source[i..].find('{') {
        let start = i + rel;
        let kind = source[start + 1..].chars().next();
        match kind {
            Some('#') => match source[start + 2..].find("#}") {
                Some(end) => i = start + 2 + end + 2,
                None => break,
            },
            Some(k @ ('{' | '%')) => {
                let close = if k == '{' { "}}" } else { "%}" };
                let Some(end) = code_end(source, start + 2, close) else {
                    break;
                };
                let inner = &source[start + 2..end];
                let code = inner.trim_start_matches(['-', '+']);
                // Where `code` begins in the source, for the operators' columns.
                let code_at = start + 2 + (inner.len() - code.len());
                let code = code.trim_end_matches(['-', '+']);
                i = end + 2;
                if k == '%' {
                    let mut words = code.split_whitespace();
                    let tag = words.next().unwrap_or_default();
                    if tag == "raw" {
                        i = skip_raw(source, i);
                        continue;
                    }
                    if let Some((_, why)) = REFUSED_TAGS.iter().find(|(t, _)| *t == tag) {
                        return Err(refused(source, start, why));
                    }
                    if tag == "set" && !has_assignment(code) {
                        return Err(refused(
                            source,
                            start,
                            "block assignments ({% set x %}…{% endset %}) are not available; \
                             assign a value: {% set x = … %}",
                        ));
                    }
                    if tag == "block" {
                        if let Some(name) = words.next() {
                            out.blocks.push(name.to_string());
                        }
                    }
                }
                check_code(code, |at, why| refused(source, code_at + at, why))?;
            }
            _ => i = start + 1,
        }
    }
    Ok(out)
}

/// A refusal pointing at byte `at` of the source.
fn refused(source: &str, at: usize, why: &str) -> TemplateError {
    let p = Position::of(source, at);
    TemplateError::NotAllowed {
        line: p.line,
        column: Some(p.column),
        message: why.to_string(),
    }
}

/// Where the tag opened before `from` closes (`close` outside string literals).
fn code_end(source: &str, from: usize, close: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut quote: Option<u8> = None;
    let mut j = from;
    while j < bytes.len() {
        let b = bytes[j];
        match quote {
            Some(_) if b == b'\\' => j += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if source[j..].starts_with(close) => return Some(j),
            None => {}
        }
        j += 1;
    }
    None
}

/// The index after `{% endraw %}`, or the end of the source.
fn skip_raw(source: &str, from: usize) -> usize {
    let mut i = from;
    while let Some(rel) = source[i..].find("{%") {
        let start = i + rel;
        let Some(end) = source[start..].find("%}") else {
            break;
        };
        let inner = source[start + 2..start + end]
            .trim_matches(['-', '+'])
            .trim();
        if inner == "endraw" {
            return start + end + 2;
        }
        i = start + 2;
    }
    source.len()
}

/// The code with the contents of string literals blanked, byte for byte (a character of
/// two bytes becomes two spaces), so offsets into it are offsets into the code.
fn unquoted(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in code.chars() {
        match quote {
            Some(_) if escaped => {
                escaped = false;
                blank(&mut out, c);
            }
            Some(_) if c == '\\' => {
                escaped = true;
                blank(&mut out, c);
            }
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => blank(&mut out, c),
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

fn blank(out: &mut String, c: char) {
    out.extend(std::iter::repeat_n(' ', c.len_utf8()));
}

/// Whether a `set` tag assigns (`=` that is not part of `==`, `!=`, `<=`, `>=`).
fn has_assignment(code: &str) -> bool {
    let code = unquoted(code);
    let b = code.as_bytes();
    (0..b.len()).any(|k| {
        b[k] == b'='
            && b.get(k + 1) != Some(&b'=')
            && !matches!(
                k.checked_sub(1).map(|p| b[p]),
                Some(b'=' | b'!' | b'<' | b'>')
            )
    })
}

/// Refuses the operators and names that build values without bound; `refuse` makes the error
/// from the byte offset in `code` of what is refused.
fn check_code(
    code: &str,
    refuse: impl Fn(usize, &str) -> TemplateError,
) -> Result<(), TemplateError> {
    let code = unquoted(code);
    for (op, why) in [
        (
            '~',
            "`~` is not available; write the parts side by side: {{ a }} {{ b }}",
        ),
        (
            '+',
            "`+` is not available; write the parts side by side: {{ a }} {{ b }}",
        ),
        ('*', "`*` is not available in notification templates"),
    ] {
        if let Some(at) = code.find(op) {
            return Err(refuse(at, why));
        }
    }
    let mut word = String::new();
    let mut word_at = 0;
    let mut prev = ' ';
    for (at, c) in code
        .char_indices()
        .chain(std::iter::once((code.len(), ' ')))
    {
        if c.is_ascii_alphanumeric() || c == '_' {
            if word.is_empty() {
                word_at = at;
            }
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            let after_dot = prev == '.';
            // `self.block()` and `caller()` render into buffers the output cap never sees;
            // so does a recursive loop's `loop(…)`.
            if !after_dot && matches!(word.as_str(), "self" | "caller" | "namespace" | "recursive")
            {
                return Err(refuse(
                    word_at,
                    &format!("`{word}` is not available in notification templates"),
                ));
            }
            word.clear();
        }
        prev = c;
    }
    Ok(())
}
