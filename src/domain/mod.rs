//! The types and rules every layer shares: shipments, merchants (and their validation and
//! key hashing), ETAs, lanes and their history, analytics facts, report shapes and rollup
//! planning, outbox planning, callback bodies, shopper contact data (E.164 phones, masked
//! forms) and the notification triggers and channels. Depends on `carriers` only; the engine,
//! store, tracking pipeline and edges all build on it.

pub mod buckets;
pub mod callback;
pub mod contact;
pub mod escape;
pub mod explain;
pub mod facts;
pub mod i18n;
pub mod ids;
pub mod lane;
pub mod merchant;
pub mod merchant_rules;
pub mod notification;
pub mod notify_plan;
pub mod notify_settings;
pub mod notify_timing;
pub mod outbox;
pub mod percentile;
pub mod quiet_hours;
pub mod report;
pub mod rollup;
pub mod shipment;
pub mod subscription;

pub use facts::ShipmentFacts;
pub use ids::{MerchantId, ShipmentId, SubscriptionId};
pub use lane::{LaneHistory, LaneKey};
pub use merchant::{Merchant, MerchantSettings};
pub use shipment::{
    Eta, EtaSource, NewShipment, Shipment, ShipmentFilter, StatusChange, StatusChangeRecord,
    Written,
};
