//! The EventBridge envelope every event shares.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::tolerant::{Extra, KeySeed, at_key, decode_into, put};
use crate::{
    Arn, ArnError, DetailDecoder, DetailSet, Drift, Inspect, Relation, ResourceRef, Timestamp,
    Typed,
};

/// An EventBridge event: the envelope EventBridge adds, around a `detail` of type `D`.
///
/// `D` is one generated detail type, a user's own [`EventDetail`](crate::EventDetail), or a
/// [`DetailSet`] such as a source's enum or the crate-wide [`Detail`](crate::Detail).
///
/// Only `source` and `detail-type` make JSON an event: they must be strings. Everything else
/// is tolerated as real producers send it. `version`, `id`, `account`, `time` and `region` are
/// absent when missing and take any scalar (a `version` of `0` reads as `"0"` and is written
/// back as `0`); `time` is kept as its text even when it is not a timestamp
/// ([`Timestamp::to_utc`] says); a `detail` sent as a JSON string holding JSON decodes as that
/// JSON and is written back as a string; a missing `detail` decodes as an empty object and is
/// left out again when written. Values that fit nowhere, and top-level keys outside the
/// envelope such as `ingestion-time`, are kept in [`extra`](Self::extra) and written back.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Event<D> {
    /// The envelope's version, `"0"` in every event AWS sends today.
    pub version: Option<String>,
    /// A unique id for this event.
    pub id: Option<String>,
    /// The kind of event within its source.
    pub detail_type: String,
    /// The service or application that published the event.
    pub source: String,
    /// The AWS account the event comes from.
    pub account: Option<String>,
    /// When the event happened.
    pub time: Option<Timestamp>,
    /// The AWS region the event comes from.
    pub region: Option<String>,
    /// ARNs of the resources the event is about.
    pub resources: Vec<String>,
    /// The replay of an archive this event comes from, when EventBridge replayed it: the same
    /// event may then have been handled once before.
    pub replay_name: Option<String>,
    /// The event's own data.
    pub detail: D,
    /// Top-level keys outside the documented envelope, such as `ingestion-time`, and envelope
    /// values that fit no field.
    pub extra: Extra,
    /// Which envelope keys were missing, so that they stay missing when written.
    absent: Absent,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Absent {
    resources: bool,
    detail: bool,
}

impl<D> Event<D> {
    /// An event of `source` and `detail_type` around `detail`, with every other field empty.
    pub fn new(source: impl Into<String>, detail_type: impl Into<String>, detail: D) -> Self {
        Self {
            version: Some("0".to_owned()),
            id: None,
            detail_type: detail_type.into(),
            source: source.into(),
            account: None,
            time: None,
            region: None,
            resources: Vec::new(),
            replay_name: None,
            detail,
            extra: Extra::default(),
            absent: Absent::default(),
        }
    }

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
            replay_name: self.replay_name,
            detail: f(self.detail),
            extra: self.extra,
            absent: self.absent,
        }
    }

    /// The envelope alone, and the detail.
    pub fn split(self) -> (Event<()>, D) {
        let Event {
            version,
            id,
            detail_type,
            source,
            account,
            time,
            region,
            resources,
            replay_name,
            detail,
            extra,
            absent,
        } = self;
        let envelope = Event {
            version,
            id,
            detail_type,
            source,
            account,
            time,
            region,
            resources,
            replay_name,
            detail: (),
            extra,
            absent,
        };
        (envelope, detail)
    }

    /// The same envelope around a reference to the detail.
    pub fn as_ref(&self) -> Event<&D> {
        Event {
            version: self.version.clone(),
            id: self.id.clone(),
            detail_type: self.detail_type.clone(),
            source: self.source.clone(),
            account: self.account.clone(),
            time: self.time.clone(),
            region: self.region.clone(),
            resources: self.resources.clone(),
            replay_name: self.replay_name.clone(),
            detail: &self.detail,
            extra: self.extra.clone(),
            absent: self.absent,
        }
    }

    /// Whether the event came without a `detail`.
    pub fn detail_is_absent(&self) -> bool {
        self.absent.detail
    }
}

