//! Generated code for representative schemas, as insta snapshots.

use bridgecraft_codegen::{Config, Document};

use super::*;

fn export(name: &str) -> Option<Document> {
    let path = registry_exports()?.join(name);
    Some(Document::read(&path).unwrap_or_else(|e| panic!("{e}")))
}

#[test]
fn own_fixtures_with_enums_maps_and_unions() {
    insta::assert_snapshot!("fixtures", joined(&generate(fixture_documents())));
}

#[test]
fn ec2_instance_state_change() {
    let Some(document) = export("aws.ec2/aws.ec2@EC2InstanceStateChangeNotification.json") else {
        return;
    };
    insta::assert_snapshot!(
        "ec2_instance_state_change",
        joined(&generate(vec![document]))
    );
}

#[test]
fn draft4_and_openapi_exports_give_the_same_code() {
    let (Some(openapi), Some(draft4)) = (
        export("aws.ec2/aws.ec2@EC2InstanceStateChangeNotification.json"),
        export("aws.ec2/aws.ec2@EC2InstanceStateChangeNotification.draft4.json"),
    ) else {
        return;
    };
    assert_eq!(generate(vec![openapi]), generate(vec![draft4]));
}

#[test]
fn s3_cloudtrail_call() {
    let Some(document) = export("aws.s3/aws.s3@AWSAPICallViaCloudTrail.json") else {
        return;
    };
    insta::assert_snapshot!("s3_cloudtrail_openapi", joined(&generate(vec![document])));
}

#[test]
fn s3_cloudtrail_call_draft4_with_null_types_and_renamed_read_only() {
    let Some(document) = export("aws.s3/aws.s3@AWSAPICallViaCloudTrail.draft4.json") else {
        return;
    };
    // The event's own schema, not the documented CloudTrail record.
    let code = joined(
        &Config::new()
            .cloudtrail_record(false)
            .generate(vec![document])
            .unwrap(),
    );
    // `readOnly` was renamed by the exporter; real events and `required` use the original.
    assert!(code.contains(r#"FieldSpec::new("readOnly")"#), "{code}");
    // `type: ["object", "null"]` is a nullable field: its null is no drift.
    assert!(
        code.contains(r#"FieldSpec::nullable("responseElements")"#),
        "{code}"
    );
    insta::assert_snapshot!("s3_cloudtrail_draft4", code);
}

#[test]
fn cloudtrail_calls_of_every_source_share_the_documented_record() {
    let Some(document) = export("aws.s3/aws.s3@AWSAPICallViaCloudTrail.json") else {
        return;
    };
    let output = generate(vec![document]);
    let record = &output.files["cloudtrail.rs"];
    assert!(record.contains("pub struct UserIdentity"), "{record}");
    assert!(record.contains("pub struct SessionContext"), "{record}");
    let call = &output.files["aws_s3/aws_api_call_via_cloud_trail.rs"];
    assert!(
        call.contains("pub event_time: Option<crate::Timestamp>"),
        "{call}"
    );
    assert!(
        call.contains("pub user_identity: Option<Box<crate::generated::cloudtrail::UserIdentity>>"),
        "{call}"
    );
    assert!(
        call.contains("pub request_parameters: Option<serde_json::Value>"),
        "{call}"
    );
}

#[test]
fn step_functions_any_json_and_integers() {
    let Some(document) = export("aws.states/aws.states@StepFunctionsExecutionStatusChange.json")
    else {
        return;
    };
    let code = joined(&generate(vec![document]));
    assert!(
        code.contains("pub output: Option<serde_json::Value>"),
        "`{{}}` is any JSON: {code}"
    );
    assert!(code.contains("pub start_date: Option<i64>"), "{code}");
}

#[test]
fn output_does_not_depend_on_document_order() {
    let documents = fixture_documents();
    let mut reversed = documents.clone();
    reversed.reverse();
    assert_eq!(generate(documents), generate(reversed));
}

#[test]
fn features_follow_sources() {
    let output = generate(fixture_documents());
    assert_eq!(
        output.features_toml(),
        "[features]\ndefault = []\naws = []\ncom-example-shop = []\n"
    );
    let ungated = Config::new()
        .feature_gates(false)
        .generate(fixture_documents())
        .unwrap();
    assert!(
        !ungated.files["mod.rs"].contains("cfg(feature"),
        "{}",
        ungated.files["mod.rs"]
    );
}

#[test]
fn unions_merge_their_members() {
    let document = Document::parse(
        std::path::Path::new("all-of.json"),
        r##"{"openapi": "3.0.0", "components": {"schemas": {
            "AWSEvent": {"x-amazon-events-source": "s", "x-amazon-events-detail-type": "D",
                         "properties": {"detail": {"$ref": "#/components/schemas/D"}}},
            "D": {"type": "object", "required": ["both", "either"], "properties": {
                "both": {"allOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]},
                "either": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]},
                "same": {"anyOf": [{"type": "string"}, {"type": "string"}]}}},
            "A": {"type": "object", "required": ["a", "shared"], "properties": {"a": {"type": "string"}, "shared": {"type": "integer"}}},
            "B": {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}, "shared": {"type": "string"}}}}}}"##,
    )
    .unwrap();
    insta::assert_snapshot!("all_of_one_of", generate(vec![document]).files["s/d.rs"]);
}

