//! Rows and inputs the store speaks that are not domain types: poll records and the
//! webhook inbox.

use carriers::CarrierId;
use chrono::{DateTime, Utc};

pub use crate::domain::{
    Eta, EtaSource, Merchant, MerchantSettings, NewShipment, Shipment, ShipmentFilter,
    StatusChangeRecord,
};

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
