//! The [`EventFactory`] trait and [`Factory`], its implementation over a chain of detail
//! factories.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;

use bridgecraft_events::{DetailDecoder, Event, deserialize_event_with};
use serde::de::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::envelope::{self, Envelope, Unwrapped};
use crate::type_name::NameProbe;
use crate::{Aws, DecodeError, DecodeResult, Decoded, DetailFactory, Layer, MaybeTyped, Record};
use crate::{UnknownEvent, UnknownReason};

/// Turns raw JSON, in whatever envelope it arrived, into typed events to `match` on.
///
/// Only [`decode_event`](Self::decode_event) is required; the envelope methods unwrap SQS, SNS
/// and Lambda shapes and call it on the event inside. The trait is object-safe and `Send +
/// Sync`, so a `&dyn EventFactory<Detail = D>` or an `Arc` of one can be shared by async tasks.
///
/// Each envelope method returns one [`Record`] per message, each with its own result: a bad
/// message is an `Err` in its record and never fails the others.
pub trait EventFactory: Send + Sync {
    /// What a typed event's detail is decoded into.
    type Detail;

    /// Decodes a bare EventBridge event, as a Lambda function targeted by a rule receives it.
    fn decode_event(&self, json: &str) -> DecodeResult<Self::Detail>;

    /// Decodes a bare EventBridge event from bytes, which must be UTF-8.
    fn decode_event_slice(&self, json: &[u8]) -> DecodeResult<Self::Detail> {
        match std::str::from_utf8(json) {
            Ok(json) => self.decode_event(json),
            Err(error) => Err(envelope::utf8_error(Layer::Event, error)),
        }
    }

    /// Decodes the body of an SQS message: an event delivered by a rule (or by SNS with raw
    /// delivery on), or an SNS `Notification` carrying the event in its `Message` (raw delivery
    /// off). This is the entry point for an SQS consumer holding `Message::body`.
    fn decode_sqs_body(&self, body: &str) -> DecodeResult<Self::Detail> {
        envelope::sqs_body(body)
            .decode(|event| self.decode_event(event))
            .result
    }

    /// Decodes one SQS message as `ReceiveMessage` returns it in JSON: `MessageId` and a `Body`
    /// that is a JSON string (as on the wire) or an object.
    fn decode_sqs_message(&self, message: &str) -> Record<Self::Detail> {
        envelope::sqs_message(message).decode(|event| self.decode_event(event))
    }

    /// Decodes an SNS `Notification` (the JSON SNS posts to HTTP or puts in an SQS body).
    fn decode_sns_notification(&self, notification: &str) -> Record<Self::Detail> {
        envelope::sns_notification(notification).decode(|event| self.decode_event(event))
    }

    /// Decodes a Lambda event from an SQS trigger: one record per `Records[]` entry, with its
    /// `messageId`, its `body` decoded as [`decode_sqs_body`](Self::decode_sqs_body) does.
    fn decode_lambda_sqs(&self, event: &str) -> Vec<Record<Self::Detail>> {
        self.decode_all(envelope::lambda_sqs(event))
    }

    /// Decodes a Lambda event from an SNS trigger: one record per `Records[]` entry, with the
    /// notification's `MessageId`.
    fn decode_lambda_sns(&self, event: &str) -> Vec<Record<Self::Detail>> {
        self.decode_all(envelope::lambda_sns(event))
    }

    /// Decodes `input` in the given envelope, or the one its shape shows with
    /// [`Envelope::Auto`]. Inputs that are not UTF-8 or match no envelope give one error record.
    fn decode(&self, input: &[u8], envelope: Envelope) -> Vec<Record<Self::Detail>> {
        envelope::decode_each(input, envelope, |event| self.decode_event(event))
    }

    /// Decodes messages already taken out of their envelopes (see [`unwrap`](crate::unwrap)).
    fn decode_all(&self, messages: Vec<Unwrapped<'_>>) -> Vec<Record<Self::Detail>> {
        messages
            .into_iter()
            .map(|message| message.decode(|event| self.decode_event(event)))
            .collect()
    }
}

/// What to do with a detail that a factory knows but that does not fit its type (a field the
/// schema calls required is missing, a value has the wrong type).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strictness {
    /// The event is an error naming the path that failed.
    Strict,
    /// The event is [`Unknown`](Decoded::Unknown) with [`UnknownReason::Rejected`] holding that
    /// error, and its raw JSON kept. Errors in the envelope itself (a missing `source`, a `time`
    /// that is no timestamp) are errors either way.
    #[default]
    Lenient,
}

