//! Reading schema-registry documents: OpenAPI 3 exports and JSONSchemaDraft4 exports, as
//! `aws schemas export-schema` writes them and as `cargo xtask import-aws` writes AWS's.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::Error;

/// One event type's schema document.
#[derive(Clone, Debug)]
pub struct Document {
    /// Where the document came from, for errors and for a stable order.
    pub path: PathBuf,
    /// The event's `source`, such as `aws.ec2`.
    pub source: String,
    /// The event's `detail-type`.
    pub detail_type: String,
    /// The name of the detail's schema among `schemas`.
    pub root: String,
    /// The named schemas, by name.
    pub schemas: BTreeMap<String, Value>,
    /// The AWS resources the event is about, and the properties that identify them.
    pub resources: Vec<ResourceField>,
    /// Whether the document was inferred from samples by `bridgecraft-discover` (its
    /// `info.x-bridgecraft-discovered`): then a string without `format: date-time` held
    /// something other than a timestamp, whatever its key says.
    pub discovered: bool,
    /// How a `$ref` to a named schema starts: `#/components/schemas/` or `#/definitions/`.
    ref_prefix: &'static str,
    /// The JSON pointer of `schemas` in the document, for errors.
    schemas_pointer: &'static str,
}

/// A resource an event is about, from the document's `x-bridgecraft-resources`: a property of
/// one of its schemas holds the resource's identifier.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct ResourceField {
    /// The resource's CloudFormation type, such as `AWS::Athena::WorkGroup`.
    #[serde(rename = "cloudformation-type")]
    pub cloudformation_type: String,
    /// The schema that has the property.
    #[serde(default)]
    pub schema: Option<String>,
    /// The property whose value identifies the resource.
    #[serde(default)]
    pub property: Option<String>,
}

impl Document {
    /// Reads a document from a file.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses a document's text; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Self, Error> {
        let json: Value = serde_json::from_str(text).map_err(|source| Error::Json {
            path: path.to_owned(),
            source,
        })?;
        let fail = |pointer: &str, message: String| Error::Schema {
            path: path.to_owned(),
            pointer: pointer.to_owned(),
            message,
        };
        let root = json
            .as_object()
            .ok_or_else(|| fail("", "expected a JSON object".into()))?;

        let (schemas, event, event_pointer, ref_prefix, schemas_pointer) =
            if root.contains_key("openapi") {
                let schemas = root
                    .get("components")
                    .and_then(|c| c.get("schemas"))
                    .and_then(Value::as_object)
                    .ok_or_else(|| {
                        fail(
                            "/components/schemas",
                            "an OpenAPI export needs `components.schemas`".into(),
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
                    schemas.clone(),
                    event,
                    "/components/schemas/AWSEvent",
                    "#/components/schemas/",
                    "/components/schemas",
                )
            } else {
                let schemas = match root.get("definitions") {
                    Some(Value::Object(definitions)) => definitions.clone(),
                    None => Map::new(),
                    Some(_) => return Err(fail("/definitions", "expected an object".into())),
                };
                (schemas, root, "", "#/definitions/", "/definitions")
            };

        let text_of = |key: &str| {
            event
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| fail(event_pointer, format!("missing `{key}`")))
        };
        let source = text_of("x-amazon-events-source")?;
        let detail_type = text_of("x-amazon-events-detail-type")?;
        let detail_pointer = format!("{event_pointer}/properties/detail");
        let detail_ref = event
            .get("properties")
            .and_then(|p| p.get("detail"))
            .and_then(|d| d.get("$ref"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                fail(
                    &detail_pointer,
                    "`detail` must be a `$ref` to the detail's schema".into(),
                )
            })?;

        let resources = match event.get("x-bridgecraft-resources") {
            None => Vec::new(),
            Some(resources) => serde_json::from_value(resources.clone()).map_err(|e| {
                fail(
                    &format!("{event_pointer}/x-bridgecraft-resources"),
                    e.to_string(),
                )
            })?,
        };
        let discovered = root
            .get("info")
            .and_then(|info| info.get("x-bridgecraft-discovered"))
            == Some(&Value::Bool(true));
        let mut document = Document {
            resources,
            discovered,
            path: path.to_owned(),
            source,
            detail_type,
            root: String::new(),
            schemas: schemas
                .into_iter()
                .filter(|(name, _)| name != "AWSEvent")
                .collect(),
            ref_prefix,
            schemas_pointer,
        };
        document.root = document
            .resolve(detail_ref, &format!("{detail_pointer}/$ref"))?
            .to_owned();
        Ok(document)
    }

