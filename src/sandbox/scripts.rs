//! The scripted journeys' steps, in each carrier's own codes (taken from the adapters'
//! mapping tables in `carriers/src/*/mapping.rs`): InPost ShipX status names, DHL `parcel-pl`
//! event codes (or Express sentences with a `statusCode`), DPD Poland business codes.
//!
//! `h` is the journey hour of the step. Codes are chosen so a single event maps the same with
//! or without its history: DPD's feed hands the gateway events one batch at a time, so
//! sequence-dependent codes (511201/600101 "adoption at pickup point", a delivery after a
//! return) are avoided.

/// One carrier event of a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Journey hour at which the carrier reports it (0 = label created).
    pub h: u16,
    /// The carrier's own code (ShipX status, DHL event code, DPD business code); empty for
    /// DHL Express, which reports sentences.
    pub code: &'static str,
    /// The carrier's text (DHL/DPD description, InPost `origin_status`).
    pub text: &'static str,
    /// Where (InPost agency, DHL locality, DPD depot name); may be empty.
    pub place: &'static str,
    /// DHL only: the simplified `statusCode` (`pre-transit`, `transit`, `delivered`, `failure`).
    pub class: &'static str,
}

const fn s(h: u16, code: &'static str, text: &'static str, place: &'static str) -> Step {
    Step {
        h,
        code,
        text,
        place,
        class: "",
    }
}

const fn d(
    h: u16,
    class: &'static str,
    code: &'static str,
    text: &'static str,
    place: &'static str,
) -> Step {
    Step {
        h,
        code,
        text,
        place,
        class,
    }
}

// InPost: `code` is the ShipX status, `text` the `origin_status` symbol, `place` the agency.

/// Locker parcel collected after a reminder.
#[rustfmt::skip]
pub const INPOST_LOCKER: &[Step] = &[
    s(0, "confirmed", "PRZ", ""),
    s(4, "dispatched_by_sender", "NAD", ""),
    s(7, "taken_by_courier", "PDK", "WA1"),
    s(10, "adopted_at_source_branch", "PWO", "WA1"),
    s(18, "adopted_at_sorting_center", "PSC", "WA3"),
    s(21, "sent_from_sorting_center", "WSC", "WA3"),
    s(26, "adopted_at_target_branch", "PWO", "KR1"),
    s(28, "out_for_delivery", "WDS", "KR1"),
    s(31, "ready_to_pickup", "UMP", ""),
    s(49, "pickup_reminder_sent", "PPA", ""),
    s(55, "delivered", "DOR", ""),
];

/// Courier parcel delivered at the first attempt.
#[rustfmt::skip]
pub const INPOST_COURIER: &[Step] = &[
    s(0, "confirmed", "PRZ", ""),
    s(5, "collected_from_sender", "ODN", "WA1"),
    s(9, "adopted_at_source_branch", "PWO", "WA1"),
    s(15, "adopted_at_sorting_center", "PSC", "WA3"),
    s(20, "sent_from_sorting_center", "WSC", "WA3"),
    s(24, "adopted_at_target_branch", "PWO", "PO2"),
    s(26, "out_for_delivery_to_address", "WDA", "PO2"),
    s(30, "delivered", "DOR", "PO2"),
];

/// Courier parcel: recipient unknown at the first attempt, delivered the next day.
#[rustfmt::skip]
pub const INPOST_FAILED: &[Step] = &[
    s(0, "confirmed", "PRZ", ""),
    s(5, "collected_from_sender", "ODN", "WA1"),
    s(12, "adopted_at_sorting_center", "PSC", "WA3"),
    s(20, "adopted_at_target_branch", "PWO", "PO2"),
    s(22, "out_for_delivery_to_address", "WDA", "PO2"),
    s(29, "undelivered_unknown_receiver", "NDO", "PO2"),
    s(46, "out_for_delivery_to_address", "WDA", "PO2"),
    s(50, "delivered", "DOR", "PO2"),
];

