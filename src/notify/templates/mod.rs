//! Notification templates: the built-ins (pl, en, de for every trigger and channel), merchant
//! overrides validated on save, and rendering into subject, text and HTML (e-mail) or a body
//! (SMS) inside the sandbox of [`sandbox`].
//!
//! An e-mail template is one source with `{% block subject %}`, `{% block text %}` and,
//! optionally, `{% block html %}`; each block is rendered on its own, the html block with
//! HTML auto-escape, the others as plain text. Without an html block the HTML part is built
//! from the text (escaped, paragraphs, links) inside the merchant's branded layout. An SMS
//! template is plain text; its result is transliterated to GSM-7 when that saves parts.
//!
//! Undefined variables: validation renders strictly (a misspelt `{{ tracking_ulr }}` is an
//! error on save, with its line), against a complete sample shipment and against one with
//! every optional part missing. Sending renders leniently (minijinja's chainable mode), so a
//! template that passed validation never fails a message because some detail is absent.

pub mod builtin;
pub mod context;
mod error;
mod fit;
pub mod layout;
pub mod position;
pub mod sandbox;
pub mod screen;

use minijinja::{Environment, Template, UndefinedBehavior};

use crate::domain::i18n::Lang;
use crate::domain::notification::{Channel, Trigger};
use crate::notify::sms::segments;

pub use context::TemplateContext;
pub use error::TemplateError;
pub use position::Position;
pub use sandbox::Limits;

use fit::{check_fit, one_line, tidy, tidy_sms};
pub use fit::{Rendered, MAX_SMS_PARTS};

/// The template engine: the built-ins compiled once, overrides compiled per render.
pub struct Templates {
    /// Lenient environment with the built-ins and the layout (the layout is ours and
    /// always renders leniently, also while a merchant's template is validated).
    runtime: Environment<'static>,
    limits: Limits,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

/// Names tell the environment how to escape: `.html` is HTML, anything else plain text.
fn names(trigger: Trigger, channel: Channel, lang: Lang, origin: &str) -> (String, String) {
    let base = format!("{origin}/{}/{}.{}", lang.code(), trigger, channel);
    (format!("{base}.txt"), format!("{base}.html"))
}

impl Templates {
    /// The engine with the default [`Limits`].
    pub fn new() -> Self {
        Templates::with_limits(Limits::default())
    }

    /// The engine with the given limits. The built-ins are compiled here; one that does not
    /// compile is a bug that the built-in tests catch, and it is skipped rather than fatal.
    pub fn with_limits(limits: Limits) -> Self {
        let mut runtime = sandbox::environment(&limits, UndefinedBehavior::Chainable);
        if let Err(e) = runtime.add_template(layout::LAYOUT_NAME, layout::LAYOUT) {
            tracing::error!(error = %e, "built-in e-mail layout does not compile");
        }
        for trigger in Trigger::ALL {
            for channel in Channel::ALL {
                for lang in Lang::ALL {
                    let source = builtin::source(trigger, channel, lang);
                    let (txt, html) = names(trigger, channel, lang, "builtin");
                    let mut add = |name: String| {
                        if let Err(e) = runtime.add_template_owned(name, source) {
                            tracing::error!(error = %e, "built-in template does not compile");
                        }
                    };
                    add(txt);
                    if channel == Channel::Email {
                        add(html);
                    }
                }
            }
        }
        Templates { runtime, limits }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The built-in source of a template, for merchants to start an override from.
    pub fn builtin_source(trigger: Trigger, channel: Channel, lang: Lang) -> &'static str {
        builtin::source(trigger, channel, lang)
    }

    /// Renders the message for `trigger` on `channel` in `lang`: the merchant's override
    /// when given (it was validated on save), the built-in otherwise.
    pub fn render(
        &self,
        trigger: Trigger,
        channel: Channel,
        lang: Lang,
        override_source: Option<&str>,
        ctx: &TemplateContext,
    ) -> Result<Rendered, TemplateError> {
        match override_source {
            Some(source) => self.render_source(false, trigger, channel, lang, source, ctx),
            None => {
                let source = builtin::source(trigger, channel, lang);
                let screened = screen::screen(source, &self.limits)?;
                let (txt, html) = names(trigger, channel, lang, "builtin");
                let get = |name: &str| {
                    self.runtime
                        .get_template(name)
                        .map_err(|e| sandbox::engine_error(&e, false, &self.limits, source))
                };
                match channel {
                    Channel::Sms => self.render_sms(&get(&txt)?, ctx),
                    Channel::Email => {
                        let html = if screened.blocks.iter().any(|b| b == "html") {
                            Some(get(&html)?)
                        } else {
                            None
                        };
                        self.render_email(&get(&txt)?, html, lang, ctx)
                    }
                }
            }
        }
    }

    /// Checks a merchant's template before it is saved: size, the sandbox's rules, syntax,
    /// the blocks an e-mail needs, and a strict render against the sample shipment in
    /// every language plus a lenient one against a shipment with no optional details. A
    /// marketing template must carry the unsubscribe link; an SMS must fit
    /// [`MAX_SMS_PARTS`] parts.
    pub fn validate(
        &self,
        trigger: Trigger,
        channel: Channel,
        source: &str,
    ) -> Result<(), TemplateError> {
        let screened = screen::screen(source, &self.limits)?;
        if channel == Channel::Email {
            for block in ["subject", "text"] {
                if !screened.blocks.iter().any(|b| b == block) {
                    return Err(TemplateError::MissingBlock(block));
                }
            }
        }
        for lang in Lang::ALL {
            let sample = TemplateContext::sample_for(trigger, lang);
            let rendered = self.render_source(true, trigger, channel, lang, source, &sample)?;
            self.render_source(
                false,
                trigger,
                channel,
                lang,
                source,
                &TemplateContext::sparse(lang),
            )
            .map_err(|e| match e {
                TemplateError::Render {
                    line,
                    column,
                    message,
                } => TemplateError::Render {
                    line,
                    column,
                    message: format!("{message} (for a shipment without the optional details)"),
                },
                other => other,
            })?;
            check_fit(trigger, channel, &rendered, &sample)?;
        }
        Ok(())
    }

