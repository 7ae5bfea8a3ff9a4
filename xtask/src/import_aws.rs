//! `cargo xtask import-aws`: AWS's schema registry, as the npm package
//! `@aws-cdk/aws-service-spec` publishes it, converted into one registry export per event type.
//!
//! The package's `db.json.gz` holds the registry in three tables: `event` (source,
//! detail-type, the detail's root type and the fields that name the resource an event is
//! about), `eventTypeDefinition` (each type's properties, with `required` flags) and `resource`
//! (CloudFormation resource types). Each event becomes an OpenAPI 3 document in the format of
//! `aws schemas export-schema`, with the resource fields kept under `x-bridgecraft-resources`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value, json};

use crate::{flag_value, project_root};

const PACKAGE: &str = "@aws-cdk/aws-service-spec";

pub fn run(args: &[String]) -> Result<(), String> {
    let root = project_root();
    let out_dir = root.join("schemas/aws");
    let version_file = out_dir.join("VERSION");
    let package = match flag_value(args, "--package")? {
        Some(path) => PathBuf::from(path),
        None => {
            let version = match flag_value(args, "--version")? {
                Some(version) => version.to_owned(),
                None => read(&version_file)?.trim().to_owned(),
            };
            npm_pack(&version)?
        }
    };
    let contents = PackageContents::read(&package)?;
    let db: Value = serde_json::from_slice(&contents.db)
        .map_err(|e| format!("{}: db.json: {e}", package.display()))?;
    let documents = convert(&db).map_err(|e| format!("{}: {e}", package.display()))?;

    let mut wanted = BTreeSet::new();
    for (relative, document) in &documents {
        let path = out_dir.join(relative);
        let text = serde_json::to_string_pretty(document).map_err(|e| e.to_string())? + "\n";
        write_if_changed(&path, &text)?;
        wanted.insert(path);
    }
    remove_stale(&out_dir, &wanted)?;
    let templates = arn_templates(&db)?;
    write_if_changed(&root.join(crate::regen::ARN_TEMPLATES), &templates)?;
    if let Some(version) = &contents.version {
        write_if_changed(&version_file, &format!("{version}\n"))?;
    }
    if let Some(license) = &contents.license {
        write_if_changed(&out_dir.join("LICENSE"), license)?;
    }
    eprintln!(
        "{} event types from {PACKAGE} {} written to {}",
        documents.len(),
        contents.version.as_deref().unwrap_or("(unknown version)"),
        out_dir.display()
    );
    Ok(())
}

