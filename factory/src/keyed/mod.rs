//! Message formats dispatched on one key, beside EventBridge's: [CloudEvents](cloudevents) and
//! [idem's events](idem). Each reads its envelope attributes, takes the kind from the key the
//! format names, and decodes the payload with a [`KindFactory`](crate::KindFactory).
//!
//! Unwrapping is the same as for EventBridge events: [`decode`](cloudevents::CloudEventFactory::decode)
//! takes SQS messages, SNS notifications and Lambda batches (see [`unwrap`](crate::unwrap)).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::{DecodeError, Layer};

pub mod cloudevents;
pub mod idem;

/// A JSON object's members in order, keys unescaped, values as raw JSON borrowed from the text.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    members.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

impl<'a> Members<'a> {
    fn parse(text: &'a str, layer: &Layer) -> Result<Self, DecodeError> {
        serde_json::from_str(text)
            .map_err(|error| DecodeError::from_json(layer.clone(), ".".into(), &error))
    }

    /// Takes out the member named `key`, leaving the others.
    fn take(&mut self, key: &str) -> Option<&'a RawValue> {
        let index = self.0.iter().position(|(name, _)| name == key)?;
        Some(self.0.remove(index).1)
    }

    /// The rest, owned, for the message's extension attributes.
    fn into_rest(self) -> Vec<(String, Box<RawValue>)> {
        self.0
            .into_iter()
            .map(|(key, value)| (key.into_owned(), value.to_owned()))
            .collect()
    }
}

/// Reads an attribute's raw JSON as `T`, with an error naming the attribute.
fn attribute<T: DeserializeOwned>(
    raw: &RawValue,
    layer: &Layer,
    path: &str,
) -> Result<T, DecodeError> {
    serde_json::from_str(raw.get())
        .map_err(|error| DecodeError::from_json(layer.clone(), path.into(), &error))
}

fn required<T: DeserializeOwned>(
    raw: Option<&RawValue>,
    layer: &Layer,
    path: &str,
) -> Result<T, DecodeError> {
    match raw {
        Some(raw) => attribute(raw, layer, path),
        None => Err(DecodeError::new(
            layer.clone(),
            path,
            format!("missing attribute `{path}`"),
        )),
    }
}

fn optional<T: DeserializeOwned>(
    raw: Option<&RawValue>,
    layer: &Layer,
    path: &str,
) -> Result<Option<T>, DecodeError> {
    raw.map(|raw| attribute(raw, layer, path)).transpose()
}
