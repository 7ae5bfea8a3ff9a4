//! Tolerant decoding: what fits its declared type is typed, what does not is kept as it came
//! and reported as drift, and everything is written back.
//!
//! The registry's schemas were inferred from a few samples, so real events disagree with them:
//! a field is missing, `null`, a number sent as a string, a string where a list is declared.
//! None of that rejects an event. Each field decodes on its own:
//!
//! - a value of the declared type is typed;
//! - a value that converts without loss (`"1"` for an integer, `1` for a string, an object
//!   sent as a JSON string) is typed too, and written back in the form it came in;
//! - anything else leaves the field absent and is kept, verbatim, in the record's [`Extra`],
//!   which writes it back in its place;
//! - keys the schema does not list are kept in [`Extra`] as raw JSON, byte for byte.
//!
//! [`Inspect`] walks a decoded value and reports every such [`Drift`] by JSON path.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Number, Value};

use crate::Timestamp;

/// A visitor whose `Value` is `Fit<_>`: what it declares, for the values it keeps as misfits.
trait Declares {
    fn declared(&self) -> &'static str;
}

/// Implements the `visit_*` methods of a [`Declares`] visitor that keep any value they are not
/// written for as a misfit.
macro_rules! misfit_visits {
    ($($kind:ident),*) => {
        misfit_visits!(Fit::Misfit; $($kind),*);
    };
    ($wrap:path; $($kind:ident),*) => {
        $(misfit_visits!(@ $wrap, $kind);)*
    };
    (@ $wrap:path, bool) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok($wrap(Misfit::new(Value::Bool(v), self.declared())))
        }
    };
    (@ $wrap:path, number) => {
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok($wrap(Misfit::new(Value::from(v), self.declared())))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok($wrap(Misfit::new(Value::from(v), self.declared())))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok($wrap(Misfit::new(Value::from(v), self.declared())))
        }
    };
    (@ $wrap:path, str) => {
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok($wrap(Misfit::new(Value::from(v), self.declared())))
        }
    };
    (@ $wrap:path, null) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap(Misfit::new(Value::Null, self.declared())))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap(Misfit::new(Value::Null, self.declared())))
        }
    };
    (@ $wrap:path, map) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let declared = self.declared();
            let value = Value::deserialize(MapAccessDeserializer::new(map))?;
            Ok($wrap(Misfit::new(value, declared)))
        }
    };
    (@ $wrap:path, seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let declared = self.declared();
            let value = Value::deserialize(SeqAccessDeserializer::new(seq))?;
            Ok($wrap(Misfit::new(value, declared)))
        }
    };
}

mod tagged;

pub use tagged::{
    Tagged, TaggedObject, Untagged, decode_tagged, deserialize_tagged, inspect_member,
};

/// How a value fit its declared type.
#[derive(Clone, Debug, PartialEq)]
pub enum Fit<T> {
    /// The declared type.
    Exact(T),
    /// The declared type, sent in another JSON form that converts without loss (a number as
    /// a string, a string as a number): written back in the form it came in.
    Coerced(T),
    /// Not the declared type: kept as it came.
    Misfit(Misfit),
}

/// A value that did not fit its declared type, kept as it came.
#[derive(Clone, Debug, PartialEq)]
pub struct Misfit(Box<Kept>);

/// A misfit's parts, boxed: misfits are rare, and a small `Fit` is cheap to move.
#[derive(Clone, Debug, PartialEq)]
struct Kept {
    value: Value,
    /// Where in `value` the part that did not fit is: empty for the value itself, an index
    /// for an array's element.
    at: Vec<Step>,
    declared: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Index(usize),
    Key(String),
}

impl Misfit {
    /// A misfit of the whole value.
    pub fn new(value: Value, declared: &'static str) -> Self {
        Self(Box::new(Kept {
            value,
            at: Vec::new(),
            declared,
        }))
    }

    /// The value as it came, written back in place of the field.
    pub fn value(&self) -> &Value {
        &self.0.value
    }

    /// What the schema declares where the value did not fit.
    pub fn declared(&self) -> &'static str {
        self.0.declared
    }

    /// The part of the value that did not fit.
    pub fn found(&self) -> &Value {
        let mut value = &self.0.value;
        for step in &self.0.at {
            value = match step {
                Step::Index(index) => &value[*index],
                Step::Key(key) => &value[key.as_str()],
            };
        }
        value
    }

    fn within(mut self, step: Step, whole: Value) -> Self {
        self.0.at.insert(0, step);
        self.0.value = whole;
        self
    }
}

/// A type that decodes tolerantly: a value that does not fit comes back as [`Fit::Misfit`]
/// instead of an error.
///
/// Implemented for the scalar types generated code uses, for [`Timestamp`], for `Vec` and
/// `BTreeMap` of tolerant types, for `serde_json::Value`, for string enums declared with
/// [`string_enum!`](crate::string_enum), and for every [`Record`].
pub trait Tolerant: Sized + Serialize + Inspect {
    /// The declared type, as drift reports name it.
    const DECLARED: &'static str;

    /// Decodes a value, or says how it does not fit. Errors are only the input's own
    /// (malformed JSON) and fields recorded as always present that are missing.
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fit<Self>, D::Error>;

    /// Writes a value that was [`Fit::Coerced`] in the form it came in.
    fn serialize_coerced<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }

    /// Decodes a value into `slot`, which is left as it was when the value does not fit.
    /// Records override it to decode in place rather than move a large value through every
    /// layer of the decoder.
    fn decode_into<'de, D: Deserializer<'de>>(
        slot: &mut Option<Self>,
        deserializer: D,
    ) -> Result<Status, D::Error> {
        Ok(settle(Self::decode(deserializer)?, |value| {
            *slot = Some(value)
        }))
    }
}

/// Reports where a decoded value drifted from its schema.
pub trait Inspect {
    /// Appends the drift below this value to `drift`; `path` is this value's JSON path, and
    /// comes back as it was.
    fn inspect(&self, path: &mut String, drift: &mut Vec<Drift>) {
        let _ = (path, drift);
    }
}

/// One place where an event differs from its schema.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Drift {
    /// Where, as a JSON path from the event's root: `detail.state`, `detail.items[2]`.
    pub path: String,
    /// What kind of difference.
    pub kind: DriftKind,
    /// What the schema declares there: a JSON type, a Rust type, or `not in the schema`.
    pub declared: Cow<'static, str>,
    /// What came, as compact JSON.
    pub found: String,
}

