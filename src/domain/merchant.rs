//! The merchant: the tenant every shipment, subscription and key belongs to, and its
//! settings (branding, embedding, shopper notifications).

use super::ids::MerchantId;
use super::notify_settings::NotificationSettings;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A merchant: the tenant. Every shipment belongs to exactly one.
#[derive(Debug, Clone, PartialEq)]
pub struct Merchant {
    /// Id (`mer_…`).
    pub id: MerchantId,
    /// Display name.
    pub name: String,
    /// Branding and embedding settings.
    pub settings: MerchantSettings,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Per-merchant settings (stored as JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MerchantSettings {
    /// Name shown on the tracking page (defaults to the merchant name).
    pub display_name: Option<String>,
    /// Logo URL shown on the tracking page.
    pub logo_url: Option<String>,
    /// Accent colour, `#rrggbb`.
    pub accent_color: Option<String>,
    /// Origins allowed to embed the tracking page.
    pub allowed_origins: Vec<String>,
    /// Shopper notifications: triggers on or off, quiet hours, From name, Reply-To, review
    /// link (`domain::notify_settings`).
    pub notifications: NotificationSettings,
    /// Whether callbacks carry the shopper's contact (`customer_email`, `customer_phone`,
    /// `customer_name`); off by default. Added at send time, never stored in the outbox.
    pub callbacks_include_contact: bool,
}
