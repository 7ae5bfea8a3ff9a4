//! [idem](https://docs.idemproject.io/)'s events, as its ingress queues carry them:
//! `{"tags": {"ref": ..., "type": ...}, "message": ..., "run_name": ...}`, dispatched on
//! `tags.type`.
//!
//! idem puts each kind on a profile (a stream): `state-status` on `idem-status`,
//! `state-low-data` on `idem-low`, `state-high-data` on `idem-high`, `state-pre` and
//! `state-post` on `idem-state`, `state-result` on `idem-run`, `exec-post` on `idem-exec`, and
//! log records (tagged with `level` and `module`, no `type`: their kind is `log`) on
//! `idem-logger`. A [`Select`](crate::Select) chooses by kind or by profile: `idem-*`,
//! `state-*`.
//!
//! [`Idem`] knows the types of every kind idem publishes; chain it after your own.
//!
//! ```
//! use bridgecraft_factory::keyed::idem::{Idem, IdemDetail, IdemFactory, RunStatus};
//! use bridgecraft_factory::Payload;
//!
//! let factory = IdemFactory::<IdemDetail, _>::new(Idem);
//! let event = factory.decode_event(
//!     r#"{"tags": {"ref": "idem.state.update_status", "type": "state-status"},
//!         "message": "RUNNING", "run_name": "cli"}"#,
//! )?;
//! assert_eq!(event.profile(), Some("idem-status"));
//! let Payload::Typed(IdemDetail::Status(status)) = &event.message else { unreachable!() };
//! assert_eq!(*status, RunStatus::Running);
//! # Ok::<(), bridgecraft_factory::DecodeError>(())
//! ```

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::de::Deserializer;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Members, optional};
use crate::kind::Kinds;
use crate::{DecodeError, Envelope, KindFactory, Layer, Payload, Received, Strictness};

/// The kind of idem's log records, which carry no `tags.type`.
pub const LOG: &str = "log";

/// An idem event: its tags, its message, and the run it belongs to.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IdemEvent<D> {
    /// The event's tags, `ref` and `type` among them.
    pub tags: IdemTags,
    /// `message`: typed when a factory knows the kind.
    pub message: Payload<D>,
    /// `run_name`, the idem run the event came from.
    pub run_name: Option<String>,
    /// Every other member, in the order it came, as raw JSON.
    pub extra: Vec<(String, Box<RawValue>)>,
}

/// An idem event's `tags`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IdemTags {
    /// `ref`, the function on idem's hub that fired the event (`states.aws.s3.bucket.present`).
    pub reference: Option<String>,
    /// `type`, the kind (`state-post`); `None` for log records.
    pub kind: Option<String>,
    /// Every other tag (`acct_details`; a log record's `level`, `module`, `timestamp`), as raw
    /// JSON in the order it came.
    pub extra: Vec<(String, Box<RawValue>)>,
}

impl IdemTags {
    /// The tag `name`, as raw JSON.
    pub fn get(&self, name: &str) -> Option<&RawValue> {
        self.extra
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| &**value)
    }
}

impl<D> IdemEvent<D> {
    /// The kind dispatched on: `tags.type`, or [`LOG`] for a log record.
    pub fn kind(&self) -> &str {
        self.tags.kind.as_deref().unwrap_or(LOG)
    }

    /// The profile idem publishes this kind on, when it is one of idem's own.
    pub fn profile(&self) -> Option<&'static str> {
        profile_of(self.kind())
    }
}

fn profile_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "state-status" => "idem-status",
        "state-low-data" => "idem-low",
        "state-high-data" => "idem-high",
        "state-pre" | "state-post" => "idem-state",
        "state-result" => "idem-run",
        "exec-post" => "idem-exec",
        LOG => "idem-logger",
        _ => return None,
    })
}

