//! What the notification worker sends with: the pooled mailer when SMTP is configured, the
//! SMS provider when one is, the templates and each merchant's send rate.

use std::sync::Arc;

use super::gate::SendRate;

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
    /// The templates (the state's, shared with the API).
    pub templates: Arc<Templates>,
    /// Each merchant's send rate (`notifications.per_merchant_per_second`), this process.
    pub rate: SendRate,
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
            templates: state.templates.clone(),
            rate: SendRate::new(state.config.notifications.per_merchant_per_second),
        }
    }
}
