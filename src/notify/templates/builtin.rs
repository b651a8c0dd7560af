//! The built-in templates, one file per trigger, channel and language under `builtin/`,
//! compiled into the binary.

use crate::domain::i18n::Lang;
use crate::domain::notification::{Channel, Trigger};

macro_rules! builtins {
    ($($trigger:ident => $file:literal),* $(,)?) => {
        /// The built-in source for a trigger, channel and language.
        pub fn source(trigger: Trigger, channel: Channel, lang: Lang) -> &'static str {
            match (trigger, channel, lang) {
                $(
                    (Trigger::$trigger, Channel::Email, Lang::Pl) =>
                        include_str!(concat!("builtin/pl/", $file, ".email.j2")),
                    (Trigger::$trigger, Channel::Email, Lang::En) =>
                        include_str!(concat!("builtin/en/", $file, ".email.j2")),
                    (Trigger::$trigger, Channel::Email, Lang::De) =>
                        include_str!(concat!("builtin/de/", $file, ".email.j2")),
                    (Trigger::$trigger, Channel::Sms, Lang::Pl) =>
                        include_str!(concat!("builtin/pl/", $file, ".sms.j2")),
                    (Trigger::$trigger, Channel::Sms, Lang::En) =>
                        include_str!(concat!("builtin/en/", $file, ".sms.j2")),
                    (Trigger::$trigger, Channel::Sms, Lang::De) =>
                        include_str!(concat!("builtin/de/", $file, ".sms.j2")),
                )*
            }
        }
    };
}

builtins! {
    Shipped => "shipped",
    OutForDelivery => "out_for_delivery",
    AvailableForPickup => "available_for_pickup",
    PickupReminder => "pickup_reminder",
    FailedAttempt => "failed_attempt",
    Delivered => "delivered",
    Exception => "exception",
    Delayed => "delayed",
    ReturnedToSender => "returned_to_sender",
    ReviewRequest => "review_request",
}
