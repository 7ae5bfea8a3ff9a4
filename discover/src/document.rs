//! Registry documents: an event type's shapes written as OpenAPI 3 in the format of the
//! schema registry's exports, and documents read back into shapes.
//!
//! Each object becomes a named schema under `components.schemas`, named after the key it sits
//! under (the detail after its detail-type, as the registry names it), and referenced with
//! `$ref`; a nullable object is `allOf: [$ref]` with `nullable: true`, since OpenAPI 3.0
//! ignores the siblings of a `$ref`. Documents this crate writes say so in
//! `info.x-bridgecraft-discovered`: in them a string without `format: date-time` held
//! something other than a timestamp, and `{}` marks a place where nothing was seen (the items
//! of arrays that were always empty), not any JSON.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::Error;
use crate::shape::{Field, Fields, Notes, Object, Shape, Strings, Values};

/// The key of `info` that marks a document as inferred from samples by this crate.
pub const DISCOVERED: &str = "x-bridgecraft-discovered";

/// The keys of a schema that a [`Shape`] models; any other key is kept as a note.
const MODELED: [&str; 11] = [
    "type",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "nullable",
    "enum",
    "$ref",
    "oneOf",
    "anyOf",
    "allOf",
];

/// The draft-4 exporter renames keys that are JSON Schema keywords (`readOnly`) with this
/// prefix; events and `required` keep the original name.
const RENAMED_PREFIX: &str = "x-amazon-open-api-schema-";

/// One event type: what its samples and documents say of the envelope and of the detail.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub source: String,
    pub detail_type: String,
    /// The event's top-level keys; `detail` among them has no shape of its own.
    pub envelope: Fields,
    /// The detail's fields. The detail is always a type, never a map.
    pub detail: Fields,
    pub samples: u64,
    pub origin: Option<Origin>,
}

/// Where an entry was read from, and what of that document is not a shape.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Origin {
    /// Relative to the folder the document was read from.
    pub path: PathBuf,
    pub info: Map<String, Value>,
    pub discovered: bool,
}

impl Entry {
    pub fn new(source: &str, detail_type: &str) -> Entry {
        Entry {
            source: source.to_owned(),
            detail_type: detail_type.to_owned(),
            envelope: Fields::default(),
            detail: Fields::default(),
            samples: 0,
            origin: None,
        }
    }

    pub fn merge(&mut self, other: Entry) {
        self.envelope.merge(other.envelope);
        self.detail.merge(other.detail);
        self.samples += other.samples;
        if self.origin.is_none() {
            self.origin = other.origin;
        }
    }

    /// The name of the detail's schema: the document's, or the detail-type's words run
    /// together as the registry does (`EC2InstanceStateChangeNotification`).
    pub fn root_name(&self) -> String {
        self.detail
            .name
            .0
            .clone()
            .unwrap_or_else(|| schema_name(&self.detail_type))
    }

    /// The schema's name, as `decode --schemas` reports it: the document's file name without
    /// `.json`, or `source@RootName`.
    pub fn schema_name(&self) -> String {
        match &self.origin {
            Some(origin) => origin
                .path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default(),
            None => format!("{}@{}", self.source, self.root_name()),
        }
    }

    /// Where the document goes, relative to the output folder: where it was read from, or
    /// `source/source@RootName.json` as `schemas/aws/` lays them out.
    pub fn path(&self) -> PathBuf {
        match &self.origin {
            Some(origin) => origin.path.clone(),
            None => {
                let source = file_safe(&self.source);
                PathBuf::from(&source).join(format!("{source}@{}.json", self.root_name()))
            }
        }
    }

    /// Whether the document marks itself as inferred from samples (see the module's docs).
    pub fn discovered(&self) -> bool {
        self.origin.as_ref().is_none_or(|origin| origin.discovered)
    }

