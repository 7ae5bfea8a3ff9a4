//! Names of detail types, read from what serde's derives already say about a type: the name a
//! struct passes to `serialize_struct` or `deserialize_struct`. Used for reports and errors,
//! never on the decoding hot path.

use std::cell::Cell;
use std::fmt;

use serde::de::{Deserializer, Visitor};
use serde::ser::{self, Impossible, Serialize, Serializer};

/// The name of the struct that `value` serializes as, looking through boxes, options,
/// newtype variants and untagged enums.
pub(crate) fn of<T: Serialize + ?Sized>(value: &T) -> Option<&'static str> {
    match value.serialize(NameSerializer) {
        Ok(()) => None,
        Err(Found(name)) => name,
    }
}

/// Carries the name out of the serializer; serialization stops at the first container.
#[derive(Debug)]
struct Found(Option<&'static str>);

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("type name probe")
    }
}

impl std::error::Error for Found {}

impl ser::Error for Found {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Found(None)
    }
}

struct NameSerializer;

macro_rules! no_name {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self $(, _: $arg)*) -> Result<(), Found> { Err(Found(None)) })*
    };
}

impl Serializer for NameSerializer {
    type Ok = ();
    type Error = Found;
    type SerializeSeq = Impossible<(), Found>;
    type SerializeTuple = Impossible<(), Found>;
    type SerializeTupleStruct = Impossible<(), Found>;
    type SerializeTupleVariant = Impossible<(), Found>;
    type SerializeMap = Impossible<(), Found>;
    type SerializeStruct = Impossible<(), Found>;
    type SerializeStructVariant = Impossible<(), Found>;

    no_name!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Found> {
        value.serialize(self)
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<(), Found> {
        Err(Found(Some(name)))
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Found> {
        Err(Found(Some(name)))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _value: &T,
    ) -> Result<(), Found> {
        Err(Found(Some(name)))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        value.serialize(self)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Found> {
        Err(Found(None))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Found> {
        Err(Found(None))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Found> {
        Err(Found(Some(name)))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Found> {
        Err(Found(Some(name)))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Found> {
        Err(Found(None))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Found> {
        Err(Found(Some(name)))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Found> {
        Err(Found(Some(name)))
    }
}

/// Passes everything to `inner` and notes the name of the first named container asked for: the
/// type a detail decoder tried to read, for error messages.
pub(crate) struct NameProbe<'a, D> {
    pub(crate) inner: D,
    pub(crate) name: &'a Cell<Option<&'static str>>,
}

impl<D> NameProbe<'_, D> {
    fn note(&self, name: &'static str) {
        if self.name.get().is_none() {
            self.name.set(Some(name));
        }
    }
}

macro_rules! forward {
    ($($method:ident),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method(visitor)
        })*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for NameProbe<'_, D> {
    type Error = D::Error;

    forward!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.note(name);
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.note(name);
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.note(name);
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.note(name);
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.note(name);
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    struct Inner {
        a: u8,
    }

    #[derive(Serialize)]
    #[serde(untagged)]
    enum Untagged {
        Boxed(Box<Inner>),
    }

    #[derive(Serialize)]
    enum Tagged {
        Inner(Inner),
    }

    #[test]
    fn serialize_probe_finds_the_struct_through_wrappers() {
        assert_eq!(
            of(&Untagged::Boxed(Box::new(Inner { a: 1 }))),
            Some("Inner")
        );
        assert_eq!(of(&Tagged::Inner(Inner { a: 1 })), Some("Inner"));
        assert_eq!(of(&Some(Inner { a: 1 })), Some("Inner"));
        assert_eq!(of(&1u8), None);
    }

    #[test]
    fn deserialize_probe_notes_the_first_struct() {
        let name = Cell::new(None);
        let mut de = serde_json::Deserializer::from_str(r#"{"a":"x"}"#);
        let result = Box::<Inner>::deserialize(NameProbe {
            inner: &mut de,
            name: &name,
        });
        assert!(result.is_err());
        assert_eq!(name.get(), Some("Inner"));
    }
}
