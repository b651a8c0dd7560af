//! What a rendered message must be beyond rendering at all (a text, the unsubscribe link
//! of a marketing message, an SMS of few parts), and the tidying of rendered text.

use super::context::TemplateContext;
use super::error::TemplateError;
use crate::domain::notification::{Channel, Trigger};
use crate::notify::sms::segments;

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The e-mail subject, one line (None for SMS).
    pub subject: Option<String>,
    /// The e-mail's text part, or the SMS body.
    pub text: String,
    /// The e-mail's HTML part, a whole document (None for SMS).
    pub html: Option<String>,
}

/// Parts an SMS template may render to (a longer text costs as many messages).
pub const MAX_SMS_PARTS: usize = 3;

/// Subject lines are cut to this many characters.
pub(crate) const MAX_SUBJECT_CHARS: usize = 200;

/// The rules a rendered sample must meet beyond rendering at all.
pub(super) fn check_fit(
    trigger: Trigger,
    channel: Channel,
    rendered: &Rendered,
    sample: &TemplateContext,
) -> Result<(), TemplateError> {
    if rendered.text.trim().is_empty() {
        return Err(TemplateError::Unfit(match channel {
            Channel::Email => "the text block renders empty".into(),
            Channel::Sms => "the message renders empty".into(),
        }));
    }
    if trigger.is_marketing() {
        let link = sample.unsubscribe_url.as_deref().unwrap_or_default();
        if !rendered.text.contains(link) {
            return Err(TemplateError::Unfit(format!(
                "{trigger} is a marketing message: its {} must carry {{{{ unsubscribe_url }}}}",
                match channel {
                    Channel::Email => "text block",
                    Channel::Sms => "text",
                }
            )));
        }
    }
    if channel == Channel::Sms {
        let parts = segments::count(&rendered.text).parts;
        if parts > MAX_SMS_PARTS {
            return Err(TemplateError::Unfit(format!(
                "the message takes {parts} SMS parts for the sample shipment; at most \
                 {MAX_SMS_PARTS} are allowed"
            )));
        }
    }
    Ok(())
}

/// A subject on one line, blanks collapsed, cut to [`MAX_SUBJECT_CHARS`].
pub(super) fn one_line(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= MAX_SUBJECT_CHARS {
        return joined;
    }
    let cut: String = joined.chars().take(MAX_SUBJECT_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// A text part with trailing blanks off every line and at most one blank line in a row.
pub(super) fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.trim().lines().map(str::trim_end) {
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// An SMS body: each line trimmed, empty lines dropped, blanks inside a line collapsed.
pub(super) fn tidy_sms(s: &str) -> String {
    s.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}
