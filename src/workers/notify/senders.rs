//! What the notification worker sends with: the pooled mailer when SMTP is configured, the
//! SMS provider when one is, and the templates.

use crate::notify::email::Mailer;
use crate::notify::sms::SmsSender;
use crate::notify::templates::Templates;
use crate::state::AppState;

/// The senders this process has: e-mail when SMTP is configured, SMS when a provider is.
pub struct Senders {
    /// The SMTP sender.
    pub mailer: Option<Mailer>,
    /// The SMS provider.
    pub sms: Option<SmsSender>,
    /// The templates.
    pub templates: Templates,
}

impl Senders {
    /// Builds the senders from the configuration (bad settings were refused at load).
    pub fn from_state(state: &AppState) -> Senders {
        let mailer = match state.config.email.settings() {
            Ok(Some(settings)) => Mailer::new(settings)
                .map_err(|e| tracing::error!(error = %e, "e-mail is configured but unusable"))
                .ok(),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "e-mail settings are invalid; no e-mail is sent");
                None
            }
        };
        Senders {
            mailer,
            sms: SmsSender::from_config(&state.config.sms),
            templates: Templates::new(),
        }
    }
}
