//! SMSAPI.pl over its HTTP API: `POST {base}/sms.do` with a Bearer token, form fields, a JSON
//! answer whose `error` must be read even on HTTP 200.
//!
//! Error codes (SMSAPI documentation, "Kody błędów", smsapi.pl/docs):
//! - 13 no correct phone numbers (wrong, a landline, or on the blacklist), 33 likewise:
//!   the number is invalid;
//! - 57 the number is on this account's blacklist: the recipient opted out;
//! - 200 sending failed, "please retry", 201 and 999 internal errors, 202 too many calls at
//!   once: retry;
//! - 101 invalid or missing authorization, 102 wrong login or password, 103 no points
//!   (credit) left, 105 IP not allowed, 110 service not enabled, 11/12 message too long or
//!   empty, 14 invalid sender field, and everything else: rejected, the number stays.

use std::time::Duration;

use carriers::Secret;
use serde::Deserialize;

use super::answer::{read_answer, snippet, transport_failure, SmsAccepted, SmsFailure};
use super::segments;

/// Codes meaning the number cannot receive the message.
const INVALID_NUMBER: [i64; 2] = [13, 33];
/// Codes meaning the recipient is blacklisted on the account.
const OPTED_OUT: [i64; 1] = [57];
/// Codes SMSAPI asks to retry, or that are its own passing failures.
const RETRY: [i64; 4] = [200, 201, 202, 999];

/// An SMSAPI.pl account.
#[derive(Debug, Clone)]
pub struct SmsapiClient {
    base_url: String,
    token: Secret,
    from: String,
    timeout: Duration,
    http: reqwest::Client,
}

/// One message of a `sms.do` answer.
#[derive(Debug, Deserialize)]
struct Sent {
    id: String,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    status: Option<String>,
}

/// The `sms.do` answer: either `count` + `list`, or `error` + `message`.
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    list: Vec<Sent>,
    /// Parts, present with `details=1`.
    #[serde(default)]
    parts: Option<u32>,
}

impl SmsapiClient {
    /// A client for `base_url` (no trailing slash); `from` is a registered sender name, or
    /// empty for the account's default.
    pub fn new(base_url: String, token: Secret, from: String, timeout: Duration) -> Self {
        SmsapiClient {
            base_url,
            token,
            from,
            timeout,
            http: carriers::http_util::build_client(timeout),
        }
    }

    /// Sends one message. SMSAPI writes numbers without `+` (`48600700800`).
    pub async fn send(&self, to_e164: &str, body: &str) -> Result<SmsAccepted, SmsFailure> {
        let to = to_e164.trim_start_matches('+');
        let mut form: Vec<(&str, &str)> = vec![
            ("to", to),
            ("message", body),
            ("format", "json"),
            ("encoding", "utf-8"),
            // Adds `parts` (and `length`) to the answer, so the log shows what was billed.
            ("details", "1"),
        ];
        if !self.from.is_empty() {
            form.push(("from", &self.from));
        }
        let resp = self
            .http
            .post(format!("{}/sms.do", self.base_url))
            .bearer_auth(self.token.expose())
            .form(&form)
            .send()
            .await
            .map_err(|e| transport_failure(&e, self.timeout))?;
        let (status, retry_after, raw) = read_answer(resp, self.timeout).await?;
        let answer: Option<Answer> = serde_json::from_slice(&raw).ok();
        // The JSON error wins over the HTTP status: SMSAPI answers most errors with 200.
        if let Some(Answer {
            error: Some(code),
            message,
            ..
        }) = &answer
        {
            if !code.is_null() {
                return Err(classify(code, message.as_deref(), retry_after));
            }
        }
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(SmsFailure::Retry {
                answer: format!("HTTP {status}: {}", snippet(&raw)),
                retry_after,
            });
        }
        if !status.is_success() {
            return Err(SmsFailure::Rejected {
                answer: format!("HTTP {status}: {}", snippet(&raw)),
            });
        }
        let Some(answer) = answer else {
            // A 2xx whose body is not the documented JSON: the message may or may not be
            // queued. Retrying could send it twice; failing it is the safer side.
            return Err(SmsFailure::Rejected {
                answer: format!("unreadable answer: {}", snippet(&raw)),
            });
        };
        let Some(sent) = answer.list.into_iter().next() else {
            return Err(SmsFailure::Rejected {
                answer: "answer lists no message".into(),
            });
        };
        if let Some(code) = sent.error.as_ref().filter(|c| !c.is_null()) {
            return Err(classify(code, sent.status.as_deref(), retry_after));
        }
        let segments = answer
            .parts
            .or_else(|| u32::try_from(segments::count(body).parts).ok());
        Ok(SmsAccepted {
            provider_id: sent.id,
            segments,
        })
    }
}

/// What an SMSAPI error code means for the message.
fn classify(
    code: &serde_json::Value,
    message: Option<&str>,
    retry_after: Option<Duration>,
) -> SmsFailure {
    // The code is a number in the JSON format, but older answers quote it.
    let n = code
        .as_i64()
        .or_else(|| code.as_str().and_then(|s| s.trim().parse().ok()));
    let answer = format!(
        "SMSAPI error {}: {}",
        n.map_or_else(|| code.to_string(), |n| n.to_string()),
        message.unwrap_or("(no message)")
    );
    match n {
        Some(n) if INVALID_NUMBER.contains(&n) => SmsFailure::InvalidNumber { answer },
        Some(n) if OPTED_OUT.contains(&n) => SmsFailure::OptedOut { answer },
        Some(n) if RETRY.contains(&n) => SmsFailure::Retry {
            answer,
            retry_after,
        },
        _ => SmsFailure::Rejected { answer },
    }
}