/// The kinds of [`Drift`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DriftKind {
    /// A key the schema does not list: kept as raw JSON.
    Unlisted,
    /// A value not of the declared type: the field is absent, the value kept.
    Misfit,
    /// A value of another JSON type that converts without loss: typed, and written back as
    /// it came.
    Coerced,
    /// A value outside an enum's documented set: typed as its `Unknown` arm.
    UnknownValue,
    /// A timestamp field whose text is not a timestamp: kept as its text.
    InvalidTimestamp,
}

impl fmt::Display for DriftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DriftKind::Unlisted => "unlisted",
            DriftKind::Misfit => "misfit",
            DriftKind::Coerced => "coerced",
            DriftKind::UnknownValue => "unknown value",
            DriftKind::InvalidTimestamp => "invalid timestamp",
        })
    }
}

impl fmt::Display for Drift {
    /// `PATH<TAB>KIND<TAB>DECLARED<TAB>FOUND`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\t{}\t{}\t{}",
            self.path, self.kind, self.declared, self.found
        )
    }
}

impl Drift {
    pub(crate) fn new(
        path: String,
        kind: DriftKind,
        declared: impl Into<Cow<'static, str>>,
        found: &Value,
    ) -> Self {
        Self {
            path,
            kind,
            declared: declared.into(),
            found: found.to_string(),
        }
    }
}

/// JSON text without the whitespace between its tokens: on one line, and otherwise exactly as
/// it came (an integer beyond 64 bits keeps its digits, an escape its spelling). An event's
/// unlisted keys are written back byte for byte, so one that came pretty-printed spans lines
/// until it is compacted.
///
/// ```
/// use bridgecraft_events::tolerant::compact;
///
/// assert_eq!(compact("{\n  \"a b\": [1, 2.50]\n}"), r#"{"a b":[1,2.50]}"#);
/// ```
pub fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// Appends `.key` (or `["key"]` for keys that are not plain words) to a JSON path.
pub(crate) fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'$' || b == b'@');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&Value::from(key).to_string());
        path.push(']');
    }
}

/// Runs `f` with `key` appended to `path`, and restores it.
pub(crate) fn at_key(path: &mut String, key: &str, f: impl FnOnce(&mut String)) {
    let len = path.len();
    push_key(path, key);
    f(path);
    path.truncate(len);
}

/// What a record keeps beside its typed fields: keys its schema does not list, and values
/// that did not fit their field's type. Both are written back where they came from.
#[derive(Clone, Debug, Default)]
pub struct Extra {
    entries: Vec<Entry>,
    /// The record came as a JSON string holding it (as EventBridge Scheduler sends `detail`),
    /// and is written back so: as that very text while it holds the same JSON.
    json_string: Option<Box<JsonString>>,
}

/// The text of the JSON string a record came as, behind a thin pointer so that `Extra` stays
/// as small as a `Vec` and a word.
#[derive(Clone, Debug)]
struct JsonString(Box<str>);

#[derive(Clone, Debug)]
enum Entry {
    Unlisted {
        key: Box<str>,
        value: Box<RawValue>,
    },
    Misfit {
        key: &'static str,
        misfit: Misfit,
    },
    /// `null` for a field declared nullable: not drift, but written back.
    Null {
        key: &'static str,
    },
    Coerced {
        key: &'static str,
        declared: &'static str,
        came: Value,
    },
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Entry::Unlisted { key, value },
                Entry::Unlisted {
                    key: other_key,
                    value: other_value,
                },
            ) => key == other_key && value.get() == other_value.get(),
            (
                Entry::Misfit { key, misfit },
                Entry::Misfit {
                    key: other_key,
                    misfit: other_misfit,
                },
            ) => key == other_key && misfit == other_misfit,
            (Entry::Null { key }, Entry::Null { key: other }) => key == other,
            (
                Entry::Coerced { key, came, .. },
                Entry::Coerced {
                    key: other_key,
                    came: other_came,
                    ..
                },
            ) => key == other_key && came == other_came,
            _ => false,
        }
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries && self.json_string.is_some() == other.json_string.is_some()
    }
}

impl Extra {
    /// Whether nothing is kept: every key was listed and every value fit.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys the schema does not list, with their raw JSON, in the order they came.
    pub fn unlisted(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Unlisted { key, value } => Some((&**key, &**value)),
            _ => None,
        })
    }

    /// The raw JSON of an unlisted key.
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.unlisted().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The values that did not fit their field's type, by JSON key.
    pub fn misfits(&self) -> impl Iterator<Item = (&'static str, &Misfit)> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Misfit { key, misfit } => Some((*key, misfit)),
            _ => None,
        })
    }

    /// Keeps a key the schema does not list, written back after the typed fields.
    pub fn insert_unlisted(&mut self, key: impl Into<Box<str>>, value: Box<RawValue>) {
        self.entries.push(Entry::Unlisted {
            key: key.into(),
            value,
        });
    }

    /// Whether the record came as a JSON string holding it.
    pub fn came_as_json_string(&self) -> bool {
        self.json_string.is_some()
    }

    /// The value kept in place of an absent field: a misfit or a `null`.
    fn kept(&self, key: &str) -> Option<&Value> {
        if self.entries.is_empty() {
            return None;
        }
        self.entries.iter().find_map(|entry| match entry {
            Entry::Misfit { key: k, misfit } if *k == key => Some(misfit.value()),
            Entry::Null { key: k } if *k == key => Some(&Value::Null),
            _ => None,
        })
    }

    fn is_coerced(&self, key: &str) -> bool {
        !self.entries.is_empty()
            && self
                .entries
                .iter()
                .any(|entry| matches!(entry, Entry::Coerced { key: k, .. } if *k == key))
    }

    /// Notes how a listed field's value fit: nothing to note, for nearly every value.
    #[inline]
    pub(crate) fn note(&mut self, key: &'static str, nullable: bool, status: Status) {
        if !matches!(status, Status::Exact) {
            self.keep(key, nullable, status);
        }
    }

    fn keep(&mut self, key: &'static str, nullable: bool, status: Status) {
        match status {
            Status::Exact => {}
            Status::Coerced { declared, came } => self.entries.push(Entry::Coerced {
                key,
                declared,
                came: *came,
            }),
            Status::Misfit(misfit) if misfit.value().is_null() && nullable => {
                self.entries.push(Entry::Null { key })
            }
            Status::Misfit(misfit) => self.entries.push(Entry::Misfit { key, misfit }),
        }
    }

    fn serialize_unlisted<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        for (key, value) in self.unlisted() {
            map.serialize_entry(key, value)?;
        }
        Ok(())
    }
}

