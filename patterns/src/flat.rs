//! An event flattened once into `(path, scalar, array membership)` leaves, sorted by path.
//!
//! Paths join keys with `.`, so `{"a":{"b":1}}` and `{"a.b":1}` give the same path, as in
//! EventBridge. Arrays are transparent to paths; each leaf records, for every array it sits in,
//! which array and which element, so that fields taken from one array of objects can be required
//! to come from the same element.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::BuildHasher;

use rustc_hash::FxBuildHasher;
use serde_json::Value;

use crate::consistency::{Member, Memberships, members_of};

/// A JSON number, keeping whether it was written as an integer.
///
/// Exact matching can compare numbers by representation, as the EventBridge documentation states
/// (`300`, `300.0` and `3.0e2` are different values); `numeric` always compares the values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// A non-negative integer.
    UInt(u64),
    /// An integer, usually negative (`UInt` holds the others where it matters).
    Int(i64),
    Float(f64),
}

impl Number {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Number::UInt(u) => u as f64,
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// An integer, as `UInt` when it is not negative.
    pub(crate) fn integer(i: i64) -> Number {
        u64::try_from(i).map_or(Number::Int(i), Number::UInt)
    }

    /// The integer value, for integers.
    pub(crate) fn as_integer(self) -> Option<i128> {
        match self {
            Number::UInt(u) => Some(i128::from(u)),
            Number::Int(i) => Some(i128::from(i)),
            Number::Float(_) => None,
        }
    }

    /// Reads a number as written in JSON; integers too large for 64 bits become floats, as in
    /// serde_json, so text and parsed events agree.
    pub(crate) fn from_text(text: &str) -> Option<Number> {
        let is_int = !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'));
        if is_int {
            if let Ok(u) = text.parse::<u64>() {
                return Some(Number::UInt(u));
            }
            if let Ok(i) = text.parse::<i64>() {
                return Some(Number::integer(i));
            }
        }
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Number::Float)
    }

    pub(crate) fn same_representation(self, other: Number) -> bool {
        match (self, other) {
            (Number::Float(a), Number::Float(b)) => a == b,
            (Number::Float(_), _) | (_, Number::Float(_)) => false,
            (a, b) => a.as_integer() == b.as_integer(),
        }
    }
}

impl From<&serde_json::Number> for Number {
    fn from(n: &serde_json::Number) -> Self {
        if let Some(u) = n.as_u64() {
            Number::UInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::integer(i)
        } else {
            Number::Float(n.as_f64().unwrap_or(f64::NAN))
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Str(Cow<'a, str>),
    Num(Number),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone)]
pub(crate) struct Leaf<'a> {
    /// [`path_hash`] of the path: leaves sort and are found by it, comparing text only on ties.
    hash: u64,
    path: (u32, u32),
    pub value: Scalar<'a>,
    membership: (u32, u32),
}

#[derive(Debug, Default)]
pub(crate) struct FlatEvent<'a> {
    paths: String,
    leaves: Vec<Leaf<'a>>,
    members: Vec<Member>,
}

/// The paths some patterns read, with every prefix of them that ends at a `.`: flattening skips
/// the parts of an event outside it (they are still checked to be valid JSON).
#[derive(Debug, Clone, Default)]
pub(crate) struct PathFilter {
    prefixes: HashSet<String, FxBuildHasher>,
}

impl PathFilter {
    pub(crate) fn new<'p>(paths: impl IntoIterator<Item = &'p str>) -> PathFilter {
        let mut prefixes = HashSet::default();
        for path in paths {
            for (i, b) in path.bytes().enumerate() {
                if b == b'.' {
                    prefixes.insert(path[..i].to_owned());
                }
            }
            prefixes.insert(path.to_owned());
        }
        PathFilter { prefixes }
    }

    fn wants(&self, path: &str) -> bool {
        self.prefixes.contains(path)
    }
}

