//! `discover`, `generate`, and `decode --schemas`: a private source from samples to typed
//! events without compiling anything.

use super::{bridgecraft, lines};

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_str().unwrap().to_owned()
}

#[test]
fn discover_writes_a_document_per_type_then_merge_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let out = path(&dir, "schemas");
    let output = bridgecraft(&["discover", "examples/events", "--out", &out]);
    assert!(output.status.success(), "{output:?}");
    let written = lines(&output);
    let summary: serde_json::Value = serde_json::from_str(written.last().unwrap()).unwrap();
    assert_eq!(
        (summary["events"].as_u64(), summary["types"].as_u64()),
        (Some(13), Some(7)),
        "{summary}"
    );
    let order = format!("{out}/com.example.orders/com.example.orders@OrderPlaced.json");
    assert!(
        written.contains(&format!("written\t{order}\t2 samples")),
        "{written:?}"
    );

    // New samples: one with a field never seen, as JSON lines.
    let samples = path(&dir, "new.jsonl");
    let event = |detail: &str| {
        format!(
            r#"{{"source":"com.example.orders","detail-type":"Order Placed","detail":{detail}}}"#
        )
    };
    std::fs::write(
        &samples,
        [event(
            r#"{"order_id":"o-9","customer":"c-1","total_cents":10,"currency":"EUR","gift":true}"#,
        )]
        .join("\n"),
    )
    .unwrap();
    let output = bridgecraft(&["discover", &samples, "--merge", &out]);
    assert!(output.status.success(), "{output:?}");
    let merged = lines(&output);
    let changed = merged
        .iter()
        .position(|line| line.starts_with(&format!("changed\t{order}")))
        .unwrap();
    // The sample is a bare event: the envelope keys it lacks are no longer required either.
    assert_eq!(
        merged[changed + 1..changed + 4],
        [
            "\t~ account: no longer required",
            "\t+ detail.gift: boolean",
            "\t~ id: no longer required"
        ],
        "{merged:?}"
    );
    assert!(
        merged.iter().any(|line| line.starts_with("unchanged\t")),
        "{merged:?}"
    );
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&order).unwrap()).unwrap();
    let detail = &document["components"]["schemas"]["OrderPlaced"];
    assert_eq!(detail["properties"]["gift"]["type"], "boolean");
    assert_eq!(detail["properties"]["total_cents"]["type"], "integer");
}

#[test]
fn discover_without_events_fails_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let samples = path(&dir, "nothing.json");
    std::fs::write(&samples, r#"{"not": "an event"}"#).unwrap();
    let output = bridgecraft(&["discover", &samples, "--out", &path(&dir, "out")]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("skipped"), "{stderr}");
    assert!(stderr.contains("no events found"), "{stderr}");
}

#[test]
fn decode_types_private_events_by_their_documents() {
    let output = bridgecraft(&[
        "decode",
        "--drift",
        "--schemas",
        "examples/orders/schemas",
        "examples/events/custom-order-placed.json",
        "examples/orders/events",
        "examples/events/ec2-instance-state-change.json",
    ]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        lines(&output),
        [
            "examples/events/custom-order-placed.json\ttyped\tcom.example.orders@OrderPlaced",
            "examples/orders/events/order-cancelled.json\ttyped\tcom.example.orders@OrderCancelled",
            "examples/orders/events/order-placed.json\ttyped\tcom.example.orders@OrderPlaced",
            "examples/orders/events/order-shipped.json\ttyped\tcom.example.orders@OrderShipped",
            "examples/orders/events/refund-issued.json\ttyped\tcom.example.payments@RefundIssued",
            "examples/events/ec2-instance-state-change.json\ttyped\taws_ec2::Ec2InstanceStateChangeNotification",
        ]
    );
}

#[test]
fn what_does_not_fit_a_document_is_drift_or_with_strict_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = path(&dir, "bad.json");
    std::fs::write(
        &bad,
        r#"{"source":"com.example.orders","detail-type":"Order Cancelled","detail":{"order_id":7,"reason":"bored"}}"#,
    )
    .unwrap();
    let output = bridgecraft(&[
        "decode",
        "--drift",
        "--schemas",
        "examples/orders/schemas",
        &bad,
    ]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        lines(&output),
        [
            format!("{bad}\ttyped\tcom.example.orders@OrderCancelled"),
            format!("{bad}\tdrift\tdetail.order_id\tmisfit\tstring\t7"),
            format!(
                "{bad}\tdrift\tdetail.reason\tunknown value\tenum (\"customer_request\", \"out_of_stock\", \"payment_failed\")\t\"bored\""
            ),
        ]
    );
    let output = bridgecraft(&[
        "decode",
        "--strict",
        "--schemas",
        "examples/orders/schemas",
        &bad,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        lines(&output),
        [format!(
            "{bad}\terror\tevent at `detail.order_id`: 7 does not fit string (decoding com.example.orders@OrderCancelled)"
        )]
    );
}

#[test]
fn generate_writes_a_module_tree_of_the_documents_types() {
    let dir = tempfile::tempdir().unwrap();
    let out = path(&dir, "events");
    let output = bridgecraft(&[
        "generate",
        "--schemas",
        "examples/orders/schemas",
        "--out",
        &out,
    ]);
    assert!(output.status.success(), "{output:?}");
    let summary: serde_json::Value = serde_json::from_str(lines(&output).last().unwrap()).unwrap();
    assert_eq!(summary["documents"], 4);
    let placed =
        std::fs::read_to_string(format!("{out}/com_example_orders/order_placed.rs")).unwrap();
    assert!(
        placed.starts_with("// @generated by `bridgecraft generate`"),
        "{placed}"
    );
    assert!(placed.contains("use ::bridgecraft_events::__private::{serde, serde_json};"));
    // Again: nothing to write.
    let output = bridgecraft(&[
        "generate",
        "--schemas",
        "examples/orders/schemas",
        "--out",
        &out,
    ]);
    let summary: serde_json::Value = serde_json::from_str(lines(&output).last().unwrap()).unwrap();
    assert_eq!(summary["written"], 0);
}
