//! The catalog: every event type seen or read, by source and detail-type, with its merged
//! shape; samples in, registry documents out.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::Read;
use std::path::{Path, PathBuf};

use bridgecraft_factory::{Decoded, DetailFactory, Envelope, EventFactory, Factory};
use serde::Deserializer;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::Error;
use crate::document::{self, Entry};
use crate::shape::{Fields, PathInfo, Shape, Violation};

/// Event types by `source` and `detail-type`, each with what its samples and documents say.
///
/// Samples are merged as they are read and then dropped: the catalog holds one merged shape
/// per type, so memory does not grow with the number of samples. Merging does not depend on
/// order: any order of the same samples gives the same documents.
///
/// ```
/// use bridgecraft_discover::Catalog;
///
/// let mut catalog = Catalog::new();
/// let tally = catalog.add_json(r#"{"source": "com.example.orders", "detail-type": "Order Placed",
///     "detail": {"order_id": "o-1", "total": 12.5, "placed_at": "2024-01-01T00:00:00Z"}}"#);
/// assert_eq!(tally.events, 1);
/// let documents = catalog.documents();
/// assert_eq!(documents[0].path.to_str(), Some("com.example.orders/com.example.orders@OrderPlaced.json"));
/// let detail = &documents[0].json["components"]["schemas"]["OrderPlaced"];
/// assert_eq!(detail["properties"]["placed_at"]["format"], "date-time");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    entries: BTreeMap<String, BTreeMap<String, Entry>>,
}

/// A registry document for one event type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Document {
    /// Where it goes, relative to the output folder: `source/source@Name.json`, or where it was
    /// read from.
    pub path: PathBuf,
    /// The events' `source`.
    pub source: String,
    /// The events' `detail-type`.
    pub detail_type: String,
    /// The samples merged into it since it was read or created.
    pub samples: u64,
    /// The document, in the registry's OpenAPI 3 format.
    pub json: Value,
}

impl Document {
    /// The document's text, as it is written: pretty JSON with keys in order, and a newline.
    pub fn text(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.json).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// What reading samples did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tally {
    /// JSON values read: events, envelopes and batches.
    pub values: u64,
    /// Events merged into the catalog.
    pub events: u64,
    /// Values and events that were not merged.
    pub skipped: u64,
    /// Why, for the first [`Tally::KEPT_SKIPS`] of them.
    pub skips: Vec<Skip>,
}

/// A value or event that was not merged, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Skip {
    /// The input, as the caller named it.
    pub origin: String,
    /// Which value of the input, from 1.
    pub value: u64,
    /// Why it was not merged.
    pub reason: String,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: value {}: {}", self.origin, self.value, self.reason)
    }
}

impl Tally {
    /// How many skips a tally keeps the reasons of.
    pub const KEPT_SKIPS: usize = 20;

    fn skip(&mut self, origin: &str, value: u64, reason: String) {
        self.skipped += 1;
        if self.skips.len() < Self::KEPT_SKIPS {
            self.skips.push(Skip {
                origin: origin.to_owned(),
                value,
                reason,
            });
        }
    }

    /// Adds another tally's counts and reasons to this one.
    pub fn add(&mut self, other: Tally) {
        self.values += other.values;
        self.events += other.events;
        self.skipped += other.skipped;
        let room = Self::KEPT_SKIPS.saturating_sub(self.skips.len());
        self.skips.extend(other.skips.into_iter().take(room));
    }
}

/// How a document changed: what `--merge` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A type no document had.
    New,
    /// What the samples added, a line per place: `+ detail.note: string`,
    /// `~ detail.total: integer -> number`, `~ detail.coupon: no longer required`.
    Changed(Vec<String>),
    /// The samples fit what the document had.
    Unchanged,
}

/// An event type's document and how it changed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Update {
    /// The document as it is now.
    pub document: Document,
    /// How it differs from the one before.
    pub change: Change,
}

/// The detail of an event whose type the catalog has, checked against its document; what a
/// [`Catalog`] decodes into as a [`DetailFactory`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Checked {
    /// The schema's name: its document's file name without `.json`
    /// (`com.example.orders@OrderPlaced`).
    pub schema: String,
    /// The detail, as it came.
    pub detail: Box<RawValue>,
    /// Where it does not fit the document, by path from the event (`detail.total`).
    pub violations: Vec<Violation>,
}

