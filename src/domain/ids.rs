//! Typed ids: a shipment, merchant or subscription id is its own type, so a call that takes
//! "the merchant and the shipment" cannot be handed the two the wrong way round.
//!
//! Each id is a `String` underneath (`shp_…`, `mer_…`, `sub_…`; see
//! [`crate::store::new_id`]). It derefs to `str`, so reading one where text is wanted costs
//! nothing; building one from text is explicit (`ShipmentId::from(…)`), which is the point.
//! Both store drivers bind and decode it as `TEXT`, and it serializes as a plain string.

use std::fmt;
use std::ops::Deref;

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Postgres, Sqlite, Type};

/// Defines one id type over `String` with its conversions, serde, and sqlx for both drivers.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = String)]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id's text, by value.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        id_type!(@db $name, Sqlite);
        id_type!(@db $name, Postgres);

        impl sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <String as sqlx::postgres::PgHasArrayType>::array_type_info()
            }
        }
    };
    (@db $name:ident, $db:ty) => {
        impl Type<$db> for $name {
            fn type_info() -> <$db as Database>::TypeInfo {
                <String as Type<$db>>::type_info()
            }

            fn compatible(ty: &<$db as Database>::TypeInfo) -> bool {
                <String as Type<$db>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, $db> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <$db as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                <String as Encode<'q, $db>>::encode_by_ref(&self.0, buf)
            }
        }

        impl<'r> Decode<'r, $db> for $name {
            fn decode(value: <$db as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok($name(<String as Decode<'r, $db>>::decode(value)?))
            }
        }
    };
}

id_type!(
    /// A shipment's id (`shp_…`).
    ShipmentId
);
id_type!(
    /// A merchant's id (`mer_…`).
    MerchantId
);
id_type!(
    /// A callback subscription's id (`sub_…`).
    SubscriptionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_as_its_text_and_serializes_as_a_plain_string() {
        let id = ShipmentId::from("shp_1");
        assert_eq!(&*id, "shp_1");
        assert_eq!(id, "shp_1");
        assert_eq!(id.to_string(), "shp_1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"shp_1\"");
        let back: MerchantId = serde_json::from_str("\"mrc_2\"").unwrap();
        assert_eq!(back.as_str(), "mrc_2");
    }
}
