//! Tagged unions: a `oneOf` whose object members the string value of one key tells apart,
//! decoded in one pass into the member that value names.
//!
//! The object's entries are read in order. Those before the tag are kept as raw JSON (in
//! EventBridge's events the tag usually comes first, so there are none); once the tag is read
//! they are decoded into the chosen member's record, and the rest of the object goes straight
//! into it. An object whose tag names no member, or that has none, is kept as it came.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::SeqAccessDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{
    Declares, Drift, DriftKind, Fit, KeySeed, Misfit, Record, at_key, check_present, fill_entries,
    kind_of,
};

/// A `oneOf` of records told apart by the string value of one key, [`TAG`](Self::TAG): an
/// enum with a variant per member and one that keeps an object no member fits, as the
/// generator writes them.
///
/// `Tolerant`, `Inspect`, `Deserialize` and `Serialize` are one call each, to
/// [`decode_tagged`], [`inspect_member`] or [`Untagged::inspect_as`], [`deserialize_tagged`]
/// and the member's own `Serialize`.
pub trait Tagged: Sized {
    /// The Rust type's name, for drift reports and errors.
    const NAME: &'static str;
    /// The key whose value names the member.
    const TAG: &'static str;
    /// The value of [`TAG`](Self::TAG) of each member.
    const TAGS: &'static [&'static str];

    /// Decodes `object` into the member whose tag is `tag` (with
    /// [`TaggedObject::decode`]), or keeps it (with [`TaggedObject::keep`]) when no member
    /// has that tag or the tag is missing or not a string (`tag` is `None`).
    fn decode_member<'de, A: MapAccess<'de>>(
        tag: Option<&str>,
        object: TaggedObject<'_, 'de, A>,
    ) -> Result<Self, A::Error>;
}

/// Decodes a [`Tagged`] union tolerantly: an object is one of its members or kept as
/// [`Untagged`]; anything else is a misfit.
pub fn decode_tagged<'de, T: Tagged, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Fit<T>, D::Error> {
    deserializer.deserialize_any(TaggedVisitor::<T>(PhantomData))
}

/// `Deserialize` for a [`Tagged`] union: an object, else an error naming the type.
pub fn deserialize_tagged<'de, T: Tagged, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    match decode_tagged::<T, D>(deserializer)? {
        Fit::Exact(union) | Fit::Coerced(union) => Ok(union),
        Fit::Misfit(misfit) => Err(de::Error::custom(format_args!(
            "expected a JSON object for {}, found {}",
            T::NAME,
            kind_of(misfit.found())
        ))),
    }
}

/// Reports the drift inside a union's member. The tag is no drift where the member's record
/// does not list it (an OpenAPI `discriminator` need not be a property of every member).
pub fn inspect_member<R: Record>(member: &R, tag: &str, path: &mut String, drift: &mut Vec<Drift>) {
    let start = drift.len();
    crate::Inspect::inspect(member, path, drift);
    if R::FIELDS.iter().any(|field| field.key == tag) {
        return;
    }
    let mut tag_path = path.clone();
    super::push_key(&mut tag_path, tag);
    let mut index = 0;
    drift.retain(|found| {
        index += 1;
        index <= start || !(found.kind == DriftKind::Unlisted && found.path == tag_path)
    });
}

struct TaggedVisitor<T>(PhantomData<T>);

impl<T: Tagged> Declares for TaggedVisitor<T> {
    fn declared(&self) -> &'static str {
        T::NAME
    }
}

impl<'de, T: Tagged> Visitor<'de> for TaggedVisitor<T> {
    type Value = Fit<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a JSON object for {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut before = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value: Box<RawValue> = map.next_value()?;
            if key == T::TAG {
                let tag = tag_text(&value);
                let object = TaggedObject {
                    before,
                    tag: Some((key, &value)),
                    map,
                    done: false,
                };
                return T::decode_member(tag.as_deref(), object).map(Fit::Exact);
            }
            before.push((key, value));
        }
        let object = TaggedObject {
            before,
            tag: None,
            map,
            done: true,
        };
        T::decode_member(None, object).map(Fit::Exact)
    }

    misfit_visits!(bool, number, str, null, seq);
}

