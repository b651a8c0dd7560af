//! Twilio over its REST API: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json` with
//! HTTP Basic auth and form fields; 201 with the message's `sid`, or a JSON error with
//! Twilio's own `code`.
//!
//! Error codes (twilio.com/docs/api/errors):
//! - 21211 invalid `To` number, 21614 `To` is not a mobile number, 21635 `To` is a
//!   landline: the number is invalid;
//! - 21610 the recipient replied STOP (unsubscribed): suppress the number too;
//! - 20429 too many requests, 20500/20503 Twilio's own failures, HTTP 429 and 5xx: retry;
//! - 20003 authentication failed, 21606 `From` cannot send SMS, 21408 region not enabled,
//!   and everything else: rejected, the number stays.

use std::time::Duration;

use carriers::Secret;
use serde::Deserialize;

use super::answer::{read_answer, snippet, transport_failure, SmsAccepted, SmsFailure};
use crate::config::SmsConfig;

const INVALID_NUMBER: [i64; 3] = [21211, 21614, 21635];
const OPTED_OUT: [i64; 1] = [21610];
const RETRY: [i64; 3] = [20429, 20500, 20503];

/// Who a Twilio message is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwilioSender {
    /// A Messaging Service (`MG…`), which picks the number itself.
    Service(String),
    /// A Twilio number or an alphanumeric sender name.
    From(String),
}

impl TwilioSender {
    /// The Messaging Service when one is configured, else `sms.from`.
    pub fn from_config(cfg: &SmsConfig) -> Self {
        match cfg.messaging_service_sid.trim() {
            "" => TwilioSender::From(cfg.from.trim().to_string()),
            sid => TwilioSender::Service(sid.to_string()),
        }
    }
}

/// A Twilio account.
#[derive(Debug, Clone)]
pub struct TwilioClient {
    base_url: String,
    account_sid: String,
    auth_token: Secret,
    sender: TwilioSender,
    timeout: Duration,
    http: reqwest::Client,
}

#[derive(Debug, Deserialize)]
struct Created {
    sid: String,
    /// Twilio writes it as a string (`"1"`).
    #[serde(default)]
    num_segments: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ErrorAnswer {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

impl TwilioClient {
    /// A client for `base_url` (no trailing slash).
    pub fn new(
        base_url: String,
        account_sid: String,
        auth_token: Secret,
        sender: TwilioSender,
        timeout: Duration,
    ) -> Self {
        TwilioClient {
            base_url,
            account_sid,
            auth_token,
            sender,
            timeout,
            http: carriers::http_util::build_client(timeout),
        }
    }

    /// Sends one message to an E.164 number.
    pub async fn send(&self, to_e164: &str, body: &str) -> Result<SmsAccepted, SmsFailure> {
        let mut form: Vec<(&str, &str)> = vec![("To", to_e164), ("Body", body)];
        match &self.sender {
            TwilioSender::Service(sid) => form.push(("MessagingServiceSid", sid)),
            TwilioSender::From(from) => form.push(("From", from)),
        }
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.base_url, self.account_sid
        );
        let resp = self
            .http
            .post(url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .form(&form)
            .send()
            .await
            .map_err(|e| transport_failure(&e, self.timeout))?;
        let (status, retry_after, raw) = read_answer(resp, self.timeout).await?;
        if status.is_success() {
            let created: Created =
                serde_json::from_slice(&raw).map_err(|_| SmsFailure::Rejected {
                    // Accepted but unreadable: retrying could send it twice.
                    answer: format!("unreadable answer: {}", snippet(&raw)),
                })?;
            let segments = created.num_segments.and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    .and_then(|n| u32::try_from(n).ok())
            });
            return Ok(SmsAccepted {
                provider_id: created.sid,
                segments,
            });
        }
        let err: Option<ErrorAnswer> = serde_json::from_slice(&raw).ok();
        let code = err.as_ref().and_then(|e| e.code);
        let answer = match (&err, code) {
            (Some(e), Some(code)) => format!(
                "Twilio error {code} (HTTP {}): {}",
                status.as_u16(),
                e.message.as_deref().unwrap_or("(no message)")
            ),
            _ => format!("HTTP {status}: {}", snippet(&raw)),
        };
        Err(match code {
            Some(c) if INVALID_NUMBER.contains(&c) => SmsFailure::InvalidNumber { answer },
            Some(c) if OPTED_OUT.contains(&c) => SmsFailure::OptedOut { answer },
            Some(c) if RETRY.contains(&c) => SmsFailure::Retry {
                answer,
                retry_after,
            },
            _ if status.as_u16() == 429 || status.is_server_error() => SmsFailure::Retry {
                answer,
                retry_after,
            },
            _ => SmsFailure::Rejected { answer },
        })
    }
}