    /// The document, in the registry's OpenAPI 3 format.
    pub fn render(&self) -> Value {
        let root = self.root_name();
        let mut renderer = Renderer::new(&root, &self.detail, &self.envelope);
        let detail = renderer.component(&self.detail);
        let mut event = renderer.fields_schema(&self.envelope);
        event.insert("type".into(), "object".into());
        event.insert("x-amazon-events-source".into(), self.source.clone().into());
        event.insert(
            "x-amazon-events-detail-type".into(),
            self.detail_type.clone().into(),
        );
        if let Some(Value::Object(properties)) = event.get_mut("properties") {
            properties.insert("detail".into(), json!({ "$ref": reference(&detail) }));
        }
        renderer
            .components
            .insert("AWSEvent".into(), Value::Object(event));

        let mut info = match &self.origin {
            Some(origin) => origin.info.clone(),
            None => Map::new(),
        };
        info.entry("title").or_insert_with(|| root.clone().into());
        info.entry("version").or_insert_with(|| "1.0.0".into());
        if self.discovered() {
            info.insert(DISCOVERED.into(), true.into());
        }
        json!({
            "openapi": "3.0.0",
            "info": info,
            "paths": {},
            "components": { "schemas": renderer.components },
        })
    }

    /// Every place of the event by path (`source`, `detail.items[*].sku`), with what it admits.
    pub fn paths(&self) -> BTreeMap<String, crate::shape::PathInfo> {
        let mut paths = BTreeMap::new();
        for (key, field) in &self.envelope.fields {
            if key != "detail" {
                field.shape.walk(
                    &crate::shape::child_path("", key),
                    field.required,
                    &mut paths,
                );
            }
        }
        self.detail.walk("detail", &mut paths);
        paths
    }
}

/// A document's name for a detail-type or a key: its words, each capitalized, run together
/// (`Order Placed` is `OrderPlaced`, `instance-id` is `InstanceId`, `eventID` is `EventID`).
pub(crate) fn schema_name(text: &str) -> String {
    let name: String = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect();
    if name.is_empty() {
        "Object".to_owned()
    } else {
        name
    }
}

