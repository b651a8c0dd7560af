//! The typed carrier error: what went wrong, and whether trying again can help.

use std::time::Duration;

use crate::carrier::CarrierId;

/// Why a carrier call or payload failed.
#[derive(Debug, thiserror::Error)]
pub enum CarrierError {
    /// The carrier said 429; wait `retry_after` (when given) before any call.
    #[error("{carrier}: rate limited{}", .retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Which carrier.
        carrier: CarrierId,
        /// The carrier's Retry-After.
        retry_after: Option<Duration>,
    },
    /// Credentials missing, wrong or without access.
    #[error("{carrier}: unauthorized: {detail}")]
    Unauthorized {
        /// Which carrier.
        carrier: CarrierId,
        /// The carrier's words.
        detail: String,
    },
    /// The carrier has nothing for this number (yet).
    #[error("{carrier}: no tracking data for {tracking_number}")]
    NotFound {
        /// Which carrier.
        carrier: CarrierId,
        /// The number asked for.
        tracking_number: String,
    },
    /// The carrier answered with a 5xx.
    #[error("{carrier}: carrier error HTTP {status}: {detail}")]
    Upstream {
        /// Which carrier.
        carrier: CarrierId,
        /// HTTP status.
        status: u16,
        /// The carrier's words.
        detail: String,
    },
    /// No answer in time.
    #[error("{carrier}: timed out")]
    Timeout {
        /// Which carrier.
        carrier: CarrierId,
    },
    /// Could not connect or the connection broke.
    #[error("{carrier}: transport error: {detail}")]
    Transport {
        /// Which carrier.
        carrier: CarrierId,
        /// What failed.
        detail: String,
    },
    /// The carrier's payload could not be understood.
    #[error("{carrier}: undecodable payload: {detail}")]
    Decode {
        /// Which carrier.
        carrier: CarrierId,
        /// What was wrong, and where.
        detail: String,
    },
    /// The carrier refused the request (a 4xx other than 401/403/404/429, or a SOAP fault).
    #[error("{carrier}: request rejected{}: {detail}", .status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Rejected {
        /// Which carrier.
        carrier: CarrierId,
        /// HTTP status, if any.
        status: Option<u16>,
        /// The carrier's words.
        detail: String,
    },
    /// The answer could not be tied to one shipment without guessing (e.g. DHL returned several).
    #[error("{carrier}: ambiguous answer: {detail}")]
    Ambiguous {
        /// Which carrier.
        carrier: CarrierId,
        /// What was ambiguous.
        detail: String,
    },
    /// A webhook failed its authenticity check.
    #[error("{carrier}: webhook not authentic: {detail}")]
    WebhookAuth {
        /// Which carrier.
        carrier: CarrierId,
        /// What failed (never the presented secret).
        detail: String,
    },
    /// The adapter is not configured for this call (e.g. missing credentials).
    #[error("{carrier}: not configured: {detail}")]
    NotConfigured {
        /// Which carrier.
        carrier: CarrierId,
        /// What is missing.
        detail: String,
    },
}

impl CarrierError {
    /// Whether the same call may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            CarrierError::RateLimited { .. }
                | CarrierError::Upstream { .. }
                | CarrierError::Timeout { .. }
                | CarrierError::Transport { .. }
        )
    }

    /// How long the carrier asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CarrierError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The carrier the error is about.
    pub fn carrier(&self) -> CarrierId {
        match self {
            CarrierError::RateLimited { carrier, .. }
            | CarrierError::Unauthorized { carrier, .. }
            | CarrierError::NotFound { carrier, .. }
            | CarrierError::Upstream { carrier, .. }
            | CarrierError::Timeout { carrier }
            | CarrierError::Transport { carrier, .. }
            | CarrierError::Decode { carrier, .. }
            | CarrierError::Rejected { carrier, .. }
            | CarrierError::Ambiguous { carrier, .. }
            | CarrierError::WebhookAuth { carrier, .. }
            | CarrierError::NotConfigured { carrier, .. } => *carrier,
        }
    }

    /// A short stable kind, for metrics and the shipment's `last_error`.
    pub fn kind(&self) -> &'static str {
        match self {
            CarrierError::RateLimited { .. } => "rate_limited",
            CarrierError::Unauthorized { .. } => "unauthorized",
            CarrierError::NotFound { .. } => "not_found",
            CarrierError::Upstream { .. } => "upstream",
            CarrierError::Timeout { .. } => "timeout",
            CarrierError::Transport { .. } => "transport",
            CarrierError::Decode { .. } => "decode",
            CarrierError::Rejected { .. } => "rejected",
            CarrierError::Ambiguous { .. } => "ambiguous",
            CarrierError::WebhookAuth { .. } => "webhook_auth",
            CarrierError::NotConfigured { .. } => "not_configured",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryability_follows_the_contract() {
        let c = CarrierId::Inpost;
        let rl = CarrierError::RateLimited {
            carrier: c,
            retry_after: Some(Duration::from_secs(7)),
        };
        assert!(rl.is_retryable());
        assert_eq!(rl.retry_after(), Some(Duration::from_secs(7)));
        assert!(CarrierError::Timeout { carrier: c }.is_retryable());
        assert!(!CarrierError::Decode {
            carrier: c,
            detail: "x".into()
        }
        .is_retryable());
        assert!(!CarrierError::NotFound {
            carrier: c,
            tracking_number: "1".into()
        }
        .is_retryable());
        assert!(rl.to_string().contains("retry after 7s"));
    }
}
