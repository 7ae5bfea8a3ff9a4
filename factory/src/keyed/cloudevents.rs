//! [CloudEvents](https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md) in the
//! structured JSON format, dispatched on `type`.
//!
//! ```
//! use bridgecraft_factory::keyed::cloudevents::CloudEventFactory;
//! use bridgecraft_factory::{Kind, OfKind, Payload};
//!
//! #[derive(Debug, serde::Deserialize)]
//! struct OrderPlaced {
//!     order_id: String,
//! }
//!
//! impl Kind for OrderPlaced {
//!     const KIND: &'static str = "com.example.order.placed";
//! }
//!
//! let factory = CloudEventFactory::<OrderPlaced, _>::new(OfKind::<OrderPlaced>::new());
//! let event = factory.decode_event(
//!     r#"{"specversion":"1.0","id":"1","source":"/orders","type":"com.example.order.placed",
//!         "data":{"order_id":"o-1"}}"#,
//! )?;
//! let Payload::Typed(order) = &event.data else { unreachable!() };
//! assert_eq!(order.order_id, "o-1");
//! # Ok::<(), bridgecraft_factory::DecodeError>(())
//! ```

use std::marker::PhantomData;

use bridgecraft_events::Timestamp;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::value::RawValue;

use super::{Members, optional, required};
use crate::kind::Kinds;
use crate::{DecodeError, Envelope, KindFactory, Layer, Payload, Received, Strictness};

/// A CloudEvent: its context attributes, its extension attributes, and its data.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CloudEvent<D> {
    /// `specversion`, such as `1.0`.
    pub specversion: String,
    /// `id`, unique for its `source`.
    pub id: String,
    /// `source`, a URI reference naming where the event happened.
    pub source: String,
    /// `type`, the kind that chose the data's type.
    pub kind: String,
    /// `subject`, what the event is about within its source.
    pub subject: Option<String>,
    /// `time`, kept as its text; [`Timestamp::to_utc`] parses it.
    pub time: Option<Timestamp>,
    /// `datacontenttype`, such as `application/json`.
    pub datacontenttype: Option<String>,
    /// `dataschema`, a URI of the data's schema.
    pub dataschema: Option<String>,
    /// Every other attribute, in the order it came, as raw JSON.
    pub extensions: Vec<(String, Box<RawValue>)>,
    /// `data`: typed when a factory knows the kind.
    pub data: Payload<D>,
    /// `data_base64`, binary data as base64 text.
    pub data_base64: Option<String>,
}

impl<D> CloudEvent<D> {
    /// The extension attribute `name`, as raw JSON.
    pub fn extension(&self, name: &str) -> Option<&RawValue> {
        self.extensions
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| &**value)
    }
}

impl<D: Serialize> Serialize for CloudEvent<D> {
    /// The structured JSON form: attributes in the specification's order, then the extensions
    /// as they came, then the data.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("specversion", &self.specversion)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("source", &self.source)?;
        map.serialize_entry("type", &self.kind)?;
        let optional = [
            ("subject", self.subject.as_deref()),
            ("time", self.time.as_ref().map(Timestamp::as_str)),
            ("datacontenttype", self.datacontenttype.as_deref()),
            ("dataschema", self.dataschema.as_deref()),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                map.serialize_entry(key, value)?;
            }
        }
        for (key, value) in &self.extensions {
            map.serialize_entry(key, value)?;
        }
        if !self.data.is_absent() {
            map.serialize_entry("data", &self.data)?;
        }
        if let Some(data) = &self.data_base64 {
            map.serialize_entry("data_base64", data)?;
        }
        map.end()
    }
}

/// Decodes CloudEvents whose `type` a [`KindFactory`] knows into [`CloudEvent<D>`].
pub struct CloudEventFactory<D, F> {
    kinds: Kinds<F>,
    data: PhantomData<fn() -> D>,
}

impl<D, F: KindFactory<D>> CloudEventFactory<D, F> {
    /// A lenient factory decoding the data of every kind `kinds` knows.
    pub fn new(kinds: F) -> Self {
        Self {
            kinds: Kinds::new(kinds),
            data: PhantomData,
        }
    }

    /// Sets what happens to data that does not fit its type: an error, or (the default)
    /// [`Payload::Unknown`] with the reason.
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.kinds.strictness = strictness;
        self
    }

    /// Decodes the data only of the kinds `select` matches.
    #[cfg(feature = "select")]
    pub fn select(mut self, select: crate::Select) -> Self {
        self.kinds.select = Some(select);
        self
    }

    /// Decodes one CloudEvent in structured JSON.
    pub fn decode_event(&self, json: &str) -> Result<CloudEvent<D>, DecodeError> {
        let layer = Layer::CloudEvent;
        let mut members = Members::parse(json, &layer)?;
        let kind: String = required(members.take("type"), &layer, "type")?;
        let data = members.take("data");
        let data_base64 = optional(members.take("data_base64"), &layer, "data_base64")?;
        if data.is_some() && data_base64.is_some() {
            return Err(DecodeError::new(
                layer,
                "data_base64",
                "an event has `data` or `data_base64`, not both",
            ));
        }
        let specversion = required(members.take("specversion"), &layer, "specversion")?;
        let id = required(members.take("id"), &layer, "id")?;
        let source = required(members.take("source"), &layer, "source")?;
        let subject = optional(members.take("subject"), &layer, "subject")?;
        let time = optional(members.take("time"), &layer, "time")?;
        let datacontenttype = optional(members.take("datacontenttype"), &layer, "datacontenttype")?;
        let dataschema = optional(members.take("dataschema"), &layer, "dataschema")?;
        let data = self.kinds.payload(&kind, data, layer, "data")?;
        Ok(CloudEvent {
            specversion,
            id,
            source,
            kind,
            subject,
            time,
            datacontenttype,
            dataschema,
            extensions: members.into_rest(),
            data,
            data_base64,
        })
    }

    /// Decodes every CloudEvent in `input`, in the given envelope (see [`crate::unwrap`]).
    pub fn decode(&self, input: &[u8], envelope: Envelope) -> Vec<Received<CloudEvent<D>>> {
        crate::envelope::decode_each(input, envelope, |text| self.decode_event(text))
    }
}
