//! ShipX wire types: the tracking response, its error body, and webhook bodies.

use serde::Deserialize;

/// `GET /v1/tracking/{number}` response.
#[derive(Debug, Deserialize)]
pub struct TrackingResponse {
    /// The number.
    pub tracking_number: String,
    /// Shipment type, e.g. `inpost_locker_standard`, `inpost_courier_standard`.
    #[serde(default)]
    pub service: Option<String>,
    /// Shipment type (older responses use `type`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Current ShipX status name.
    #[serde(default)]
    pub status: Option<String>,
    /// Locker details and parcel size.
    #[serde(default)]
    pub custom_attributes: Option<CustomAttributes>,
    /// Events, newest first.
    #[serde(default)]
    pub tracking_details: Vec<TrackingDetail>,
}

/// `custom_attributes` of a tracking response.
#[derive(Debug, Default, Deserialize)]
pub struct CustomAttributes {
    /// Parcel size A/B/C.
    #[serde(default)]
    pub size: Option<String>,
    /// Destination locker id (e.g. `KRA01M`).
    #[serde(default)]
    pub target_machine_id: Option<String>,
    /// Destination locker details.
    #[serde(default)]
    pub target_machine_detail: Option<MachineDetail>,
}

/// A parcel locker or point as ShipX describes it.
#[derive(Debug, Default, Deserialize)]
pub struct MachineDetail {
    /// Locker name/id.
    #[serde(default)]
    pub name: Option<String>,
    /// Opening hours text (`24/7`).
    #[serde(default)]
    pub opening_hours: Option<String>,
    /// Where to find it ("next to the shop entrance").
    #[serde(default)]
    pub location_description: Option<String>,
    /// Address lines.
    #[serde(default)]
    pub address: Option<MachineAddress>,
}

/// Address of a locker.
#[derive(Debug, Default, Deserialize)]
pub struct MachineAddress {
    /// Street line.
    #[serde(default)]
    pub line1: Option<String>,
    /// Postal code and city.
    #[serde(default)]
    pub line2: Option<String>,
}

/// One entry of `tracking_details`.
#[derive(Debug, Deserialize)]
pub struct TrackingDetail {
    /// ShipX status name.
    pub status: String,
    /// InPost's internal symbol, e.g. `ZDN`.
    #[serde(default)]
    pub origin_status: Option<String>,
    /// Branch or agency code.
    #[serde(default)]
    pub agency: Option<String>,
    /// When, e.g. `2026-05-17T10:12:45.000+02:00`.
    pub datetime: String,
}

/// ShipX error body: `{status, error, message|description, details}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    /// Error key such as `resource_not_found`.
    #[serde(default)]
    pub error: Option<String>,
    /// Human message.
    #[serde(default)]
    pub message: Option<String>,
    /// Human description (some endpoints use this instead of `message`).
    #[serde(default)]
    pub description: Option<String>,
}

/// A ShipX webhook body.
#[derive(Debug, Deserialize)]
pub struct WebhookBody {
    /// `2020-03-20 15:08:06 +0100`.
    pub event_ts: String,
    /// `shipment_status_changed`, `shipment_confirmed`, `offers_prepared`, …
    pub event: String,
    /// Sender's organization.
    #[serde(default)]
    pub organization_id: Option<serde_json::Value>,
    /// Event payload.
    pub payload: WebhookShipment,
}

/// The payload of shipment events.
#[derive(Debug, Deserialize)]
pub struct WebhookShipment {
    /// ShipX shipment id.
    #[serde(default)]
    pub shipment_id: Option<serde_json::Value>,
    /// New status (for `shipment_status_changed`).
    #[serde(default)]
    pub status: Option<String>,
    /// The number; older payloads send `null`.
    #[serde(default)]
    pub tracking_number: Option<String>,
}