/// Locker parcel never collected: reminder, pickup time expired, back to the sender.
#[rustfmt::skip]
pub const INPOST_EXPIRED: &[Step] = &[
    s(0, "confirmed", "PRZ", ""),
    s(4, "dispatched_by_sender", "NAD", ""),
    s(12, "adopted_at_sorting_center", "PSC", "WA3"),
    s(18, "adopted_at_target_branch", "PWO", "GD1"),
    s(20, "out_for_delivery", "WDS", "GD1"),
    s(22, "ready_to_pickup", "UMP", ""),
    s(40, "pickup_reminder_sent", "PPA", ""),
    s(58, "pickup_time_expired", "UPO", ""),
    s(62, "sent_from_sorting_center", "WSC", "GD2"),
    s(70, "returned_to_sender", "ZDN", "WA1"),
];

/// Picked up, then nothing more.
#[rustfmt::skip]
pub const INPOST_STALLED: &[Step] = &[
    s(0, "confirmed", "PRZ", ""),
    s(6, "taken_by_courier", "PDK", "WA1"),
    s(10, "adopted_at_source_branch", "PWO", "WA1"),
    s(14, "sent_from_source_branch", "WSO", "WA1"),
];

/// Label created, then cancelled by the sender.
#[rustfmt::skip]
pub const INPOST_CANCELLED: &[Step] = &[s(0, "confirmed", "PRZ", ""), s(8, "canceled", "ANU", "")];

/// Label created; the parcel is never handed over (during the demo).
#[rustfmt::skip]
pub const INPOST_LABEL_ONLY: &[Step] = &[s(0, "confirmed", "PRZ", "")];

// DHL parcel-pl: `code` is the event code sent as `status`, `text` the description,
// `class` the `statusCode`, `place` the locality.

/// Courier delivery.
#[rustfmt::skip]
pub const DHL_COURIER: &[Step] = &[
    d(0, "pre-transit", "EDWP", "DHL received electronic shipment data", ""),
    d(6, "transit", "DWP", "Shipment picked up from the sender", "Tarnów"),
    d(14, "transit", "SORT", "Shipment under processing in sorting depot", "Kraków"),
    d(20, "transit", "LP", "Shipment arrived at the delivery depot", "Poznań"),
    d(22, "transit", "LK", "Shipment handed to the courier for delivery", "Poznań"),
    d(27, "delivered", "DOR", "Shipment delivered to the recipient", "Poznań"),
];

/// Recipient absent at the first attempt, delivered at the second.
#[rustfmt::skip]
pub const DHL_FAILED: &[Step] = &[
    d(0, "pre-transit", "EDWP", "DHL received electronic shipment data", ""),
    d(6, "transit", "DWP", "Shipment picked up from the sender", "Łódź"),
    d(14, "transit", "SORT", "Shipment under processing in sorting depot", "Łódź"),
    d(22, "transit", "LK", "Shipment handed to the courier for delivery", "Gdańsk"),
    d(27, "failure", "AWI", "Recipient absent, notice left", "Gdańsk"),
    d(46, "transit", "LK", "Shipment handed to the courier for delivery", "Gdańsk"),
    d(50, "delivered", "DOR", "Shipment delivered to the recipient", "Gdańsk"),
];

/// Delivered to a DHL POP (service point) and collected there.
#[rustfmt::skip]
pub const DHL_SERVICE_POINT: &[Step] = &[
    d(0, "pre-transit", "EDWP", "DHL received electronic shipment data", ""),
    d(6, "transit", "DWP", "Shipment picked up from the sender", "Tarnów"),
    d(14, "transit", "SORT", "Shipment under processing in sorting depot", "Kraków"),
    d(20, "transit", "SP_DW", "Your shipment is on its way to DHL POP point", "Kraków"),
    d(24, "transit", "SP_DSP", "Shipment is waiting to be collected from DHL POP", "Kraków"),
    d(40, "delivered", "SP_DOR", "Shipment has been collected from DHL POP", "Kraków"),
];

