//! Dispatch on one key: message formats other than EventBridge's name the type of their payload
//! with a single string (CloudEvents' `type`, idem's `tags.type`). A [`KindFactory`] knows some
//! of those kinds and decodes their payloads, as a [`DetailFactory`] does for `source` and
//! `detail-type` pairs.

use std::marker::PhantomData;

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::{DecodeError, DetailFactory, Layer, Or, Strictness, UnknownReason};

/// A payload type of a keyed message format, and the kind naming it.
///
/// ```
/// use bridgecraft_factory::Kind;
///
/// #[derive(serde::Deserialize)]
/// struct OrderPlaced {
///     order_id: String,
/// }
///
/// impl Kind for OrderPlaced {
///     const KIND: &'static str = "com.example.order.placed";
/// }
/// ```
pub trait Kind: DeserializeOwned {
    /// The key value that names this type: a CloudEvent's `type`, an idem event's `tags.type`.
    const KIND: &'static str;
}

/// Knows some kinds of message and decodes their payloads into `D`.
///
/// [`OfKind`] knows one [`Kind`]; chain factories with [`Chain::or`]; box one as
/// [`BoxedKindFactory`] to pick factories at run time.
pub trait KindFactory<D>: Send + Sync {
    /// Whether this factory has a type for the kind.
    fn knows(&self, kind: &str) -> bool;

    /// Decodes the payload of a kind this factory [`knows`](Self::knows).
    fn decode<'de, De: Deserializer<'de>>(
        &self,
        kind: &str,
        deserializer: De,
    ) -> Result<D, De::Error>;
}

/// The factory for one [`Kind`] `T`, handed back as any `D` that `T` converts into.
pub struct OfKind<T>(PhantomData<fn() -> T>);

impl<T> OfKind<T> {
    /// The factory for `T`.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for OfKind<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for OfKind<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for OfKind<T> {}

impl<T> std::fmt::Debug for OfKind<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OfKind<{}>", std::any::type_name::<T>())
    }
}

impl<T: Kind, D: From<T>> KindFactory<D> for OfKind<T> {
    fn knows(&self, kind: &str) -> bool {
        kind == T::KIND
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        _kind: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        T::deserialize(deserializer).map(D::from)
    }
}

impl<D, A: KindFactory<D>, B: KindFactory<D>> KindFactory<D> for Or<A, B> {
    fn knows(&self, kind: &str) -> bool {
        self.first.knows(kind) || self.second.knows(kind)
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        kind: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        if self.first.knows(kind) {
            self.first.decode(kind, deserializer)
        } else {
            self.second.decode(kind, deserializer)
        }
    }
}

/// Chains factories: `a.or(b)` asks `a` first and `b` for what `a` does not know. Implemented
/// for this crate's detail and kind factories; a factory of your own gets it with an empty
/// `impl Chain for MyFactory {}`.
pub trait Chain: Sized {
    /// This factory, then `next` for what this one does not know.
    fn or<N>(self, next: N) -> Or<Self, N> {
        Or::new(self, next)
    }
}

impl<S> Chain for crate::Known<S> {}
impl<A, B> Chain for Or<A, B> {}
impl Chain for crate::Aws {}
impl<T> Chain for OfKind<T> {}
impl<D> Chain for BoxedDetailFactory<D> {}
impl<D> Chain for BoxedKindFactory<D> {}

/// A [`DetailFactory`] behind a pointer, so that factories can be chosen and registered at run
/// time (`Vec<BoxedDetailFactory<D>>` is a factory too, asking each in turn). Decoding goes
/// through `erased_serde`, a virtual call per value read: box a whole chain, not each type.
pub struct BoxedDetailFactory<D>(Box<dyn ErasedDetailFactory<D>>);

impl<D> BoxedDetailFactory<D> {
    /// Boxes `factory`.
    pub fn new(factory: impl DetailFactory<D> + 'static) -> Self {
        Self(Box::new(factory))
    }
}

impl<D> std::fmt::Debug for BoxedDetailFactory<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BoxedDetailFactory")
    }
}

/// The object-safe form of [`DetailFactory`], implemented for every one.
trait ErasedDetailFactory<D>: Send + Sync {
    fn knows(&self, source: &str, detail_type: &str) -> bool;
    fn decode(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: &mut dyn erased_serde::Deserializer<'_>,
    ) -> Result<D, erased_serde::Error>;
}

impl<D, F: DetailFactory<D>> ErasedDetailFactory<D> for F {
    fn knows(&self, source: &str, detail_type: &str) -> bool {
        DetailFactory::knows(self, source, detail_type)
    }