/// A source as a file or folder name.
fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn reference(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

/// Writes shapes as schemas, naming each object's schema.
struct Renderer {
    /// Each object's name, by address: the shapes are borrowed, unchanged, while rendering.
    names: HashMap<*const Fields, String>,
    components: Map<String, Value>,
}

impl Renderer {
    /// Names every object below the detail and the envelope, shallowest first, so that the
    /// plainest name goes to the object nearest the root: a name is the document's own, the
    /// key's, the key's after its parent's, or the key's with a number. Objects of one name
    /// and the same shape share their schema.
    fn new<'a>(root: &str, detail: &'a Fields, envelope: &'a Fields) -> Renderer {
        let mut taken: BTreeMap<String, Signature> = BTreeMap::new();
        let mut names = HashMap::new();
        taken.insert("AWSEvent".to_owned(), signature(envelope));
        taken.insert(root.to_owned(), signature(detail));
        names.insert(detail as *const Fields, root.to_owned());
        let mut queue = std::collections::VecDeque::new();
        queue.push_back((detail, root.to_owned()));
        queue.push_back((envelope, String::new()));
        while let Some((fields, parent)) = queue.pop_front() {
            for (key, field) in &fields.fields {
                let mut found = Vec::new();
                objects_in(&field.shape, schema_name(key), &mut found);
                for (object, base) in found {
                    let name = choose_name(object, &base, &parent, &taken);
                    taken.insert(name.clone(), signature(object));
                    names.insert(object as *const Fields, name.clone());
                    queue.push_back((object, name));
                }
            }
        }
        Renderer {
            names,
            components: Map::new(),
        }
    }

    /// Writes an object's schema under its name, once; returns the name.
    fn component(&mut self, fields: &Fields) -> String {
        let name = self.names[&(fields as *const Fields)].clone();
        if !self.components.contains_key(&name) {
            self.components.insert(name.clone(), Value::Null);
            let mut schema = self.fields_schema(fields);
            schema.insert("type".into(), "object".into());
            self.components.insert(name.clone(), Value::Object(schema));
        }
        name
    }

    /// `properties` and `required` of an object, with its notes.
    fn fields_schema(&mut self, fields: &Fields) -> Map<String, Value> {
        let mut properties = Map::new();
        for (key, field) in &fields.fields {
            properties.insert(key.clone(), self.schema(&field.shape));
        }
        let required: Vec<Value> = fields
            .fields
            .iter()
            .filter(|(_, field)| field.required)
            .map(|(key, _)| Value::from(key.as_str()))
            .collect();
        let mut schema = Map::new();
        schema.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".into(), Value::Array(required));
        }
        with_notes(schema, &fields.notes)
    }

    fn schema(&mut self, shape: &Shape) -> Value {
        if shape.any {
            return Value::Object(with_notes(Map::new(), &shape.notes));
        }
        let mut kinds: Vec<Map<String, Value>> = Vec::new();
        let typed = |ty: &str| {
            let mut schema = Map::new();
            schema.insert("type".into(), ty.into());
            schema
        };
        if shape.boolean {
            kinds.push(typed("boolean"));
        }
        if shape.number {
            kinds.push(typed("number"));
        } else if shape.integer {
            kinds.push(typed("integer"));
        }
        if let Some(strings) = &shape.string {
            kinds.push(string_schema(strings));
        }
        if let Some(items) = &shape.array {
            let mut schema = typed("array");
            schema.insert("items".into(), self.schema(items));
            kinds.push(schema);
        }
        match &shape.object {
            Some(Object::Fields(fields)) => {
                let name = self.component(fields);
                let mut schema = Map::new();
                schema.insert("$ref".into(), reference(&name).into());
                kinds.push(schema);
            }
            Some(Object::Map { values, notes }) => {
                let mut schema = typed("object");
                schema.insert("additionalProperties".into(), self.schema(values));
                kinds.push(with_notes(schema, notes));
            }
            None => {}
        }
        let mut schema = match kinds.len() {
            0 => Map::new(),
            1 => kinds.remove(0),
            _ => {
                let mut union = Map::new();
                let members = kinds.into_iter().map(Value::Object).collect();
                union.insert("oneOf".into(), Value::Array(members));
                union
            }
        };
        if shape.null {
            if schema.contains_key("$ref") {
                let mut wrapper = Map::new();
                wrapper.insert("allOf".into(), json!([schema]));
                schema = wrapper;
            }
            schema.insert("nullable".into(), true.into());
        }
        Value::Object(with_notes(schema, &shape.notes))
    }
}

/// The objects a field's shape holds, each with the name its place suggests: arrays' items
/// take the key's, map values the key's with `Value`.
fn objects_in<'a>(shape: &'a Shape, base: String, found: &mut Vec<(&'a Fields, String)>) {
    if let Some(items) = &shape.array {
        objects_in(items, base.clone(), found);
    }
    match &shape.object {
        Some(Object::Fields(fields)) => found.push((fields, base)),
        Some(Object::Map { values, .. }) => objects_in(values, format!("{base}Value"), found),
        None => {}
    }
}

/// What an object's schema says: every place below it with what it admits, and its notes.
/// Objects that are written alike share a name, whatever their shapes keep that is not
/// written (the values seen, integers among numbers).
type Signature = (BTreeMap<String, crate::shape::PathInfo>, Notes);

fn signature(object: &Fields) -> Signature {
    let mut paths = BTreeMap::new();
    object.walk("", &mut paths);
    (paths, object.notes.clone())
}

fn choose_name(
    object: &Fields,
    base: &str,
    parent: &str,
    taken: &BTreeMap<String, Signature>,
) -> String {
    let mut candidates: Vec<String> = object.name.0.iter().cloned().collect();
    candidates.push(base.to_owned());
    candidates.push(format!("{parent}{base}"));
    let own = signature(object);
    for candidate in &candidates {
        match taken.get(candidate) {
            None => return candidate.clone(),
            Some(other) if *other == own => return candidate.clone(),
            Some(_) => {}
        }
    }
    let first = &candidates[0];
    (2..)
        .map(|n| format!("{first}{n}"))
        .find(|name| !taken.contains_key(name))
        .unwrap_or_default()
}

