//! Why a template was refused or could not be rendered.

/// Why a template was refused or could not be rendered. Every variant that can point at a
/// line does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The source does not parse.
    #[error("line {line}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// A construct notification templates do without (see [`sandbox`]).
    #[error("line {line}: {message}")]
    NotAllowed {
        /// 1-based line.
        line: usize,
        /// What is not allowed and what to write instead.
        message: String,
    },
    /// An e-mail template lacks a block it needs.
    #[error("an e-mail template needs {{% block {0} %}}…{{% endblock %}}")]
    MissingBlock(&'static str),
    /// Rendering failed (unknown variable, filter or test; a bad operation).
    #[error("{}{message}", line_prefix(*.line))]
    Render {
        /// 1-based line, when known.
        line: Option<usize>,
        /// What went wrong.
        message: String,
    },
    /// The render took more steps than allowed: a loop too many.
    #[error("{}the template needs more than {limit} steps; is a loop running away?", line_prefix(*.line))]
    OutOfFuel {
        /// Where it ran out, when known.
        line: Option<usize>,
        /// The step budget.
        limit: u64,
    },
    /// Nested deeper than allowed.
    #[error("{}the template is nested too deeply (limit {limit})", line_prefix(*.line))]
    TooDeep {
        /// Where, when known.
        line: Option<usize>,
        /// The configured depth.
        limit: usize,
    },
    /// A rendered part grew beyond the output cap.
    #[error("the rendered message is longer than {limit} bytes")]
    TooLarge {
        /// The cap.
        limit: usize,
    },
    /// The source itself is too long.
    #[error("the template is longer than {limit} bytes")]
    SourceTooLarge {
        /// The cap.
        limit: usize,
    },
    /// The rendered message breaks a rule of its channel or trigger.
    #[error("{0}")]
    Unfit(String),
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

impl TemplateError {
    /// The 1-based line the error points at, when it points at one.
    pub fn line(&self) -> Option<usize> {
        match self {
            TemplateError::Syntax { line, .. } | TemplateError::NotAllowed { line, .. } => {
                Some(*line)
            }
            TemplateError::Render { line, .. }
            | TemplateError::OutOfFuel { line, .. }
            | TemplateError::TooDeep { line, .. } => *line,
            _ => None,
        }
    }
}
