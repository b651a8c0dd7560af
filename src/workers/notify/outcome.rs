//! How a send attempt is recorded: a final outcome, or a failed attempt retried on the
//! schedule (1 min, 5 min, 30 min, 2 h, then dead), or a message put back to wait.

use chrono::{DateTime, Utc};

use crate::domain::notify_plan::{Message, MessageStatus};
use crate::store::notify::MessageOutcome;

/// Delays after the first, second, … failed attempt; past the last the message is dead.
const RETRY_AFTER_MINUTES: [i64; 4] = [1, 5, 30, 120];

/// A final outcome.
pub(super) fn done(
    m: &Message,
    status: MessageStatus,
    answer: impl Into<String>,
    now: DateTime<Utc>,
) -> MessageOutcome {
    MessageOutcome {
        status,
        attempts: m.attempts + u32::from(status == MessageStatus::Sent),
        next_attempt_at: now,
        answer: Some(answer.into()),
        sent_at: (status == MessageStatus::Sent).then_some(now),
    }
}

/// A failed attempt: retried on the schedule, dead past its end.
pub(super) fn retry(m: &Message, answer: String, now: DateTime<Utc>) -> MessageOutcome {
    let attempts = m.attempts + 1;
    match RETRY_AFTER_MINUTES.get(attempts as usize - 1) {
        Some(min) => MessageOutcome {
            status: MessageStatus::Queued,
            attempts,
            next_attempt_at: now + chrono::Duration::minutes(*min),
            answer: Some(answer),
            sent_at: None,
        },
        None => MessageOutcome {
            status: MessageStatus::Dead,
            attempts,
            next_attempt_at: now,
            answer: Some(answer),
            sent_at: None,
        },
    }
}

/// Not yet due after all (quiet hours, the send rate): queued again for `until`, with no
/// attempt counted.
pub(super) fn wait(m: &Message, until: DateTime<Utc>, why: &str) -> MessageOutcome {
    MessageOutcome {
        status: MessageStatus::Queued,
        attempts: m.attempts,
        next_attempt_at: until,
        answer: Some(why.into()),
        sent_at: None,
    }
}
