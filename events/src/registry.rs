//! The registry documents of hand-written detail types, through `schemars`, for teams that
//! publish their events' schemas to a schema registry.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::{EventDetail, Timestamp};

/// The schema-registry document of a detail type written by hand: an OpenAPI 3 document in
/// the registry's format, its `AWSEvent` naming the type's `SOURCE` and `DETAIL_TYPE`, and the
/// detail's schema and those it refers to in `components.schemas`, as `schemars` describes
/// what the type serializes to. `bridgecraft-codegen` generates types of the same JSON shape
/// from it.
///
/// ```
/// use bridgecraft_events::{EventDetail, registry_document};
///
/// #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
/// struct OrderPlaced {
///     order_id: String,
///     note: Option<String>,
/// }
///
/// impl EventDetail for OrderPlaced {
///     const SOURCE: &'static str = "com.example.orders";
///     const DETAIL_TYPE: &'static str = "Order Placed";
/// }
///
/// let document = registry_document::<OrderPlaced>();
/// let event = &document["components"]["schemas"]["AWSEvent"];
/// assert_eq!(event["x-amazon-events-detail-type"], "Order Placed");
/// let detail = &document["components"]["schemas"]["OrderPlaced"];
/// assert_eq!(detail["properties"]["note"]["nullable"], true);
/// ```
pub fn registry_document<T: EventDetail + JsonSchema>() -> Value {
    let generator = SchemaSettings::openapi3().for_serialize().into_generator();
    let mut root = match generator.into_root_schema_for::<T>().to_value() {
        Value::Object(root) => root,
        // `true`: any JSON.
        _ => Map::new(),
    };
    let mut schemas = match root.remove("components") {
        Some(Value::Object(mut components)) => match components.remove("schemas") {
            Some(Value::Object(schemas)) => schemas,
            _ => Map::new(),
        },
        _ => Map::new(),
    };
    let name = T::schema_name().into_owned();
    root.remove("$schema");
    if root.get("title").and_then(Value::as_str) == Some(name.as_str()) {
        root.remove("title");
    }
    schemas.insert(name.clone(), Value::Object(root));
    schemas.insert(
        "AWSEvent".to_owned(),
        json!({
            "type": "object",
            "x-amazon-events-source": T::SOURCE,
            "x-amazon-events-detail-type": T::DETAIL_TYPE,
            "properties": { "detail": { "$ref": format!("#/components/schemas/{name}") } },
            "required": ["detail"],
        }),
    );
    json!({
        "openapi": "3.0.0",
        "info": { "title": name, "version": "1.0.0" },
        "paths": {},
        "components": { "schemas": schemas },
    })
}

/// A timestamp is a string in RFC 3339, `format: date-time`, which the generator types as a
/// [`Timestamp`] again.
impl JsonSchema for Timestamp {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}
