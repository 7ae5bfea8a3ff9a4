//! Bad input gets an error naming the file and the JSON path.

use std::path::Path;

use bridgecraft_codegen::{Config, Document, Error, Fix};

use super::*;

fn parse(text: &str) -> Result<Document, Error> {
    Document::parse(Path::new("schemas/bad.json"), text)
}

#[test]
fn a_dangling_ref_names_the_file_and_the_path() {
    let Some(dir) = registry_exports() else {
        return;
    };
    let path = dir.join("aws.partner-mongodb.com/aws.partner-mongodb.com@TicketCreated.json");
    let error = Document::read(&path).unwrap_err().to_string();
    assert!(
        error.contains("aws.partner-mongodb.com@TicketCreated.json"),
        "{error}"
    );
    assert!(
        error.contains("at `/components/schemas/AWSEvent/properties/detail/$ref`"),
        "{error}"
    );
    assert!(
        error.contains(
            "`#/components/schemas/aws.partner/mongodb.com/Ticket.Created` points to no schema"
        ),
        "{error}"
    );
}

#[test]
fn a_dangling_ref_inside_a_schema_is_found_when_generating() {
    let document = parse(
        r##"{"openapi": "3.0.0", "components": {"schemas": {
            "AWSEvent": {"x-amazon-events-source": "s", "x-amazon-events-detail-type": "d",
                         "properties": {"detail": {"$ref": "#/components/schemas/D"}}},
            "D": {"type": "object", "properties": {"a~b": {"$ref": "#/components/schemas/Nowhere"}}}}}}"##,
    )
    .unwrap();
    let error = Config::new()
        .generate(vec![document])
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "schemas/bad.json: at `/components/schemas/D/properties/a~0b/$ref`: \
         `$ref` `#/components/schemas/Nowhere` points to no schema in this document"
    );
}

#[test]
fn documents_without_the_event_keys_are_refused() {
    let error =
        parse(r#"{"openapi": "3.0.0", "components": {"schemas": {"AWSEvent": {}}}}"#).unwrap_err();
    assert_eq!(
        error.to_string(),
        "schemas/bad.json: at `/components/schemas/AWSEvent`: missing `x-amazon-events-source`"
    );
    let error = parse("[1, 2]").unwrap_err();
    assert_eq!(
        error.to_string(),
        "schemas/bad.json: at ``: expected a JSON object"
    );
    let error = parse("{").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("schemas/bad.json: not valid JSON"),
        "{error}"
    );
}

#[test]
fn two_documents_for_one_event_are_refused() {
    let mut documents = fixture_documents();
    let mut copy = documents[0].clone();
    copy.path = "elsewhere.json".into();
    documents.push(copy);
    let error = Config::new().generate(documents).unwrap_err().to_string();
    assert!(
        error.starts_with("two documents define source `com.example.shop`"),
        "{error}"
    );
}

#[test]
fn a_fix_that_matches_nothing_is_an_error() {
    let fix: Fix = serde_json::from_str(
        r#"{"schema": "OrderPlaced", "properties": ["gone"], "nullable": true, "why": "test"}"#,
    )
    .unwrap();
    let error = Config::new()
        .fix(fix)
        .generate(fixture_documents())
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "the fix of `OrderPlaced.gone` (source any) matches no property of any schema: remove it or correct it"
    );
}

#[test]
fn fixes_change_the_generated_field() {
    let fix = |json: &str| -> Fix { serde_json::from_str(json).unwrap() };
    let required = fix(
        r#"{"source": "com.example.shop", "schema": "OrderPlaced", "properties": ["order-id"], "required": true, "why": "t"}"#,
    );
    let retyped = fix(
        r#"{"schema": "OrderPlaced", "properties": ["total"], "type": {"type": "integer"}, "why": "t"}"#,
    );
    let output = Config::new()
        .fixes([required, retyped])
        .generate(fixture_documents())
        .unwrap();
    let code = &output.files["com_example_shop/order_placed.rs"];
    assert!(code.contains("pub order_id: String,"), "{code}");
    assert!(code.contains("const REQUIRED: u64 = 16;"), "{code}");
    assert!(code.contains("pub total: Option<i64>"), "{code}");
    let plain = generate(fixture_documents());
    let code = &plain.files["com_example_shop/order_placed.rs"];
    assert!(
        code.contains("pub order_id: Option<String>,"),
        "the schema's `required` is what its samples had, not evidence: {code}"
    );
}

#[test]
fn a_fix_with_a_type_adds_a_property_the_schema_lacks() {
    let added: Fix = serde_json::from_str(
        r#"{"schema": "OrderPlaced", "properties": ["giftNote", "redeemedAt"], "type": {"type": "string"}, "nullable": true, "why": "t"}"#,
    )
    .unwrap();
    let output = Config::new()
        .fix(added)
        .generate(fixture_documents())
        .unwrap();
    let code = &output.files["com_example_shop/order_placed.rs"];
    assert!(code.contains("pub gift_note: Option<String>,"), "{code}");
    assert!(
        code.contains(r#"FieldSpec::nullable("giftNote")"#),
        "{code}"
    );
    assert!(
        code.contains("pub redeemed_at: Option<String>,"),
        "a type the fix gives is taken as it is, not guessed from the name: {code}"
    );
}

#[test]
fn a_fix_can_name_a_resource_the_registry_does_not() {
    let related: Fix = serde_json::from_str(
        r#"{"source": "com.example.shop", "schema": "Item", "properties": ["host"],
            "related": "Shop::Host", "why": "t"}"#,
    )
    .unwrap();
    let templates = [(
        "Shop::Host".to_owned(),
        "arn:${Partition}:shop:${Region}:${Account}:host/${ItemHost}".to_owned(),
    )];
    let output = Config::new()
        .fix(related)
        .arn_templates(templates)
        .generate(fixture_documents())
        .unwrap();
    let code: String = output.files["com_example_shop/order_placed.rs"]
        .split_whitespace()
        .collect();
    // In every item of the list; the template's value is named after the record and field.
    assert!(
        code.contains(r#"crate::ResourceRef::new("Shop::Host",v2).with_arn_template("arn:${Partition}:shop:${Region}:${Account}:host/${ItemHost}",)"#),
        "{code}"
    );
    assert!(output.files["arn_templates.rs"].contains(r#"("shop", "Shop::Host", "#));
}

#[test]
fn only_scalars_can_be_recorded_as_always_present() {
    let fix: Fix = serde_json::from_str(
        r#"{"schema": "OrderPlaced", "properties": ["items"], "required": true, "why": "t"}"#,
    )
    .unwrap();
    let error = Config::new()
        .fix(fix)
        .generate(fixture_documents())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("only strings, numbers and booleans can be recorded as always present"),
        "{error}"
    );
}

#[test]
fn bad_paths_are_refused() {
    let error = Config::new()
        .events_crate("not a path")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("`not a path` is not a Rust path"),
        "{error}"
    );
}