/// The tag's text, when it is a string.
fn tag_text(raw: &RawValue) -> Option<Cow<'_, str>> {
    match serde_json::from_str::<&str>(raw.get()) {
        Ok(text) => Some(Cow::Borrowed(text)),
        // A string with escapes is not borrowed.
        Err(_) => serde_json::from_str::<String>(raw.get())
            .ok()
            .map(Cow::Owned),
    }
}

/// An object being decoded as a [`Tagged`] union, its tag read: the entries before the tag,
/// the tag, and the rest still to read.
pub struct TaggedObject<'t, 'de, A> {
    before: Vec<(Cow<'de, str>, Box<RawValue>)>,
    tag: Option<(Cow<'de, str>, &'t RawValue)>,
    map: A,
    /// Whether the map has no entries left.
    done: bool,
}

impl<'de, A: MapAccess<'de>> TaggedObject<'_, 'de, A> {
    /// Decodes the object into the member's record, field by field as any record: what does
    /// not fit is kept in its [`Extra`](crate::Extra) and reported as drift.
    pub fn decode<R: Record>(mut self) -> Result<R, A::Error> {
        let mut record = R::default();
        let mut present = 0u64;
        for (key, raw) in self.before {
            if !replay(&mut record, &key, &raw, &mut present)? {
                record.extra_mut().insert_unlisted(key.into_owned(), raw);
            }
        }
        if let Some((key, raw)) = self.tag
            && !replay(&mut record, &key, raw, &mut present)?
        {
            record
                .extra_mut()
                .insert_unlisted(key.into_owned(), raw.to_owned());
        }
        if !self.done {
            fill_entries(&mut record, &mut self.map, &mut present)?;
        }
        check_present::<R, A::Error>(present)?;
        Ok(record)
    }

    /// Keeps the object as it came: its entries in their order, each value byte for byte.
    pub fn keep(mut self) -> Result<Untagged, A::Error> {
        let mut text = String::from("{");
        let mut push = |key: &str, raw: &RawValue| -> Result<(), A::Error> {
            if text.len() > 1 {
                text.push(',');
            }
            text.push_str(&serde_json::to_string(key).map_err(de::Error::custom)?);
            text.push(':');
            text.push_str(raw.get());
            Ok(())
        };
        for (key, raw) in &self.before {
            push(key, raw)?;
        }
        if let Some((key, raw)) = &self.tag {
            push(key, raw)?;
        }
        if !self.done {
            while let Some(key) = self.map.next_key_seed(KeySeed)? {
                let raw: Box<RawValue> = self.map.next_value()?;
                push(&key, &raw)?;
            }
        }
        text.push('}');
        let object = RawValue::from_string(text).map_err(de::Error::custom)?;
        Ok(Untagged { object })
    }
}

/// Decodes one kept entry into its field, as [`Record::decode_field`] does from the map.
fn replay<R: Record, E: de::Error>(
    record: &mut R,
    key: &str,
    raw: &RawValue,
    present: &mut u64,
) -> Result<bool, E> {
    record
        .decode_field(key, &mut Replay(Some(raw)), present)
        .map_err(E::custom)
}

/// A map of one value, already read as raw JSON, for a record's `decode_field`.
struct Replay<'r>(Option<&'r RawValue>);

impl<'r> MapAccess<'r> for Replay<'r> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'r>>(
        &mut self,
        _seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'r>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let raw = self
            .0
            .take()
            .ok_or_else(|| de::Error::custom("a kept value is read once"))?;
        seed.deserialize(&mut serde_json::Deserializer::from_str(raw.get()))
    }
}

/// An object a [`Tagged`] union keeps as it came: its tag names no member, is not a string,
/// or is missing. Written back as it came, and reported as drift.
#[derive(Clone, Debug)]
pub struct Untagged {
    object: Box<RawValue>,
}

impl Untagged {
    /// The object as it came: its entries in their order, each value byte for byte.
    pub fn raw(&self) -> &RawValue {
        &self.object
    }