#[test]
fn a_regeneration_says_what_it_changes_in_the_public_api() {
    let dir = tempfile::tempdir().unwrap();
    generate(fixture_documents()).write_to(dir.path()).unwrap();
    let fix: bridgecraft_codegen::Fix = serde_json::from_str(
        r#"{"schema": "OrderPlaced", "properties": ["total"], "type": {"type": "integer"}, "why": "t"}"#,
    )
    .unwrap();
    let retyped = Config::new()
        .fix(fix)
        .generate(fixture_documents())
        .unwrap();
    let (added, removed) = retyped.api_changes(dir.path()).unwrap();
    assert_eq!(
        added,
        ["com_example_shop::order_placed::OrderPlaced.total: Option<i64>"]
    );
    assert_eq!(
        removed,
        ["com_example_shop::order_placed::OrderPlaced.total: Option<serde_json::Number>"]
    );
    let same = generate(fixture_documents())
        .api_changes(dir.path())
        .unwrap();
    assert_eq!(same, (vec![], vec![]));
}

#[test]
fn large_nested_records_are_boxed_and_small_ones_inline() {
    // Eleven strings and a tag with the record's `Extra` are 320 bytes, over the 256 that
    // boxes; a string and a tag are 80, which stay inline.
    let large: Vec<String> = (0..11)
        .map(|i| format!(r#""f{i}": {{"type": "string"}}, "#))
        .collect();
    let document = Document::parse(
        std::path::Path::new("boxed.json"),
        &format!(
            r##"{{"openapi": "3.0.0", "components": {{"schemas": {{
            "AWSEvent": {{"x-amazon-events-source": "s", "x-amazon-events-detail-type": "D",
                         "properties": {{"detail": {{"$ref": "#/components/schemas/D"}}}}}},
            "D": {{"type": "object", "properties": {{
                "large": {{"$ref": "#/components/schemas/Large"}},
                "small": {{"$ref": "#/components/schemas/Small"}},
                "many": {{"type": "array", "items": {{"$ref": "#/components/schemas/Large"}}}},
                "either": {{"oneOf": [{{"$ref": "#/components/schemas/Large"}}, {{"$ref": "#/components/schemas/Small"}}]}}}}}},
            "Large": {{"type": "object", "properties": {{{}"kind": {{"const": "large"}}}}}},
            "Small": {{"type": "object", "properties": {{"s": {{"type": "string"}}, "kind": {{"const": "small"}}}}}}}}}}}}"##,
            large.concat()
        ),
    )
    .unwrap();
    let code = generate(vec![document]).files["s/d.rs"].clone();
    assert!(code.contains("pub large: Option<Box<Large>>,"), "{code}");
    assert!(code.contains("pub small: Option<Small>,"), "{code}");
    assert!(code.contains("pub many: Option<Vec<Large>>,"), "{code}");
    assert!(
        code.contains("boxed_field(\n                    &mut self.large,"),
        "{code}"
    );
    assert!(code.contains("self.large.as_deref()"), "{code}");
    assert!(code.contains("Large(Box<Large>),"), "{code}");
    assert!(code.contains("Small(Small),"), "{code}");
    insta::assert_snapshot!("boxed", code);
}
