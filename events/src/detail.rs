//! How a detail type is named and how an envelope's `detail` is decoded.

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::{Drift, ResourceRef};

/// A type that is the `detail` of one kind of event, published under a `source` and a
/// `detail-type`.
///
/// Generated types implement it, and so do users' own types for their private sources: the
/// factory dispatches on these two constants.
pub trait EventDetail: Serialize + DeserializeOwned {
    /// The event's `source`, such as `aws.ec2`.
    const SOURCE: &'static str;
    /// The event's `detail-type`, such as `EC2 Instance State-change Notification`.
    const DETAIL_TYPE: &'static str;

    /// The AWS resources this event is about, by CloudFormation type and identifier.
    ///
    /// Generated from what AWS's registry says identifies each event's resource (an Athena
    /// query's work group, an Auto Scaling group's name, an ECS cluster's ARN), wherever the
    /// field is: nested in other records, in every element of a list, inside untyped JSON such
    /// as a CloudTrail record's `requestParameters`. A field that is absent gives nothing; a
    /// resource a list names several times comes as often. Empty unless a type says
    /// otherwise; no network call is made. [`Event::relations`](crate::Event::relations) adds
    /// the envelope's resources and where each lives.
    fn related(&self) -> Vec<ResourceRef<'_>> {
        Vec::new()
    }

    /// Appends where this detail drifted from its schema to `drift`, with JSON paths below
    /// `path` (see [`Inspect`](crate::Inspect)). Generated types report what [`Extra`](crate::Extra) kept and
    /// what their fields hold; the default reports nothing.
    fn inspect_drift(&self, path: &mut String, drift: &mut Vec<Drift>) {
        let _ = (path, drift);
    }
}

/// A closed set of detail types, chosen by `source` and `detail-type`.
///
/// Every [`EventDetail`] is a set of one; the generated per-source enums and the crate-wide
/// [`Detail`](crate::Detail) enum are sets of many.
pub trait DetailSet: Serialize + Sized {
    /// Whether this set has a type for the pair.
    fn contains(source: &str, detail_type: &str) -> bool;

    /// Decodes `detail` as the type the pair names.
    ///
    /// For a pair the set does not contain this is an error, except in sets that keep unknown
    /// details as they are.
    fn deserialize_detail<'de, D: Deserializer<'de>>(
        source: &str,
        detail_type: &str,
        deserializer: D,
    ) -> Result<Self, D::Error>;

    /// Decodes `detail` as the type the pair names or, for a pair the set does not contain,
    /// keeps it as raw JSON (`Err`): one lookup of the pair, where [`contains`](Self::contains)
    /// and [`deserialize_detail`](Self::deserialize_detail) make two.
    fn deserialize_known<'de, D: Deserializer<'de>>(
        source: &str,
        detail_type: &str,
        deserializer: D,
    ) -> Result<Result<Self, Box<RawValue>>, D::Error> {
        if Self::contains(source, detail_type) {
            Self::deserialize_detail(source, detail_type, deserializer).map(Ok)
        } else {
            Box::<RawValue>::deserialize(deserializer).map(Err)
        }
    }

    /// Appends where the detail drifted from its schema (see [`EventDetail::inspect_drift`]).
    fn inspect_drift(&self, path: &mut String, drift: &mut Vec<Drift>) {
        let _ = (path, drift);
    }

    /// The AWS resources the detail names (see [`EventDetail::related`]; named apart so
    /// that calls of `related` stay unambiguous with both traits in scope).
    fn related_resources(&self) -> Vec<ResourceRef<'_>> {
        Vec::new()
    }
}

impl<T: EventDetail> DetailSet for T {
    fn contains(source: &str, detail_type: &str) -> bool {
        source == T::SOURCE && detail_type == T::DETAIL_TYPE
    }

    fn deserialize_detail<'de, D: Deserializer<'de>>(
        source: &str,
        detail_type: &str,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        if Self::contains(source, detail_type) {
            T::deserialize(deserializer)
        } else {
            Err(D::Error::custom(format_args!(
                "expected an event with source `{}` and detail-type `{}`, found `{source}` and `{detail_type}`",
                T::SOURCE,
                T::DETAIL_TYPE
            )))
        }
    }

    fn deserialize_known<'de, D: Deserializer<'de>>(
        source: &str,
        detail_type: &str,
        deserializer: D,
    ) -> Result<Result<Self, Box<RawValue>>, D::Error> {
        if Self::contains(source, detail_type) {
            T::deserialize(deserializer).map(Ok)
        } else {
            Box::<RawValue>::deserialize(deserializer).map(Err)
        }
    }

    fn inspect_drift(&self, path: &mut String, drift: &mut Vec<Drift>) {
        EventDetail::inspect_drift(self, path, drift);
    }

    fn related_resources(&self) -> Vec<ResourceRef<'_>> {
        EventDetail::related(self)
    }
}

/// Decodes an envelope's `detail` once its `source` and `detail-type` are known.
///
/// [`deserialize_event_with`](crate::deserialize_event_with) calls it with the envelope's own
/// pair, so a decoder can choose the detail type at run time: the factory uses this to dispatch,
/// to skip unwanted details and to keep unknown ones raw.
pub trait DetailDecoder {
    /// What the decoded detail is.
    type Detail;

    /// Decodes the detail of an event published under `source` and `detail_type`.
    fn decode<'de, D: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: D,
    ) -> Result<Self::Detail, D::Error>;
}

/// The [`DetailDecoder`] of a [`DetailSet`]: decodes whatever type the set names for the pair.
pub struct Typed<S>(std::marker::PhantomData<fn() -> S>);

impl<S> Typed<S> {
    /// The decoder for the set `S`.
    pub const fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<S> Default for Typed<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: DetailSet> DetailDecoder for Typed<S> {
    type Detail = S;

    fn decode<'de, D: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: D,
    ) -> Result<S, D::Error> {
        S::deserialize_detail(source, detail_type, deserializer)
    }
}