impl<D> Event<D> {
    /// The envelope's `resources`, each read as an ARN.
    pub fn resource_arns(&self) -> impl Iterator<Item = Result<Arn<'_>, ArnError>> {
        self.resources.iter().map(|resource| Arn::parse(resource))
    }

    /// The resources `related` names, then those of the envelope's `resources` that are not
    /// among them, each with its type, region, account and ARN as far as they are known (see
    /// [`Relation`]). For events whose detail is no [`DetailSet`], such as unknown ones;
    /// [`relations`](Self::relations) gives the detail's own. Nothing is fetched.
    pub fn relations_with<'a>(&'a self, related: Vec<ResourceRef<'a>>) -> Vec<Relation<'a>> {
        crate::relation::relations(
            related,
            &self.resources,
            self.region.as_deref(),
            self.account.as_deref(),
        )
    }
}

impl<D: DetailSet> Event<D> {
    /// The AWS resources this event is about: those its detail names (see
    /// [`EventDetail::related`](crate::EventDetail::related)), each once, then the envelope's
    /// `resources` that are not among them. Each has its CloudFormation type, identifier,
    /// region and account (from the ARN when the identifier is one, else from the envelope),
    /// and its ARN when it is known or can be built. Nothing is fetched.
    ///
    /// ```
    /// # #[cfg(feature = "aws-ecs")] {
    /// use bridgecraft_events::{Event, aws_ecs};
    ///
    /// let json = r#"{"version":"0","id":"1","detail-type":"ECS Task State Change",
    ///     "source":"aws.ecs","account":"111122223333","time":"2024-01-01T00:00:00Z",
    ///     "region":"us-west-2","resources":["arn:aws:ecs:us-west-2:111122223333:task/web/c13b"],
    ///     "detail":{"clusterArn":"arn:aws:ecs:us-west-2:111122223333:cluster/web"}}"#;
    /// let event: Event<aws_ecs::Detail> = serde_json::from_str(json)?;
    /// let relations = event.relations();
    /// assert_eq!(relations[0].cloudformation_type, Some("AWS::ECS::Cluster"));
    /// assert_eq!(relations[0].region, Some("us-west-2"));
    /// assert_eq!(relations[1].identifier, "arn:aws:ecs:us-west-2:111122223333:task/web/c13b");
    /// assert_eq!(relations[1].cloudformation_type, None, "tasks are no CloudFormation type");
    /// # }
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn relations(&self) -> Vec<Relation<'_>> {
        self.relations_with(self.detail.related_resources())
    }
}

impl<D> Event<D> {
    /// Where the envelope differs from EventBridge's, by JSON path: values that fit no field,
    /// keys outside the envelope, and a `time` that is not a timestamp.
    pub fn envelope_drift(&self) -> Vec<Drift> {
        let mut drift = Vec::new();
        let mut path = String::new();
        self.extra.inspect(&mut path, &mut drift);
        if let Some(time) = &self.time {
            at_key(&mut path, "time", |path| time.inspect(path, &mut drift));
        }
        drift
    }
}

impl<D: DetailSet> Event<D> {
    /// Where the event differs from its schemas, by JSON path: values that did not fit their
    /// declared type, keys the schemas do not list, values outside documented sets, and
    /// timestamps that are not timestamps, in the envelope and in the detail.
    pub fn drift(&self) -> Vec<Drift> {
        let mut drift = self.envelope_drift();
        at_key(&mut String::new(), "detail", |path| {
            self.detail.inspect_drift(path, &mut drift)
        });
        drift
    }
}