fn string_schema(strings: &Strings) -> Map<String, Value> {
    let mut schema = Map::new();
    schema.insert("type".into(), "string".into());
    if strings.date_time {
        schema.insert("format".into(), "date-time".into());
    }
    if let Some(values) = strings.enumeration() {
        schema.insert("enum".into(), values.iter().cloned().collect());
    }
    schema
}

fn with_notes(mut schema: Map<String, Value>, notes: &Notes) -> Map<String, Value> {
    for (key, value) in notes {
        schema.entry(key.clone()).or_insert_with(|| value.clone());
    }
    schema
}

/// Reads a registry document (OpenAPI 3 or JSONSchemaDraft4, as the registry exports them)
/// into an entry; `path` is relative to the folder, for writing it back.
pub(crate) fn parse(file: &Path, path: PathBuf, json: &Value) -> Result<Entry, Error> {
    let fail = |pointer: &str, message: String| Error::Document {
        path: file.to_owned(),
        pointer: pointer.to_owned(),
        message,
    };
    let root = json
        .as_object()
        .ok_or_else(|| fail("", "expected a JSON object".into()))?;
    let empty = Map::new();
    let (schemas, event, event_pointer, prefix) = if root.contains_key("openapi") {
        let schemas = root
            .get("components")
            .and_then(|components| components.get("schemas"))
            .and_then(Value::as_object)
            .ok_or_else(|| {
                fail(
                    "/components/schemas",
                    "an OpenAPI document needs `components.schemas`".into(),
                )
            })?;
        let event = schemas
            .get("AWSEvent")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                fail(
                    "/components/schemas/AWSEvent",
                    "missing the `AWSEvent` schema".into(),
                )
            })?;
        (
            schemas,
            event,
            "/components/schemas/AWSEvent",
            "#/components/schemas/",
        )
    } else {
        let schemas = match root.get("definitions") {
            Some(Value::Object(definitions)) => definitions,
            None => &empty,
            Some(_) => return Err(fail("/definitions", "expected an object".into())),
        };
        (schemas, root, "", "#/definitions/")
    };
    let text = |key: &str| {
        event
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| fail(event_pointer, format!("missing `{key}`")))
    };
    let (source, detail_type) = (
        text("x-amazon-events-source")?,
        text("x-amazon-events-detail-type")?,
    );
    let info = root
        .get("info")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let discovered = info.get(DISCOVERED) == Some(&Value::Bool(true));
    let mut parser = Parser {
        file,
        schemas,
        prefix,
        discovered,
        stack: Vec::new(),
    };

    let detail_pointer = format!("{event_pointer}/properties/detail");
    let detail_ref = event
        .get("properties")
        .and_then(|properties| properties.get("detail"))
        .and_then(|detail| detail.get("$ref"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            fail(
                &detail_pointer,
                "`detail` must be a `$ref` to the detail's schema".into(),
            )
        })?;
    let detail = match parser
        .shape(&json!({ "$ref": detail_ref }), &detail_pointer)?
        .object
    {
        Some(Object::Fields(fields)) => fields,
        _ => {
            return Err(fail(
                &detail_pointer,
                "the detail's schema must be an object with `properties`".into(),
            ));
        }
    };

    let mut event = event.clone();
    event.remove("x-amazon-events-source");
    event.remove("x-amazon-events-detail-type");
    let mut envelope = parser.object(&event, event_pointer)?;
    envelope.notes = notes_of(&event);
    if let Some(field) = envelope.fields.get_mut("detail") {
        field.shape = Shape::default();
    }
    Ok(Entry {
        source: source.to_owned(),
        detail_type: detail_type.to_owned(),
        envelope,
        detail,
        samples: 0,
        origin: Some(Origin {
            path,
            info,
            discovered,
        }),
    })
}

struct Parser<'a> {
    file: &'a Path,
    schemas: &'a Map<String, Value>,
    prefix: &'a str,
    discovered: bool,
    /// The named schemas being read, to stop at recursion.
    stack: Vec<&'a str>,
}

