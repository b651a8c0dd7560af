//! What an SMS provider answered: accepted, or why not and what to do about it, and the
//! reading of answers (bounded bodies, transport failures) both providers share.

use std::time::Duration;

/// The provider took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsAccepted {
    /// The provider's id of the message (SMSAPI `id`, Twilio `sid`).
    pub provider_id: String,
    /// Parts billed, as the provider counted them (or as counted here when it did not say).
    pub segments: Option<u32>,
}

/// Why a message was not taken, and what the caller should do about it. `answer` is the
/// provider's code and words, fit for the notification log; it never holds credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsFailure {
    /// The number cannot receive text messages (malformed, landline, unknown): suppress it.
    #[error("invalid number: {answer}")]
    InvalidNumber {
        /// The provider's answer.
        answer: String,
    },
    /// The recipient opted out at the provider (replied STOP, on the account's blacklist):
    /// suppress the number too.
    #[error("recipient opted out: {answer}")]
    OptedOut {
        /// The provider's answer.
        answer: String,
    },
    /// Refused for a reason that is not the number's (credentials, funds, sender, content):
    /// the message fails, the number stays.
    #[error("rejected: {answer}")]
    Rejected {
        /// The provider's answer.
        answer: String,
    },
    /// A passing failure (timeout, 5xx, rate limit): try again later.
    #[error("temporary failure: {answer}")]
    Retry {
        /// The provider's answer, or what went wrong on the way.
        answer: String,
        /// When the provider said to come back (`Retry-After`), if it did.
        retry_after: Option<Duration>,
    },
}

impl SmsFailure {
    /// The provider's answer.
    pub fn answer(&self) -> &str {
        match self {
            SmsFailure::InvalidNumber { answer }
            | SmsFailure::OptedOut { answer }
            | SmsFailure::Rejected { answer }
            | SmsFailure::Retry { answer, .. } => answer,
        }
    }

    /// Whether the number goes on the merchant's suppression list.
    pub fn suppresses_number(&self) -> bool {
        matches!(
            self,
            SmsFailure::InvalidNumber { .. } | SmsFailure::OptedOut { .. }
        )
    }

    /// Whether the message should be tried again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SmsFailure::Retry { .. })
    }

    /// The failure with every spelling of `number` (with and without `+`) in the answer
    /// replaced by `masked`.
    pub(super) fn redacted(self, number: &str, masked: &str) -> SmsFailure {
        let digits = number.trim_start_matches('+');
        let clean = |answer: String| {
            if digits.is_empty() {
                answer
            } else {
                answer.replace(number, masked).replace(digits, masked)
            }
        };
        match self {
            SmsFailure::InvalidNumber { answer } => SmsFailure::InvalidNumber {
                answer: clean(answer),
            },
            SmsFailure::OptedOut { answer } => SmsFailure::OptedOut {
                answer: clean(answer),
            },
            SmsFailure::Rejected { answer } => SmsFailure::Rejected {
                answer: clean(answer),
            },
            SmsFailure::Retry {
                answer,
                retry_after,
            } => SmsFailure::Retry {
                answer: clean(answer),
                retry_after,
            },
        }
    }

    /// A short label for logs and metrics (`invalid_number`, `opted_out`, `rejected`, `retry`).
    pub fn kind(&self) -> &'static str {
        match self {
            SmsFailure::InvalidNumber { .. } => "invalid_number",
            SmsFailure::OptedOut { .. } => "opted_out",
            SmsFailure::Rejected { .. } => "rejected",
            SmsFailure::Retry { .. } => "retry",
        }
    }
}

/// Reads at most this much of a provider's answer; their answers are a few hundred bytes.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What a transport failure (no HTTP answer) means: always worth another try. The text
/// names the kind of failure only, never the URL (Twilio's holds the account SID).
pub(super) fn transport_failure(e: &reqwest::Error, timeout: Duration) -> SmsFailure {
    let answer = if e.is_timeout() {
        format!("no answer within {} s", timeout.as_secs())
    } else if e.is_connect() {
        "connection failed".to_string()
    } else if e.is_body() || e.is_decode() {
        "answer broken off".to_string()
    } else {
        "request failed".to_string()
    };
    SmsFailure::Retry {
        answer,
        retry_after: None,
    }
}

/// The status, Retry-After and body (bounded) of an answer.
pub(super) async fn read_answer(
    resp: reqwest::Response,
    timeout: Duration,
) -> Result<(reqwest::StatusCode, Option<Duration>, Vec<u8>), SmsFailure> {
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| carriers::http_util::parse_retry_after(v, chrono::Utc::now()));
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(SmsFailure::Retry {
            answer: format!("HTTP {status} with an answer over {MAX_ANSWER_BYTES} bytes"),
            retry_after,
        });
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| transport_failure(&e, timeout))?;
    let body = body[..body.len().min(MAX_ANSWER_BYTES)].to_vec();
    Ok((status, retry_after, body))
}

/// The first 200 characters of an answer that is not the JSON expected.
pub(super) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let t = text.trim();
    if t.is_empty() {
        "(empty answer)".to_string()
    } else {
        t.chars().take(200).collect()
    }
}