/// Never collected from the DHL POP, returned to the sender.
#[rustfmt::skip]
pub const DHL_EXPIRED: &[Step] = &[
    d(0, "pre-transit", "EDWP", "DHL received electronic shipment data", ""),
    d(6, "transit", "DWP", "Shipment picked up from the sender", "Wrocław"),
    d(14, "transit", "SORT", "Shipment under processing in sorting depot", "Wrocław"),
    d(20, "transit", "SP_DW", "Your shipment is on its way to DHL POP point", "Opole"),
    d(24, "transit", "SP_DSP", "Shipment is waiting to be collected from DHL POP", "Opole"),
    d(56, "failure", "SP_KZW", "Shipment not collected from DHL POP in time", "Opole"),
    d(60, "failure", "ZWR", "Shipment will be returned to the sender", "Opole"),
    d(72, "failure", "ZWN", "Shipment returned to sender", "Wrocław"),
];

/// Sorted, then nothing more.
#[rustfmt::skip]
pub const DHL_STALLED: &[Step] = &[
    d(0, "pre-transit", "EDWP", "DHL received electronic shipment data", ""),
    d(6, "transit", "DWP", "Shipment picked up from the sender", "Lublin"),
    d(14, "transit", "SORT", "Shipment under processing in sorting depot", "Lublin"),
];

// DHL Express: no event table in the adapter, so `code` is empty and `text` is the sentence
// sent as `status` and `description`; the `statusCode` decides the unified status.

/// Express from Germany, delivered.
#[rustfmt::skip]
pub const DHL_EXPRESS_COURIER: &[Step] = &[
    d(0, "pre-transit", "", "Shipment information received", "BONN - GERMANY"),
    d(4, "transit", "", "Shipment picked up", "BONN - GERMANY"),
    d(10, "transit", "", "Processed at LEIPZIG - GERMANY", "LEIPZIG - GERMANY"),
    d(16, "transit", "", "Arrived at DHL Sort Facility WARSAW - POLAND", "WARSAW - POLAND"),
    d(20, "transit", "", "Shipment is out with courier for delivery", "WARSAW - POLAND"),
    d(24, "delivered", "", "Delivered", "WARSAW - POLAND"),
];

/// Express from the UK, held by customs.
#[rustfmt::skip]
pub const DHL_CUSTOMS: &[Step] = &[
    d(0, "pre-transit", "", "Shipment information received", "LONDON - UNITED KINGDOM"),
    d(4, "transit", "", "Shipment picked up", "LONDON - UNITED KINGDOM"),
    d(12, "transit", "", "Processed at EAST MIDLANDS - UNITED KINGDOM", "EAST MIDLANDS - UNITED KINGDOM"),
    d(20, "transit", "", "Arrived at DHL Sort Facility WARSAW - POLAND", "WARSAW - POLAND"),
    d(24, "transit", "", "Customs status updated", "WARSAW - POLAND"),
    d(28, "failure", "", "Clearance delay: shipment on hold pending customs duties", "WARSAW - POLAND"),
];

/// Express from Germany, damaged on the way.
#[rustfmt::skip]
pub const DHL_DAMAGED: &[Step] = &[
    d(0, "pre-transit", "", "Shipment information received", "KÖLN - GERMANY"),
    d(4, "transit", "", "Shipment picked up", "KÖLN - GERMANY"),
    d(10, "transit", "", "Processed at LEIPZIG - GERMANY", "LEIPZIG - GERMANY"),
    d(16, "transit", "", "Arrived at DHL Sort Facility WARSAW - POLAND", "WARSAW - POLAND"),
    d(19, "failure", "", "Shipment damaged - the shipper has been contacted", "WARSAW - POLAND"),
];

// DPD Poland: `code` is the business code, `text` the description, `place` the depot name.