impl<'a> FlatEvent<'a> {
    /// Flattens the parts of a parsed event that `filter` wants.
    pub(crate) fn from_value(value: &'a Value, filter: &PathFilter) -> FlatEvent<'a> {
        let mut builder = Builder::new(filter);
        builder.value(value);
        builder.finish()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.leaves.len()
    }

    #[cfg(test)]
    pub(crate) fn path(&self, leaf: usize) -> &str {
        self.leaves
            .get(leaf)
            .and_then(|l| {
                self.paths
                    .get(l.path.0 as usize..(l.path.0 + l.path.1) as usize)
            })
            .unwrap_or("")
    }

    pub(crate) fn leaf(&self, leaf: usize) -> Option<&Leaf<'a>> {
        self.leaves.get(leaf)
    }

    /// Indices of the leaves at `path`.
    #[cfg(test)]
    pub(crate) fn at(&self, path: &str) -> std::ops::Range<usize> {
        self.at_hashed(path_hash(path), path)
    }

    /// Indices of the leaves at `path`, whose [`path_hash`] is `hash`.
    pub(crate) fn at_hashed(&self, hash: u64, path: &str) -> std::ops::Range<usize> {
        let key = (hash, path);
        let start = self
            .leaves
            .partition_point(|l| (l.hash, self.path_of(l)) < key);
        let end = start
            + self.leaves[start..].partition_point(|l| l.hash == hash && self.path_of(l) == path);
        start..end
    }

    fn path_of(&self, leaf: &Leaf<'_>) -> &str {
        slice(&self.paths, leaf.path)
    }
}

impl Memberships for FlatEvent<'_> {
    fn membership(&self, leaf: usize) -> &[Member] {
        self.leaves
            .get(leaf)
            .map_or(&[], |l| members_of(&self.members, l.membership))
    }
}

/// The hash leaves are sorted and found by. Only pattern-side keys are ever stored in tables
/// hashed with [`FxBuildHasher`], so event content cannot flood a bucket.
pub(crate) fn path_hash(path: &str) -> u64 {
    FxBuildHasher.hash_one(path)
}

struct Builder<'a, 'f> {
    flat: FlatEvent<'a>,
    path: String,
    /// Bumped whenever `path` changes, so consecutive leaves at one path (the elements of an
    /// array) share one copy of it and one hash.
    path_version: u64,
    /// Path range, hash and `path_version` of the last leaf.
    last_leaf: Option<((u32, u32), u64, u64)>,
    membership: Vec<Member>,
    next_array: u32,
    filter: &'f PathFilter,
}

impl<'a, 'f> Builder<'a, 'f> {
    fn new(filter: &'f PathFilter) -> Self {
        let mut flat = FlatEvent::default();
        flat.paths.reserve(128);
        flat.leaves.reserve(8);
        Builder {
            flat,
            path: String::with_capacity(64),
            path_version: 0,
            last_leaf: None,
            membership: Vec::new(),
            next_array: 0,
            filter,
        }
    }