    fn decode(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: &mut dyn erased_serde::Deserializer<'_>,
    ) -> Result<D, erased_serde::Error> {
        DetailFactory::decode(self, source, detail_type, deserializer)
    }
}

impl<D> DetailFactory<D> for BoxedDetailFactory<D> {
    fn knows(&self, source: &str, detail_type: &str) -> bool {
        self.0.knows(source, detail_type)
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        let mut erased = <dyn erased_serde::Deserializer>::erase(deserializer);
        self.0
            .decode(source, detail_type, &mut erased)
            .map_err(De::Error::custom)
    }
}

impl<D> DetailFactory<D> for Vec<BoxedDetailFactory<D>> {
    fn knows(&self, source: &str, detail_type: &str) -> bool {
        self.iter()
            .any(|factory| DetailFactory::knows(factory, source, detail_type))
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        match self
            .iter()
            .find(|factory| DetailFactory::knows(*factory, source, detail_type))
        {
            Some(factory) => DetailFactory::decode(factory, source, detail_type, deserializer),
            None => Err(De::Error::custom(format_args!(
                "no factory knows `{source}` / `{detail_type}`"
            ))),
        }
    }
}

/// A [`KindFactory`] behind a pointer, for factories chosen at run time; see
/// [`BoxedDetailFactory`].
pub struct BoxedKindFactory<D>(Box<dyn ErasedKindFactory<D>>);

impl<D> BoxedKindFactory<D> {
    /// Boxes `factory`.
    pub fn new(factory: impl KindFactory<D> + 'static) -> Self {
        Self(Box::new(factory))
    }
}

impl<D> std::fmt::Debug for BoxedKindFactory<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BoxedKindFactory")
    }
}

trait ErasedKindFactory<D>: Send + Sync {
    fn knows(&self, kind: &str) -> bool;
    fn decode(
        &self,
        kind: &str,
        deserializer: &mut dyn erased_serde::Deserializer<'_>,
    ) -> Result<D, erased_serde::Error>;
}

impl<D, F: KindFactory<D>> ErasedKindFactory<D> for F {
    fn knows(&self, kind: &str) -> bool {
        KindFactory::knows(self, kind)
    }

    fn decode(
        &self,
        kind: &str,
        deserializer: &mut dyn erased_serde::Deserializer<'_>,
    ) -> Result<D, erased_serde::Error> {
        KindFactory::decode(self, kind, deserializer)
    }
}

impl<D> KindFactory<D> for BoxedKindFactory<D> {
    fn knows(&self, kind: &str) -> bool {
        self.0.knows(kind)
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        kind: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        let mut erased = <dyn erased_serde::Deserializer>::erase(deserializer);
        self.0.decode(kind, &mut erased).map_err(De::Error::custom)
    }
}

impl<D> KindFactory<D> for Vec<BoxedKindFactory<D>> {
    fn knows(&self, kind: &str) -> bool {
        self.iter().any(|factory| KindFactory::knows(factory, kind))
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        kind: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        match self
            .iter()
            .find(|factory| KindFactory::knows(*factory, kind))
        {
            Some(factory) => KindFactory::decode(factory, kind, deserializer),
            None => Err(De::Error::custom(format_args!("no factory knows `{kind}`"))),
        }
    }
}

/// A message's payload: typed when a factory knows its kind, else kept as it came.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Payload<D> {
    /// The payload in its type.
    Typed(D),
    /// A payload not decoded into a type, as raw JSON, and why.
    Unknown {
        /// The payload's JSON, as it came.
        raw: Box<RawValue>,
        /// Why it was not decoded.
        reason: UnknownReason,
    },
    /// The message has no payload.
    Absent,
}

impl<D> Payload<D> {
    /// The typed payload, if it is one.
    pub fn typed(&self) -> Option<&D> {
        match self {
            Payload::Typed(payload) => Some(payload),
            _ => None,
        }
    }

    /// Whether the message carried a payload.
    pub fn is_absent(&self) -> bool {
        matches!(self, Payload::Absent)
    }
}

impl<D: Serialize> Serialize for Payload<D> {
    /// A typed payload in its type's form, an unknown one exactly as it came, an absent one as
    /// `null` (formats skip the field instead).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Payload::Typed(payload) => payload.serialize(serializer),
            Payload::Unknown { raw, .. } => raw.serialize(serializer),
            Payload::Absent => serializer.serialize_none(),
        }
    }
}

/// Which kinds to decode: every kind matching one of some globs (`state-*`) or regular
/// expressions (`^exec-(pre|post)$`). Other kinds stay [`Unknown`](Payload::Unknown) with
/// [`UnknownReason::Filtered`], their payload unread.
#[cfg(feature = "select")]
#[derive(Clone, Debug)]
pub struct Select {
    globs: globset::GlobSet,
    regexes: regex::RegexSet,
}