impl serde::Serialize for Checked {
    /// Writes the detail back as it came.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.detail.serialize(serializer)
    }
}

/// A detail factory that knows no type: what the factory's envelope unwrapping needs to hand
/// back every event raw.
struct NoTypes;

impl DetailFactory<Infallible> for NoTypes {
    fn knows(&self, _: &str, _: &str) -> bool {
        false
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        _: De,
    ) -> Result<Infallible, De::Error> {
        Err(serde::de::Error::custom(format_args!(
            "no type for `{source}` / `{detail_type}`"
        )))
    }
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Catalog {
        Catalog::default()
    }

    /// Reads every registry document below `dir` (`*.json`, OpenAPI 3 or JSONSchemaDraft4):
    /// what `--merge` starts from, and what [`check`](Self::check) checks against.
    pub fn read_documents(dir: &Path) -> Result<Catalog, Error> {
        let mut catalog = Catalog::new();
        let mut origins: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
        for file in crate::input::files(&[dir.to_owned()], &["json"]) {
            let text = std::fs::read_to_string(&file).map_err(|source| Error::Io {
                path: file.clone(),
                source,
            })?;
            let json: Value = serde_json::from_str(&text).map_err(|source| Error::Json {
                path: file.clone(),
                source,
            })?;
            let relative = file.strip_prefix(dir).unwrap_or(&file).to_owned();
            let entry = document::parse(&file, relative, &json)?;
            let pair = (entry.source.clone(), entry.detail_type.clone());
            if let Some(first) = origins.insert(pair.clone(), file.clone()) {
                return Err(Error::DuplicateType {
                    event_source: pair.0,
                    detail_type: pair.1,
                    first,
                    second: file,
                });
            }
            catalog.insert(entry);
        }
        Ok(catalog)
    }

    fn insert(&mut self, entry: Entry) {
        let types = self.entries.entry(entry.source.clone()).or_default();
        match types.get_mut(&entry.detail_type) {
            Some(existing) => existing.merge(entry),
            None => {
                types.insert(entry.detail_type.clone(), entry);
            }
        }
    }

    fn entry(&self, source: &str, detail_type: &str) -> Option<&Entry> {
        self.entries.get(source)?.get(detail_type)
    }

    /// Merges one event, given as JSON: its top-level keys and its detail. A detail sent as a
    /// JSON string holding an object (as EventBridge Scheduler sends it) is that object; a
    /// missing one is `{}`.
    pub fn add_event(&mut self, event: &Value) -> Result<(), String> {
        let Value::Object(map) = event else {
            return Err(format!("an event is a JSON object, not {}", kind_of(event)));
        };
        let text = |key: &str| match map.get(key) {
            Some(Value::String(text)) => Ok(text.as_str()),
            _ => Err(format!("no string `{key}`: not an event")),
        };
        let (source, detail_type) = (text("source")?, text("detail-type")?);
        let parsed;
        let detail = match map.get("detail") {
            None => None,
            Some(Value::Object(detail)) => Some(detail),
            Some(Value::String(text)) => match serde_json::from_str(text) {
                Ok(Value::Object(detail)) => {
                    parsed = detail;
                    Some(&parsed)
                }
                _ => return Err("`detail` is a string that holds no JSON object".to_owned()),
            },
            Some(other) => {
                return Err(format!("`detail` is {}, not an object", kind_of(other)));
            }
        };
        let empty = Map::new();
        let detail = detail.unwrap_or(&empty);
        if let Some(entry) = self
            .entries
            .get_mut(source)
            .and_then(|types| types.get_mut(detail_type))
        {
            entry.envelope.absorb(map, Some("detail"));
            entry.detail.absorb(detail, None);
            entry.samples += 1;
            return Ok(());
        }
        let mut envelope = Fields::default();
        for (key, value) in map {
            let shape = match key.as_str() {
                "detail" => Shape::default(),
                _ => Shape::of(value),
            };
            let field = crate::shape::Field {
                shape,
                required: true,
            };
            envelope.fields.insert(key.clone(), field);
        }
        self.insert(Entry {
            envelope,
            detail: Fields::of(detail),
            samples: 1,
            ..Entry::new(source, detail_type)
        });
        Ok(())
    }

