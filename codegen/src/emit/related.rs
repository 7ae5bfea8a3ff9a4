//! `EventDetail::related`: the code that finds, in a decoded detail, every value of the
//! properties the registry says identify the event's resources; and the table of ARN templates.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::{Emitter, ident, rust_field_names};
use crate::model::{Body, Ty};
use crate::schema::Document;

/// The module of the ARN template table.
pub(super) const TEMPLATES_MODULE: &str = "arn_templates";

/// At most this many places per resource field: schemas that reuse a type everywhere could
/// otherwise make a great many.
const MAX_PLACES: usize = 32;

/// A step from a schema to one below it.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// A property's value.
    Key(String),
    /// Every element of an array.
    Items,
    /// Every value of a map.
    Values,
}

impl Emitter<'_> {
    /// `EventDetail::related` for an event whose document names the properties that identify
    /// the resources it is about: every place in the detail where the property's schema sits
    /// (nested records, list elements, map values), followed through the generated types and,
    /// where they hold untyped JSON, searched for in all of it. Resources named without a
    /// property are left out.
    pub(super) fn related(&self, index: usize) -> Option<TokenStream> {
        let event = &self.space.events[index];
        let krate = &self.paths.events_crate;
        let mut blocks = Vec::new();
        let mut seen = BTreeSet::new();
        for resource in &event.document.resources {
            let (Some(schema), Some(property)) = (&resource.schema, &resource.property) else {
                continue;
            };
            let cloudformation_type = &resource.cloudformation_type;
            let template = self
                .arn_templates
                .get(cloudformation_type)
                .filter(|template| fills(template, schema, property))
                .map(|template| quote! { .with_arn_template(#template) });
            let reference = |identifier: TokenStream| {
                quote! { #krate::ResourceRef::new(#cloudformation_type, #identifier) #template }
            };
            for steps in places(&event.document, schema, property) {
                let walk = Walk {
                    emitter: self,
                    reference: &reference,
                };
                let code = walk.code(
                    &Ty::Def(event.root),
                    Place::Field(quote! { self }),
                    &steps,
                    0,
                );
                // Several places may enter the same untyped JSON, searched once.
                if let Some(code) = code
                    && seen.insert(code.to_string())
                {
                    blocks.push(code);
                }
            }
        }
        if blocks.is_empty() {
            return None;
        }
        Some(quote! {
            fn related(&self) -> Vec<#krate::ResourceRef<'_>> {
                let mut related = Vec::new();
                #(#blocks)*
                related
            }
        })
    }

    /// The table `Arn::cloudformation_type` searches: `(service, type, template)`, by service.
    pub(super) fn arn_template_table(&self) -> TokenStream {
        let mut rows: Vec<(&str, &String, &String)> = self
            .arn_templates
            .iter()
            .map(|(kind, template)| {
                (
                    template.split(':').nth(2).unwrap_or_default(),
                    kind,
                    template,
                )
            })
            .collect();
        rows.sort();
        let rows = rows
            .iter()
            .map(|(service, kind, template)| quote! { (#service, #kind, #template) });
        let doc = super::inner_doc(
            "The ARN template of every CloudFormation resource type that has one, from AWS's registry.",
        );
        quote! {
            #doc
            /// `(service, CloudFormation type, ARN template)`, by service and type.
            pub(crate) static ARN_TEMPLATES: &[(&str, &str, &str)] = &[#(#rows),*];
        }
    }
}

/// Whether the value of `property` is the one value `template` needs besides partition,
/// region and account: the template's variable is named after the property (`WorkGroupName`
/// for `workgroupName`, `InstanceId` for `instance-id`), after it and `Name` (a CodePipeline
/// event's `pipeline` for `PipelineName`), after the schema that has it and it (an S3 event's
/// `bucket.name` for `BucketName`), or, when the variable's name has several words, the
/// property's ends with it (`EC2InstanceId` for `InstanceId`).
fn fills(template: &str, schema: &str, property: &str) -> bool {
    let normal = |name: &str| -> String {
        name.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let variables: Vec<&str> = template
        .split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| !matches!(*name, "Partition" | "Region" | "Account"))
        .collect();
    let [variable] = variables.as_slice() else {
        return false;
    };
    let words = variable.chars().filter(char::is_ascii_uppercase).count();
    let (variable, schema, property) = (normal(variable), normal(schema), normal(property));
    variable == property
        || variable == format!("{property}name")
        || variable == format!("{schema}{property}")
        || (words > 1 && property.ends_with(&variable))
}

/// Every way down from the document's detail schema to `property` of the named schema
/// `holder`, through properties, array items, map values and the members of unions.
fn places(document: &Document, holder: &str, property: &str) -> Vec<Vec<Step>> {
    let mut search = Search {
        document,
        holder,
        property,
        path: Vec::new(),
        visiting: Vec::new(),
        found: Vec::new(),
    };
    search.named(&document.root);
    search.found
}

struct Search<'a> {
    document: &'a Document,
    holder: &'a str,
    property: &'a str,
    path: Vec<Step>,
    /// The named schemas on the way, so that one that contains itself is not followed again.
    visiting: Vec<&'a str>,
    found: Vec<Vec<Step>>,
}

impl<'a> Search<'a> {
    fn named(&mut self, name: &'a str) {
        if self.visiting.contains(&name) || self.found.len() >= MAX_PLACES {
            return;
        }
        let Some(schema) = self.document.schemas.get(name) else {
            return;
        };
        if name == self.holder {
            let has = schema
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|properties| {
                    properties.keys().any(|key| json_key(key) == self.property)
                });
            if has {
                let mut found = self.path.clone();
                found.push(Step::Key(self.property.to_owned()));
                self.found.push(found);
            }
        }
        self.visiting.push(name);
        self.schema(schema);
        self.visiting.pop();
    }

    fn schema(&mut self, schema: &'a Value) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            if let Ok(name) = self.document.resolve(reference, "") {
                self.named(name);
            }
            return;
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                self.below(Step::Key(json_key(key).to_owned()), property);
            }
        }
        if let Some(items) = schema.get("items") {
            self.below(Step::Items, items);
        }
        if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            self.below(Step::Values, values);
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            for member in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.schema(member);
            }
        }
    }

    fn below(&mut self, step: Step, schema: &'a Value) {
        self.path.push(step);
        self.schema(schema);
        self.path.pop();
    }
}