impl<D: Serialize> Serialize for IdemEvent<D> {
    /// Writes the event back: `tags` (with `ref` and `type` first), `message`, `run_name`,
    /// then the other members as they came.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Tags<'a>(&'a IdemTags);
        impl Serialize for Tags<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(None)?;
                if let Some(reference) = &self.0.reference {
                    map.serialize_entry("ref", reference)?;
                }
                if let Some(kind) = &self.0.kind {
                    map.serialize_entry("type", kind)?;
                }
                for (key, value) in &self.0.extra {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("tags", &Tags(&self.tags))?;
        if !self.message.is_absent() {
            map.serialize_entry("message", &self.message)?;
        }
        if let Some(run_name) = &self.run_name {
            map.serialize_entry("run_name", run_name)?;
        }
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Decodes idem events whose kind a [`KindFactory`] knows into [`IdemEvent<D>`].
pub struct IdemFactory<D, F> {
    kinds: Kinds<F>,
    message: PhantomData<fn() -> D>,
}

impl<D, F: KindFactory<D>> IdemFactory<D, F> {
    /// A lenient factory decoding the message of every kind `kinds` knows.
    pub fn new(kinds: F) -> Self {
        Self {
            kinds: Kinds::new(kinds),
            message: PhantomData,
        }
    }

    /// Sets what happens to messages that do not fit their type.
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.kinds.strictness = strictness;
        self
    }

    /// Decodes the message only of the events whose kind or profile `select` matches
    /// (`idem-state` selects `state-pre` and `state-post`).
    #[cfg(feature = "select")]
    pub fn select(mut self, select: crate::Select) -> Self {
        self.kinds.select = Some(select);
        self.kinds.profile = Some(profile_of);
        self
    }

    /// Decodes one idem event.
    pub fn decode_event(&self, json: &str) -> Result<IdemEvent<D>, DecodeError> {
        let layer = Layer::IdemEvent;
        let mut members = Members::parse(json, &layer)?;
        let Some(tags) = members.take("tags") else {
            return Err(DecodeError::new(layer, "tags", "missing member `tags`"));
        };
        let mut tag_members = Members::parse(tags.get(), &layer)
            .map_err(|_| DecodeError::new(layer.clone(), "tags", "`tags` is not an object"))?;
        let tags = IdemTags {
            reference: optional::<Option<String>>(tag_members.take("ref"), &layer, "tags.ref")?
                .flatten(),
            kind: optional(tag_members.take("type"), &layer, "tags.type")?,
            extra: tag_members.into_rest(),
        };
        let kind = tags.kind.as_deref().unwrap_or(LOG).to_owned();
        let message = members.take("message");
        let run_name =
            optional::<Option<String>>(members.take("run_name"), &layer, "run_name")?.flatten();
        let message = self.kinds.payload(&kind, message, layer, "message")?;
        Ok(IdemEvent {
            tags,
            message,
            run_name,
            extra: members.into_rest(),
        })
    }

    /// Decodes every idem event in `input`, in the given envelope (see [`crate::unwrap`]).
    pub fn decode(&self, input: &[u8], envelope: Envelope) -> Vec<Received<IdemEvent<D>>> {
        crate::envelope::decode_each(input, envelope, |text| self.decode_event(text))
    }
}

/// The types of the messages idem publishes, one variant per kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum IdemDetail {
    /// `state-status`: the run's new status.
    Status(RunStatus),
    /// `state-low-data`: every state of the run, compiled to low data, before it runs.
    LowData(Vec<LowChunk>),
    /// `state-high-data`: the run's high data, by declaration id.
    HighData(BTreeMap<String, Value>),
    /// `state-pre`: a state about to run, `{name: {ref: arguments}}`.
    StatePre(BTreeMap<String, BTreeMap<String, Value>>),
    /// `state-post`: what a state function returned.
    StatePost(StateReturn),
    /// `state-result`: a state's result in the run, with its timing.
    StateResult(StateResult),
    /// `exec-post`: what an exec module function returned.
    ExecPost(ExecReturn),
    /// A log record's message.
    Log(String),
}

/// The kinds [`Idem`] knows, each with its [`IdemDetail`] variant.
pub const KINDS: [&str; 8] = [
    "state-status",
    "state-low-data",
    "state-high-data",
    "state-pre",
    "state-post",
    "state-result",
    "exec-post",
    LOG,
];