    /// Renders a merchant's source, compiled in an environment of its own (the long-lived
    /// ones hold only `'static` built-ins); `strict` picks validation's undefined handling.
    fn render_source(
        &self,
        strict: bool,
        trigger: Trigger,
        channel: Channel,
        lang: Lang,
        source: &str,
        ctx: &TemplateContext,
    ) -> Result<Rendered, TemplateError> {
        let screened = screen::screen(source, &self.limits)?;
        let (txt, html) = names(trigger, channel, lang, "merchant");
        let behavior = if strict {
            UndefinedBehavior::Strict
        } else {
            UndefinedBehavior::Chainable
        };
        let env = sandbox::environment(&self.limits, behavior);
        let compile = |name| {
            env.template_from_named_str(name, source)
                .map_err(|e| sandbox::engine_error(&e, false, &self.limits, source))
        };
        match channel {
            Channel::Sms => self.render_sms(&compile(&txt)?, ctx),
            Channel::Email => {
                let html = if screened.blocks.iter().any(|b| b == "html") {
                    Some(compile(&html)?)
                } else {
                    None
                };
                self.render_email(&compile(&txt)?, html, lang, ctx)
            }
        }
    }

    /// The blocks of an e-mail: subject and text from the plain-text compilation, html from
    /// the escaped one (or built from the text).
    fn render_email(
        &self,
        txt: &Template<'_, '_>,
        html: Option<Template<'_, '_>>,
        lang: Lang,
        ctx: &TemplateContext,
    ) -> Result<Rendered, TemplateError> {
        let mut parts = self.blocks(txt, ctx, &["subject", "text"])?.into_iter();
        let subject = one_line(&parts.next().unwrap_or_default());
        let text = tidy(&parts.next().unwrap_or_default());
        if subject.is_empty() {
            return Err(TemplateError::Unfit("the subject renders empty".into()));
        }
        let html = match html {
            Some(t) => {
                let inner = self.blocks(&t, ctx, &["html"])?.pop().unwrap_or_default();
                layout::wrap(
                    &self.runtime,
                    &self.limits,
                    ctx,
                    lang,
                    &subject,
                    inner.trim(),
                    false,
                )?
            }
            None => layout::wrap(
                &self.runtime,
                &self.limits,
                ctx,
                lang,
                &subject,
                &layout::text_to_html(&text),
                true,
            )?,
        };
        Ok(Rendered {
            subject: Some(subject),
            text,
            html: Some(html),
        })
    }

    /// Renders the named blocks of one template, each into its own capped buffer. The whole
    /// template is evaluated once first (into a capped sink) to get the state that renders
    /// blocks; fuel is shared by all of it.
    fn blocks(
        &self,
        t: &Template<'_, '_>,
        ctx: &TemplateContext,
        names: &[&str],
    ) -> Result<Vec<String>, TemplateError> {
        let limits = &self.limits;
        let mut sink = sandbox::Capped::new(std::io::sink(), limits.max_output_bytes * 4);
        let mut captured = match t.render_captured_to(ctx, &mut sink) {
            Ok(c) => c,
            Err(e) => {
                return Err(sandbox::engine_error(
                    &e,
                    sink.exceeded(),
                    limits,
                    t.source(),
                ))
            }
        };
        captured.with_state_mut(|state| {
            names
                .iter()
                .map(|name| {
                    let mut out = sandbox::Capped::new(Vec::new(), limits.max_output_bytes);
                    match state.render_block_to_write(name, &mut out) {
                        Ok(()) => Ok(String::from_utf8_lossy(&out.into_inner()).into_owned()),
                        Err(e) => Err(sandbox::engine_error(
                            &e,
                            out.exceeded(),
                            limits,
                            t.source(),
                        )),
                    }
                })
                .collect()
        })
    }

    fn render_sms(
        &self,
        t: &Template<'_, '_>,
        ctx: &TemplateContext,
    ) -> Result<Rendered, TemplateError> {
        let mut out = sandbox::Capped::new(Vec::new(), self.limits.max_output_bytes);
        if let Err(e) = t.render_captured_to(ctx, &mut out) {
            return Err(sandbox::engine_error(
                &e,
                out.exceeded(),
                &self.limits,
                t.source(),
            ));
        }
        let raw = String::from_utf8_lossy(&out.into_inner()).into_owned();
        let body = tidy_sms(&raw);
        Ok(Rendered {
            subject: None,
            text: segments::fit(&body).into_owned(),
            html: None,
        })
    }
}

/// Validates with the default limits (see [`Templates::validate`]).
pub fn validate(trigger: Trigger, channel: Channel, source: &str) -> Result<(), TemplateError> {
    Templates::new().validate(trigger, channel, source)
}

#[cfg(test)]
#[path = "templates_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "refusal_tests.rs"]
mod refusal_tests;