    /// The name of the schema a `$ref` points to; `pointer` is where the `$ref` stands.
    pub(crate) fn resolve<'a>(&self, reference: &'a str, pointer: &str) -> Result<&'a str, Error> {
        match reference.strip_prefix(self.ref_prefix) {
            Some(name) if self.schemas.contains_key(name) => Ok(name),
            _ => Err(self.error(
                pointer,
                format!("`$ref` `{reference}` points to no schema in this document"),
            )),
        }
    }

    /// The schema a chain of `$ref`s ends at, and the name of the first schema it points to;
    /// a schema that is no `$ref`, or a dangling one, is itself.
    fn target<'s>(&'s self, schema: &'s Value) -> (Option<&'s str>, &'s Value) {
        let mut first = None;
        let mut schema = schema;
        // A chain longer than this is a loop.
        for _ in 0..16 {
            let next = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix(self.ref_prefix))
                .and_then(|name| self.schemas.get_key_value(name));
            let Some((name, target)) = next else { break };
            first = first.or(Some(name.as_str()));
            schema = target;
        }
        (first, schema)
    }

    /// The names of the properties an object schema declares, its `allOf` members' included.
    pub(crate) fn property_names(
        &self,
        schema: &Value,
        names: &mut BTreeSet<String>,
        depth: usize,
    ) {
        let (_, schema) = self.target(schema);
        if let Some(Value::Object(properties)) = schema.get("properties") {
            names.extend(properties.keys().cloned());
        }
        if let (Some(Value::Array(members)), true) = (schema.get("allOf"), depth < 16) {
            for member in members {
                self.property_names(member, names, depth + 1);
            }
        }
    }

    /// The one string an object schema (or one of its `allOf` members) declares `property`
    /// to be: its `const`, or its `enum` of one value.
    fn declared_value(&self, schema: &Value, property: &str, depth: usize) -> Option<String> {
        let (_, schema) = self.target(schema);
        if let Some(declared) = schema.get("properties").and_then(|p| p.get(property)) {
            let (_, declared) = self.target(declared);
            if let Some(Value::String(value)) = declared.get("const") {
                return Some(value.clone());
            }
            if let Some(Value::Array(values)) = declared.get("enum")
                && let [Value::String(value)] = values.as_slice()
            {
                return Some(value.clone());
            }
        }
        if depth >= 16 {
            return None;
        }
        schema
            .get("allOf")
            .and_then(Value::as_array)?
            .iter()
            .find_map(|member| self.declared_value(member, property, depth + 1))
    }

    /// The value of `property` that tells a union's member apart: the OpenAPI
    /// discriminator's `mapping` to it, else the one value the member declares, else (under a
    /// `discriminator`) the name of the schema the member refers to. `None` for a member that
    /// declares no properties.
    pub(crate) fn tag_value(
        &self,
        member: &Value,
        property: &str,
        mapping: &[(&str, &str)],
        discriminator: bool,
    ) -> Option<String> {
        let mut names = BTreeSet::new();
        self.property_names(member, &mut names, 0);
        if names.is_empty() {
            return None;
        }
        let (name, _) = self.target(member);
        let reference = member.get("$ref").and_then(Value::as_str);
        let mapped = mapping.iter().find(|(_, target)| {
            Some(*target) == reference || (name.is_some() && Some(*target) == name)
        });
        if let Some((value, _)) = mapped {
            return Some((*value).to_owned());
        }
        if let Some(value) = self.declared_value(member, property, 0) {
            return Some(value);
        }
        name.filter(|_| discriminator).map(str::to_owned)
    }

    /// The JSON pointer of a named schema.
    pub(crate) fn pointer_of(&self, name: &str) -> String {
        format!("{}/{}", self.schemas_pointer, escape_pointer(name))
    }

    pub(crate) fn error(&self, pointer: &str, message: String) -> Error {
        Error::Schema {
            path: self.path.clone(),
            pointer: pointer.to_owned(),
            message,
        }
    }
}

/// Escapes a key for use in a JSON pointer (RFC 6901).
pub(crate) fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Reads every `*.json` document below `dir`, in path order.
pub fn read_dir(dir: &Path) -> Result<Vec<Document>, Error> {
    let mut paths = Vec::new();
    crate::files_with_extension(dir, "json", &mut paths)?;
    paths.sort();
    paths.iter().map(|path| Document::read(path)).collect()
}