    /// Merges the events of one JSON text: a bare event, an SQS message, an SNS notification,
    /// a Lambda SQS or SNS batch (unwrapped as the factory unwraps them), or an array of any
    /// of these.
    pub fn add_json(&mut self, json: &str) -> Tally {
        let mut tally = Tally::default();
        self.add_value(json, "input", 1, &mut tally);
        tally
    }

    fn add_value(&mut self, json: &str, origin: &str, index: u64, tally: &mut Tally) {
        tally.values += 1;
        if json.trim_start().starts_with('[') {
            match serde_json::from_str::<Vec<&RawValue>>(json) {
                Ok(items) => {
                    tally.values -= 1;
                    for item in items {
                        self.add_value(item.get(), origin, index, tally);
                    }
                }
                Err(error) => tally.skip(origin, index, error.to_string()),
            }
            return;
        }
        // A bare event, the common case, is read once; anything else goes through the
        // factory's unwrapping of envelopes.
        if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(json)
            && value.get("source").is_some_and(Value::is_string)
            && value.get("detail-type").is_some_and(Value::is_string)
        {
            match self.add_event(&value) {
                Ok(()) => tally.events += 1,
                Err(reason) => tally.skip(origin, index, reason),
            }
            return;
        }
        let unwrapper = Factory::<Infallible, _>::new(NoTypes);
        for record in unwrapper.decode(json.as_bytes(), Envelope::Auto) {
            let result = match record.result {
                Ok(Decoded::Unknown(unknown)) => serde_json::from_str::<Value>(unknown.raw())
                    .map_err(|error| error.to_string())
                    .and_then(|event| self.add_event(&event)),
                Ok(Decoded::Typed(event)) => match event.detail {},
                Err(error) => Err(error.to_string()),
            };
            match result {
                Ok(()) => tally.events += 1,
                Err(reason) => tally.skip(origin, index, reason),
            }
        }
    }

    /// Merges every JSON value `reader` holds, one after the other: a document of one value,
    /// or JSON lines. `origin` names the input in skips. Only one value is in memory at a time.
    pub fn read(&mut self, reader: impl Read, origin: &str) -> std::io::Result<Tally> {
        let mut tally = Tally::default();
        let stream = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader))
            .into_iter::<Box<RawValue>>();
        for (index, value) in (1..).zip(stream) {
            match value {
                Ok(value) => self.add_value(value.get(), origin, index, &mut tally),
                Err(error) if error.is_io() => return Err(error.into()),
                Err(error) => {
                    // The rest of the input cannot be told apart from this broken value.
                    tally.values += 1;
                    tally.skip(origin, index, error.to_string());
                    break;
                }
            }
        }
        Ok(tally)
    }

    /// Reads samples from files and folders (`.json`, `.jsonl` and `.ndjson` files below them).
    pub fn read_paths(&mut self, paths: &[PathBuf]) -> Result<Tally, Error> {
        let mut tally = Tally::default();
        for file in crate::input::files(paths, crate::input::SAMPLE_EXTENSIONS) {
            let io = |source| Error::Io {
                path: file.clone(),
                source,
            };
            let reader = std::fs::File::open(&file).map_err(io)?;
            tally.add(self.read(reader, &file.display().to_string()).map_err(io)?);
        }
        Ok(tally)
    }

    /// Merges another catalog in.
    pub fn merge(&mut self, other: Catalog) {
        for types in other.entries.into_values() {
            for entry in types.into_values() {
                self.insert(entry);
            }
        }
    }

    /// The `(source, detail-type)` pairs, in order.
    pub fn types(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().flat_map(|(source, types)| {
            types
                .keys()
                .map(move |detail_type| (source.as_str(), detail_type.as_str()))
        })
    }

    /// Every place of an event type by JSON path (`source`, `detail.items[*].sku`, `detail.tags.*`
    /// for a map's values), with what it admits: `None` when the catalog has no such type.
    pub fn places(&self, source: &str, detail_type: &str) -> Option<BTreeMap<String, PathInfo>> {
        self.entry(source, detail_type).map(Entry::paths)
    }

    fn all(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values().flat_map(BTreeMap::values)
    }

    /// A registry document per event type.
    pub fn documents(&self) -> Vec<Document> {
        self.all().map(document_of).collect()
    }

    /// The documents, and how each differs from `before`'s document of its type.
    pub fn updates(&self, before: &Catalog) -> Vec<Update> {
        self.all()
            .map(|entry| {
                let document = document_of(entry);
                let change = match before.entry(&entry.source, &entry.detail_type) {
                    None => Change::New,
                    Some(old) if document_of(old).json == document.json => Change::Unchanged,
                    Some(old) => Change::Changed(differences(old, entry)),
                };
                Update { document, change }
            })
            .collect()
    }

    /// Writes each document below `dir`, only where its text changed; returns the paths written.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, Error> {
        let mut written = Vec::new();
        for document in self.documents() {
            let path = dir.join(&document.path);
            if write_if_changed(&path, &document.text())? {
                written.push(path);
            }
        }
        Ok(written)
    }

    /// Checks a detail against its type's document: `None` when the catalog has no such type.
    pub fn check(&self, source: &str, detail_type: &str, detail: &Value) -> Option<Vec<Violation>> {
        let entry = self.entry(source, detail_type)?;
        let mut violations = Vec::new();
        match detail {
            Value::Object(map) => entry.detail.check(map, "detail", &mut violations),
            other => violations.push(Violation {
                path: "detail".to_owned(),
                kind: crate::ViolationKind::Misfit,
                declared: "object".to_owned(),
                found: other.to_string(),
            }),
        }
        Some(violations)
    }
}