impl Inspect for Extra {
    fn inspect(&self, path: &mut String, drift: &mut Vec<Drift>) {
        if let Some(came) = &self.json_string {
            drift.push(Drift::new(
                path.clone(),
                DriftKind::Coerced,
                "object",
                &Value::from(&*came.0),
            ));
        }
        for entry in &self.entries {
            match entry {
                Entry::Unlisted { key, value } => at_key(path, key, |path| {
                    drift.push(Drift {
                        path: path.clone(),
                        kind: DriftKind::Unlisted,
                        declared: "not in the schema".into(),
                        found: compact(value.get()),
                    });
                }),
                Entry::Misfit { key, misfit } => at_key(path, key, |path| {
                    for step in &misfit.0.at {
                        match step {
                            Step::Index(index) => path.push_str(&format!("[{index}]")),
                            Step::Key(key) => push_key(path, key),
                        }
                    }
                    drift.push(Drift::new(
                        path.clone(),
                        DriftKind::Misfit,
                        misfit.declared(),
                        misfit.found(),
                    ));
                }),
                Entry::Null { .. } => {}
                Entry::Coerced {
                    key,
                    declared,
                    came,
                } => at_key(path, key, |path| {
                    drift.push(Drift::new(
                        path.clone(),
                        DriftKind::Coerced,
                        *declared,
                        came,
                    ))
                }),
            }
        }
    }
}

/// How a value fit, once it is in its field: what [`Tolerant::decode_into`] returns, for the
/// record to note in its [`Extra`].
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// The value is in the field.
    Exact,
    /// The value is in the field, and came in another form.
    Coerced {
        /// The field's declared type.
        declared: &'static str,
        /// The value as it came, boxed: coercions are rare, and a small `Status` is cheap to
        /// return from every field.
        came: Box<Value>,
    },
    /// The field is absent; the value is kept.
    Misfit(Misfit),
}

/// A JSON key a record lists, and what the schema says of it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct FieldSpec {
    /// The key in JSON.
    pub key: &'static str,
    /// Whether `null` is a documented value (and so not drift).
    pub nullable: bool,
}

impl FieldSpec {
    /// A key whose `null` is drift.
    pub const fn new(key: &'static str) -> Self {
        Self {
            key,
            nullable: false,
        }
    }

    /// A key for which `null` is a documented value.
    pub const fn nullable(key: &'static str) -> Self {
        Self {
            key,
            nullable: true,
        }
    }
}

/// A JSON object type whose fields decode on their own: the generated detail types, and any
/// type that implements it by hand.
///
/// Implementing it gives [`Tolerant`] and [`Inspect`]; `Deserialize` and `Serialize` are
/// one call each, to [`deserialize_record`] and [`serialize_record`]. Every field is an
/// `Option`, except those recorded as always present (in [`REQUIRED`](Self::REQUIRED)), whose
/// absence fails the record.
pub trait Record: Default + Serialize {
    /// The Rust type's name, for drift reports and errors.
    const NAME: &'static str;
    /// The listed keys, in field order.
    const FIELDS: &'static [FieldSpec];
    /// The fields recorded as always present, as a bit per field index.
    const REQUIRED: u64 = 0;

    /// Decodes the value of `key` into its field with [`field`], [`boxed_field`] or
    /// [`required_field`], which note in the record's [`Extra`] a value that did not fit; or
    /// returns `false`, without reading the value, for a key this record does not list. A field
    /// recorded as always present sets its bit in `present`.
    fn decode_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        present: &mut u64,
    ) -> Result<bool, A::Error>;

    /// Writes the typed fields, and the kept values of absent ones, with [`put`] and
    /// [`put_required`].
    fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;

    /// Reports the drift inside the fields (nested records, lists, enums, timestamps).
    fn inspect_fields(&self, path: &mut String, drift: &mut Vec<Drift>) {
        let _ = (path, drift);
    }

    /// What the record keeps beside its fields.
    fn extra(&self) -> &Extra;

    /// What the record keeps beside its fields.
    fn extra_mut(&mut self) -> &mut Extra;
}

impl<R: Record> Inspect for R {
    fn inspect(&self, path: &mut String, drift: &mut Vec<Drift>) {
        self.extra().inspect(path, drift);
        self.inspect_fields(path, drift);
    }
}

impl<R: Record> Tolerant for R {
    const DECLARED: &'static str = R::NAME;

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fit<Self>, D::Error> {
        deserializer.deserialize_any(RecordVisitor(PhantomData))
    }

    fn decode_into<'de, D: Deserializer<'de>>(
        slot: &mut Option<Self>,
        deserializer: D,
    ) -> Result<Status, D::Error> {
        deserializer.deserialize_any(RecordIntoVisitor(slot, PhantomData))
    }
}

/// Where a record field keeps its record: inline, or boxed when the record is large.
trait RecordSlot<R> {
    /// Puts a default record in the slot and returns it, to be filled in place.
    fn fresh(&mut self) -> &mut R;
    fn set(&mut self, record: R);
}

impl<R: Default> RecordSlot<R> for Option<R> {
    fn fresh(&mut self) -> &mut R {
        self.insert(R::default())
    }
    fn set(&mut self, record: R) {
        *self = Some(record);
    }
}

impl<R: Default> RecordSlot<R> for Option<Box<R>> {
    fn fresh(&mut self) -> &mut R {
        self.insert(Box::default())
    }
    fn set(&mut self, record: R) {
        *self = Some(Box::new(record));
    }
}

/// Decodes an object into the record in `slot`, where it stays: no move of the whole record.
/// Anything else is decoded as [`RecordVisitor`] does.
struct RecordIntoVisitor<'a, S, R>(&'a mut S, PhantomData<R>);

impl<'de, S: RecordSlot<R>, R: Record> Visitor<'de> for RecordIntoVisitor<'_, S, R> {
    type Value = Status;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a JSON object for {}", R::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Status, A::Error> {
        fill_record(self.0.fresh(), map)?;
        Ok(Status::Exact)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Status, E> {
        let fit = RecordVisitor::<R>(PhantomData).visit_str(text)?;
        Ok(settle(fit, |record| self.0.set(record)))
    }

    misfit_visits!(Status::Misfit; bool, number, null, seq);
}

impl<S, R: Record> Declares for RecordIntoVisitor<'_, S, R> {
    fn declared(&self) -> &'static str {
        R::NAME
    }
}

/// `Deserialize` for a [`Record`]: an object, or a JSON string holding one. Anything else is
/// an error naming the type.
pub fn deserialize_record<'de, R: Record, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<R, D::Error> {
    match R::decode(deserializer)? {
        Fit::Exact(record) | Fit::Coerced(record) => Ok(record),
        Fit::Misfit(misfit) => Err(not_a_record::<R, _>(&misfit)),
    }
}

/// The error for a value that is no object (or JSON string holding one) where `R` must be.
fn not_a_record<R: Record, E: de::Error>(misfit: &Misfit) -> E {
    E::custom(format_args!(
        "expected a JSON object for {}, found {}",
        R::NAME,
        kind_of(misfit.found())
    ))
}