/// A glob or regular expression that does not compile.
#[cfg(feature = "select")]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SelectError {
    /// A glob that does not parse.
    #[error("glob `{pattern}`: {source}")]
    Glob {
        /// The glob as given.
        pattern: String,
        /// What is wrong with it.
        source: globset::Error,
    },
    /// A regular expression that does not parse.
    #[error("regular expression: {0}")]
    Regex(#[from] regex::Error),
}

#[cfg(feature = "select")]
impl Select {
    /// Kinds matching any of `globs` (`*`, `?`, `[...]`, `{a,b}` as `globset` reads them).
    pub fn globs<I: IntoIterator<Item = S>, S: AsRef<str>>(globs: I) -> Result<Self, SelectError> {
        let mut set = globset::GlobSetBuilder::new();
        for pattern in globs {
            let pattern = pattern.as_ref();
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(false)
                .build()
                .map_err(|source| SelectError::Glob {
                    pattern: pattern.to_owned(),
                    source,
                })?;
            set.add(glob);
        }
        let globs = set.build().map_err(|source| SelectError::Glob {
            pattern: String::new(),
            source,
        })?;
        Ok(Self {
            globs,
            regexes: regex::RegexSet::empty(),
        })
    }

    /// Kinds matching any of `patterns`, regular expressions as the `regex` crate reads them
    /// (unanchored: `^...$` to match the whole kind).
    pub fn regexes<I: IntoIterator<Item = S>, S: AsRef<str>>(
        patterns: I,
    ) -> Result<Self, SelectError> {
        Ok(Self {
            globs: globset::GlobSet::empty(),
            regexes: regex::RegexSet::new(patterns)?,
        })
    }

    /// Whether `kind` is selected.
    pub fn matches(&self, kind: &str) -> bool {
        self.globs.is_match(kind) || self.regexes.is_match(kind)
    }
}

/// What a keyed format's decoder shares: the kind factories, which kinds to decode, and what
/// to do with payloads that do not fit.
pub(crate) struct Kinds<F> {
    pub(crate) factory: F,
    pub(crate) strictness: Strictness,
    #[cfg(feature = "select")]
    pub(crate) select: Option<Select>,
    /// The stream a kind is published on, which a selection may name instead of the kind.
    #[cfg(feature = "select")]
    pub(crate) profile: Option<fn(&str) -> Option<&'static str>>,
}

impl<F> Kinds<F> {
    pub(crate) fn new(factory: F) -> Self {
        Self {
            factory,
            strictness: Strictness::default(),
            #[cfg(feature = "select")]
            select: None,
            #[cfg(feature = "select")]
            profile: None,
        }
    }

    fn selected(&self, _kind: &str) -> bool {
        #[cfg(feature = "select")]
        if let Some(select) = &self.select {
            let profile = self.profile.and_then(|profile| profile(_kind));
            return select.matches(_kind) || profile.is_some_and(|profile| select.matches(profile));
        }
        true
    }

    /// Decodes the payload at `path` (`data`, `message`) of a message of `kind`, from layer
    /// `layer`.
    pub(crate) fn payload<D>(
        &self,
        kind: &str,
        raw: Option<&RawValue>,
        layer: Layer,
        path: &str,
    ) -> Result<Payload<D>, DecodeError>
    where
        F: KindFactory<D>,
    {
        let Some(raw) = raw else {
            return Ok(Payload::Absent);
        };
        let unknown = |reason| Payload::Unknown {
            raw: raw.to_owned(),
            reason,
        };
        if !self.factory.knows(kind) {
            return Ok(unknown(UnknownReason::Unlisted));
        }
        if !self.selected(kind) {
            return Ok(unknown(UnknownReason::Filtered));
        }
        let mut track = serde_path_to_error::Track::new();
        let mut de = serde_json::Deserializer::from_str(raw.get());
        let decoded = self
            .factory
            .decode(
                kind,
                serde_path_to_error::Deserializer::new(&mut de, &mut track),
            )
            .and_then(|payload| de.end().map(|()| payload));
        match decoded {
            Ok(payload) => Ok(Payload::Typed(payload)),
            Err(error) => {
                let inner = track.path().to_string();
                let at = if inner == "." {
                    path.to_owned()
                } else {
                    format!("{path}.{inner}")
                };
                let error = DecodeError::from_json(layer, at, &error);
                match self.strictness {
                    Strictness::Strict => Err(error),
                    Strictness::Lenient => Ok(unknown(UnknownReason::Rejected(error))),
                }
            }
        }
    }
}