    /// The object as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.object.get()).unwrap_or(Value::Null)
    }

    /// The value of the key `tag`, when the object has it.
    pub fn tag(&self, tag: &str) -> Option<Value> {
        match self.to_value() {
            Value::Object(mut object) => object.remove(tag),
            _ => None,
        }
    }

    /// Reports the object as drift of the union `T`: at the tag, the value that names no
    /// member; without a tag, the whole object.
    pub fn inspect_as<T: Tagged>(&self, path: &mut String, drift: &mut Vec<Drift>) {
        let known: Vec<String> = T::TAGS
            .iter()
            .map(|tag| Value::from(*tag).to_string())
            .collect();
        let known = known.join(" | ");
        match self.tag(T::TAG) {
            Some(came) => at_key(path, T::TAG, |path| {
                drift.push(Drift::new(
                    path.clone(),
                    DriftKind::UnknownValue,
                    known,
                    &came,
                ));
            }),
            None => drift.push(Drift::new(
                path.clone(),
                DriftKind::Misfit,
                format!("an object with `{}` {known}", T::TAG),
                &self.to_value(),
            )),
        }
    }
}

impl PartialEq for Untagged {
    fn eq(&self, other: &Self) -> bool {
        self.object.get() == other.object.get()
    }
}

impl Serialize for Untagged {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.object.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tolerant::tests::Counted;
    use crate::tolerant::{Extra, FieldSpec, field, put};
    use crate::{Inspect, Tolerant};
    use serde::ser::SerializeMap;

    /// A member that does not list the tag.
    #[derive(Clone, Debug, Default, PartialEq)]
    struct Named {
        name: Option<String>,
        extra: Extra,
    }

    impl Record for Named {
        const NAME: &'static str = "Named";
        const FIELDS: &'static [FieldSpec] = &[FieldSpec::new("name")];

        fn decode_field<'de, A: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut A,
            _present: &mut u64,
        ) -> Result<bool, A::Error> {
            match key {
                "name" => field(&mut self.name, &mut self.extra, Self::FIELDS[0], map)?,
                _ => return Ok(false),
            }
            Ok(true)
        }

        fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
            put(map, &self.extra, "name", self.name.as_ref())
        }

        fn extra(&self) -> &Extra {
            &self.extra
        }

        fn extra_mut(&mut self) -> &mut Extra {
            &mut self.extra
        }
    }

    #[derive(Clone, Debug, PartialEq)]
    enum Shape {
        Counted(Counted),
        Named(Box<Named>),
        Unknown(Untagged),
    }

    impl Tagged for Shape {
        const NAME: &'static str = "Shape";
        const TAG: &'static str = "kind";
        const TAGS: &'static [&'static str] = &["counted", "named"];

        fn decode_member<'de, A: MapAccess<'de>>(
            tag: Option<&str>,
            object: TaggedObject<'_, 'de, A>,
        ) -> Result<Self, A::Error> {
            match tag {
                Some("counted") => object.decode().map(Self::Counted),
                Some("named") => object.decode().map(|m| Self::Named(Box::new(m))),
                _ => object.keep().map(Self::Unknown),
            }
        }
    }

    impl Inspect for Shape {
        fn inspect(&self, path: &mut String, drift: &mut Vec<Drift>) {
            match self {
                Self::Counted(member) => inspect_member(member, Self::TAG, path, drift),
                Self::Named(member) => inspect_member(&**member, Self::TAG, path, drift),
                Self::Unknown(kept) => kept.inspect_as::<Self>(path, drift),
            }
        }
    }

    impl Serialize for Shape {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Self::Counted(member) => member.serialize(serializer),
                Self::Named(member) => member.serialize(serializer),
                Self::Unknown(kept) => kept.serialize(serializer),
            }
        }
    }

    impl Tolerant for Shape {
        const DECLARED: &'static str = "Shape";
        fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fit<Self>, D::Error> {
            decode_tagged(deserializer)
        }
    }

    impl Serialize for Counted {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            crate::tolerant::serialize_record(self, serializer)
        }
    }

    impl Serialize for Named {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            crate::tolerant::serialize_record(self, serializer)
        }
    }

    /// Decodes from text and from a `Value` (as `serde_json::from_value` does), which must agree.
    fn decode(json: &str) -> Shape {
        let from_text = match Shape::decode(&mut serde_json::Deserializer::from_str(json)) {
            Ok(Fit::Exact(shape)) => shape,
            other => panic!("{json}: {other:?}"),
        };
        let value: Value = serde_json::from_str(json).unwrap();
        let Ok(Fit::Exact(from_value)) = Shape::decode(value) else {
            panic!("{json}: not decoded from a value")
        };
        // A `Value` has no spelling of its own to keep: the two agree as JSON values.
        assert_eq!(
            std::mem::discriminant(&from_text),
            std::mem::discriminant(&from_value),
            "{json}"
        );
        assert_eq!(written(&from_text), written(&from_value), "{json}");
        from_text
    }

    fn drift(shape: &Shape) -> Vec<String> {
        let mut drift = Vec::new();
        shape.inspect(&mut "detail.shape".to_owned(), &mut drift);
        drift.iter().map(ToString::to_string).collect()
    }

    fn written(shape: &Shape) -> Value {
        serde_json::to_value(shape).unwrap()
    }

    #[test]
    fn the_tag_chooses_the_member_wherever_it_comes() {
        for json in [
            r#"{"kind": "counted", "n": 3}"#,
            r#"{"n": 3, "kind": "counted"}"#,
            r#"{"n": 3, "kind": "count\u0065d"}"#,
        ] {
            let shape = decode(json);
            let Shape::Counted(counted) = &shape else {
                panic!("{json}: {shape:?}")
            };
            assert_eq!(counted.n, Some(3));
            assert!(drift(&shape).is_empty(), "{json}: {:?}", drift(&shape));
            assert_eq!(
                written(&shape),
                serde_json::from_str::<Value>(json).unwrap()
            );
        }
    }

    #[test]
    fn a_member_keeps_what_does_not_fit_and_reports_it_below_the_union() {
        let json = r#"{"gift": [1], "n": "many", "kind": "counted"}"#;
        let shape = decode(json);
        assert!(matches!(&shape, Shape::Counted(c) if c.n.is_none()));
        assert_eq!(
            drift(&shape),
            [
                "detail.shape.gift\tunlisted\tnot in the schema\t[1]",
                "detail.shape.n\tmisfit\tinteger\t\"many\""
            ]
        );
        assert_eq!(
            written(&shape),
            serde_json::from_str::<Value>(json).unwrap()
        );
    }

    #[test]
    fn a_tag_the_member_does_not_list_is_kept_and_no_drift() {
        let json = r#"{"kind": "named", "name": "x", "other": 1}"#;
        let shape = decode(json);
        let Shape::Named(named) = &shape else {
            panic!("{shape:?}")
        };
        assert_eq!(named.name.as_deref(), Some("x"));
        assert_eq!(
            drift(&shape),
            ["detail.shape.other\tunlisted\tnot in the schema\t1"]
        );
        assert_eq!(
            written(&shape),
            serde_json::from_str::<Value>(json).unwrap()
        );
    }

    #[test]
    fn an_unknown_missing_or_odd_tag_keeps_the_object_as_it_came() {
        let unknown = r#"{"n": 1.50, "kind": "circle", "r": {"b": 1, "a": 2}}"#;
        let shape = decode(unknown);
        let Shape::Unknown(kept) = &shape else {
            panic!("{shape:?}")
        };
        assert_eq!(
            kept.raw().get(),
            r#"{"n":1.50,"kind":"circle","r":{"b": 1, "a": 2}}"#
        );
        assert_eq!(kept.tag("kind"), Some(Value::from("circle")));
        assert_eq!(
            drift(&shape),
            ["detail.shape.kind\tunknown value\t\"counted\" | \"named\"\t\"circle\""]
        );
        assert_eq!(serde_json::to_string(&shape).unwrap(), kept.raw().get());

        let odd = decode(r#"{"kind": 7}"#);
        assert_eq!(
            drift(&odd),
            ["detail.shape.kind\tunknown value\t\"counted\" | \"named\"\t7"]
        );

        let missing = decode(r#"{"n": 1}"#);
        assert_eq!(
            drift(&missing),
            ["detail.shape\tmisfit\tan object with `kind` \"counted\" | \"named\"\t{\"n\":1}"]
        );
        assert_eq!(written(&missing), serde_json::json!({"n": 1}));
        assert_eq!(written(&decode("{}")), serde_json::json!({}));
    }

    #[test]
    fn what_is_no_object_is_a_misfit_or_an_error() {
        let fit = Shape::decode(&mut serde_json::Deserializer::from_str("[1]")).unwrap();
        assert!(matches!(&fit, Fit::Misfit(m) if m.declared() == "Shape"));
        let error = deserialize_tagged::<Shape, _>(&mut serde_json::Deserializer::from_str("3"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "expected a JSON object for Shape, found a number"
        );
        let malformed = Shape::decode(&mut serde_json::Deserializer::from_str(r#"{"n": }"#));
        assert!(malformed.is_err());
    }
}
