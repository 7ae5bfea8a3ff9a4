//! What discovery reads: JSON lines, arrays, envelopes, details sent as strings, and what it
//! skips with the reason.

use bridgecraft_discover::Catalog;
use serde_json::json;

use super::event;

fn detail_schema(catalog: &Catalog, name: &str) -> serde_json::Value {
    let documents = catalog.documents();
    assert_eq!(documents.len(), 1, "{documents:?}");
    documents[0].json["components"]["schemas"][name].clone()
}

#[test]
fn json_lines_and_arrays_hold_many_events() {
    let lines = [
        event("my.app", "Ping", json!({"n": 1})).to_string(),
        event("my.app", "Ping", json!({"n": 2.5})).to_string(),
        json!([event("my.app", "Ping", json!({"n": 3, "extra": true}))]).to_string(),
    ]
    .join("\n");
    let mut catalog = Catalog::new();
    let tally = catalog.read(lines.as_bytes(), "lines").unwrap();
    assert_eq!((tally.values, tally.events, tally.skipped), (3, 3, 0));
    let schema = detail_schema(&catalog, "Ping");
    assert_eq!(schema["properties"]["n"]["type"], "number");
    assert_eq!(schema["properties"]["extra"]["type"], "boolean");
    assert_eq!(schema["required"], json!(["n"]));
    assert_eq!(catalog.documents()[0].samples, 3);
}

#[test]
fn envelopes_are_unwrapped_as_the_factory_unwraps_them() {
    let inner = event("my.app", "Ping", json!({"n": 1})).to_string();
    let sqs = json!({"MessageId": "m-1", "Body": inner});
    let sns = json!({"Type": "Notification", "MessageId": "n-1", "Message": inner});
    let lambda_sqs = json!({"Records": [{"messageId": "a", "body": inner}, {"messageId": "b", "body": sns.to_string()}]});
    let mut catalog = Catalog::new();
    for input in [&sqs, &sns, &lambda_sqs] {
        let tally = catalog.add_json(&input.to_string());
        assert_eq!(tally.skipped, 0, "{input}: {:?}", tally.skips);
    }
    assert_eq!(catalog.documents()[0].samples, 4);
}

#[test]
fn a_detail_sent_as_a_json_string_is_the_object_it_holds() {
    let mut catalog = Catalog::new();
    let scheduler = event("aws.scheduler", "Scheduled", json!("{\"job\": \"j-1\"}"));
    catalog.add_event(&scheduler).unwrap();
    let schema = detail_schema(&catalog, "Scheduled");
    assert_eq!(schema["properties"]["job"]["type"], "string");
}

#[test]
fn what_is_not_an_event_is_skipped_with_the_reason() {
    let mut catalog = Catalog::new();
    let input = [
        json!({"id": "no source"}).to_string(),
        json!({"source": "a", "detail-type": "b", "detail": [1]}).to_string(),
        "{broken".to_owned(),
    ]
    .join("\n");
    let tally = catalog.read(input.as_bytes(), "mixed.jsonl").unwrap();
    assert_eq!((tally.values, tally.events, tally.skipped), (3, 0, 3));
    let reasons: Vec<String> = tally.skips.iter().map(ToString::to_string).collect();
    assert!(
        reasons[0].starts_with("mixed.jsonl: value 1: "),
        "{reasons:?}"
    );
    assert!(reasons[0].contains("source"), "{reasons:?}");
    assert_eq!(
        reasons[1],
        "mixed.jsonl: value 2: `detail` is an array, not an object"
    );
    assert!(
        reasons[2].starts_with("mixed.jsonl: value 3: "),
        "{reasons:?}"
    );
    assert_eq!(catalog.types().count(), 0);
}

#[test]
fn a_detail_missing_from_one_sample_makes_every_field_optional() {
    let mut catalog = Catalog::new();
    catalog
        .add_event(&event("my.app", "Ping", json!({"n": 1})))
        .unwrap();
    let mut bare = event("my.app", "Ping", json!({}));
    bare.as_object_mut().unwrap().remove("detail");
    catalog.add_event(&bare).unwrap();
    let schema = detail_schema(&catalog, "Ping");
    assert!(schema.get("required").is_none(), "{schema}");
    let envelope = &catalog.documents()[0].json["components"]["schemas"]["AWSEvent"];
    assert!(
        !envelope["required"]
            .as_array()
            .unwrap()
            .contains(&json!("detail"))
    );
}