    fn finish(mut self) -> FlatEvent<'a> {
        let paths = std::mem::take(&mut self.flat.paths);
        self.flat.leaves.sort_unstable_by(|a, b| {
            a.hash.cmp(&b.hash).then_with(|| {
                if a.path == b.path {
                    std::cmp::Ordering::Equal
                } else {
                    slice(&paths, a.path).cmp(slice(&paths, b.path))
                }
            })
        });
        self.flat.paths = paths;
        self.flat
    }

    fn push_key(&mut self, key: &str) -> usize {
        self.path_version += 1;
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        len
    }

    fn pop_key(&mut self, len: usize) {
        self.path_version += 1;
        self.path.truncate(len);
    }

    fn leaf(&mut self, value: Scalar<'a>) {
        let (path, hash) = match self.last_leaf {
            Some((path, hash, version)) if version == self.path_version => (path, hash),
            _ => {
                let start = self.flat.paths.len();
                self.flat.paths.push_str(&self.path);
                let path = (to_u32(start), to_u32(self.path.len()));
                let hash = path_hash(&self.path);
                self.last_leaf = Some((path, hash, self.path_version));
                (path, hash)
            }
        };
        let member_start = self.flat.members.len();
        self.flat.members.extend_from_slice(&self.membership);
        self.flat.leaves.push(Leaf {
            hash,
            path,
            value,
            membership: (to_u32(member_start), to_u32(self.membership.len())),
        });
    }

    fn new_array(&mut self) -> u32 {
        let id = self.next_array;
        self.next_array = self.next_array.wrapping_add(1);
        id
    }

    fn value(&mut self, value: &'a Value) {
        match value {
            Value::Null => self.leaf(Scalar::Null),
            Value::Bool(b) => self.leaf(Scalar::Bool(*b)),
            Value::Number(n) => self.leaf(Scalar::Num(Number::from(n))),
            Value::String(s) => self.leaf(Scalar::Str(Cow::Borrowed(s))),
            Value::Array(items) => {
                let id = self.new_array();
                for (index, item) in items.iter().enumerate() {
                    self.membership.push((id, to_u32(index)));
                    self.value(item);
                    self.membership.pop();
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let len = self.push_key(key);
                    if self.filter.wants(&self.path) {
                        self.value(item);
                    }
                    self.pop_key(len);
                }
            }
        }
    }
}

fn slice(paths: &str, (start, len): (u32, u32)) -> &str {
    paths
        .get(start as usize..(start + len) as usize)
        .unwrap_or("")
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaves' paths, alphabetically (leaves themselves are ordered by path hash).
    fn paths(flat: &FlatEvent<'_>) -> Vec<String> {
        let mut paths: Vec<String> = (0..flat.len()).map(|i| flat.path(i).to_owned()).collect();
        paths.sort();
        paths
    }

    #[test]
    fn leaves_keep_their_paths_and_arrays() {
        let value: Value =
            serde_json::from_str(r#"{"b":{"c":[1,{"d":"x"}],"e.f":null},"a":true}"#).unwrap();
        let all = PathFilter::new(["a", "b.c", "b.c.d", "b.e.f"]);
        let flat = FlatEvent::from_value(&value, &all);
        assert_eq!(paths(&flat), vec!["a", "b.c", "b.c.d", "b.e.f"]);
        let d = flat.at("b.c.d");
        assert_eq!(d.len(), 1);
        assert_eq!(flat.membership(d.start), &[(0, 1)]);
        assert_eq!(
            flat.leaf(d.start).unwrap().value,
            Scalar::Str(Cow::Borrowed("x"))
        );
    }

    #[test]
    fn numbers_keep_integer_or_float_form() {
        let value: Value = serde_json::from_str(r#"{"a":300,"b":300.0,"c":3.0e2,"d":-5}"#).unwrap();
        let flat = FlatEvent::from_value(&value, &PathFilter::new(["a", "b", "c", "d"]));
        let num = |p: &str| match &flat.leaf(flat.at(p).start).unwrap().value {
            Scalar::Num(n) => *n,
            other => panic!("number expected, got {other:?}"),
        };
        assert_eq!(num("a"), Number::UInt(300));
        assert_eq!(num("b"), Number::Float(300.0));
        assert!(num("b").same_representation(num("c")));
        assert!(!num("a").same_representation(num("b")));
        assert_eq!(num("d"), Number::Int(-5));
    }

    #[test]
    fn filtering_keeps_exactly_the_wanted_paths() {
        let text = r#"{"a":{"b":1,"c":{"d":2}},"a.c":{"d":3,"e":4},"x":[{"a":5}],"a.b.z":6}"#;
        let filter = PathFilter::new(["a.c.d", "a.b"]);
        let value: Value = serde_json::from_str(text).unwrap();
        let flat = FlatEvent::from_value(&value, &filter);
        assert_eq!(paths(&flat), vec!["a.b", "a.c.d", "a.c.d"]);
    }
}
