//! Text messages to shoppers: one sender over SMSAPI.pl or Twilio (their HTTP APIs, no SDK),
//! what each answer means for the message (sent, retry, failed, suppress the number), and
//! segment counting.
//!
//! The number is only ever logged masked (`+48******800`) and the credentials never appear
//! in an error or a `Debug` print.

mod answer;
pub mod segments;
pub mod smsapi;
pub mod twilio;

use std::time::Duration;

use crate::config::SmsConfig;
use crate::domain::contact::mask_phone;

pub use answer::{SmsAccepted, SmsFailure};
pub use smsapi::SmsapiClient;
pub use twilio::TwilioClient;

/// The configured SMS provider.
#[derive(Debug, Clone)]
pub enum SmsSender {
    /// SMSAPI.pl.
    Smsapi(SmsapiClient),
    /// Twilio.
    Twilio(TwilioClient),
}

impl SmsSender {
    /// The sender the configuration asks for; None when `sms.provider` is empty. The
    /// configuration has been validated, so every key the provider needs is there.
    pub fn from_config(cfg: &SmsConfig) -> Option<SmsSender> {
        let timeout = Duration::from_secs(cfg.timeout_secs.max(1));
        let base = cfg.effective_base_url().to_string();
        match cfg.provider.trim() {
            "smsapi" => Some(SmsSender::Smsapi(SmsapiClient::new(
                base,
                cfg.token.clone(),
                cfg.from.trim().to_string(),
                timeout,
            ))),
            "twilio" => Some(SmsSender::Twilio(TwilioClient::new(
                base,
                cfg.account_sid.trim().to_string(),
                cfg.auth_token.clone(),
                twilio::TwilioSender::from_config(cfg),
                timeout,
            ))),
            _ => None,
        }
    }

    /// The provider's name (`smsapi`, `twilio`), for logs and metrics.
    pub fn provider(&self) -> &'static str {
        match self {
            SmsSender::Smsapi(_) => "smsapi",
            SmsSender::Twilio(_) => "twilio",
        }
    }

    /// Sends `body` to `to_e164` (`+48600700800`). A number that is not E.164 is refused as
    /// invalid without calling the provider. The outcome is logged with the number masked.
    pub async fn send(&self, to_e164: &str, body: &str) -> Result<SmsAccepted, SmsFailure> {
        let masked = mask_phone(to_e164);
        let provider = self.provider();
        if !is_e164(to_e164) {
            tracing::warn!(provider, to = %masked, "sms not sent: number is not E.164");
            return Err(SmsFailure::InvalidNumber {
                answer: "not an E.164 number (+ and 8 to 15 digits)".into(),
            });
        }
        let result = match self {
            SmsSender::Smsapi(c) => c.send(to_e164, body).await,
            SmsSender::Twilio(c) => c.send(to_e164, body).await,
        }
        // Providers quote the number in their words ("The 'To' number +48… is not valid");
        // the answer is logged and stored, so it carries the masked form only.
        .map_err(|f| f.redacted(to_e164, &masked));
        match &result {
            Ok(a) => tracing::debug!(provider, to = %masked, id = %a.provider_id,
                segments = a.segments, "sms accepted"),
            Err(f) => tracing::warn!(provider, to = %masked, outcome = f.kind(),
                answer = %f.answer(), "sms not accepted"),
        }
        result
    }
}

/// `+` and 8 to 15 digits, the first not 0.
fn is_e164(n: &str) -> bool {
    n.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

#[cfg(test)]
#[path = "sms_tests.rs"]
mod tests;