/// Courier delivery.
#[rustfmt::skip]
pub const DPD_COURIER: &[Step] = &[
    s(0, "030103", "Zarejestrowano dane przesyłki", "KATOWICE"),
    s(6, "040101", "Przesyłka odebrana przez Kuriera", "KATOWICE"),
    s(10, "050101", "Przesyłka w sortowni", "KATOWICE"),
    s(18, "120101", "Przyjęcie przesyłki w oddziale doręczenia", "WARSZAWA"),
    s(21, "170101", "Wydanie przesyłki do doręczenia", "WARSZAWA"),
    s(25, "190101", "Przesyłka doręczona", "WARSZAWA"),
];

/// Receiver absent at the first attempt, delivered at the second.
#[rustfmt::skip]
pub const DPD_FAILED: &[Step] = &[
    s(0, "030103", "Zarejestrowano dane przesyłki", "POZNAŃ"),
    s(6, "040101", "Przesyłka odebrana przez Kuriera", "POZNAŃ"),
    s(10, "050101", "Przesyłka w sortowni", "POZNAŃ"),
    s(21, "170101", "Wydanie przesyłki do doręczenia", "WROCŁAW"),
    s(27, "200201", "Odbiorca nieobecny", "WROCŁAW"),
    s(45, "170101", "Wydanie przesyłki do doręczenia", "WROCŁAW"),
    s(49, "190101", "Przesyłka doręczona", "WROCŁAW"),
];

/// Delivered to a Pickup point, a reminder sent, collected there.
#[rustfmt::skip]
pub const DPD_PICKUP: &[Step] = &[
    s(0, "030103", "Zarejestrowano dane przesyłki", "KATOWICE"),
    s(6, "040101", "Przesyłka odebrana przez Kuriera", "KATOWICE"),
    s(10, "050101", "Przesyłka w sortowni", "KATOWICE"),
    s(18, "502300", "Przekazanie przesyłki do punktu Pickup", "KRAKÓW"),
    s(24, "600103", "Przesyłka dostarczona do punktu Pickup", "Pickup Ruch KRK07"),
    s(42, "511701", "Wysłano przypomnienie o odbiorze", "Pickup Ruch KRK07"),
    s(50, "701901", "Przesyłka odebrana w punkcie Pickup", "Pickup Ruch KRK07"),
];

/// Never collected from the Pickup point: timeout, return to the sender.
#[rustfmt::skip]
pub const DPD_EXPIRED: &[Step] = &[
    s(0, "030103", "Zarejestrowano dane przesyłki", "GDAŃSK"),
    s(6, "040101", "Przesyłka odebrana przez Kuriera", "GDAŃSK"),
    s(10, "050101", "Przesyłka w sortowni", "GDAŃSK"),
    s(18, "502300", "Przekazanie przesyłki do punktu Pickup", "ŁÓDŹ"),
    s(24, "600103", "Przesyłka dostarczona do punktu Pickup", "Pickup Żabka LDZ12"),
    s(42, "511701", "Wysłano przypomnienie o odbiorze", "Pickup Żabka LDZ12"),
    s(58, "230506", "Upłynął termin odbioru w punkcie Pickup", "ŁÓDŹ"),
    s(62, "230403", "Zwrot przesyłki do nadawcy", "ŁÓDŹ"),
];

/// Refused by the receiver: damaged.
#[rustfmt::skip]
pub const DPD_DAMAGED: &[Step] = &[
    s(0, "030103", "Zarejestrowano dane przesyłki", "KATOWICE"),
    s(6, "040101", "Przesyłka odebrana przez Kuriera", "KATOWICE"),
    s(10, "050101", "Przesyłka w sortowni", "KATOWICE"),
    s(21, "170101", "Wydanie przesyłki do doręczenia", "SZCZECIN"),
    s(24, "200414", "Odmowa przyjęcia: przesyłka uszkodzona", "SZCZECIN"),
];

/// Sorted, then nothing more.
#[rustfmt::skip]
pub const DPD_STALLED: &[Step] = &[
    s(0, "030103", "Zarejestrowano dane przesyłki", "RZESZÓW"),
    s(6, "040101", "Przesyłka odebrana przez Kuriera", "RZESZÓW"),
    s(10, "050101", "Przesyłka w sortowni", "RZESZÓW"),
];