impl<D: Serialize> Serialize for Event<D> {
    /// Writes the keys in EventBridge's own order, `detail` last.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let extra = &self.extra;
        let mut map = serializer.serialize_map(None)?;
        put(&mut map, extra, "version", self.version.as_ref())?;
        put(&mut map, extra, "id", self.id.as_ref())?;
        map.serialize_entry("detail-type", &self.detail_type)?;
        map.serialize_entry("source", &self.source)?;
        put(&mut map, extra, "account", self.account.as_ref())?;
        put(&mut map, extra, "time", self.time.as_ref())?;
        put(&mut map, extra, "region", self.region.as_ref())?;
        // Missing (or kept as it came) stays so, unless resources were added since.
        let resources = !(self.absent.resources && self.resources.is_empty());
        put(
            &mut map,
            extra,
            "resources",
            resources.then_some(&self.resources),
        )?;
        put(&mut map, extra, "replay-name", self.replay_name.as_ref())?;
        for (key, value) in extra.unlisted() {
            map.serialize_entry(key, value)?;
        }
        if !self.absent.detail {
            map.serialize_entry("detail", &self.detail)?;
        }
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

/// `source` and `detail-type`: the two keys that make JSON an event, so they must be strings.
struct Name(&'static str);

impl<'de> DeserializeSeed<'de> for Name {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        struct NameVisitor(&'static str);
        impl Visitor<'_> for NameVisitor {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "`{}` to be a string", self.0)
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
                Ok(value.to_owned())
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<String, E> {
                Ok(value)
            }
        }
        deserializer.deserialize_str(NameVisitor(self.0))
    }
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
        let mut resources: Option<Vec<String>> = None;
        let mut replay_name = None;
        let mut detail = DetailState::Missing;
        let mut extra = Extra::default();

        while let Some(key) = map.next_key_seed(KeySeed)? {
            let (key, status): (&'static str, _) = match &*key {
                "version" => ("version", decode_into(&mut version, &mut map)?),
                "id" => ("id", decode_into(&mut id, &mut map)?),
                "account" => ("account", decode_into(&mut account, &mut map)?),
                "time" => ("time", decode_into(&mut time, &mut map)?),
                "region" => ("region", decode_into(&mut region, &mut map)?),
                "resources" => ("resources", decode_into(&mut resources, &mut map)?),
                "replay-name" => {
                    // Some producers send `null` on events that were not replayed.
                    let status = decode_into(&mut replay_name, &mut map)?;
                    extra.note("replay-name", true, status);
                    continue;
                }
                "source" => {
                    once(&source, "source")?;
                    source = Some(map.next_value_seed(Name("source"))?);
                    continue;
                }
                "detail-type" => {
                    once(&detail_type, "detail-type")?;
                    detail_type = Some(map.next_value_seed(Name("detail-type"))?);
                    continue;
                }
                "detail" => {
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
                    continue;
                }
                _ => {
                    let value: Box<RawValue> = map.next_value()?;
                    extra.insert_unlisted(Cow::into_owned(key), value);
                    continue;
                }
            };
            extra.note(key, false, status);
        }

        let source = source.ok_or_else(|| de::Error::missing_field("source"))?;
        let detail_type = detail_type.ok_or_else(|| de::Error::missing_field("detail-type"))?;
        let detail_absent = matches!(detail, DetailState::Missing);
        let detail = match detail {
            DetailState::Decoded(detail) => detail,
            DetailState::Missing => self
                .decoder
                .decode(
                    &source,
                    &detail_type,
                    &mut serde_json::Deserializer::from_str("{}"),
                )
                .map_err(|e| de::Error::custom(format_args!("detail (absent): {e}")))?,
            DetailState::Raw(raw) => self
                .decoder
                .decode(&source, &detail_type, &*raw)
                .map_err(|e| de::Error::custom(format_args!("detail: {e}")))?,
        };
        Ok(Event {
            version,
            id,
            detail_type,
            source,
            account,
            time,
            region,
            absent: Absent {
                resources: resources.is_none(),
                detail: detail_absent,
            },
            resources: resources.unwrap_or_default(),
            replay_name,
            detail,
            extra,
        })
    }
}

/// Refuses a second value for `source` or `detail-type`, as serde's derive does.
fn once<T, E: de::Error>(slot: &Option<T>, key: &'static str) -> Result<(), E> {
    match slot {
        Some(_) => Err(E::duplicate_field(key)),
        None => Ok(()),
    }
}
