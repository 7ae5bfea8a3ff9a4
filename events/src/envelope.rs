//! The EventBridge envelope every event shares.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::{DetailDecoder, DetailSet, Timestamp, Typed};

/// An EventBridge event: the envelope EventBridge adds, around a `detail` of type `D`.
///
/// `D` is one generated detail type, a user's own [`EventDetail`](crate::EventDetail), or a
/// [`DetailSet`] such as a source's enum or the crate-wide [`Detail`](crate::Detail).
///
/// Real producers are not uniform: `version` and `account` are missing from some events (local
/// servers and some AWS services omit them) and `resources` from others, so those are optional
/// or default to empty. Top-level keys outside the documented envelope, such as `replay-name`
/// on replayed events, are kept in [`extra`](Self::extra) and written back on serialization.
#[derive(Clone, Debug, PartialEq)]
pub struct Event<D> {
    /// The envelope's version, `"0"` in every event AWS sends today.
    pub version: Option<String>,
    /// A unique id for this event.
    pub id: String,
    /// The kind of event within its source.
    pub detail_type: String,
    /// The service or application that published the event.
    pub source: String,
    /// The AWS account the event comes from.
    pub account: Option<String>,
    /// When the event happened.
    pub time: Timestamp,
    /// The AWS region the event comes from.
    pub region: String,
    /// ARNs of the resources the event is about.
    pub resources: Vec<String>,
    /// The event's own data.
    pub detail: D,
    /// Top-level keys outside the documented envelope, such as `replay-name`.
    pub extra: Map<String, Value>,
}

impl<D> Event<D> {
    /// The same envelope around another detail.
    pub fn map_detail<E>(self, f: impl FnOnce(D) -> E) -> Event<E> {
        Event {
            version: self.version,
            id: self.id,
            detail_type: self.detail_type,
            source: self.source,
            account: self.account,
            time: self.time,
            region: self.region,
            resources: self.resources,
            detail: f(self.detail),
            extra: self.extra,
        }
    }
}

impl<D: Serialize> Serialize for Event<D> {
    /// Writes the keys in EventBridge's own order, `detail` last.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(version) = &self.version {
            map.serialize_entry("version", version)?;
        }
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("detail-type", &self.detail_type)?;
        map.serialize_entry("source", &self.source)?;
        if let Some(account) = &self.account {
            map.serialize_entry("account", account)?;
        }
        map.serialize_entry("time", &self.time)?;
        map.serialize_entry("region", &self.region)?;
        map.serialize_entry("resources", &self.resources)?;
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("detail", &self.detail)?;
        map.end()
    }
}

impl<'de, D: DetailSet> Deserialize<'de> for Event<D> {
    fn deserialize<De: Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
        deserialize_event_with(deserializer, &Typed::<D>::new())
    }
}

/// Decodes an event, leaving the choice of how to decode `detail` to `decoder`.
///
/// This is one pass over the input: EventBridge writes `detail` last, so by the time it is
/// reached `source` and `detail-type` are known and the detail is decoded straight into its
/// type. When `detail` comes first it is kept as raw JSON and decoded at the end.
pub fn deserialize_event_with<'de, De, X>(
    deserializer: De,
    decoder: &X,
) -> Result<Event<X::Detail>, De::Error>
where
    De: Deserializer<'de>,
    X: DetailDecoder,
{
    deserializer.deserialize_map(EnvelopeVisitor { decoder })
}

struct EnvelopeVisitor<'a, X> {
    decoder: &'a X,
}

/// The envelope's keys; anything else is kept in `extra`.
enum Key {
    Version,
    Id,
    DetailType,
    Source,
    Account,
    Time,
    Region,
    Resources,
    Detail,
    Other(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "version" => Key::Version,
                    "id" => Key::Id,
                    "detail-type" => Key::DetailType,
                    "source" => Key::Source,
                    "account" => Key::Account,
                    "time" => Key::Time,
                    "region" => Key::Region,
                    "resources" => Key::Resources,
                    "detail" => Key::Detail,
                    other => Key::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// Fills a field once, refusing a second value for the same key as serde's derive does.
fn set_once<T, E: de::Error>(slot: &mut Option<T>, value: T, key: &'static str) -> Result<(), E> {
    if slot.replace(value).is_some() {
        return Err(E::duplicate_field(key));
    }
    Ok(())
}

struct DetailSeed<'a, X> {
    decoder: &'a X,
    source: &'a str,
    detail_type: &'a str,
}

impl<'de, X: DetailDecoder> DeserializeSeed<'de> for DetailSeed<'_, X> {
    type Value = X::Detail;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<X::Detail, D::Error> {
        self.decoder
            .decode(self.source, self.detail_type, deserializer)
    }
}

enum DetailState<T> {
    Missing,
    /// `detail` came before `source` or `detail-type`: kept raw until both are known.
    Raw(Box<RawValue>),
    Decoded(T),
}

impl<'de, X: DetailDecoder> Visitor<'de> for EnvelopeVisitor<'_, X> {
    type Value = Event<X::Detail>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an EventBridge event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut version = None;
        let mut id = None;
        let mut detail_type: Option<String> = None;
        let mut source: Option<String> = None;
        let mut account = None;
        let mut time = None;
        let mut region = None;
        let mut resources = None;
        let mut detail = DetailState::Missing;
        let mut extra = Map::new();

        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Version => set_once(&mut version, map.next_value()?, "version")?,
                Key::Id => set_once(&mut id, map.next_value()?, "id")?,
                Key::DetailType => set_once(&mut detail_type, map.next_value()?, "detail-type")?,
                Key::Source => set_once(&mut source, map.next_value()?, "source")?,
                Key::Account => set_once(&mut account, map.next_value()?, "account")?,
                Key::Time => set_once(&mut time, map.next_value()?, "time")?,
                Key::Region => set_once(&mut region, map.next_value()?, "region")?,
                Key::Resources => set_once(&mut resources, map.next_value()?, "resources")?,
                Key::Detail => {
                    if !matches!(detail, DetailState::Missing) {
                        return Err(de::Error::duplicate_field("detail"));
                    }
                    detail = match (&source, &detail_type) {
                        (Some(source), Some(detail_type)) => {
                            DetailState::Decoded(map.next_value_seed(DetailSeed {
                                decoder: self.decoder,
                                source,
                                detail_type,
                            })?)
                        }
                        _ => DetailState::Raw(map.next_value()?),
                    };
                }
                Key::Other(key) => {
                    let value = map.next_value()?;
                    if extra.insert(key.clone(), value).is_some() {
                        return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                }
            }
        }

        let source = source.ok_or_else(|| de::Error::missing_field("source"))?;
        let detail_type = detail_type.ok_or_else(|| de::Error::missing_field("detail-type"))?;
        let detail = match detail {
            DetailState::Missing => return Err(de::Error::missing_field("detail")),
            DetailState::Decoded(detail) => detail,
            DetailState::Raw(raw) => self
                .decoder
                .decode(&source, &detail_type, &*raw)
                .map_err(|e| de::Error::custom(format_args!("detail: {e}")))?,
        };
        Ok(Event {
            version: version.flatten(),
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            detail_type,
            source,
            account: account.flatten(),
            time: time.ok_or_else(|| de::Error::missing_field("time"))?,
            region: region.ok_or_else(|| de::Error::missing_field("region"))?,
            resources: resources.unwrap_or_default(),
            detail,
            extra,
        })
    }
}
