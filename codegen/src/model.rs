//! The type space: every schema of every document, converted into Rust-shaped types and
//! interned by structure, so a type that several events share with the same name and shape is
//! generated once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::Value;

use crate::schema::{Document, ResourceField, escape_pointer};
use crate::{Error, Fix};

/// A type as a field holds it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Ty {
    String,
    Timestamp,
    Integer,
    /// Any JSON number, kept as it was written.
    Number,
    Boolean,
    /// Any JSON value: the schema says nothing more.
    Any,
    Array(Box<Ty>),
    Map(Box<Ty>),
    Def(DefId),
}

impl Ty {
    /// The named type this one is or holds.
    pub fn def(&self) -> Option<DefId> {
        match self {
            Ty::Def(id) => Some(*id),
            Ty::Array(item) | Ty::Map(item) => item.def(),
            _ => None,
        }
    }
}

/// An index into [`TypeSpace::defs`].
pub(crate) type DefId = usize;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Field {
    /// The key in JSON.
    pub json: String,
    pub ty: Ty,
    /// Whether real events always have the field: only where a fix records the evidence,
    /// never from the schema's `required`, which lists what AWS's samples happened to have.
    pub required: bool,
    /// Whether `null` is a documented value (the schema's `nullable`, or a fix): not drift.
    pub nullable: bool,
    pub doc: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Body {
    Struct(Vec<Field>),
    /// A string with a known set of values.
    Enum(Vec<String>),
    /// A `oneOf`/`anyOf` of records that the string value of the key `tag` tells apart: each
    /// member's tag value and record, in the schema's order.
    Tagged {
        tag: String,
        members: Vec<(String, DefId)>,
    },
}

/// Which module a type is generated in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Owner {
    /// The file of the event at this index: a type is never shared between events, so that
    /// its name and module do not change when another schema changes.
    Event(usize),
    /// The CloudTrail record's module, shared by every event CloudTrail sends.
    CloudTrail,
}

/// A named type to generate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Def {
    pub owner: Owner,
    /// The name the schema gives it, before it is made unique in its module.
    pub name: String,
    pub doc: Option<String>,
    pub body: Body,
    /// For an event's detail type: its `(source, detail-type)`. Part of the identity, so two
    /// events never share a detail type even when their schemas agree.
    pub event: Option<(String, String)>,
}

/// One document, converted.
pub(crate) struct Event {
    pub document: Document,
    pub root: DefId,
}

/// The JSON key of a schema's property. The registry's draft-4 exporter renames `readOnly` (a
/// JSON Schema keyword) to `x-amazon-open-api-schema-readOnly`, while `required` and real
/// events keep the original name.
fn json_key(property: &str) -> &str {
    property
        .strip_prefix("x-amazon-open-api-schema-")
        .unwrap_or(property)
}

/// The detail-type of the API calls CloudTrail sends.
const CLOUDTRAIL_API_CALL: &str = "AWS API Call via CloudTrail";

/// The detail-types of the events CloudTrail sends, in every source: each carries a CloudTrail
/// record as its detail (CloudTrail's `eventType` of `AwsApiCall`, `AwsServiceEvent`,
/// `AwsConsoleSignIn` and `AwsConsoleAction`).
const CLOUDTRAIL_DETAIL_TYPES: [&str; 4] = [
    CLOUDTRAIL_API_CALL,
    "AWS Service Event via CloudTrail",
    "AWS Console Sign In via CloudTrail",
    "AWS Console Action via CloudTrail",
];

/// Whether events of `detail_type` carry a CloudTrail record.
pub(crate) fn is_cloudtrail(detail_type: &str) -> bool {
    CLOUDTRAIL_DETAIL_TYPES.contains(&detail_type)
}

/// The record's fields, where those it leaves as any JSON take the type `own` (the event
/// schema's fields) declares.
fn refine_record(record: Vec<Field>, own: Vec<Field>) -> Vec<Field> {
    let mut own: BTreeMap<String, Field> = own.into_iter().map(|f| (f.json.clone(), f)).collect();
    record
        .into_iter()
        .map(|mut field| {
            if let Some(declared) = own.remove(&field.json)
                && field.ty == Ty::Any
                && declared.ty != Ty::Any
            {
                field.ty = declared.ty;
                field.nullable |= declared.nullable;
            }
            field
        })
        .collect()
}