/// The factory for every kind idem publishes, into [`IdemDetail`] or any `D` it converts into.
#[derive(Clone, Copy, Debug, Default)]
pub struct Idem;

impl crate::Chain for Idem {}

impl<D: From<IdemDetail>> KindFactory<D> for Idem {
    fn knows(&self, kind: &str) -> bool {
        KINDS.contains(&kind)
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        kind: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        let detail = match kind {
            "state-status" => IdemDetail::Status(Deserialize::deserialize(deserializer)?),
            "state-low-data" => IdemDetail::LowData(Deserialize::deserialize(deserializer)?),
            "state-high-data" => IdemDetail::HighData(Deserialize::deserialize(deserializer)?),
            "state-pre" => IdemDetail::StatePre(Deserialize::deserialize(deserializer)?),
            "state-post" => IdemDetail::StatePost(Deserialize::deserialize(deserializer)?),
            "state-result" => IdemDetail::StateResult(Deserialize::deserialize(deserializer)?),
            "exec-post" => IdemDetail::ExecPost(Deserialize::deserialize(deserializer)?),
            LOG => IdemDetail::Log(Deserialize::deserialize(deserializer)?),
            _ => {
                return Err(serde::de::Error::custom(format_args!(
                    "idem has no kind `{kind}`"
                )));
            }
        };
        Ok(D::from(detail))
    }
}

/// An idem run's status, as `state-status` sends it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum RunStatus {
    /// The run finished.
    Finished,
    /// The run was created.
    Created,
    /// The run is gathering its sources.
    Gathering,
    /// The run is compiling its states.
    Compiling,
    /// The run's states are running.
    Running,
    /// The states did not compile.
    CompilationError,
    /// The sources could not be gathered.
    GatherError,
    /// A state failed at run time.
    RuntimeError,
    /// The status is not defined.
    Undefined,
    /// A status this version does not list, as it came.
    #[serde(untagged)]
    Other(String),
}

/// One state of a run, compiled to low data.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct LowChunk {
    /// `__id__`, the declaration id.
    #[serde(rename = "__id__", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `__sls__`, the SLS source the state came from.
    #[serde(rename = "__sls__", default, skip_serializing_if = "Option::is_none")]
    pub sls: Option<String>,
    /// `state`, the state module (`aws.s3.bucket`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `fun`, the function (`present`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fun: Option<String>,
    /// `name`, the resource's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The state's arguments and the other members, as they came.
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

/// What a state function returned (`state-post`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct StateReturn {
    /// `name`, the resource's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `result`, whether the state succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<bool>,
    /// `comment`, a string or a list of them.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub comment: Option<Value>,
    /// `old_state`, the resource before.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub old_state: Option<Value>,
    /// `new_state`, the resource after.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub new_state: Option<Value>,
    /// `changes`, the difference.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub changes: Option<Value>,
    /// The other members, as they came.
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

/// A state's result in its run (`state-result`): its return, its tag and its timing.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct StateResult {
    /// `tag`, the state's tag in the run (`aws.s3.bucket_|-my-bucket_|-my-bucket_|-present`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// `start_time`, as idem writes it (ISO 8601, no zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// `total_seconds`, how long the state took.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_seconds: Option<Value>,
    /// The state's return: name, result, comment, states and changes.
    #[serde(flatten)]
    pub state: StateReturn,
}

/// What an exec module function returned (`exec-post`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ExecReturn {
    /// `result`, whether the call succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<bool>,
    /// `comment`, a string or a list of them.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub comment: Option<Value>,
    /// `ret`, what the call returned.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub ret: Option<Value>,
    /// The other members, as they came.
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

/// A member that may be JSON `null`: present as `Some(Value::Null)`, absent as `None`, so that
/// both write back as they came.
fn present<'de, De: Deserializer<'de>>(deserializer: De) -> Result<Option<Value>, De::Error> {
    Value::deserialize(deserializer).map(Some)
}