/// `Deserialize` for a boxed [`Record`], decoded in its box: the detail types of events, whose
/// enums box them.
pub fn deserialize_boxed_record<'de, R: Record, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Box<R>, D::Error> {
    let mut slot: Option<Box<R>> = None;
    let status = deserializer.deserialize_any(RecordIntoVisitor(&mut slot, PhantomData::<R>))?;
    match (status, slot) {
        (Status::Exact | Status::Coerced { .. }, Some(record)) => Ok(record),
        (Status::Misfit(misfit), _) => Err(not_a_record::<R, _>(&misfit)),
        (_, None) => Err(de::Error::custom(format_args!("no value for {}", R::NAME))),
    }
}

/// `Serialize` for a [`Record`]: its fields, then its unlisted keys; as a JSON string when it
/// came as one, the string it came as unless the record now holds other JSON.
pub fn serialize_record<R: Record, S: Serializer>(
    record: &R,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if let Some(came) = &record.extra().json_string {
        let text = serde_json::to_string(&AsObject(record)).map_err(serde::ser::Error::custom)?;
        let same = |a: &str, b: &str| {
            matches!(
                (serde_json::from_str::<Value>(a), serde_json::from_str::<Value>(b)),
                (Ok(a), Ok(b)) if a == b
            )
        };
        let unchanged = *came.0 == *text || same(&came.0, &text);
        return serializer.serialize_str(if unchanged { &came.0 } else { &text });
    }
    AsObject(record).serialize(serializer)
}

struct AsObject<'a, R>(&'a R);

impl<R: Record> Serialize for AsObject<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.0.serialize_fields(&mut map)?;
        self.0.extra().serialize_unlisted(&mut map)?;
        map.end()
    }
}

/// Writes an optional field: its value if present (in the form it came in), else what was
/// kept in its place, else nothing.
pub fn put<M: SerializeMap, T: Tolerant>(
    map: &mut M,
    extra: &Extra,
    key: &'static str,
    value: Option<&T>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => put_required(map, extra, key, value),
        None => match extra.kept(key) {
            Some(kept) => map.serialize_entry(key, kept),
            None => Ok(()),
        },
    }
}

/// Writes a field recorded as always present, in the form it came in.
pub fn put_required<M: SerializeMap, T: Tolerant>(
    map: &mut M,
    extra: &Extra,
    key: &'static str,
    value: &T,
) -> Result<(), M::Error> {
    if extra.is_coerced(key) {
        map.serialize_entry(key, &AsCoerced(value))
    } else {
        map.serialize_entry(key, value)
    }
}

struct AsCoerced<'a, T>(&'a T);

impl<T: Tolerant> Serialize for AsCoerced<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_coerced(serializer)
    }
}

/// Decodes the next map value into an optional field.
pub(crate) fn decode_into<'de, A: MapAccess<'de>, T: Tolerant>(
    slot: &mut Option<T>,
    map: &mut A,
) -> Result<Status, A::Error> {
    map.next_value_seed(IntoSeed(slot))
}

/// Decodes the next map value into an optional field of a record, noting in the record's
/// `extra` a value that came in another form or did not fit.
#[inline]
pub fn field<'de, A: MapAccess<'de>, T: Tolerant>(
    slot: &mut Option<T>,
    extra: &mut Extra,
    spec: FieldSpec,
    map: &mut A,
) -> Result<(), A::Error> {
    let status = decode_into(slot, map)?;
    extra.note(spec.key, spec.nullable, status);
    Ok(())
}

/// [`field`] for a field that boxes its record: generated code boxes the records of large
/// nested objects, so that the records holding them stay small.
#[inline]
pub fn boxed_field<'de, A: MapAccess<'de>, R: Record>(
    slot: &mut Option<Box<R>>,
    extra: &mut Extra,
    spec: FieldSpec,
    map: &mut A,
) -> Result<(), A::Error> {
    let status = map.next_value_seed(BoxedIntoSeed(slot))?;
    extra.note(spec.key, spec.nullable, status);
    Ok(())
}

struct BoxedIntoSeed<'a, R>(&'a mut Option<Box<R>>);

impl<'de, R: Record> DeserializeSeed<'de> for BoxedIntoSeed<'_, R> {
    type Value = Status;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Status, D::Error> {
        deserializer.deserialize_any(RecordIntoVisitor(self.0, PhantomData::<R>))
    }
}

/// Decodes a value into an optional field, with [`Tolerant::decode_into`].
struct IntoSeed<'a, T>(&'a mut Option<T>);

impl<'de, T: Tolerant> DeserializeSeed<'de> for IntoSeed<'_, T> {
    type Value = Status;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Status, D::Error> {
        T::decode_into(self.0, deserializer)
    }
}

/// Decodes the next map value into a field of `record` recorded as always present: a value
/// that does not fit fails the record.
pub fn required_field<'de, A: MapAccess<'de>, T: Tolerant>(
    slot: &mut T,
    extra: &mut Extra,
    spec: FieldSpec,
    record: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    let fit = map.next_value_seed(FitSeed::<T>(PhantomData))?;
    match settle(fit, |value| *slot = value) {
        Status::Misfit(misfit) => Err(de::Error::custom(format_args!(
            "`{}` of {record}, recorded as always present, is {} where {} is declared",
            spec.key,
            kind_of(misfit.found()),
            misfit.declared()
        ))),
        status => {
            extra.note(spec.key, spec.nullable, status);
            Ok(())
        }
    }
}

fn settle<T: Tolerant>(fit: Fit<T>, store: impl FnOnce(T)) -> Status {
    match fit {
        Fit::Exact(value) => {
            store(value);
            Status::Exact
        }
        Fit::Coerced(value) => {
            let came = serde_json::to_value(AsCoerced(&value)).unwrap_or(Value::Null);
            store(value);
            Status::Coerced {
                declared: T::DECLARED,
                came: Box::new(came),
            }
        }
        Fit::Misfit(misfit) => Status::Misfit(misfit),
    }
}

/// Reports the drift inside an optional field.
pub fn inspect_field<T: Inspect>(
    value: Option<&T>,
    key: &str,
    path: &mut String,
    drift: &mut Vec<Drift>,
) {
    if let Some(value) = value {
        at_key(path, key, |path| value.inspect(path, drift));
    }
}

/// Decodes the fields of a record from a map.
pub(crate) fn visit_record<'de, R: Record, A: MapAccess<'de>>(map: A) -> Result<R, A::Error> {
    let mut record = R::default();
    fill_record(&mut record, map)?;
    Ok(record)
}