fn document_of(entry: &Entry) -> Document {
    Document {
        path: entry.path(),
        source: entry.source.clone(),
        detail_type: entry.detail_type.clone(),
        samples: entry.samples,
        json: entry.render(),
    }
}

/// What changed from `old` to `new`, a line per place.
fn differences(old: &Entry, new: &Entry) -> Vec<String> {
    let (old_paths, new_paths) = (old.paths(), new.paths());
    let mut lines = Vec::new();
    for (path, info) in &new_paths {
        let Some(before) = old_paths.get(path) else {
            lines.push(format!("+ {path}: {}", info.summary));
            continue;
        };
        if before.summary != info.summary {
            lines.push(format!("~ {path}: {} -> {}", before.summary, info.summary));
        }
        if before.required && !info.required {
            lines.push(format!("~ {path}: no longer required"));
        }
        if !before.nullable && info.nullable {
            lines.push(format!("~ {path}: now nullable"));
        }
    }
    for path in old_paths.keys() {
        if !new_paths.contains_key(path) {
            lines.push(format!("- {path}"));
        }
    }
    if lines.is_empty() {
        // The shapes agree; what differs is how the document is written.
        lines.push("~ the document's layout".to_owned());
    }
    lines
}

pub(crate) fn write_if_changed(path: &Path, text: &str) -> Result<bool, Error> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(false);
    }
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, text).map_err(io)?;
    Ok(true)
}

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

/// The catalog's types, decoded without compiling anything: each detail is kept as it came,
/// with where it does not fit its document. Chain it before the AWS factory to decode private
/// sources and AWS's alike: `Or::new(catalog, Aws)`.
impl<D: From<Checked>> DetailFactory<D> for Catalog {
    fn knows(&self, source: &str, detail_type: &str) -> bool {
        self.entry(source, detail_type).is_some()
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        let detail: Box<RawValue> = serde::Deserialize::deserialize(deserializer)?;
        let value: Value = serde_json::from_str(detail.get()).map_err(serde::de::Error::custom)?;
        // A detail sent as a JSON string holding the object is checked as that object.
        let value = match value {
            Value::String(text) => match serde_json::from_str::<Map<String, Value>>(&text) {
                Ok(object) => Value::Object(object),
                Err(_) => Value::String(text),
            },
            value => value,
        };
        let entry = self.entry(source, detail_type).ok_or_else(|| {
            serde::de::Error::custom(format_args!("no schema for `{source}` / `{detail_type}`"))
        })?;
        let violations = self.check(source, detail_type, &value).unwrap_or_default();
        Ok(D::from(Checked {
            schema: entry.schema_name(),
            detail,
            violations,
        }))
    }
}
