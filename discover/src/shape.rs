//! What the samples held at one place of an event, and how two such shapes merge.
//!
//! A [`Shape`] is a join: merging is commutative, associative and idempotent, so the shape of
//! many samples does not depend on the order they were read in. It keeps what the samples had
//! in common, never the samples, and it is bounded: an object with more distinct keys than
//! [`MAX_FIELDS`] becomes a map, and at most [`MAX_VALUES`] short strings are kept per place.

use std::collections::btree_map::Entry as MapEntry;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::keys::{is_data_key, is_date_time};

/// An object with more distinct keys than this, over all samples, is a map: its keys are
/// data (names, ids) rather than the fields of a type.
pub const MAX_FIELDS: usize = 256;
/// Distinct string values kept per place, so that an enum a document declares can be extended
/// with the values samples bring.
pub const MAX_VALUES: usize = 64;
/// Strings longer than this are not kept as values.
const MAX_VALUE_LEN: usize = 64;

/// Keys of a schema kept as they were, such as `description` or `x-...` extensions: what a
/// shape does not model but a document had.
pub(crate) type Notes = BTreeMap<String, Value>;

/// What the samples at one place held: which JSON types, and for each what is known of it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shape {
    /// Any JSON: a document said so (`{}`), and samples add nothing to it.
    pub(crate) any: bool,
    pub(crate) null: bool,
    pub(crate) boolean: bool,
    /// Integers that fit in 64 signed bits.
    pub(crate) integer: bool,
    /// Decimals, and integers beyond 64 signed bits.
    pub(crate) number: bool,
    pub(crate) string: Option<Strings>,
    /// The merged shape of every element of every array.
    pub(crate) array: Option<Box<Shape>>,
    pub(crate) object: Option<Object>,
    pub(crate) notes: Notes,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Strings {
    /// Every string was an RFC 3339 timestamp.
    pub date_time: bool,
    pub values: Values,
    /// A document declared the values as an enum.
    pub enumerated: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Values {
    Few(BTreeSet<String>),
    /// More than [`MAX_VALUES`], a long one, or a document that listed none.
    Many,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Object {
    /// An object whose keys are the fields of a type.
    Fields(Fields),
    /// An object whose keys are data: every value has the merged shape.
    Map { values: Box<Shape>, notes: Notes },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Fields {
    pub fields: BTreeMap<String, Field>,
    pub name: NameHint,
    pub notes: Notes,
}

/// The schema's name in the document an object was read from: a hint for writing it again,
/// not part of its shape, so two objects that differ only in it are equal.
#[derive(Clone, Debug, Default)]
pub(crate) struct NameHint(pub Option<String>);

impl PartialEq for NameHint {
    fn eq(&self, _: &NameHint) -> bool {
        true
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Field {
    pub shape: Shape,
    /// Present in every sample of the object.
    pub required: bool,
}

impl Shape {
    /// The shape of one JSON value.
    pub fn of(value: &Value) -> Shape {
        let mut shape = Shape::default();
        match value {
            Value::Null => shape.null = true,
            Value::Bool(_) => shape.boolean = true,
            Value::Number(number) if number.is_i64() => shape.integer = true,
            Value::Number(_) => shape.number = true,
            Value::String(text) => shape.string = Some(Strings::of(text)),
            Value::Array(items) => {
                let mut item = Shape::default();
                for value in items {
                    item.merge(Shape::of(value));
                }
                shape.array = Some(Box::new(item));
            }
            Value::Object(map) => shape.object = Some(Object::of(map)),
        }
        shape
    }

    /// Merges one JSON value in, as `merge(Shape::of(value))` does, without building its
    /// shape first: what is already known is only checked, not allocated again.
    pub fn absorb(&mut self, value: &Value) {
        if self.any {
            return;
        }
        match value {
            Value::Null => self.null = true,
            Value::Bool(_) => self.boolean = true,
            Value::Number(number) if number.is_i64() => self.integer = true,
            Value::Number(_) => self.number = true,
            Value::String(text) => match &mut self.string {
                None => self.string = Some(Strings::of(text)),
                Some(strings) => strings.absorb(text),
            },
            Value::Array(items) => {
                let item = self.array.get_or_insert_with(Box::default);
                for value in items {
                    item.absorb(value);
                }
            }
            Value::Object(map) => match &mut self.object {
                None => self.object = Some(Object::of(map)),
                Some(object) => object.absorb(map),
            },
        }
    }

    /// Any JSON value.
    pub(crate) fn any() -> Shape {
        Shape {
            any: true,
            ..Shape::default()
        }
    }

    /// Merges `other` in: the result admits what either admitted.
    pub fn merge(&mut self, other: Shape) {
        merge_notes(&mut self.notes, other.notes);
        if self.any || other.any {
            *self = Shape {
                notes: std::mem::take(&mut self.notes),
                ..Shape::any()
            };
            return;
        }
        self.null |= other.null;
        self.boolean |= other.boolean;
        self.integer |= other.integer;
        self.number |= other.number;
        merge_option(&mut self.string, other.string, Strings::merge);
        merge_option(&mut self.array, other.array, |mine, theirs| {
            mine.merge(*theirs)
        });
        merge_option(&mut self.object, other.object, Object::merge);
    }

    /// The JSON types seen, as a schema names them: `integer`, `string (date-time)`, `map`...
    fn kinds(&self) -> Vec<String> {
        let mut kinds = Vec::new();
        if self.boolean {
            kinds.push("boolean".to_owned());
        }
        if self.number {
            kinds.push("number".to_owned());
        } else if self.integer {
            kinds.push("integer".to_owned());
        }
        if let Some(strings) = &self.string {
            kinds.push(strings.summary());
        }
        if self.array.is_some() {
            kinds.push("array".to_owned());
        }
        match &self.object {
            Some(Object::Fields(_)) => kinds.push("object".to_owned()),
            Some(Object::Map { .. }) => kinds.push("map".to_owned()),
            None => {}
        }
        kinds
    }

    /// What this shape admits, in a few words: `integer`, `string | integer`, `any`.
    pub(crate) fn summary(&self) -> String {
        if self.any {
            return "any".to_owned();
        }
        let kinds = self.kinds();
        match (kinds.is_empty(), self.null) {
            (true, true) => "null".to_owned(),
            (true, false) => "nothing seen".to_owned(),
            (false, _) => kinds.join(" | "),
        }
    }

    /// Appends every place below this one to `out`, by path, with what it admits.
    pub(crate) fn walk(&self, path: &str, required: bool, out: &mut BTreeMap<String, PathInfo>) {
        out.insert(
            path.to_owned(),
            PathInfo {
                summary: self.summary(),
                required,
                nullable: self.null || self.any,
            },
        );
        // The items of arrays that were always empty have no place to list.
        if let Some(items) = self
            .array
            .as_ref()
            .filter(|items| items.any || items.null || !items.kinds().is_empty())
        {
            items.walk(&format!("{path}[*]"), true, out);
        }
        match &self.object {
            Some(Object::Fields(fields)) => fields.walk(path, out),
            Some(Object::Map { values, .. }) => values.walk(&child_path(path, "*"), true, out),
            None => {}
        }
    }

    /// Appends where `value` does not fit this shape to `violations`; `path` is the value's.
    pub(crate) fn check(&self, value: &Value, path: &str, violations: &mut Vec<Violation>) {
        if self.any {
            return;
        }
        let fits = match value {
            Value::Null => self.null,
            Value::Bool(_) => self.boolean,
            Value::Number(number) if number.is_i64() => self.integer || self.number,
            Value::Number(_) => self.number,
            Value::String(text) => match &self.string {
                None => false,
                Some(strings) => {
                    strings.check(text, path, violations);
                    true
                }
            },
            Value::Array(items) => match &self.array {
                None => false,
                Some(item) => {
                    for (index, value) in items.iter().enumerate() {
                        item.check(value, &format!("{path}[{index}]"), violations);
                    }
                    true
                }
            },
            Value::Object(map) => match &self.object {
                None => false,
                Some(Object::Fields(fields)) => {
                    fields.check(map, path, violations);
                    true
                }
                Some(Object::Map { values, .. }) => {
                    for (key, value) in map {
                        values.check(value, &child_path(path, key), violations);
                    }
                    true
                }
            },
        };
        if !fits {
            violations.push(Violation::new(
                path,
                ViolationKind::Misfit,
                self.summary(),
                value,
            ));
        }
    }

    /// How much the shape holds: places and kept values. For tests of its bounds.
    #[cfg(test)]
    pub(crate) fn weight(&self) -> usize {
        let strings = match &self.string {
            Some(Strings {
                values: Values::Few(values),
                ..
            }) => values.len(),
            _ => 0,
        };
        let object = match &self.object {
            Some(Object::Fields(fields)) => fields
                .fields
                .iter()
                .map(|(key, field)| key.len() + field.shape.weight())
                .sum(),
            Some(Object::Map { values, .. }) => values.weight(),
            None => 0,
        };
        1 + strings + object + self.array.as_ref().map_or(0, |items| items.weight())
    }
}

/// What one place of an event type admits, as [`Catalog::places`](crate::Catalog::places)
/// lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PathInfo {
    /// The JSON types seen or declared: `integer`, `string (date-time)`, `string | integer`,
    /// `map`, `any`.
    pub summary: String,
    /// Present in every sample of the object that holds it (or required by the document).
    pub required: bool,
    /// `null` seen (or declared).
    pub nullable: bool,
}

impl Strings {
    fn of(text: &str) -> Strings {
        Strings {
            date_time: is_date_time(text),
            values: if text.len() <= MAX_VALUE_LEN {
                Values::Few(BTreeSet::from([text.to_owned()]))
            } else {
                Values::Many
            },
            enumerated: false,
        }
    }

    fn absorb(&mut self, text: &str) {
        // Once a string was no timestamp, no other needs parsing.
        self.date_time = self.date_time && is_date_time(text);
        if let Values::Few(values) = &mut self.values
            && !values.contains(text)
        {
            if text.len() > MAX_VALUE_LEN || values.len() == MAX_VALUES {
                self.values = Values::Many;
            } else {
                values.insert(text.to_owned());
            }
        }
    }

    fn merge(&mut self, other: Strings) {
        self.date_time &= other.date_time;
        self.enumerated |= other.enumerated;
        let values = std::mem::replace(&mut self.values, Values::Many);
        self.values = match (values, other.values) {
            (Values::Few(mut mine), Values::Few(theirs)) => {
                mine.extend(theirs);
                if mine.len() > MAX_VALUES {
                    Values::Many
                } else {
                    Values::Few(mine)
                }
            }
            _ => Values::Many,
        };
    }

    /// The values to write as the schema's `enum`: only where a document declared one and
    /// every value seen is known.
    pub(crate) fn enumeration(&self) -> Option<&BTreeSet<String>> {
        match &self.values {
            Values::Few(values) if self.enumerated && !values.is_empty() => Some(values),
            _ => None,
        }
    }

    fn summary(&self) -> String {
        match (self.enumeration(), self.date_time) {
            (Some(values), _) => {
                let values: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                format!("enum ({})", values.join(", "))
            }
            (None, true) => "string (date-time)".to_owned(),
            (None, false) => "string".to_owned(),
        }
    }

    fn check(&self, text: &str, path: &str, violations: &mut Vec<Violation>) {
        let found = || Value::String(text.to_owned());
        if self.date_time && !is_date_time(text) {
            let kind = ViolationKind::InvalidTimestamp;
            violations.push(Violation::new(path, kind, self.summary(), &found()));
        }
        if self
            .enumeration()
            .is_some_and(|values| !values.contains(text))
        {
            let kind = ViolationKind::UnknownValue;
            violations.push(Violation::new(path, kind, self.summary(), &found()));
        }
    }
}

impl Object {
    fn of(map: &Map<String, Value>) -> Object {
        if !map.is_empty() && map.keys().all(|key| is_data_key(key)) {
            let mut values = Shape::default();
            for value in map.values() {
                values.merge(Shape::of(value));
            }
            return Object::Map {
                values: Box::new(values),
                notes: Notes::new(),
            };
        }
        let mut object = Object::Fields(Fields::of(map));
        object.collapse_if_wide();
        object
    }

    fn absorb(&mut self, map: &Map<String, Value>) {
        let keyed_by_data = !map.is_empty() && map.keys().all(|key| is_data_key(key));
        match self {
            Object::Fields(fields) if !keyed_by_data => fields.absorb(map, None),
            Object::Map { values, .. } => {
                for value in map.values() {
                    values.absorb(value);
                }
            }
            Object::Fields(_) => self.merge(Object::of(map)),
        }
        self.collapse_if_wide();
    }

    fn merge(&mut self, other: Object) {
        let mine = std::mem::replace(self, Object::Fields(Fields::default()));
        *self = match (mine, other) {
            (Object::Fields(mut mine), Object::Fields(theirs)) => {
                mine.merge(theirs);
                Object::Fields(mine)
            }
            (Object::Map { values, notes }, Object::Fields(fields))
            | (Object::Fields(fields), Object::Map { values, notes }) => {
                let (mut values, mut notes) = (values, notes);
                merge_notes(&mut notes, fields.notes);
                for field in fields.fields.into_values() {
                    values.merge(field.shape);
                }
                Object::Map { values, notes }
            }
            (
                Object::Map {
                    mut values,
                    mut notes,
                },
                Object::Map {
                    values: theirs,
                    notes: their_notes,
                },
            ) => {
                values.merge(*theirs);
                merge_notes(&mut notes, their_notes);
                Object::Map { values, notes }
            }
        };
        self.collapse_if_wide();
    }

    /// Turns an object with more keys than a type has fields into a map.
    fn collapse_if_wide(&mut self) {
        let Object::Fields(fields) = self else {
            return;
        };
        if fields.fields.len() <= MAX_FIELDS {
            return;
        }
        let fields = std::mem::take(fields);
        let mut values = Shape::default();
        for field in fields.fields.into_values() {
            values.merge(field.shape);
        }
        *self = Object::Map {
            values: Box::new(values),
            notes: fields.notes,
        };
    }
}

impl Fields {
    /// The fields of one object, each present. Never a map: the detail itself is a type.
    pub(crate) fn of(map: &Map<String, Value>) -> Fields {
        Fields {
            fields: map
                .iter()
                .map(|(key, value)| {
                    let field = Field {
                        shape: Shape::of(value),
                        required: true,
                    };
                    (key.clone(), field)
                })
                .collect(),
            name: NameHint::default(),
            notes: Notes::new(),
        }
    }

    /// Merges one object in, as `merge(Fields::of(map))` does, in place, into the fields of at
    /// least one object seen before; the value of the key `except`, when given, is only noted
    /// as present.
    pub(crate) fn absorb(&mut self, map: &Map<String, Value>, except: Option<&str>) {
        for (key, field) in &mut self.fields {
            if !map.contains_key(key) {
                field.required = false;
            }
        }
        for (key, value) in map {
            let skip = except == Some(key.as_str());
            match self.fields.get_mut(key) {
                Some(field) if !skip => field.shape.absorb(value),
                Some(_) => {}
                None => {
                    let shape = if skip {
                        Shape::default()
                    } else {
                        Shape::of(value)
                    };
                    // Missing from the samples before.
                    let required = false;
                    self.fields.insert(key.clone(), Field { shape, required });
                }
            }
        }
    }

    /// Merges `other` in: a field is required only where both had it required.
    pub(crate) fn merge(&mut self, other: Fields) {
        for (key, field) in &mut self.fields {
            if !other.fields.contains_key(key) {
                field.required = false;
            }
        }
        for (key, field) in other.fields {
            match self.fields.entry(key) {
                MapEntry::Occupied(mut entry) => {
                    let mine = entry.get_mut();
                    mine.required &= field.required;
                    mine.shape.merge(field.shape);
                }
                MapEntry::Vacant(entry) => {
                    entry.insert(Field {
                        required: false,
                        ..field
                    });
                }
            }
        }
        self.name.0 = match (self.name.0.take(), other.name.0) {
            (Some(mine), Some(theirs)) => Some(mine.min(theirs)),
            (mine, theirs) => mine.or(theirs),
        };
        merge_notes(&mut self.notes, other.notes);
    }

    pub(crate) fn walk(&self, path: &str, out: &mut BTreeMap<String, PathInfo>) {
        for (key, field) in &self.fields {
            field
                .shape
                .walk(&child_path(path, key), field.required, out);
        }
    }

    pub(crate) fn check(
        &self,
        map: &Map<String, Value>,
        path: &str,
        violations: &mut Vec<Violation>,
    ) {
        for (key, value) in map {
            let path = child_path(path, key);
            match self.fields.get(key) {
                Some(field) => field.shape.check(value, &path, violations),
                None => violations.push(Violation::new(
                    &path,
                    ViolationKind::Unlisted,
                    "not in the schema".to_owned(),
                    value,
                )),
            }
        }
        for (key, field) in &self.fields {
            if field.required && !map.contains_key(key) {
                violations.push(Violation {
                    path: child_path(path, key),
                    kind: ViolationKind::Missing,
                    declared: format!("required {}", field.shape.summary()),
                    found: "missing".to_owned(),
                });
            }
        }
    }
}

fn merge_option<T>(mine: &mut Option<T>, theirs: Option<T>, merge: impl FnOnce(&mut T, T)) {
    match (mine.as_mut(), theirs) {
        (Some(mine), Some(theirs)) => merge(mine, theirs),
        (None, Some(theirs)) => *mine = Some(theirs),
        (_, None) => {}
    }
}

/// Keeps every note; where both have one under a key, the one whose JSON text sorts first,
/// so that the result does not depend on the order of merging.
pub(crate) fn merge_notes(mine: &mut Notes, theirs: Notes) {
    for (key, value) in theirs {
        match mine.entry(key) {
            MapEntry::Vacant(entry) => {
                entry.insert(value);
            }
            MapEntry::Occupied(mut entry) => {
                let text = |value: &Value| serde_json::to_string(value).unwrap_or_default();
                if text(&value) < text(entry.get()) {
                    entry.insert(value);
                }
            }
        }
    }
}

/// The path of `key` below `path`: `detail.state`, or `detail["a b"]` for a key that is not
/// a plain word, as drift reports write paths.
pub(crate) fn child_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'$' | b'@' | b'*'));
    match (plain, path.is_empty()) {
        (true, true) => key.to_owned(),
        (true, false) => format!("{path}.{key}"),
        (false, _) => format!("{path}[{}]", Value::from(key)),
    }
}

/// Where a value does not fit the schema of its place.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// Where, as a JSON path from the event's root: `detail.items[2].sku`.
    pub path: String,
    /// What kind of misfit.
    pub kind: ViolationKind,
    /// What the schema declares there: `integer`, `required string`, `not in the schema`.
    pub declared: String,
    /// What came, as compact JSON, or `missing`.
    pub found: String,
}