impl<'a> Parser<'a> {
    fn fail(&self, pointer: &str, message: String) -> Error {
        Error::Document {
            path: self.file.to_owned(),
            pointer: pointer.to_owned(),
            message,
        }
    }

    fn shape(&mut self, schema: &Value, pointer: &str) -> Result<Shape, Error> {
        let object = match schema {
            Value::Object(object) => object,
            Value::Bool(true) => return Ok(Shape::any()),
            _ => return Err(self.fail(pointer, "expected a schema object".into())),
        };
        let mut shape = Shape::default();
        let describes_object =
            object.contains_key("properties") || object.contains_key("additionalProperties");
        let mut notes = notes_of(object);
        let mut seen_anything = false;

        if let Some(reference) = object.get("$ref") {
            seen_anything = true;
            let target = self.resolve(reference, &format!("{pointer}/$ref"))?;
            if self.stack.contains(&target) {
                // A recursive schema: below the first level, any JSON.
                shape.merge(Shape::any());
            } else {
                self.stack.push(target);
                let target_pointer = format!("{}/{}", self.prefix.trim_start_matches('#'), target);
                let mut named = self.shape(&self.schemas[target], &target_pointer)?;
                self.stack.pop();
                // A registry's names are kept; in a discovered document they are what
                // discovery names the shape, and are named so again, so that updating a
                // document is discovering all its samples at once.
                let is_root = self.stack.is_empty();
                if let Some(Object::Fields(fields)) = &mut named.object
                    && (is_root || !self.discovered)
                {
                    fields.name.0 = Some(target.to_owned());
                }
                shape.merge(named);
            }
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(members) = object.get(key) {
                seen_anything = true;
                let Value::Array(members) = members else {
                    return Err(self.fail(
                        &format!("{pointer}/{key}"),
                        "expected an array of schemas".into(),
                    ));
                };
                for (index, member) in members.iter().enumerate() {
                    let member = self.shape(member, &format!("{pointer}/{key}/{index}"))?;
                    shape.merge(member);
                }
            }
        }
        if object.get("nullable") == Some(&Value::Bool(true)) {
            shape.null = true;
        }
        let types: Vec<&str> = match object.get("type") {
            None => Vec::new(),
            Some(Value::String(ty)) => vec![ty.as_str()],
            Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
            Some(_) => {
                return Err(self.fail(
                    &format!("{pointer}/type"),
                    "expected a string or an array of strings".into(),
                ));
            }
        };
        for ty in &types {
            seen_anything = true;
            match *ty {
                "null" => shape.null = true,
                "boolean" => shape.boolean = true,
                "integer" => shape.integer = true,
                "number" => shape.number = true,
                "string" => {
                    let date_time =
                        object.get("format").and_then(Value::as_str) == Some("date-time");
                    if date_time {
                        notes.remove("format");
                    }
                    let listed: Option<std::collections::BTreeSet<String>> =
                        match object.get("enum") {
                            Some(Value::Array(values)) => Some(
                                values
                                    .iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_owned)
                                    .collect(),
                            ),
                            _ => None,
                        };
                    shape.merge(Shape {
                        string: Some(Strings {
                            date_time,
                            enumerated: listed.is_some(),
                            values: listed.map_or(Values::Many, Values::Few),
                        }),
                        ..Shape::default()
                    });
                }
                "array" => {
                    let items = match object.get("items") {
                        Some(items) => self.shape(items, &format!("{pointer}/items"))?,
                        None => Shape::any(),
                    };
                    shape.merge(Shape {
                        array: Some(Box::new(items)),
                        ..Shape::default()
                    });
                }
                "object" => {
                    let parsed = self.object(object, pointer)?;
                    shape.merge(parsed_object(parsed, object, self, pointer)?);
                }
                other => {
                    return Err(self.fail(
                        &format!("{pointer}/type"),
                        format!("unknown type `{other}`"),
                    ));
                }
            }
        }
        if types.is_empty() && describes_object {
            seen_anything = true;
            let parsed = self.object(object, pointer)?;
            shape.merge(parsed_object(parsed, object, self, pointer)?);
        }
        if !seen_anything && !self.discovered {
            // In a document from elsewhere, a schema that says nothing admits any JSON.
            shape.merge(Shape::any());
        }
        if describes_object && let Some(object) = &mut shape.object {
            let target = match object {
                Object::Fields(fields) => &mut fields.notes,
                Object::Map { notes, .. } => notes,
            };
            crate::shape::merge_notes(target, std::mem::take(&mut notes));
        }
        crate::shape::merge_notes(&mut shape.notes, notes);
        Ok(shape)
    }

    /// The fields of an object schema; its own notes are left to the caller.
    fn object(&mut self, object: &Map<String, Value>, pointer: &str) -> Result<Fields, Error> {
        let mut fields = Fields::default();
        let required: Vec<&str> = match object.get("required") {
            Some(Value::Array(keys)) => keys.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if let Some(properties) = object.get("properties") {
            let Value::Object(properties) = properties else {
                return Err(self.fail(
                    &format!("{pointer}/properties"),
                    "expected an object".into(),
                ));
            };
            for (key, property) in properties {
                let json_key = key.strip_prefix(RENAMED_PREFIX).unwrap_or(key);
                let property_pointer = format!(
                    "{pointer}/properties/{}",
                    key.replace('~', "~0").replace('/', "~1")
                );
                let shape = self.shape(property, &property_pointer)?;
                fields.fields.insert(
                    json_key.to_owned(),
                    Field {
                        shape,
                        required: required.contains(&json_key),
                    },
                );
            }
        }
        Ok(fields)
    }

    fn resolve(&self, reference: &Value, pointer: &str) -> Result<&'a str, Error> {
        let reference = reference
            .as_str()
            .ok_or_else(|| self.fail(pointer, "`$ref` must be a string".into()))?;
        match reference.strip_prefix(self.prefix) {
            Some(name) if self.schemas.contains_key(name) => Ok(self
                .schemas
                .get_key_value(name)
                .map(|(key, _)| key.as_str())
                .unwrap_or_default()),
            _ => Err(self.fail(
                pointer,
                format!("`$ref` `{reference}` points to no schema in this document"),
            )),
        }
    }
}

