//! String enums that stay open: a value AWS adds tomorrow decodes as `Unknown` instead of
//! failing the whole event.

use std::borrow::Cow;
use std::fmt;

use serde::Serializer;
use serde::de::{Deserializer, Error, Visitor};

/// Declares an enum of string values with an `Unknown(String)` arm for values it does not list.
///
/// The generated detail types use it for every string the schema enumerates; users can use it
/// for their own types.
///
/// ```
/// bridgecraft_events::string_enum! {
///     /// An instance's state.
///     pub enum State {
///         Running = "running",
///         Stopped = "stopped",
///     }
/// }
///
/// let state: State = serde_json::from_str(r#""running""#)?;
/// assert_eq!(state, State::Running);
/// let state: State = serde_json::from_str(r#""hibernating""#)?;
/// assert_eq!(state, State::Unknown("hibernating".into()));
/// // A value outside the documented set is reported as drift.
/// let mut drift = Vec::new();
/// bridgecraft_events::Inspect::inspect(&state, &mut "state".to_owned(), &mut drift);
/// assert_eq!(drift[0].to_string(), "state\tunknown value\tState\t\"hibernating\"");
/// assert_eq!(serde_json::to_string(&state)?, r#""hibernating""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$variant_meta])* #[doc = concat!("`", $value, "`")] $variant, )*
            /// A value not known when this type was generated.
            Unknown(::std::string::String),
        }

        impl $name {
            /// The value as it appears in JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Unknown(value) => value,
                }
            }

            fn from_cow(value: ::std::borrow::Cow<'_, str>) -> Self {
                match &*value {
                    $( $value => Self::$variant, )*
                    _ => Self::Unknown(value.into_owned()),
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::from_cow(::std::borrow::Cow::Borrowed(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::__private::string_enum_serialize(self.as_str(), serializer)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::string_enum_deserialize(deserializer, Self::from_cow)
            }
        }

        impl $crate::Tolerant for $name {
            const DECLARED: &'static str = ::std::stringify!($name);

            fn decode<'de, D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<$crate::Fit<Self>, D::Error> {
                $crate::__private::decode_string_enum(deserializer, Self::from_cow, ::std::stringify!($name))
            }
        }

        impl $crate::Inspect for $name {
            fn inspect(&self, path: &mut ::std::string::String, drift: &mut ::std::vec::Vec<$crate::Drift>) {
                if let Self::Unknown(value) = self {
                    $crate::__private::unknown_value(path, ::std::stringify!($name), value, drift);
                }
            }
        }
    };
}

#[doc(hidden)]
pub fn string_enum_serialize<S: Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value)
}

#[doc(hidden)]
pub fn string_enum_deserialize<'de, D, T>(
    deserializer: D,
    from: fn(Cow<'_, str>) -> T,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct StrVisitor<T>(fn(Cow<'_, str>) -> T);

    impl<T> Visitor<'_> for StrVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: Error>(self, value: &str) -> Result<T, E> {
            Ok((self.0)(Cow::Borrowed(value)))
        }
        fn visit_string<E: Error>(self, value: String) -> Result<T, E> {
            Ok((self.0)(Cow::Owned(value)))
        }
    }

    deserializer.deserialize_str(StrVisitor(from))
}

#[doc(hidden)]
pub fn unknown_value(
    path: &str,
    declared: &'static str,
    value: &str,
    drift: &mut Vec<crate::Drift>,
) {
    drift.push(crate::Drift::new(
        path.to_owned(),
        crate::DriftKind::UnknownValue,
        declared,
        &serde_json::Value::from(value),
    ));
}