/// An [`EventFactory`] over a chain of [`DetailFactory`]s, with options.
///
/// ```
/// use bridgecraft_factory::{AwsFactory, Decoded, EventFactory};
///
/// let factory = AwsFactory::aws();
/// let json = r#"{"version":"0","id":"1","detail-type":"Something New","source":"com.example",
///     "account":"123456789012","time":"2024-01-01T00:00:00Z","region":"eu-west-1",
///     "resources":[],"detail":{"a": 1}}"#;
/// let Decoded::Unknown(unknown) = factory.decode_event(json)? else { unreachable!() };
/// assert_eq!(unknown.raw(), json);
/// # Ok::<(), bridgecraft_factory::DecodeError>(())
/// ```
pub struct Factory<D, F> {
    details: F,
    strictness: Strictness,
    wanted: Option<HashMap<String, HashSet<String>>>,
    detail: PhantomData<fn() -> D>,
}

/// The factory for the AWS events this build generates, decoding into
/// [`bridgecraft_events::Detail`].
pub type AwsFactory = Factory<bridgecraft_events::Detail, Aws>;

impl Factory<bridgecraft_events::Detail, Aws> {
    /// The factory for every AWS event type this build generates.
    pub fn aws() -> Self {
        Self::new(Aws)
    }
}

impl<D, F: Clone> Clone for Factory<D, F> {
    fn clone(&self) -> Self {
        Self {
            details: self.details.clone(),
            strictness: self.strictness,
            wanted: self.wanted.clone(),
            detail: PhantomData,
        }
    }
}

impl<D, F: std::fmt::Debug> std::fmt::Debug for Factory<D, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Factory")
            .field("details", &self.details)
            .field("strictness", &self.strictness)
            .field("wanted", &self.wanted)
            .finish()
    }
}

impl<D, F: DetailFactory<D>> Factory<D, F> {
    /// A lenient factory decoding every pair `details` knows.
    pub fn new(details: F) -> Self {
        Self {
            details,
            strictness: Strictness::default(),
            wanted: None,
            detail: PhantomData,
        }
    }

    /// Sets what happens to details that do not fit their type.
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// Decodes only the details of these `(source, detail-type)` pairs; other events come back
    /// [`Unknown`](Decoded::Unknown) with [`UnknownReason::Filtered`], their detail unread.
    /// Calling it again adds pairs.
    pub fn only<I, S, T>(mut self, pairs: I) -> Self
    where
        I: IntoIterator<Item = (S, T)>,
        S: Into<String>,
        T: Into<String>,
    {
        let wanted = self.wanted.get_or_insert_with(HashMap::new);
        for (source, detail_type) in pairs {
            wanted
                .entry(source.into())
                .or_default()
                .insert(detail_type.into());
        }
        self
    }

    /// The chain of detail factories.
    pub fn details(&self) -> &F {
        &self.details
    }

    fn wants(&self, source: &str, detail_type: &str) -> bool {
        match &self.wanted {
            None => true,
            Some(wanted) => wanted
                .get(source)
                .is_some_and(|types| types.contains(detail_type)),
        }
    }

    /// Decodes again, slowly, to say where the fast decode failed; in lenient mode a detail
    /// that failed is then kept raw.
    fn after_failure(&self, json: &str) -> DecodeResult<D> {
        let type_name = Cell::new(None);
        let pair = Cell::new(None);
        let mut track = serde_path_to_error::Track::new();
        let mut de = serde_json::Deserializer::from_str(json);
        let dispatch = Dispatch {
            factory: self,
            mode: Mode::Probe {
                type_name: &type_name,
                pair: &pair,
            },
        };
        let result = deserialize_event_with(
            serde_path_to_error::Deserializer::new(&mut de, &mut track),
            &dispatch,
        )
        .and_then(|event| de.end().map(|()| event));
        let json_error = match result {
            Ok(event) => return Ok(self.finish(event, json, None)),
            Err(error) => error,
        };
        let mut path = track.path().to_string();
        let mut error = DecodeError::from_json(Layer::Event, path.clone(), &json_error);
        // When `detail` comes before `source`, it is decoded after the envelope's keys and
        // the events crate reports it as `detail: ...` at the root.
        if path == "."
            && let Some(message) = error.message.strip_prefix("detail: ")
        {
            error.message = message.to_owned();
            path = "detail".to_owned();
            error.path = path.clone();
        }
        let in_detail =
            path == "detail" || path.starts_with("detail.") || path.starts_with("detail[");
        if in_detail {
            error.expected = match (type_name.get(), pair.take()) {
                (Some(name), _) => Some(name.into()),
                (None, Some(pair)) => Some(pair.into()),
                (None, None) => None,
            };
        }
        if !(in_detail && self.strictness == Strictness::Lenient) {
            return Err(error);
        }
        let mut de = serde_json::Deserializer::from_str(json);
        let dispatch = Dispatch {
            factory: self,
            mode: Mode::Raw,
        };
        match deserialize_event_with(&mut de, &dispatch).and_then(|event| de.end().map(|()| event))
        {
            Ok(event) => Ok(self.finish(event, json, Some(error))),
            Err(_) => Err(error),
        }
    }