/// An object schema as a shape: its `properties` as fields, or, without them, a map of its
/// `additionalProperties`; an object schema with neither is, in a discovered document, the
/// empty object its samples were, and elsewhere an object of anything.
fn parsed_object(
    fields: Fields,
    object: &Map<String, Value>,
    parser: &mut Parser<'_>,
    pointer: &str,
) -> Result<Shape, Error> {
    let parsed = if object.contains_key("properties") {
        Object::Fields(fields)
    } else {
        match object.get("additionalProperties") {
            Some(values @ Value::Object(_)) => Object::Map {
                values: Box::new(parser.shape(values, &format!("{pointer}/additionalProperties"))?),
                notes: Notes::new(),
            },
            Some(Value::Bool(true)) => Object::Map {
                values: Box::new(Shape::any()),
                notes: Notes::new(),
            },
            _ if parser.discovered => Object::Fields(fields),
            _ => Object::Map {
                values: Box::new(Shape::any()),
                notes: Notes::new(),
            },
        }
    };
    Ok(Shape {
        object: Some(parsed),
        ..Shape::default()
    })
}

fn notes_of(object: &Map<String, Value>) -> Notes {
    object
        .iter()
        .filter(|(key, _)| !MODELED.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_registry() {
        assert_eq!(
            schema_name("EC2 Instance State-change Notification"),
            "EC2InstanceStateChangeNotification"
        );
        assert_eq!(
            schema_name("AWS API Call via CloudTrail"),
            "AWSAPICallViaCloudTrail"
        );
        assert_eq!(schema_name("instance-id"), "InstanceId");
        assert_eq!(schema_name("eventID"), "EventID");
        assert_eq!(schema_name("--"), "Object");
    }
}