/// Decodes the fields of a record from a map into `record`.
fn fill_record<'de, R: Record, A: MapAccess<'de>>(
    record: &mut R,
    mut map: A,
) -> Result<(), A::Error> {
    let mut present = 0u64;
    fill_entries(record, &mut map, &mut present)?;
    check_present::<R, A::Error>(present)
}

/// Decodes the rest of a map's entries into `record`'s fields and [`Extra`]; `present` gets a
/// bit per field that came.
#[inline]
fn fill_entries<'de, R: Record, A: MapAccess<'de>>(
    record: &mut R,
    map: &mut A,
    present: &mut u64,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key_seed(KeySeed)? {
        if !record.decode_field(&key, map, present)? {
            let value: Box<RawValue> = map.next_value()?;
            record.extra_mut().insert_unlisted(key.into_owned(), value);
        }
    }
    Ok(())
}

/// Fails when a field recorded as always present did not come.
fn check_present<R: Record, E: de::Error>(present: u64) -> Result<(), E> {
    if present & R::REQUIRED != R::REQUIRED {
        let missing = (0..R::FIELDS.len().min(64))
            .find(|index| R::REQUIRED & (1 << index) != 0 && present & (1 << index) == 0)
            .map_or("?", |index| R::FIELDS[index].key);
        return Err(de::Error::custom(format_args!(
            "missing `{missing}` of {}, recorded as always present",
            R::NAME
        )));
    }
    Ok(())
}

/// A map key, borrowed from the input when it can be.
pub(crate) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(key))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(key.to_owned()))
            }
            fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(key))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Decodes a value tolerantly as `T`.
pub(crate) struct FitSeed<T>(pub(crate) PhantomData<T>);

impl<'de, T: Tolerant> DeserializeSeed<'de> for FitSeed<T> {
    type Value = Fit<T>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Fit<T>, D::Error> {
        T::decode(deserializer)
    }
}

/// The JSON kind of a value, for messages.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Decodes a string enum: any string is one of its values or its `Unknown` arm; anything else is
/// a misfit of `declared`.
#[doc(hidden)]
pub fn decode_string_enum<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    from: fn(Cow<'_, str>) -> T,
    declared: &'static str,
) -> Result<Fit<T>, D::Error> {
    deserializer.deserialize_any(EnumVisitor { from, declared })
}

struct EnumVisitor<T> {
    from: fn(Cow<'_, str>) -> T,
    declared: &'static str,
}

impl<T> Declares for EnumVisitor<T> {
    fn declared(&self) -> &'static str {
        self.declared
    }
}

impl<'de, T> Visitor<'de> for EnumVisitor<T> {
    type Value = Fit<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.declared)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Fit::Exact((self.from)(Cow::Borrowed(value))))
    }

    misfit_visits!(bool, number, null, map, seq);
}

struct RecordVisitor<R>(PhantomData<R>);

/// A record parsed on its own, from the text of a JSON string.
struct JsonRecord<R>(R);

impl<'de, R: Record> Deserialize<'de> for JsonRecord<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_record(deserializer).map(JsonRecord)
    }
}

impl<'de, R: Record> Visitor<'de> for RecordVisitor<R> {
    type Value = Fit<R>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a JSON object for {}", R::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        visit_record(map).map(Fit::Exact)
    }

    /// A JSON string holding the object, as EventBridge Scheduler sends `detail`.
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        let holds_object = text.trim_start().starts_with('{');
        match holds_object.then(|| serde_json::from_str::<JsonRecord<R>>(text)) {
            Some(Ok(JsonRecord(mut record))) => {
                record.extra_mut().json_string = Some(Box::new(JsonString(text.into())));
                Ok(Fit::Exact(record))
            }
            Some(Err(error)) if error.is_data() => Err(E::custom(error)),
            _ => Ok(Fit::Misfit(Misfit::new(Value::from(text), R::NAME))),
        }
    }

    misfit_visits!(bool, number, null, seq);
}

impl<R: Record> Declares for RecordVisitor<R> {
    fn declared(&self) -> &'static str {
        R::NAME
    }
}

/// A scalar type's conversions from each JSON form; the forms it leaves out are misfits.
trait Scalar: Sized {
    const DECLARED: &'static str;
    fn from_bool(value: bool) -> Option<Fit<Self>> {
        let _ = value;
        None
    }
    fn from_number(value: Number) -> Option<Fit<Self>> {
        let _ = value;
        None
    }
    fn from_str(value: &str) -> Option<Fit<Self>> {
        let _ = value;
        None
    }
    /// Decodes a string into `slot`: what most fields hold, so types whose strings always
    /// fit say so without building a [`Fit`].
    #[inline]
    fn str_into(slot: &mut Option<Self>, value: &str) -> Status
    where
        Self: Tolerant,
    {
        settle(text_fit(value), |value| *slot = Some(value))
    }
    /// Decodes a non-negative integer into `slot`, as [`str_into`](Self::str_into) a string.
    #[inline]
    fn u64_into(slot: &mut Option<Self>, value: u64) -> Status
    where
        Self: Tolerant,
    {
        settle(number_fit(value.into()), |value| *slot = Some(value))
    }
}

/// Decodes a scalar straight into its field.
struct ScalarInto<'a, T>(&'a mut Option<T>);

impl<'de, T: Scalar + Tolerant> Visitor<'de> for ScalarInto<'_, T> {
    type Value = Status;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(<T as Scalar>::DECLARED)
    }

    #[inline]
    fn visit_str<E: de::Error>(self, value: &str) -> Result<Status, E> {
        Ok(T::str_into(self.0, value))
    }

    #[inline]
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Status, E> {
        Ok(T::u64_into(self.0, value))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Status, E> {
        self.settle(ScalarVisitor(PhantomData).visit_bool(value)?)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Status, E> {
        self.settle(ScalarVisitor(PhantomData).visit_i64(value)?)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Status, E> {
        self.settle(ScalarVisitor(PhantomData).visit_f64(value)?)
    }

    misfit_visits!(Status::Misfit; null, map, seq);
}

impl<T: Scalar + Tolerant> ScalarInto<'_, T> {
    /// Puts what fit in the field.
    fn settle<E>(self, fit: Fit<T>) -> Result<Status, E> {
        Ok(settle(fit, |value| *self.0 = Some(value)))
    }
}

impl<T: Scalar> Declares for ScalarInto<'_, T> {
    fn declared(&self) -> &'static str {
        T::DECLARED
    }
}

struct ScalarVisitor<T>(PhantomData<T>);

/// How a number fits the scalar `T`.
fn number_fit<T: Scalar>(value: Number) -> Fit<T> {
    T::from_number(value.clone())
        .unwrap_or_else(|| Fit::Misfit(Misfit::new(Value::Number(value), T::DECLARED)))
}

