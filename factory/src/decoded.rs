//! What the factory hands back: a typed event, an unknown one kept whole, or an error.

use bridgecraft_events::Event;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::DecodeError;

/// The result of decoding one event.
pub type DecodeResult<D> = Result<Decoded<D>, DecodeError>;

/// An event the factory read: typed when some chained factory knows its pair, unknown otherwise.
#[derive(Clone, Debug)]
pub enum Decoded<D> {
    /// The event, its detail decoded into the type its `source` and `detail-type` name.
    Typed(Event<D>),
    /// An event no factory decoded, kept as it came.
    Unknown(UnknownEvent),
}

impl<D> Decoded<D> {
    /// The event's `source`.
    pub fn source(&self) -> &str {
        match self {
            Decoded::Typed(event) => &event.source,
            Decoded::Unknown(unknown) => &unknown.event.source,
        }
    }

    /// The event's `detail-type`.
    pub fn detail_type(&self) -> &str {
        match self {
            Decoded::Typed(event) => &event.detail_type,
            Decoded::Unknown(unknown) => &unknown.event.detail_type,
        }
    }

    /// The event's `id`, when it has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Decoded::Typed(event) => event.id.as_deref(),
            Decoded::Unknown(unknown) => unknown.event.id.as_deref(),
        }
    }

    /// The typed event, if it is one.
    pub fn typed(self) -> Option<Event<D>> {
        match self {
            Decoded::Typed(event) => Some(event),
            Decoded::Unknown(_) => None,
        }
    }
}

impl<D: Serialize> Serialize for Decoded<D> {
    /// A typed event is written in EventBridge's key order; an unknown one exactly as it came.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Decoded::Typed(event) => event.serialize(serializer),
            Decoded::Unknown(unknown) => unknown.serialize(serializer),
        }
    }
}

/// An event whose detail was not decoded into a type: its envelope is read, its detail and the
/// whole event are kept as the original JSON text.
#[derive(Clone, Debug)]
pub struct UnknownEvent {
    /// The envelope, with the detail as raw JSON.
    pub event: Event<Box<RawValue>>,
    /// Why the detail was not decoded.
    pub reason: UnknownReason,
    /// The event's JSON text, already checked to be valid JSON when the envelope was read.
    pub(crate) raw: Box<str>,
}

impl UnknownEvent {
    /// The whole event exactly as received (the text inside any envelopes, unescaped).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Decodes the detail as `T` after all, such as a type of the caller's own.
    pub fn detail_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.event.detail.get())
    }
}

impl Serialize for UnknownEvent {
    /// Writes the event back byte for byte.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &RawValue = serde_json::from_str(&self.raw).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// Why an event is [`Unknown`](Decoded::Unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownReason {
    /// No chained factory knows the `source`/`detail-type` pair.
    Unlisted,
    /// The pair is outside the factory's filter of wanted pairs, so its detail was not decoded.
    Filtered,
    /// A factory knows the pair but the detail does not fit its type; with
    /// [`Strictness::Lenient`](crate::Strictness::Lenient) this is kept as unknown instead of
    /// being an error.
    Rejected(DecodeError),
}

impl std::fmt::Display for UnknownReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnknownReason::Unlisted => f.write_str("no factory knows this source and detail-type"),
            UnknownReason::Filtered => f.write_str("not a wanted source and detail-type"),
            UnknownReason::Rejected(error) => write!(f, "detail rejected: {error}"),
        }
    }
}

/// One message of a batch or envelope: its id where the envelope has one, and its own result,
/// so that one bad message never sinks the others.
#[derive(Clone, Debug)]
pub struct Received<T> {
    /// The SQS or SNS message id, when the envelope carries one.
    pub message_id: Option<String>,
    /// What the message decoded into, or why it could not be decoded.
    pub result: Result<T, DecodeError>,
}

/// One EventBridge event of a batch or envelope, as an [`EventFactory`](crate::EventFactory)
/// decodes it.
pub type Record<D> = Received<Decoded<D>>;