/// Fetches the package with `npm pack` into a temporary folder; returns the `.tgz`.
fn npm_pack(version: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("bridgecraft-import-aws-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let spec = format!("{PACKAGE}@{version}");
    let output = Command::new("npm")
        .args(["pack", &spec, "--silent", "--pack-destination"])
        .arg(&dir)
        .output()
        .map_err(|e| {
            format!("could not run npm (needed to fetch {spec}; or pass --package FILE): {e}")
        })?;
    if !output.status.success() {
        return Err(format!(
            "npm pack {spec} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let name = String::from_utf8_lossy(&output.stdout)
        .trim()
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    Ok(dir.join(name))
}

/// What the import needs from the package.
struct PackageContents {
    db: Vec<u8>,
    version: Option<String>,
    license: Option<String>,
}

impl PackageContents {
    /// Reads a package `.tgz`, or a bare `db.json.gz`.
    fn read(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
        if path.to_string_lossy().ends_with("db.json.gz") {
            return Ok(Self {
                db: gunzip(&bytes).map_err(fail)?,
                version: None,
                license: None,
            });
        }
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
        let (mut db, mut version, mut license) = (None, None, None);
        for entry in archive.entries().map_err(fail)? {
            let mut entry = entry.map_err(fail)?;
            let name = entry.path().map_err(fail)?.to_string_lossy().into_owned();
            let mut data = Vec::new();
            match name.as_str() {
                "package/db.json.gz" => {
                    entry.read_to_end(&mut data).map_err(fail)?;
                    db = Some(gunzip(&data).map_err(fail)?);
                }
                "package/package.json" => {
                    entry.read_to_end(&mut data).map_err(fail)?;
                    let manifest: Value = serde_json::from_slice(&data)
                        .map_err(|e| format!("{}: package.json: {e}", path.display()))?;
                    version = manifest["version"].as_str().map(str::to_owned);
                }
                "package/LICENSE" => {
                    let mut text = String::new();
                    entry.read_to_string(&mut text).map_err(fail)?;
                    license = Some(text);
                }
                _ => {}
            }
        }
        let db =
            db.ok_or_else(|| format!("{}: no package/db.json.gz in the archive", path.display()))?;
        Ok(Self {
            db,
            version,
            license,
        })
    }
}

fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

/// A table of the database, by `$id`.
fn entities<'a>(db: &'a Value, table: &str) -> Result<BTreeMap<&'a str, &'a Value>, String> {
    let entities = db["schema"][table]["entities"]
        .as_array()
        .ok_or_else(|| format!("db.json: no table `schema.{table}.entities`"))?;
    entities
        .iter()
        .map(|entity| match entity["$id"].as_str() {
            Some(id) => Ok((id, entity)),
            None => Err(format!("db.json: an entity of `{table}` has no `$id`")),
        })
        .collect()
}

fn reference(value: &Value) -> Option<&str> {
    value["$ref"].as_str()
}

/// Every event of the database as `(path below schemas/aws, document)`.
fn convert(db: &Value) -> Result<BTreeMap<String, Value>, String> {
    let events = entities(db, "event")?;
    let types = entities(db, "eventTypeDefinition")?;
    let resources = entities(db, "resource")?;
    let mut documents = BTreeMap::new();
    let mut seen: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for (id, event) in events {
        let text = |key: &str| {
            event[key]
                .as_str()
                .ok_or_else(|| format!("db.json: event {id} has no `{key}`"))
        };
        let (name, source, detail_type) = (text("name")?, text("source")?, text("detailType")?);
        // The registry lists a few events twice, under a second spelling of the source in the
        // name (`aws.networkfirewall@…` for `aws.network-firewall`): keep the one named after
        // its source.
        if let Some(kept) = seen.get(&(source, detail_type)) {
            if kept.starts_with(&format!("{source}@")) {
                continue;
            }
            documents.remove(&format!("{source}/{kept}.json"));
        }
        seen.insert((source, detail_type), name);
        let root = reference(&event["rootProperty"])
            .ok_or_else(|| format!("db.json: event {name} has no root type"))?;

        let mut schemas = Map::new();
        let mut names: BTreeMap<&str, String> = BTreeMap::new();
        let mut pending = vec![root];
        while let Some(type_id) = pending.pop() {
            if names.contains_key(type_id) {
                continue;
            }
            let definition = types
                .get(type_id)
                .ok_or_else(|| format!("db.json: event {name} uses missing type {type_id}"))?;
            let mut type_name = definition["name"].as_str().unwrap_or("Type").to_owned();
            if type_name == "AWSEvent" {
                type_name.push_str("Detail");
            }
            names.insert(type_id, type_name);
            collect_refs(&definition["properties"], &mut pending);
        }
        for (type_id, type_name) in &names {
            let definition = types[type_id];
            let mut properties = Map::new();
            let mut required = Vec::new();
            if let Some(fields) = definition["properties"].as_object() {
                for (field, property) in fields {
                    properties.insert(field.clone(), schema_of(&property["type"], &names)?);
                    if property["required"] == Value::Bool(true) {
                        required.push(Value::String(field.clone()));
                    }
                }
            }
            let mut schema = json!({ "type": "object", "properties": properties });
            if !required.is_empty() {
                schema["required"] = Value::Array(required);
            }
            schemas.insert(type_name.clone(), schema);
        }

        let mut resource_fields = Vec::new();
        for field in event["resourcesField"].as_array().into_iter().flatten() {
            let resource = reference(&field["resource"])
                .and_then(|id| resources.get(id))
                .ok_or_else(|| {
                    format!("db.json: event {name} names a resource that is not there")
                })?;
            let mut entry = json!({
                "cloudformation-type": resource["cloudFormationType"],
                "primary-identifier": resource["primaryIdentifier"],
            });
            // Some entries name the resource type only, not the field that identifies it.
            if let Some(holder) = reference(&field["type"]).and_then(|id| names.get(id)) {
                entry["schema"] = Value::String(holder.clone());
            }
            if let Some(field_name) = field["fieldName"].as_str() {
                entry["property"] = Value::String(field_name.to_owned());
            }
            resource_fields.push(entry);
        }

        let mut event_schema = envelope_schema(source, detail_type, &names[root]);
        if let Some(description) = event["description"].as_str() {
            event_schema["description"] = Value::String(description.to_owned());
        }
        if !resource_fields.is_empty() {
            event_schema["x-bridgecraft-resources"] = Value::Array(resource_fields);
        }
        schemas.insert("AWSEvent".to_owned(), event_schema);
        let title = name.split_once('@').map_or(name, |(_, title)| title);
        let document = json!({
            "openapi": "3.0.0",
            "info": { "version": "1.0.0", "title": title },
            "paths": {},
            "components": { "schemas": schemas },
        });
        documents.insert(format!("{source}/{name}.json"), document);
    }
    Ok(documents)
}

/// The `resource` table's ARN templates as `TYPE<TAB>TEMPLATE` lines, by type.
fn arn_templates(db: &Value) -> Result<String, String> {
    let mut rows = BTreeMap::new();
    for resource in entities(db, "resource")?.values() {
        if let (Some(kind), Some(template)) = (
            resource["cloudFormationType"].as_str(),
            resource["arnTemplate"].as_str(),
        ) {
            rows.insert(kind, template);
        }
    }
    let mut text = format!(
        "# The ARN template of each CloudFormation resource type that has one, from {PACKAGE}:\n\
         # TYPE<TAB>TEMPLATE. Written by `cargo xtask import-aws`.\n"
    );
    for (kind, template) in rows {
        text.push_str(&format!("{kind}\t{template}\n"));
    }
    Ok(text)
}

fn collect_refs<'a>(value: &'a Value, refs: &mut Vec<&'a str>) {
    match value {
        Value::Object(object) => {
            if object.get("type").and_then(Value::as_str) == Some("ref") {
                refs.extend(reference(&value["reference"]));
            }
            object.values().for_each(|v| collect_refs(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

/// The JSON Schema of one of the database's property types.
fn schema_of(ty: &Value, names: &BTreeMap<&str, String>) -> Result<Value, String> {
    let kind = ty["type"].as_str().unwrap_or_default();
    Ok(match kind {
        "string" | "number" | "integer" | "boolean" => json!({ "type": kind }),
        "json" => json!({}),
        "array" => json!({ "type": "array", "items": schema_of(&ty["element"], names)? }),
        "map" => {
            json!({ "type": "object", "additionalProperties": schema_of(&ty["element"], names)? })
        }
        "ref" => {
            let id =
                reference(&ty["reference"]).ok_or("db.json: a `ref` type without a reference")?;
            let name = names
                .get(id)
                .ok_or_else(|| format!("db.json: reference to unknown type {id}"))?;
            json!({ "$ref": format!("#/components/schemas/{name}") })
        }
        "union" => {
            let members = ty["types"]
                .as_array()
                .ok_or("db.json: a `union` type without `types`")?;
            let members: Result<Vec<Value>, String> = members
                .iter()
                .map(|member| schema_of(member, names))
                .collect();
            json!({ "oneOf": members? })
        }
        other => return Err(format!("db.json: unknown property type `{other}`")),
    })
}

/// The `AWSEvent` schema every registry export has.
fn envelope_schema(source: &str, detail_type: &str, detail: &str) -> Value {
    json!({
        "type": "object",
        "required": ["detail-type", "resources", "detail", "id", "source", "time", "region", "version", "account"],
        "x-amazon-events-detail-type": detail_type,
        "x-amazon-events-source": source,
        "properties": {
            "detail": { "$ref": format!("#/components/schemas/{detail}") },
            "account": { "type": "string" },
            "detail-type": { "type": "string" },
            "id": { "type": "string" },
            "region": { "type": "string" },
            "resources": { "type": "array", "items": { "type": "string" } },
            "source": { "type": "string" },
            "time": { "type": "string", "format": "date-time" },
            "version": { "type": "string" },
        },
    })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    bridgecraft_codegen::ensure_file_contents(path, text).map_err(|e| e.to_string())
}

/// Removes documents below `dir` that the import no longer writes.
fn remove_stale(dir: &Path, wanted: &BTreeSet<PathBuf>) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            remove_stale(&path, wanted)?;
            if std::fs::read_dir(&path)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false)
            {
                std::fs::remove_dir(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        } else if path.extension().is_some_and(|ext| ext == "json") && !wanted.contains(&path) {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}
