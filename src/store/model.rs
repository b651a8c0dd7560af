//! Rows and inputs the store speaks that are not domain types: apply outcomes, poll records,
//! the webhook inbox.

use carriers::CarrierId;
use chrono::{DateTime, Utc};

pub use crate::domain::{
    Eta, EtaSource, Merchant, MerchantSettings, NewShipment, Shipment, ShipmentFilter,
    StatusChangeRecord,
};

/// What `apply_snapshot` did.
#[derive(Debug, Clone, Default)]
pub struct ApplyOutcome {
    /// New events stored.
    pub inserted: usize,
    /// Events enriched.
    pub enriched: usize,
    /// The status change recorded, if any.
    pub status_change: Option<crate::engine::StatusChange>,
    /// Unknown carrier codes seen.
    pub unmapped_codes: Vec<String>,
    /// Whether anything was written.
    pub changed: bool,
    /// Whether the shown ETA changed.
    pub eta_changed: bool,
}

/// A poll result to record.
#[derive(Debug, Clone)]
pub struct PollRecord {
    /// When the poll finished.
    pub now: DateTime<Utc>,
    /// Next poll (None: stop polling).
    pub next_poll_at: Option<DateTime<Utc>>,
    /// Consecutive failures after this poll.
    pub failures: u32,
    /// The error, when it failed.
    pub error: Option<String>,
}

/// What a successful poll knows before its snapshot is applied, so the next poll can be
/// scheduled (and the lease released) in the apply's own transaction: one commit per poll.
#[derive(Debug, Clone, Copy)]
pub struct PollDone {
    /// When the poll finished.
    pub now: DateTime<Utc>,
    /// Whether the shipment is fed by the carrier's push channel (polling is a fallback).
    pub push_fed: bool,
    /// The shortest gap the carrier accepts between two fetches of one shipment.
    pub min_gap: std::time::Duration,
}

impl PollDone {
    /// The poll record for a shipment whose status after the apply is `status`.
    pub fn record(&self, status: carriers::Status) -> PollRecord {
        let next = crate::engine::schedule::next_delay(status, self.push_fed, 0, None)
            .map(|d| d.max(self.min_gap))
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| self.now + d);
        PollRecord {
            now: self.now,
            next_poll_at: next,
            failures: 0,
            error: None,
        }
    }
}

/// A carrier webhook body to store.
#[derive(Debug, Clone)]
pub struct NewInboxItem {
    /// Which carrier's endpoint received it.
    pub carrier: CarrierId,
    /// The raw body, byte for byte.
    pub body: Vec<u8>,
    /// Client address as seen (after trusted-proxy resolution).
    pub remote_addr: Option<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// Processing state of an inbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxState {
    /// Waiting to be processed.
    Pending,
    /// Processed.
    Done,
    /// Could not be processed; kept with its error.
    Failed,
}

impl InboxState {
    /// Database name.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxState::Pending => "pending",
            InboxState::Done => "done",
            InboxState::Failed => "failed",
        }
    }

    /// Parses the database name.
    pub fn parse(s: &str) -> Option<Self> {
        [InboxState::Pending, InboxState::Done, InboxState::Failed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A stored webhook body.
#[derive(Debug, Clone)]
pub struct InboxItem {
    /// Sequence number.
    pub id: i64,
    /// Carrier.
    pub carrier: CarrierId,
    /// Raw body.
    pub body: Vec<u8>,
    /// Client address.
    pub remote_addr: Option<String>,
    /// Arrival.
    pub received_at: DateTime<Utc>,
    /// State.
    pub state: InboxState,
    /// Processing attempts.
    pub attempts: u32,
    /// Error of the last attempt.
    pub error: Option<String>,
}