#[derive(Default)]
pub(crate) struct TypeSpace {
    pub defs: Vec<Def>,
    interned: HashMap<Def, DefId>,
    pub events: Vec<Event>,
    /// The CloudTrail record's fields, when a CloudTrail document was given.
    cloudtrail: Option<Vec<Field>>,
}

impl TypeSpace {
    /// Converts `documents`; the detail of every event CloudTrail sends ("AWS API Call via
    /// CloudTrail" and the like) is the record `cloudtrail` describes, when given, instead of
    /// the one sample its schema saw.
    pub fn build(
        documents: Vec<Document>,
        fixes: &[Fix],
        cloudtrail: Option<&Document>,
    ) -> Result<Self, Error> {
        let mut space = TypeSpace::default();
        let mut fixes_used = BTreeSet::new();
        if let Some(document) = cloudtrail {
            let mut converter = Converter {
                space: &mut space,
                document,
                owner: Owner::CloudTrail,
                fixes: &[],
                fixes_used: &mut fixes_used,
                named: BTreeMap::new(),
                in_progress: BTreeSet::new(),
                related: Vec::new(),
            };
            let schema = &document.schemas[&document.root];
            let fields = converter.fields(
                &document.root,
                "",
                schema,
                &document.pointer_of(&document.root),
            )?;
            space.cloudtrail = Some(fields);
        }
        for (index, mut document) in documents.into_iter().enumerate() {
            let mut converter = Converter {
                space: &mut space,
                document: &document,
                owner: Owner::Event(index),
                fixes,
                fixes_used: &mut fixes_used,
                named: BTreeMap::new(),
                in_progress: BTreeSet::new(),
                related: Vec::new(),
            };
            let root = converter.root()?;
            let related = converter.related;
            document.resources.extend(related);
            space.events.push(Event { document, root });
        }
        for (index, fix) in fixes.iter().enumerate() {
            let unused = fix
                .properties
                .iter()
                .find(|p| !fixes_used.contains(&(index, (*p).clone())));
            if let Some(property) = unused {
                return Err(Error::StaleFix(fix.describe(property)));
            }
        }
        Ok(space)
    }

    /// Adds a type, or finds the one with its name and shape. Shapes agree when they differ
    /// only in which fields are required or nullable: each schema was inferred from different
    /// samples, so a field one of them saw missing or null may be missing or null in any.
    fn intern(&mut self, def: Def) -> DefId {
        let mut key = def.clone();
        if let Body::Struct(fields) = &mut key.body {
            for field in fields {
                field.required = true;
                field.nullable = false;
            }
        }
        if let Some(&id) = self.interned.get(&key) {
            if let (Body::Struct(existing), Body::Struct(fields)) =
                (&mut self.defs[id].body, &def.body)
            {
                for (existing, field) in existing.iter_mut().zip(fields) {
                    existing.required &= field.required;
                    existing.nullable |= field.nullable;
                }
            }
            return id;
        }
        let id = self.defs.len();
        self.defs.push(def);
        self.interned.insert(key, id);
        id
    }
}

struct Converter<'a> {
    space: &'a mut TypeSpace,
    document: &'a Document,
    owner: Owner,
    fixes: &'a [Fix],
    /// `(fix index, property)` pairs that matched something.
    fixes_used: &'a mut BTreeSet<(usize, String)>,
    /// Named schemas converted so far, each once however often it is referenced.
    named: BTreeMap<String, (Ty, bool)>,
    in_progress: BTreeSet<String>,
    /// Resources that fixes say properties of the document identify.
    related: Vec<ResourceField>,
}

/// What a schema converts to: the type and whether it admits `null`.
type Converted = (Ty, bool);

