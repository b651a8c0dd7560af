//! Carrier adapters and the unified tracking model: carrier bytes in, unified events out.
//!
//! This crate knows nothing of HTTP servers or storage. Each carrier is a folder
//! (`dhl/`, `dpd/`, `inpost/`) split into wire types, an auditable mapping table,
//! tracking-number detection and the client.

pub mod capability;
pub mod carrier;
pub mod dhl;
pub mod dpd;
pub mod error;
pub mod event_id;
pub mod http_util;
pub mod inpost;
pub mod model;
pub mod registry;
pub mod secret;
pub mod time;

pub use capability::{
    EventFeed, FeedBatch, PushSubscription, PushSubscriptionRequest, PushSubscriptions, PushTarget,
};
pub use carrier::{
    Capabilities, Carrier, CarrierId, Detection, PushSupport, RateLimit, TrackOutcome,
    TrackRequest, WebhookPayload,
};
pub use error::CarrierError;
pub use model::{
    EtaWindow, Location, Mapped, PickupPoint, ProofOfDelivery, ShipmentDetails, Status,
    TrackingEvent, TrackingSnapshot, TzSource,
};
pub use registry::{AdapterConfig, Registry};
pub use secret::Secret;
