//! The carrier sandbox: a local server speaking each carrier's real wire format (InPost ShipX
//! tracking and webhooks, DHL Unified Tracking and Push, DPD Poland InfoServices SOAP with
//! its event feed) that plays scripted journeys in accelerated time, with configurable
//! latency, 5xx and 429 rates. `parcelgate demo` runs the gateway against it; benchmarks and
//! fault tests can too (`parcelgate sandbox`).
//!
//! - [`journeys`] / [`scripts`]: what happens to each parcel, in carrier-native codes.
//! - [`world`]: the clock, the parcels, DPD's feed, DHL subscriptions, counters.
//! - [`inpost`], [`dhl`], [`dpd`]: the carrier APIs and push bodies.
//! - [`push`]: announces new steps (webhooks, pushes, feed entries) as the hours pass.
//! - [`knobs`]: latency and fault injection.
//! - [`server`]: binding, routing, start and shutdown.

pub mod dhl;
pub mod dpd;
pub mod inpost;
pub mod journeys;
pub mod knobs;
pub mod push;
pub mod scripts;
pub mod server;
pub mod world;

pub use journeys::{demo_fleet, Journey, Planned};
pub use knobs::Knobs;
pub use server::{Sandbox, SandboxConfig, SandboxError};
pub use world::Credentials;