/// A property's key in real events: the draft-4 exporter's renaming undone (as the type space
/// does).
fn json_key(key: &str) -> &str {
    key.strip_prefix("x-amazon-open-api-schema-").unwrap_or(key)
}

/// Code that follows steps through the generated types from one place.
struct Walk<'a> {
    emitter: &'a Emitter<'a>,
    /// The `ResourceRef` of an identifier expression.
    reference: &'a dyn Fn(TokenStream) -> TokenStream,
}

/// Where a walk stands: a binding that holds a reference, or a place reached by fields.
enum Place {
    Bound(proc_macro2::Ident),
    Field(TokenStream),
}

impl Place {
    /// The place as a reference.
    fn reference(&self) -> TokenStream {
        match self {
            Place::Bound(name) => quote! { #name },
            Place::Field(path) => quote! { &#path },
        }
    }

    /// The place, to reach its fields.
    fn path(&self) -> TokenStream {
        match self {
            Place::Bound(name) => quote! { #name },
            Place::Field(path) => path.clone(),
        }
    }
}

/// Statements guarded by `if let` conditions, which chain into one `if` (as clippy wants).
struct Guarded {
    conditions: Vec<TokenStream>,
    body: TokenStream,
}

impl Guarded {
    fn new(body: TokenStream) -> Self {
        Self {
            conditions: Vec::new(),
            body,
        }
    }

    fn render(self) -> TokenStream {
        let Guarded { conditions, body } = self;
        match conditions.is_empty() {
            true => body,
            false => quote! { if #(#conditions)&&* { #body } },
        }
    }
}

impl Walk<'_> {
    /// Statements that push a `ResourceRef` for every string the steps reach from `place`, of
    /// type `ty`; none when the types cannot hold one there.
    fn code(&self, ty: &Ty, place: Place, steps: &[Step], depth: usize) -> Option<TokenStream> {
        self.guarded(ty, place, steps, depth).map(Guarded::render)
    }

    fn guarded(&self, ty: &Ty, place: Place, steps: &[Step], depth: usize) -> Option<Guarded> {
        let value = format_ident!("v{depth}");
        let each = |item: &Ty, rest: &[Step], values: bool| -> Option<Guarded> {
            let inner = self.code(item, Place::Bound(value.clone()), rest, depth + 1)?;
            let items = match values {
                true => {
                    let path = place.path();
                    quote! { #path.values() }
                }
                false => place.reference(),
            };
            Some(Guarded::new(quote! { for #value in #items { #inner } }))
        };
        match (ty, steps) {
            (Ty::Any, _) => {
                // Untyped JSON, whose shape the registry saw in one sample (a CloudTrail
                // record's parameters change with every API): the property anywhere in it.
                let key = steps.iter().rev().find_map(|step| match step {
                    Step::Key(key) => Some(quote! { Some(#key) }),
                    _ => None,
                });
                let key = key.unwrap_or_else(|| quote! { None });
                let krate = &self.emitter.paths.events_crate;
                let reference = (self.reference)(quote! { "" });
                let json = place.reference();
                Some(Guarded::new(quote! {
                    #krate::__private::related_in_json(&mut related, #reference, #json, #key);
                }))
            }
            (Ty::String, []) => {
                let reference = (self.reference)(place.reference());
                Some(Guarded::new(quote! { related.push(#reference); }))
            }
            // A list where the schema has a property or an end: each element holds it.
            (Ty::Array(item), [] | [Step::Key(_), ..]) => each(item, steps, false),
            (Ty::Array(item), [Step::Items, rest @ ..]) => each(item, rest, false),
            (Ty::Map(item), [Step::Values, rest @ ..]) => each(item, rest, true),
            (Ty::Def(id), [Step::Key(key), rest @ ..]) => {
                let Body::Struct(fields) = &self.emitter.space.defs[*id].body else {
                    return None;
                };
                let position = fields.iter().position(|field| field.json == *key)?;
                let field = &fields[position];
                let name = ident(&rust_field_names(fields).0[position]);
                let path = place.path();
                if field.required {
                    let below = Place::Field(quote! { #path.#name });
                    return self.guarded(&field.ty, below, rest, depth + 1);
                }
                let mut inner =
                    self.guarded(&field.ty, Place::Bound(value.clone()), rest, depth + 1)?;
                inner
                    .conditions
                    .insert(0, quote! { let Some(#value) = &#path.#name });
                Some(inner)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_property_fills_the_variable_named_after_it() {
        let athena = "arn:${Partition}:athena:${Region}:${Account}:workgroup/${WorkGroupName}";
        assert!(fills(athena, "Detail", "workgroupName"));
        assert!(fills(athena, "Detail", "workGroup"));
        assert!(!fills(athena, "Detail", "queryExecutionId"));
        let ec2 = "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}";
        assert!(fills(ec2, "Detail", "instance-id"));
        assert!(fills(ec2, "Detail", "EC2InstanceId"));
        let bucket = "arn:${Partition}:s3:::${BucketName}";
        assert!(fills(bucket, "Bucket", "name"));
        assert!(!fills(bucket, "Object", "name"));
        let detector = "arn:${Partition}:guardduty:${Region}:${Account}:detector/${Id}";
        assert!(
            !fills(detector, "Detail", "parentId"),
            "one word is too little to end with"
        );
        let service =
            "arn:${Partition}:ecs:${Region}:${Account}:service/${ClusterName}/${ServiceName}";
        assert!(
            !fills(service, "Detail", "serviceName"),
            "two values are needed"
        );
    }

    /// Unique names for the places found, to compare them.
    fn described(places: &[Vec<Step>]) -> BTreeSet<String> {
        places
            .iter()
            .map(|steps| {
                steps
                    .iter()
                    .map(|step| match step {
                        Step::Key(key) => key.clone(),
                        Step::Items => "[]".to_owned(),
                        Step::Values => "{}".to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect()
    }

    #[test]
    fn places_reach_nested_records_list_elements_and_map_values() {
        let document = Document::parse(
            "test.json".as_ref(),
            r##"{"openapi": "3.0.0", "components": {"schemas": {
                "AWSEvent": {"x-amazon-events-source": "s", "x-amazon-events-detail-type": "d",
                    "properties": {"detail": {"$ref": "#/components/schemas/Detail"}}},
                "Detail": {"properties": {
                    "task": {"$ref": "#/components/schemas/Task"},
                    "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                    "byName": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Task"}},
                    "either": {"oneOf": [{"$ref": "#/components/schemas/Task"}, {"type": "string"}]}}},
                "Task": {"properties": {"x-amazon-open-api-schema-taskArn": {"type": "string"},
                    "parent": {"$ref": "#/components/schemas/Task"}}}}}}"##,
        )
        .unwrap();
        assert_eq!(
            described(&places(&document, "Task", "taskArn")),
            BTreeSet::from(
                [
                    "task.taskArn",
                    "tasks.[].taskArn",
                    "byName.{}.taskArn",
                    "either.taskArn"
                ]
                .map(str::to_owned)
            ),
            "a schema that contains itself is not followed into itself"
        );
        assert!(places(&document, "Task", "missing").is_empty());
    }
}