/// The kinds of [`Violation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A key the schema does not list.
    Unlisted,
    /// A value of a type the schema does not admit there.
    Misfit,
    /// A field the schema requires is missing.
    Missing,
    /// A string the schema declares a `date-time` that is not an RFC 3339 timestamp.
    InvalidTimestamp,
    /// A string outside the schema's `enum`.
    UnknownValue,
}

impl Violation {
    fn new(path: &str, kind: ViolationKind, declared: String, found: &Value) -> Violation {
        Violation {
            path: path.to_owned(),
            kind,
            declared,
            found: found.to_string(),
        }
    }
}

impl std::fmt::Display for ViolationKind {
    /// The words the events crate uses for the same kinds of drift.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ViolationKind::Unlisted => "unlisted",
            ViolationKind::Misfit => "misfit",
            ViolationKind::Missing => "missing",
            ViolationKind::InvalidTimestamp => "invalid timestamp",
            ViolationKind::UnknownValue => "unknown value",
        })
    }
}

impl std::fmt::Display for Violation {
    /// `PATH<TAB>KIND<TAB>DECLARED<TAB>FOUND`, as the events crate prints drift.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}\t{}\t{}\t{}",
            self.path, self.kind, self.declared, self.found
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merged(values: &[Value]) -> Shape {
        let mut shape = Shape::default();
        for value in values {
            shape.merge(Shape::of(value));
        }
        shape
    }

