//! Why a template was refused or could not be rendered.

/// Why a template was refused or could not be rendered. Every variant that can point at a
/// line does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The source does not parse.
    #[error("{}{message}", at_prefix(Some(*.line), *.column))]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column, when the parser said where on the line.
        column: Option<usize>,
        /// What the parser said.
        message: String,
    },
    /// A construct notification templates do without (see [`sandbox`]).
    #[error("{}{message}", at_prefix(Some(*.line), *.column))]
    NotAllowed {
        /// 1-based line.
        line: usize,
        /// 1-based column of the tag or operator at fault.
        column: Option<usize>,
        /// What is not allowed and what to write instead.
        message: String,
    },
    /// An e-mail template lacks a block it needs.
    #[error("an e-mail template needs {{% block {0} %}}…{{% endblock %}}")]
    MissingBlock(&'static str),
    /// Rendering failed (unknown variable, filter or test; a bad operation).
    #[error("{}{message}", at_prefix(*.line, *.column))]
    Render {
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
        /// What went wrong.
        message: String,
    },
    /// The render took more steps than allowed: a loop too many.
    #[error("{}the template needs more than {limit} steps; is a loop running away?", at_prefix(*.line, *.column))]
    OutOfFuel {
        /// Where it ran out, when known.
        line: Option<usize>,
        /// The column there, when known.
        column: Option<usize>,
        /// The step budget.
        limit: u64,
    },
    /// Nested deeper than allowed.
    #[error("{}the template is nested too deeply (limit {limit})", at_prefix(*.line, *.column))]
    TooDeep {
        /// Where, when known.
        line: Option<usize>,
        /// The column there, when known.
        column: Option<usize>,
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

/// `line 3, column 7: `, `line 3: ` or nothing.
fn at_prefix(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    }
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

    /// The 1-based column on [`line`](Self::line), when known.
    pub fn column(&self) -> Option<usize> {
        match self {
            TemplateError::Syntax { column, .. }
            | TemplateError::NotAllowed { column, .. }
            | TemplateError::Render { column, .. }
            | TemplateError::OutOfFuel { column, .. }
            | TemplateError::TooDeep { column, .. } => *column,
            _ => None,
        }
    }

    /// The message without the position prefix (for clients that show the position apart).
    pub fn message(&self) -> String {
        let full = self.to_string();
        let prefix = at_prefix(self.line(), self.column());
        full.strip_prefix(&prefix)
            .map(str::to_string)
            .unwrap_or(full)
    }
}