    fn finish(
        &self,
        event: Event<Outcome<D>>,
        json: &str,
        rejected: Option<DecodeError>,
    ) -> Decoded<D> {
        let (envelope, detail) = event.split();
        let (raw_detail, reason) = match detail {
            Outcome::Typed(detail) => return Decoded::Typed(envelope.map_detail(|()| detail)),
            Outcome::Raw(raw, why) => (
                raw,
                match (why, rejected) {
                    (_, Some(error)) => UnknownReason::Rejected(error),
                    (RawWhy::Filtered, None) => UnknownReason::Filtered,
                    (RawWhy::Unlisted | RawWhy::Forced, None) => UnknownReason::Unlisted,
                },
            ),
        };
        Decoded::Unknown(UnknownEvent {
            event: envelope.map_detail(|()| raw_detail),
            reason,
            raw: json.trim().into(),
        })
    }
}

impl<D, F: DetailFactory<D>> EventFactory for Factory<D, F> {
    type Detail = D;

    fn decode_event(&self, json: &str) -> DecodeResult<D> {
        let mut de = serde_json::Deserializer::from_str(json);
        let dispatch = Dispatch {
            factory: self,
            mode: Mode::Fast,
        };
        match deserialize_event_with(&mut de, &dispatch) {
            Ok(event) if de.end().is_ok() => Ok(self.finish(event, json, None)),
            _ => self.after_failure(json),
        }
    }
}

/// How a [`Dispatch`] treats the pairs the factory knows.
enum Mode<'a> {
    /// Decode into the type, as fast as it goes.
    Fast,
    /// Decode into the type, noting the type's name (or, for types whose derive does not say
    /// it, the pair) for the error that is expected.
    Probe {
        type_name: &'a Cell<Option<&'static str>>,
        pair: &'a Cell<Option<String>>,
    },
    /// Keep every detail raw: the typed decode already failed.
    Raw,
}

/// The detail decoder the envelope calls once `source` and `detail-type` are known.
struct Dispatch<'a, D, F> {
    factory: &'a Factory<D, F>,
    mode: Mode<'a>,
}

enum RawWhy {
    Unlisted,
    Filtered,
    Forced,
}

enum Outcome<D> {
    Typed(D),
    Raw(Box<RawValue>, RawWhy),
}

impl<D, F: DetailFactory<D>> DetailDecoder for Dispatch<'_, D, F> {
    type Detail = Outcome<D>;

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<Outcome<D>, De::Error> {
        let why = if !self.factory.wants(source, detail_type) {
            RawWhy::Filtered
        } else if let Mode::Fast = self.mode {
            // One lookup of the pair: known details come back typed, the rest raw.
            return Ok(
                match self
                    .factory
                    .details
                    .decode_or_keep(source, detail_type, deserializer)?
                {
                    MaybeTyped::Typed(detail) => Outcome::Typed(detail),
                    MaybeTyped::Raw(raw) => Outcome::Raw(raw, RawWhy::Unlisted),
                },
            );
        } else if !self.factory.details.knows(source, detail_type) {
            RawWhy::Unlisted
        } else {
            match self.mode {
                Mode::Probe { type_name, pair } => {
                    pair.set(Some(format!("the `{source}` / `{detail_type}` detail")));
                    let probe = NameProbe {
                        inner: deserializer,
                        name: type_name,
                    };
                    return self
                        .factory
                        .details
                        .decode(source, detail_type, probe)
                        .map(Outcome::Typed);
                }
                Mode::Fast | Mode::Raw => RawWhy::Forced,
            }
        };
        Ok(Outcome::Raw(
            Box::<RawValue>::deserialize(deserializer)?,
            why,
        ))
    }
}