impl Converter<'_> {
    fn root(&mut self) -> Result<DefId, Error> {
        let name = self.document.root.clone();
        let pointer = self.document.pointer_of(&name);
        let schema = &self.document.schemas[&name];
        let event = Some((
            self.document.source.clone(),
            self.document.detail_type.clone(),
        ));
        let detail_type = self.document.detail_type.as_str();
        let cloudtrail = is_cloudtrail(detail_type);
        let fields = match (&self.space.cloudtrail, schema.get("properties")) {
            // Sign-ins, service events and console actions are a few kinds each, and their
            // schemas' `additionalEventData`, `responseElements` or `serviceEventDetails`
            // describe them. An API call's schema saw one call of one API, whose parameters say
            // nothing of the others: it is not consulted.
            (Some(record), Some(_)) if cloudtrail && detail_type != CLOUDTRAIL_API_CALL => {
                let record = record.clone();
                let own = self.fields(&name, "", schema, &pointer)?;
                refine_record(record, own)
            }
            (Some(record), _) if cloudtrail => record.clone(),
            // The detail's own fields name their inline types alone (`State`, not
            // `Ec2InstanceStateChangeNotificationState`): each event has its own module.
            (_, Some(_)) => self.fields(&name, "", schema, &pointer)?,
            (_, None) => Vec::new(),
        };
        let doc = description(schema);
        // Named after its detail-type, which is unique in its source and says what the event
        // is; the schema's own name is often generic (`Detail`) or an acronym run together
        // (`AWSAPICallViaCloudTrail`).
        Ok(self.space.intern(Def {
            owner: self.owner,
            name: type_name(&self.document.detail_type),
            doc,
            body: Body::Struct(fields),
            event,
        }))
    }

    fn named(&mut self, name: &str, pointer: &str) -> Result<Converted, Error> {
        if let Some(done) = self.named.get(name) {
            return Ok(done.clone());
        }
        if !self.in_progress.insert(name.to_owned()) {
            return Err(self.document.error(
                pointer,
                format!("schema `{name}` refers to itself; recursive types are not supported"),
            ));
        }
        let schema = &self.document.schemas[name];
        let converted = self.convert(schema, &self.document.pointer_of(name), name)?;
        self.in_progress.remove(name);
        self.named.insert(name.to_owned(), converted.clone());
        Ok(converted)
    }

    /// Converts a schema; `hint` names the type if the schema defines one inline.
    fn convert(&mut self, schema: &Value, pointer: &str, hint: &str) -> Result<Converted, Error> {
        let object = match schema {
            Value::Object(object) => object,
            Value::Bool(true) => return Ok((Ty::Any, true)),
            _ => {
                return Err(self
                    .document
                    .error(pointer, "expected a schema object".into()));
            }
        };
        if let Some(reference) = object.get("$ref") {
            let reference = reference.as_str().ok_or_else(|| {
                self.document
                    .error(pointer, "`$ref` must be a string".into())
            })?;
            let name = self
                .document
                .resolve(reference, &format!("{pointer}/$ref"))?
                .to_owned();
            return self.named(&name, pointer);
        }

        let mut nullable = object.get("nullable") == Some(&Value::Bool(true));
        let types: Vec<&str> = match object.get("type") {
            None => Vec::new(),
            Some(Value::String(ty)) => vec![ty.as_str()],
            Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
            Some(_) => {
                return Err(self.document.error(
                    &format!("{pointer}/type"),
                    "expected a string or an array of strings".into(),
                ));
            }
        };
        if types.contains(&"null") {
            nullable = true;
        }
        let types: Vec<&str> = types.into_iter().filter(|ty| *ty != "null").collect();

        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(members) = object.get(key) {
                let pointer = format!("{pointer}/{key}");
                let tagged = match key {
                    "allOf" => None,
                    _ => self.tagged(members, &pointer, hint, object.get("discriminator"))?,
                };
                let (ty, member_nullable) = match tagged {
                    Some(tagged) => tagged,
                    None => self.union(members, &pointer, hint, key == "allOf")?,
                };
                return Ok((ty, nullable || member_nullable));
            }
        }

        let ty = match types.as_slice() {
            [] if object.contains_key("properties") => {
                self.object(object, schema, pointer, hint)?
            }
            // A `const` string: a string, of one value.
            [] if object.get("const").is_some_and(Value::is_string) => Ty::String,
            [] => Ty::Any,
            ["object"] => self.object(object, schema, pointer, hint)?,
            ["array"] => match object.get("items") {
                Some(items) => Ty::Array(Box::new(
                    self.convert(items, &format!("{pointer}/items"), hint)?.0,
                )),
                None => Ty::Array(Box::new(Ty::Any)),
            },
            ["string"] => match (
                object.get("enum"),
                object.get("format").and_then(Value::as_str),
            ) {
                (Some(Value::Array(values)), _)
                    if !values.is_empty() && values.iter().all(Value::is_string) =>
                {
                    let mut values: Vec<String> = values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect();
                    values.sort();
                    values.dedup();
                    Ty::Def(self.space.intern(Def {
                        owner: self.owner,
                        name: type_name(hint),
                        doc: description(schema),
                        body: Body::Enum(values),
                        event: None,
                    }))
                }
                (_, Some("date-time")) => Ty::Timestamp,
                _ => Ty::String,
            },
            ["integer"] => Ty::Integer,
            ["number"] => Ty::Number,
            ["boolean"] => Ty::Boolean,
            // Several types, such as `["string", "number"]`: any of them may come.
            _ => Ty::Any,
        };
        Ok((ty, nullable))
    }

    fn object(
        &mut self,
        object: &serde_json::Map<String, Value>,
        schema: &Value,
        pointer: &str,
        hint: &str,
    ) -> Result<Ty, Error> {
        if object.contains_key("properties") {
            let fields = self.fields(hint, hint, schema, pointer)?;
            return Ok(Ty::Def(self.space.intern(Def {
                owner: self.owner,
                name: type_name(hint),
                doc: description(schema),
                body: Body::Struct(fields),
                event: None,
            })));
        }
        match object.get("additionalProperties") {
            Some(values @ Value::Object(_)) => {
                let (ty, _) = self.convert(
                    values,
                    &format!("{pointer}/additionalProperties"),
                    &format!("{hint}Value"),
                )?;
                Ok(Ty::Map(Box::new(ty)))
            }
            _ => Ok(Ty::Any),
        }
    }

    /// The fields of an object schema, with the document's fixes for `name` applied; inline
    /// types are named `prefix` and the field's name.
    fn fields(
        &mut self,
        name: &str,
        prefix: &str,
        schema: &Value,
        pointer: &str,
    ) -> Result<Vec<Field>, Error> {
        let mut properties = match schema.get("properties") {
            Some(Value::Object(properties)) => properties.clone(),
            _ => {
                return Err(self.document.error(
                    &format!("{pointer}/properties"),
                    "expected an object".into(),
                ));
            }
        };
        // A fix giving the type of a property the schema does not list adds it: AWS documents
        // it, and real events send it, but the registry's samples did not have it.
        for fix in self.fixes {
            if let Some(replacement) = &fix.replacement {
                for property in &fix.properties {
                    if fix.applies_to(&self.document.source, name, property)
                        && !properties.keys().any(|key| json_key(key) == property)
                    {
                        properties.insert(property.clone(), replacement.clone());
                    }
                }
            }
        }
        let mut fields = Vec::with_capacity(properties.len());
        for (key, property) in &properties {
            let json = json_key(key).to_owned();
            let property_pointer = format!("{pointer}/properties/{}", escape_pointer(key));
            let mut property = property.clone();
            let mut required = false;
            let mut forced_nullable = false;
            let mut replaced = false;
            for (index, fix) in self.fixes.iter().enumerate() {
                if !fix.applies_to(&self.document.source, name, &json) {
                    continue;
                }
                self.fixes_used.insert((index, json.clone()));
                if let Some(cloudformation_type) = &fix.related {
                    self.related.push(ResourceField {
                        cloudformation_type: cloudformation_type.clone(),
                        schema: Some(name.to_owned()),
                        property: Some(json.clone()),
                    });
                }
                required |= fix.required;
                forced_nullable |= fix.nullable;
                if let Some(replacement) = &fix.replacement {
                    property = replacement.clone();
                    replaced = true;
                }
            }
            let (mut ty, nullable) = self.convert(
                &property,
                &property_pointer,
                &format!("{prefix}{}", type_name(&json)),
            )?;
            if ty == Ty::String && !replaced && !self.document.discovered && holds_time(&json) {
                ty = Ty::Timestamp;
            }
            if required && !matches!(ty, Ty::String | Ty::Integer | Ty::Number | Ty::Boolean) {
                return Err(self.document.error(
                    &property_pointer,
                    "only strings, numbers and booleans can be recorded as always present".into(),
                ));
            }
            fields.push(Field {
                json,
                ty,
                required,
                nullable: nullable || forced_nullable,
                doc: description(&property),
            });
        }
        Ok(fields)
    }

    /// A `oneOf`/`anyOf` whose members are records that one property tells apart: an enum
    /// of them. The property is the OpenAPI `discriminator`'s `propertyName` when given, else
    /// the first (by name) that every member declares with one string value (a `const`, or
    /// an `enum` of one); each member's value is the `discriminator`'s `mapping` to it, else
    /// its own declared value, else (with a `discriminator`) its schema's name. The values
    /// must differ. `None` when the members are not so told apart.
    fn tagged(
        &mut self,
        members: &Value,
        pointer: &str,
        hint: &str,
        discriminator: Option<&Value>,
    ) -> Result<Option<Converted>, Error> {
        let Value::Array(members) = members else {
            return Ok(None);
        };
        // A `{"type": "null"}` member makes the union nullable, and tells nothing apart.
        let is_null = |member: &Value| member.get("type").and_then(Value::as_str) == Some("null");
        let nullable = members.iter().any(is_null);
        let listed: Vec<(usize, &Value)> = members
            .iter()
            .enumerate()
            .filter(|(_, member)| !is_null(member))
            .collect();
        if listed.len() < 2 {
            return Ok(None);
        }
        let property = discriminator
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str);
        let mapping: Vec<(&str, &str)> = discriminator
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
            .map(|mapping| {
                mapping
                    .iter()
                    .filter_map(|(value, target)| Some((value.as_str(), target.as_str()?)))
                    .collect()
            })
            .unwrap_or_default();
        let candidates: Vec<String> = match property {
            Some(property) => vec![property.to_owned()],
            None => {
                let mut names = BTreeSet::new();
                self.document.property_names(listed[0].1, &mut names, 0);
                names.into_iter().collect()
            }
        };
        let chosen = candidates.into_iter().find_map(|candidate| {
            let values: Option<Vec<String>> = listed
                .iter()
                .map(|(_, member)| {
                    self.document
                        .tag_value(member, &candidate, &mapping, property.is_some())
                })
                .collect();
            let values = values?;
            let distinct: BTreeSet<&String> = values.iter().collect();
            (distinct.len() == values.len()).then_some((candidate, values))
        });
        let Some((tag, values)) = chosen else {
            return Ok(None);
        };
        let mut tagged = Vec::with_capacity(listed.len());
        for ((index, member), value) in listed.into_iter().zip(values) {
            // An inline member is named after the union and its tag: `PaymentCard`.
            let member_hint = format!("{hint}{}", type_name(&value));
            let (ty, _) = self.convert(member, &format!("{pointer}/{index}"), &member_hint)?;
            match ty {
                Ty::Def(id) if matches!(self.space.defs[id].body, Body::Struct(_)) => {
                    tagged.push((value, id))
                }
                _ => return Ok(None),
            }
        }
        let id = self.space.intern(Def {
            owner: self.owner,
            name: type_name(hint),
            doc: None,
            body: Body::Tagged {
                tag,
                members: tagged,
            },
            event: None,
        });
        Ok(Some((Ty::Def(id), nullable)))
    }

    /// `oneOf`/`anyOf` (`all_required` false) or `allOf`: members that are all objects merge into
    /// one struct; members of one type give that type; anything else is any JSON.
    fn union(
        &mut self,
        members: &Value,
        pointer: &str,
        hint: &str,
        all_required: bool,
    ) -> Result<Converted, Error> {
        let Value::Array(members) = members else {
            return Err(self
                .document
                .error(pointer, "expected an array of schemas".into()));
        };
        let mut converted = Vec::with_capacity(members.len());
        for (index, member) in members.iter().enumerate() {
            converted.push(self.convert(member, &format!("{pointer}/{index}"), hint)?);
        }
        let nullable = converted.iter().any(|(_, nullable)| *nullable);
        let mut types: Vec<Ty> = converted.into_iter().map(|(ty, _)| ty).collect();
        types.sort();
        types.dedup();
        if let [single] = types.as_slice() {
            return Ok((single.clone(), nullable));
        }
        let mut merged: Vec<Field> = Vec::new();
        for ty in &types {
            let Ty::Def(id) = ty else {
                return Ok((Ty::Any, nullable));
            };
            let Body::Struct(fields) = &self.space.defs[*id].body else {
                return Ok((Ty::Any, nullable));
            };
            for field in fields {
                // Under `allOf` every member holds, so what one requires is required; under
                // `oneOf`/`anyOf` no member's field is sure to be there.
                let required = all_required && field.required;
                match merged
                    .iter_mut()
                    .find(|existing| existing.json == field.json)
                {
                    Some(existing) => {
                        existing.required |= required;
                        existing.nullable |= field.nullable;
                        if existing.ty != field.ty {
                            existing.ty = Ty::Any;
                        }
                    }
                    None => merged.push(Field {
                        required,
                        ..field.clone()
                    }),
                }
            }
        }
        merged.sort_by(|a, b| a.json.cmp(&b.json));
        let id = self.space.intern(Def {
            owner: self.owner,
            name: type_name(hint),
            doc: None,
            body: Body::Struct(merged),
            event: None,
        });
        Ok((Ty::Def(id), nullable))
    }
}