/// How a string fits the scalar `T`.
fn text_fit<T: Scalar>(value: &str) -> Fit<T> {
    T::from_str(value).unwrap_or_else(|| Fit::Misfit(Misfit::new(Value::from(value), T::DECLARED)))
}

impl<'de, T: Scalar> Visitor<'de> for ScalarVisitor<T> {
    type Value = Fit<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::DECLARED)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(T::from_bool(value)
            .unwrap_or_else(|| Fit::Misfit(Misfit::new(Value::Bool(value), T::DECLARED))))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(number_fit(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(number_fit(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        match Number::from_f64(value) {
            Some(number) => Ok(number_fit(number)),
            None => Err(E::custom("a number that is not finite")),
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(text_fit(value))
    }

    misfit_visits!(null, map, seq);
}

impl<T: Scalar> Declares for ScalarVisitor<T> {
    fn declared(&self) -> &'static str {
        T::DECLARED
    }
}

/// `Tolerant` and an empty `Inspect` for a [`Scalar`].
macro_rules! tolerant_scalar {
    ($($ty:ty => |$this:ident, $serializer:ident| $coerced:expr;)*) => {$(
        impl Inspect for $ty {}

        impl Tolerant for $ty {
            const DECLARED: &'static str = <$ty as Scalar>::DECLARED;

            fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fit<Self>, D::Error> {
                deserializer.deserialize_any(ScalarVisitor::<$ty>(PhantomData))
            }

            fn decode_into<'de, D: Deserializer<'de>>(
                slot: &mut Option<Self>,
                deserializer: D,
            ) -> Result<Status, D::Error> {
                deserializer.deserialize_any(ScalarInto(slot))
            }

            fn serialize_coerced<S: Serializer>(&self, $serializer: S) -> Result<S::Ok, S::Error> {
                let $this = self;
                $coerced
            }
        }
    )*};
}

tolerant_scalar! {
    String => |this, serializer| match this.parse::<Number>() {
        Ok(number) if number.to_string() == *this => number.serialize(serializer),
        _ => match this.as_str() {
            "true" => serializer.serialize_bool(true),
            "false" => serializer.serialize_bool(false),
            _ => serializer.serialize_str(this),
        },
    };
    i64 => |this, serializer| serializer.collect_str(this);
    Number => |this, serializer| serializer.collect_str(this);
    bool => |this, serializer| serializer.collect_str(this);
}

/// A number's text, when it comes back as the same text.
fn exact_text<T: std::str::FromStr + fmt::Display>(text: &str) -> Option<T> {
    text.parse::<T>()
        .ok()
        .filter(|value| value.to_string() == text)
}

impl Scalar for String {
    const DECLARED: &'static str = "string";
    fn from_bool(value: bool) -> Option<Fit<Self>> {
        Some(Fit::Coerced(value.to_string()))
    }
    fn from_number(value: Number) -> Option<Fit<Self>> {
        Some(Fit::Coerced(value.to_string()))
    }
    fn from_str(value: &str) -> Option<Fit<Self>> {
        Some(Fit::Exact(value.to_owned()))
    }
    #[inline]
    fn str_into(slot: &mut Option<Self>, value: &str) -> Status {
        *slot = Some(value.to_owned());
        Status::Exact
    }
}

impl Scalar for i64 {
    const DECLARED: &'static str = "integer";
    fn from_number(value: Number) -> Option<Fit<Self>> {
        value.as_i64().map(Fit::Exact)
    }
    fn from_str(value: &str) -> Option<Fit<Self>> {
        exact_text(value).map(Fit::Coerced)
    }
    #[inline]
    fn u64_into(slot: &mut Option<Self>, value: u64) -> Status {
        match i64::try_from(value) {
            Ok(value) => {
                *slot = Some(value);
                Status::Exact
            }
            Err(_) => Status::Misfit(Misfit::new(Value::from(value), <Self as Scalar>::DECLARED)),
        }
    }
}

impl Scalar for Number {
    const DECLARED: &'static str = "number";
    fn from_number(value: Number) -> Option<Fit<Self>> {
        Some(Fit::Exact(value))
    }
    #[inline]
    fn u64_into(slot: &mut Option<Self>, value: u64) -> Status {
        *slot = Some(value.into());
        Status::Exact
    }
    fn from_str(value: &str) -> Option<Fit<Self>> {
        exact_text(value).map(Fit::Coerced)
    }
}

impl Scalar for bool {
    const DECLARED: &'static str = "boolean";
    fn from_bool(value: bool) -> Option<Fit<Self>> {
        Some(Fit::Exact(value))
    }
    fn from_str(value: &str) -> Option<Fit<Self>> {
        exact_text(value).map(Fit::Coerced)
    }
}

impl Scalar for Timestamp {
    const DECLARED: &'static str = "date-time";
    fn from_str(value: &str) -> Option<Fit<Self>> {
        Some(Fit::Exact(Timestamp::from_text(value)))
    }
    #[inline]
    fn str_into(slot: &mut Option<Self>, value: &str) -> Status {
        *slot = Some(Timestamp::from_text(value));
        Status::Exact
    }
}

impl Inspect for Timestamp {
    fn inspect(&self, path: &mut String, drift: &mut Vec<Drift>) {
        if self.to_utc().is_err() {
            drift.push(Drift::new(
                path.clone(),
                DriftKind::InvalidTimestamp,
                "date-time",
                &Value::from(self.as_str()),
            ));
        }
    }
}

impl Tolerant for Timestamp {
    const DECLARED: &'static str = "date-time";

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fit<Self>, D::Error> {
        deserializer.deserialize_any(ScalarVisitor::<Timestamp>(PhantomData))
    }

    fn decode_into<'de, D: Deserializer<'de>>(
        slot: &mut Option<Self>,
        deserializer: D,
    ) -> Result<Status, D::Error> {
        deserializer.deserialize_any(ScalarInto(slot))
    }
}

impl Inspect for Value {}

impl Tolerant for Value {
    const DECLARED: &'static str = "any JSON";

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fit<Self>, D::Error> {
        Value::deserialize(deserializer).map(Fit::Exact)
    }
}

impl<T: Inspect> Inspect for Vec<T> {
    fn inspect(&self, path: &mut String, drift: &mut Vec<Drift>) {
        for (index, item) in self.iter().enumerate() {
            let len = path.len();
            path.push_str(&format!("[{index}]"));
            item.inspect(path, drift);
            path.truncate(len);
        }
    }
}

impl<T: Tolerant> Tolerant for Vec<T> {
    const DECLARED: &'static str = "array";

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fit<Self>, D::Error> {
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

/// How an element of a list or map that did not decode exactly fails its container: as the
/// misfit of that element alone (one that converts is not of the element type either).
fn element_misfit<T: Tolerant>(status: Status) -> Option<Misfit> {
    match status {
        Status::Exact => None,
        Status::Coerced { came, .. } => Some(Misfit::new(*came, T::DECLARED)),
        Status::Misfit(misfit) => Some(misfit),
    }
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: Tolerant> Visitor<'de> for ListVisitor<T> {
    type Value = Fit<Vec<T>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        // Each element is decoded in this slot, in place, and moved once into the list.
        let mut slot = None;
        while let Some(status) = seq.next_element_seed(IntoSeed(&mut slot))? {
            let Some(misfit) = element_misfit::<T>(status) else {
                items.extend(slot.take());
                continue;
            };
            // Keep the whole list as it came, not its typed part.
            let mut values = items
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<Vec<Value>, _>>()
                .map_err(de::Error::custom)?;
            let index = values.len();
            values.push(misfit.value().clone());
            while let Some(value) = seq.next_element::<Value>()? {
                values.push(value);
            }
            return Ok(Fit::Misfit(
                misfit.within(Step::Index(index), Value::Array(values)),
            ));
        }
        Ok(Fit::Exact(items))
    }

    misfit_visits!(bool, number, str, null, map);
}

impl<T> Declares for ListVisitor<T> {
    fn declared(&self) -> &'static str {
        "array"
    }
}

impl<T: Inspect> Inspect for BTreeMap<String, T> {
    fn inspect(&self, path: &mut String, drift: &mut Vec<Drift>) {
        for (key, value) in self {
            at_key(path, key, |path| value.inspect(path, drift));
        }
    }
}

impl<T: Tolerant> Tolerant for BTreeMap<String, T> {
    const DECLARED: &'static str = "object";

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fit<Self>, D::Error> {
        deserializer.deserialize_any(MapVisitor(PhantomData))
    }
}

struct MapVisitor<T>(PhantomData<T>);

impl<'de, T: Tolerant> Visitor<'de> for MapVisitor<T> {
    type Value = Fit<BTreeMap<String, T>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: BTreeMap<String, T> = BTreeMap::new();
        let mut slot = None;
        while let Some(key) = map.next_key::<String>()? {
            let status = map.next_value_seed(IntoSeed(&mut slot))?;
            let Some(misfit) = element_misfit::<T>(status) else {
                if let Some(value) = slot.take() {
                    entries.insert(key, value);
                }
                continue;
            };
            // Keep the whole map as it came, not its typed part.
            let mut whole = serde_json::Map::new();
            for (key, value) in &entries {
                let value = serde_json::to_value(value).map_err(de::Error::custom)?;
                whole.insert(key.clone(), value);
            }
            whole.insert(key.clone(), misfit.value().clone());
            while let Some((key, value)) = map.next_entry::<String, Value>()? {
                whole.insert(key, value);
            }
            return Ok(Fit::Misfit(
                misfit.within(Step::Key(key), Value::Object(whole)),
            ));
        }
        Ok(Fit::Exact(entries))
    }

    misfit_visits!(bool, number, str, null, seq);
}

impl<T> Declares for MapVisitor<T> {
    fn declared(&self) -> &'static str {
        "object"
    }
}