    fn violations(shape: &Shape, value: &Value) -> Vec<String> {
        let mut found = Vec::new();
        shape.check(value, "detail", &mut found);
        found.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn integers_and_decimals_widen_to_number() {
        assert_eq!(merged(&[json!(1), json!(2)]).summary(), "integer");
        assert_eq!(merged(&[json!(1), json!(2.5)]).summary(), "number");
        assert_eq!(merged(&[json!(u64::MAX)]).summary(), "number", "beyond i64");
    }

    #[test]
    fn conflicting_types_are_a_union_and_null_is_kept_apart() {
        let shape = merged(&[json!("a"), json!(1), json!(null)]);
        assert_eq!(shape.summary(), "integer | string");
        assert!(shape.null);
        assert_eq!(merged(&[json!(null)]).summary(), "null");
    }

    #[test]
    fn timestamps_stay_timestamps_only_while_every_sample_is_one() {
        let times = merged(&[
            json!("2024-01-01T00:00:00Z"),
            json!("2024-01-01T00:00:00.5+02:00"),
        ]);
        assert_eq!(times.summary(), "string (date-time)");
        let mixed = merged(&[json!("2024-01-01T00:00:00Z"), json!("date")]);
        assert_eq!(mixed.summary(), "string");
    }

    #[test]
    fn a_field_missing_from_one_sample_is_not_required() {
        let shape = merged(&[json!({"a": 1, "b": 2}), json!({"a": 3})]);
        let Some(Object::Fields(fields)) = &shape.object else {
            panic!("{shape:?}")
        };
        assert!(fields.fields["a"].required);
        assert!(!fields.fields["b"].required);
    }

    #[test]
    fn objects_keyed_by_data_are_maps() {
        let shape = Shape::of(
            &json!({"i-0123456789abcdef0": {"state": "running"}, "i-0fedcba987654321f": {"state": "stopped", "code": 80}}),
        );
        let Some(Object::Map { values, .. }) = &shape.object else {
            panic!("{shape:?}")
        };
        assert_eq!(values.summary(), "object");
        // A map absorbs objects with named keys at the same place: their keys were data too.
        let mut shape = shape;
        shape.merge(Shape::of(&json!({"name": {"state": "x"}})));
        assert_eq!(shape.summary(), "map");
    }

    #[test]
    fn objects_with_too_many_keys_are_maps() {
        let wide: Map<String, Value> = (0..=MAX_FIELDS)
            .map(|n| (format!("key{n}"), json!(n)))
            .collect();
        assert_eq!(Shape::of(&Value::Object(wide)).summary(), "map");
        // Reached over several samples, the same.
        let mut shape = Shape::default();
        for n in 0..=MAX_FIELDS {
            shape.merge(Shape::of(&json!({ format!("key{n}"): n })));
        }
        assert_eq!(shape.summary(), "map");
    }

    #[test]
    fn arrays_of_objects_merge_their_elements() {
        let shape = Shape::of(&json!([{"sku": "a", "qty": 1}, {"sku": "b"}]));
        let mut paths = BTreeMap::new();
        shape.walk("items", true, &mut paths);
        assert_eq!(paths["items[*].sku"].summary, "string");
        assert!(paths["items[*].sku"].required);
        assert!(!paths["items[*].qty"].required);
    }

    #[test]
    fn the_shape_stays_bounded_however_many_samples() {
        let sample = |n: usize| {
            json!({
                "id": format!("order-{n}"),
                "by-id": { format!("{n:016x}"): n },
                "tags": [format!("tag-{n}")],
                "note": "x".repeat(n % 100),
            })
        };
        let weight_after = |count: usize| {
            let mut shape = Shape::default();
            for n in 0..count {
                shape.merge(Shape::of(&sample(n)));
            }
            shape.weight()
        };
        assert_eq!(weight_after(1_000), weight_after(10_000));
    }

    #[test]
    fn checking_names_each_misfit_by_path() {
        let shape = merged(&[
            json!({"a": 1, "t": "2024-01-01T00:00:00Z", "m": {"12": true}}),
            json!({"a": 2, "t": "2024-01-02T00:00:00Z"}),
        ]);
        assert!(violations(&shape, &json!({"a": 3, "t": "2024-01-03T00:00:00Z"})).is_empty());
        assert_eq!(
            violations(
                &shape,
                &json!({"t": "soon", "a": "x", "m": {"13": 1}, "new": null})
            ),
            [
                "detail.a\tmisfit\tinteger\t\"x\"",
                "detail.m.13\tmisfit\tboolean\t1",
                "detail.new\tunlisted\tnot in the schema\tnull",
                "detail.t\tinvalid timestamp\tstring (date-time)\t\"soon\"",
            ]
        );
        assert_eq!(
            violations(&shape, &json!({})),
            [
                "detail.a\tmissing\trequired integer\tmissing",
                "detail.t\tmissing\trequired string (date-time)\tmissing"
            ]
        );
    }
}