/// Whether a string property's key names a time: `eventTime`, `start-time`, `createdAt`,
/// `lastModified`... AWS's services spell these in RFC 3339 (CloudTrail's record contents,
/// and every such field of the shared corpus), and a text that is not one is kept and
/// reported, never rejected, so the refinement is safe where a service spells one otherwise.
pub(crate) fn holds_time(key: &str) -> bool {
    let words: Vec<String> = key.to_snake_case().split('_').map(str::to_owned).collect();
    let last = words.last().map(String::as_str).unwrap_or_default();
    matches!(last, "time" | "timestamp" | "at") && words.len() > 1
        || matches!(key, "time" | "timestamp")
}

fn description(schema: &Value) -> Option<String> {
    schema
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A Rust type name for a schema or field name.
pub(crate) fn type_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut name = cleaned.to_upper_camel_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "Type");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The type space of a document whose detail has one property, `value`, of `schema`,
    /// beside the named schemas `others`.
    fn space(schema: Value, others: Value) -> TypeSpace {
        let mut schemas = serde_json::json!({
            "AWSEvent": {"x-amazon-events-source": "s", "x-amazon-events-detail-type": "D",
                         "properties": {"detail": {"$ref": "#/components/schemas/D"}}},
            "D": {"type": "object", "properties": {"value": schema}},
        });
        schemas
            .as_object_mut()
            .unwrap()
            .extend(others.as_object().unwrap().clone());
        let text = serde_json::json!({"openapi": "3.0.0", "components": {"schemas": schemas}});
        let document = Document::parse(std::path::Path::new("t.json"), &text.to_string()).unwrap();
        TypeSpace::build(vec![document], &[], None).unwrap()
    }

    /// The body of the detail's `value`, and the names of a tagged union's members.
    fn value(space: &TypeSpace) -> (&Body, Vec<(String, String)>) {
        let Body::Struct(fields) = &space.defs[space.events[0].root].body else {
            panic!("the detail is a record")
        };
        let id = fields[0].ty.def().expect("a named type");
        let body = &space.defs[id].body;
        let members = match body {
            Body::Tagged { members, .. } => members
                .iter()
                .map(|(value, id)| (value.clone(), space.defs[*id].name.clone()))
                .collect(),
            _ => Vec::new(),
        };
        (body, members)
    }

    fn kind(value: Value) -> Value {
        serde_json::json!({"type": "object", "properties": {"kind": value, "n": {"type": "integer"}}})
    }

    #[test]
    fn members_told_apart_by_a_const_or_an_enum_of_one_make_an_enum() {
        let space = space(
            serde_json::json!({"oneOf": [
                kind(serde_json::json!({"const": "card"})),
                kind(serde_json::json!({"type": "string", "enum": ["bank transfer"]})),
                {"$ref": "#/components/schemas/Voucher"},
                {"type": "null"},
            ]}),
            serde_json::json!({"Voucher": kind(serde_json::json!({"type": "string", "const": "voucher"}))}),
        );
        let (body, members) = value(&space);
        assert!(matches!(body, Body::Tagged { tag, .. } if tag == "kind"));
        // Inline members are named after the union and their tag, not by where they sit.
        assert_eq!(
            members,
            [
                ("card".to_owned(), "ValueCard".to_owned()),
                ("bank transfer".to_owned(), "ValueBankTransfer".to_owned()),
                ("voucher".to_owned(), "Voucher".to_owned()),
            ]
        );
        let Body::Struct(fields) = &space.defs[space.events[0].root].body else {
            unreachable!()
        };
        assert!(fields[0].nullable, "a null member makes the union nullable");
    }

    #[test]
    fn a_discriminator_names_the_property_and_maps_its_values() {
        let space = space(
            serde_json::json!({
                "anyOf": [{"$ref": "#/components/schemas/Card"}, {"$ref": "#/components/schemas/Cash"}],
                "discriminator": {"propertyName": "via", "mapping": {"card-v2": "#/components/schemas/Card"}},
            }),
            serde_json::json!({
                "Card": {"type": "object", "properties": {"via": {"type": "string"}, "last4": {"type": "string"}}},
                "Cash": {"type": "object", "properties": {"currency": {"type": "string"}}},
            }),
        );
        let (body, members) = value(&space);
        assert!(matches!(body, Body::Tagged { tag, .. } if tag == "via"));
        assert_eq!(
            members,
            [
                ("card-v2".to_owned(), "Card".to_owned()),
                ("Cash".to_owned(), "Cash".to_owned()),
            ],
            "mapped, else named after the schema"
        );
    }

    #[test]
    fn a_tag_inside_an_all_of_member_counts() {
        let space = space(
            serde_json::json!({"oneOf": [
                {"allOf": [{"$ref": "#/components/schemas/Base"}, kind(serde_json::json!({"const": "a"}))]},
                kind(serde_json::json!({"const": "b"})),
            ]}),
            serde_json::json!({"Base": {"type": "object", "properties": {"id": {"type": "string"}}}}),
        );
        let (_, members) = value(&space);
        let values: Vec<&str> = members.iter().map(|(value, _)| value.as_str()).collect();
        assert_eq!(values, ["a", "b"]);
    }

    #[test]
    fn members_no_property_tells_apart_still_merge() {
        for union in [
            // The same value twice.
            serde_json::json!({"oneOf": [kind(serde_json::json!({"const": "a"})), kind(serde_json::json!({"const": "a"}))]}),
            // A member without the property.
            serde_json::json!({"oneOf": [kind(serde_json::json!({"const": "a"})), {"type": "object", "properties": {"n": {"type": "integer"}}}]}),
            // Several values.
            serde_json::json!({"oneOf": [kind(serde_json::json!({"enum": ["a", "b"]})), kind(serde_json::json!({"const": "c"}))]}),
            // Not a record.
            serde_json::json!({"oneOf": [kind(serde_json::json!({"const": "a"})), {"type": "string"}]}),
            // `allOf` is every member at once.
            serde_json::json!({"allOf": [kind(serde_json::json!({"const": "a"})), kind(serde_json::json!({"const": "b"}))]}),
        ] {
            let space = space(union.clone(), serde_json::json!({}));
            let Body::Struct(fields) = &space.defs[space.events[0].root].body else {
                unreachable!()
            };
            let body = fields[0].ty.def().map(|id| &space.defs[id].body);
            assert!(
                !matches!(body, Some(Body::Tagged { .. })),
                "{union}: {body:?}"
            );
        }
    }
}