/// Decodes a value of a type with serde's derives tolerantly: a value that does not
/// deserialize into it is kept as a misfit. What [`tolerant_via_serde!`](crate::tolerant_via_serde)
/// implements [`Tolerant`] with.
#[doc(hidden)]
pub fn decode_via_serde<'de, D: Deserializer<'de>, T: de::DeserializeOwned>(
    deserializer: D,
    declared: &'static str,
) -> Result<Fit<T>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    match T::deserialize(&value) {
        Ok(typed) => Ok(Fit::Exact(typed)),
        Err(_) => Ok(Fit::Misfit(Misfit::new(value, declared))),
    }
}

/// Makes types with serde's derives [`Tolerant`] (and [`Inspect`], reporting nothing of their
/// own), so that generated records can hold them in place of a generated type (the
/// generator's `extern_path`): a value that does not deserialize into one is kept as it came
/// and reported as drift, never an error.
///
/// ```
/// use bridgecraft_events::{Fit, Tolerant};
///
/// #[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
/// pub struct Money {
///     pub cents: i64,
///     pub currency: String,
/// }
/// bridgecraft_events::tolerant_via_serde!(Money);
///
/// let fit = Money::decode(&mut serde_json::Deserializer::from_str(r#"{"cents": 5, "currency": "EUR"}"#))?;
/// assert!(matches!(fit, Fit::Exact(Money { cents: 5, .. })));
/// let fit = Money::decode(&mut serde_json::Deserializer::from_str(r#""five euros""#))?;
/// assert!(matches!(fit, Fit::Misfit(_)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[macro_export]
macro_rules! tolerant_via_serde {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::Inspect for $ty {}

        impl $crate::Tolerant for $ty {
            const DECLARED: &'static str = ::std::stringify!($ty);

            fn decode<'de, D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<$crate::Fit<Self>, D::Error> {
                $crate::__private::decode_via_serde(deserializer, <Self as $crate::Tolerant>::DECLARED)
            }
        }
    )+};
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A record with a `kind` and an `n`.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub(crate) struct Counted {
        pub(crate) kind: Option<String>,
        pub(crate) n: Option<i64>,
        pub(crate) extra: Extra,
    }

    impl Record for Counted {
        const NAME: &'static str = "Counted";
        const FIELDS: &'static [FieldSpec] = &[FieldSpec::new("kind"), FieldSpec::new("n")];

        fn decode_field<'de, A: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut A,
            _present: &mut u64,
        ) -> Result<bool, A::Error> {
            match key {
                "kind" => field(&mut self.kind, &mut self.extra, Self::FIELDS[0], map)?,
                "n" => field(&mut self.n, &mut self.extra, Self::FIELDS[1], map)?,
                _ => return Ok(false),
            }
            Ok(true)
        }

        fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
            put(map, &self.extra, "kind", self.kind.as_ref())?;
            put(map, &self.extra, "n", self.n.as_ref())
        }

        fn inspect_fields(&self, path: &mut String, drift: &mut Vec<Drift>) {
            let _ = (path, drift);
        }

        fn extra(&self) -> &Extra {
            &self.extra
        }

        fn extra_mut(&mut self) -> &mut Extra {
            &mut self.extra
        }
    }

    #[test]
    fn a_boxed_record_decodes_in_its_box() {
        let boxed = |json: &str| {
            deserialize_boxed_record::<Counted, _>(&mut serde_json::Deserializer::from_str(json))
        };
        let record = boxed(r#"{"kind": "a", "n": "2", "x": [1]}"#).unwrap();
        assert_eq!((record.kind.as_deref(), record.n), (Some("a"), Some(2)));
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"kind":"a","n":"2","x":[1]}"#
        );
        let record = boxed(r#""{\"n\": 3}""#).unwrap();
        assert!(record.extra.came_as_json_string());
        let mut drift = Vec::new();
        record.extra.inspect(&mut "detail".to_owned(), &mut drift);
        assert_eq!(
            drift.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [r#"detail	coerced	object	"{\"n\": 3}""#]
        );
        let error = boxed("[1]").unwrap_err().to_string();
        assert!(error.contains("for Counted, found an array"), "{error}");
    }

    #[test]
    fn unlisted_keys_are_reported_as_they_came_on_one_line() {
        let json = "{\"big\": 18446744073709551617, \"note\": \"\\ud800 \\\" x\",\n \"o\": {\n  \"a\": [1, 2]\n}}";
        let record: Counted =
            deserialize_record(&mut serde_json::Deserializer::from_str(json)).unwrap();
        let mut drift = Vec::new();
        record.extra.inspect(&mut "detail".to_owned(), &mut drift);
        let found: Vec<&str> = drift.iter().map(|d| d.found.as_str()).collect();
        assert_eq!(
            found,
            ["18446744073709551617", r#""\ud800 \" x""#, r#"{"a":[1,2]}"#]
        );
    }

    #[test]
    fn a_record_that_came_as_a_json_string_goes_back_as_that_string() {
        let came = r#""{ \"n\": 3, \"kind\": \"caf\\u00e9\" }""#;
        let mut record: Counted =
            deserialize_record(&mut serde_json::Deserializer::from_str(came)).unwrap();
        assert_eq!((record.kind.as_deref(), record.n), (Some("café"), Some(3)));
        assert_eq!(serde_json::to_string(&record).unwrap(), came);
        record.n = Some(4);
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#""{\"kind\":\"café\",\"n\":4}""#
        );
    }

    #[test]
    fn fields_take_what_fits_and_keep_what_does_not() {
        let json = r#"{"kind":7,"n":18446744073709551615}"#;
        let record: Counted =
            deserialize_record(&mut serde_json::Deserializer::from_str(json)).unwrap();
        assert_eq!((record.kind.as_deref(), record.n), (Some("7"), None));
        assert_eq!(serde_json::to_string(&record).unwrap(), json);
        let json = r#"{"n":9223372036854775807}"#;
        let record: Counted =
            deserialize_record(&mut serde_json::Deserializer::from_str(json)).unwrap();
        assert_eq!(record.n, Some(i64::MAX));
        assert!(record.extra.is_empty());
    }

    #[test]
    fn a_list_of_records_keeps_every_element() {
        let fit = decode::<Vec<Counted>>(r#"[{"n": 1}, {"n": "2", "y": null}, {}]"#);
        let Fit::Exact(records) = fit else {
            panic!("every element is an object")
        };
        let n: Vec<_> = records.iter().map(|record| record.n).collect();
        assert_eq!(n, [Some(1), Some(2), None]);
        assert!(records[1].extra.get("y").is_some());
        let Fit::Misfit(misfit) = decode::<Vec<Counted>>(r#"[{"n": 1}, 2]"#) else {
            panic!("2 is not a record")
        };
        assert_eq!(misfit.value(), &serde_json::json!([{"n": 1}, 2]));
        assert_eq!(misfit.found(), 2);
    }

    fn decode<T: Tolerant>(json: &str) -> Fit<T> {
        T::decode(&mut serde_json::Deserializer::from_str(json)).unwrap()
    }

    #[test]
    fn scalars_fit_coerce_or_misfit() {
        assert_eq!(decode::<String>(r#""a""#), Fit::Exact("a".to_owned()));
        assert_eq!(decode::<String>("12"), Fit::Coerced("12".to_owned()));
        assert_eq!(decode::<i64>(r#""7""#), Fit::Coerced(7));
        assert_eq!(decode::<i64>("7"), Fit::Exact(7));
        assert!(matches!(decode::<i64>(r#""07""#), Fit::Misfit(_)));
        assert!(matches!(decode::<i64>("1.5"), Fit::Misfit(_)));
        assert!(matches!(decode::<bool>("null"), Fit::Misfit(_)));
        assert_eq!(
            decode::<Number>(r#""0.0""#),
            Fit::Coerced("0.0".parse().unwrap())
        );
        let Fit::Misfit(misfit) = decode::<String>(r#"{"a":[1]}"#) else {
            panic!("an object is not a string")
        };
        assert_eq!(misfit.found(), &serde_json::json!({"a": [1]}));
        assert_eq!(misfit.declared(), "string");
    }

    #[test]
    fn a_list_with_an_element_that_does_not_fit_is_kept_whole() {
        let Fit::Misfit(misfit) = decode::<Vec<i64>>(r#"[1, "x", 3]"#) else {
            panic!("a string is not an integer")
        };
        assert_eq!(misfit.value(), &serde_json::json!([1, "x", 3]));
        assert_eq!(misfit.found(), "x");
        assert!(matches!(decode::<Vec<i64>>(r#""x""#), Fit::Misfit(_)));
        // An element that converts is still not of the list's type: the list is kept whole.
        let Fit::Misfit(misfit) = decode::<Vec<i64>>(r#"[1, "2"]"#) else {
            panic!("a string is not an integer")
        };
        assert_eq!(misfit.value(), &serde_json::json!([1, "2"]));
        assert_eq!(misfit.found(), "2");
    }

    #[test]
    fn a_map_with_a_value_that_does_not_fit_is_kept_whole() {
        let Fit::Misfit(misfit) = decode::<BTreeMap<String, bool>>(r#"{"b": true, "a": 2}"#) else {
            panic!("2 is not a boolean")
        };
        assert_eq!(misfit.value(), &serde_json::json!({"b": true, "a": 2}));
        assert_eq!(misfit.found(), 2);
    }

    #[test]
    fn coerced_values_are_written_as_they_came() {
        fn coerced<T: Tolerant>(value: T) -> Value {
            serde_json::to_value(AsCoerced(&value)).unwrap()
        }
        assert_eq!(coerced("12".to_owned()), serde_json::json!(12));
        assert_eq!(coerced("1.50".to_owned()), serde_json::json!("1.50"));
        assert_eq!(coerced(7i64), serde_json::json!("7"));
        assert_eq!(coerced(true), serde_json::json!("true"));
    }

    #[test]
    fn paths_quote_keys_that_are_not_words() {
        let mut path = String::from("detail");
        push_key(&mut path, "instance-id");
        assert_eq!(path, "detail.instance-id");
        push_key(&mut path, "a b");
        assert_eq!(path, r#"detail.instance-id["a b"]"#);
    }
}
