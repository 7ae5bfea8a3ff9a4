//! The `bridgecraft` binary, run as a user runs it.

mod commands;
#[cfg(feature = "consume")]
mod consume;
mod discover;
#[cfg(feature = "consume")]
mod rules;

use std::path::Path;
use std::process::{Command, Output};

fn bridgecraft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bridgecraft"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap()
}

fn lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The README's command: every shipped example decodes, none is an error.
#[test]
fn the_examples_decode_without_error() {
    let output = bridgecraft(&["decode", "--summary", "examples/events"]);
    assert!(output.status.success(), "{output:?}");
    let lines = lines(&output);
    let summary: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(summary["files"], 11);
    assert_eq!(summary["records"], 13);
    assert_eq!(summary["error"], 0);
    for line in &lines[..lines.len() - 1] {
        let columns: Vec<_> = line.split('\t').collect();
        assert!(columns[0].starts_with("examples/events/"), "{line}");
        assert!(matches!(columns[1], "typed" | "unknown"), "{line}");
    }
}

#[test]
fn paths_are_printed_exactly_as_given() {
    let output = bridgecraft(&[
        "decode",
        "./examples/../examples/events/scheduled-event.json",
    ]);
    let lines = lines(&output);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with("./examples/../examples/events/scheduled-event.json\t"));
}

#[test]
fn batches_give_a_line_per_record_with_its_message_id() {
    let output = bridgecraft(&[
        "decode",
        "--envelope",
        "lambda-sqs",
        "examples/events/lambda-sqs-batch.json",
    ]);
    assert!(output.status.success());
    let ids: Vec<_> = lines(&output)
        .iter()
        .map(|line| line.rsplit('\t').next().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        [
            "059f36b4-87a3-44ab-83d2-661975830a7d",
            "2e1424d4-f796-459a-8184-9c92662be6db",
            "c80e8021-a70a-42c7-a470-796e1186f753"
        ]
    );
}

#[test]
fn an_error_names_its_path_and_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    // No `source`: not an event.
    std::fs::write(
        &bad,
        r#"{"id":"1","detail-type":"x","time":"2024-01-01T00:00:00Z","region":"r","detail":{}}"#,
    )
    .unwrap();
    let bad = bad.to_str().unwrap();
    let output = bridgecraft(&["decode", bad, "examples/events/scheduled-event.json"]);
    assert_eq!(output.status.code(), Some(1));
    let lines = lines(&output);
    assert!(
        lines[0].starts_with(&format!(
            "{bad}\terror\tevent at `.`: missing field `source`"
        )),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 2);
}

#[test]
fn a_missing_file_is_an_error_line() {
    let output = bridgecraft(&["decode", "no/such/file.json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(lines(&output)[0].starts_with("no/such/file.json\terror\tcannot read"));
}

#[test]
fn the_envelope_can_be_chosen() {
    let output = bridgecraft(&[
        "decode",
        "--envelope",
        "event",
        "examples/events/sqs-message.json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "an SQS message is no bare event"
    );
    let output = bridgecraft(&[
        "decode",
        "--envelope",
        "sqs",
        "examples/events/sqs-message.json",
    ]);
    assert!(output.status.success());
    let output = bridgecraft(&["decode", "--envelope", "kinesis", "examples/events"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn reencode_prints_the_event_back_as_json() {
    let file = "examples/events/custom-order-placed.json";
    let output = bridgecraft(&["decode", "--reencode", file]);
    assert!(output.status.success());
    let original =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file))
            .unwrap();
    // An unknown event comes back byte for byte.
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("{}\n", original.trim())
    );

    let output = bridgecraft(&[
        "decode",
        "--reencode",
        "examples/events/lambda-sqs-batch.json",
    ]);
    let events = lines(&output);
    assert_eq!(events.len(), 3);
    for event in events {
        let value: serde_json::Value = serde_json::from_str(&event).unwrap();
        assert!(value["detail"].is_object());
    }
}

/// A file an editor saved, with a byte order mark and the event pretty-printed, decodes; its
/// typed event is written back on one line, unlisted keys and all.
#[test]
fn a_saved_file_decodes_and_reencodes_on_one_line() {
    let event = serde_json::json!({
        "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
        "account": "123456789012", "time": "2024-01-01T00:00:00Z", "region": "us-east-1",
        "resources": [],
        "detail": {"instance-id": "i-0abc", "state": "running", "note": {"a b": [1, 2.50]}}
    });
    let pretty = serde_json::to_string_pretty(&event)
        .unwrap()
        .replace("2.5", "2.50");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saved.json");
    std::fs::write(&file, format!("\u{feff}{pretty}\n")).unwrap();
    let file = file.to_str().unwrap();

    let output = bridgecraft(&["decode", file]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        lines(&output),
        [format!(
            "{file}\ttyped\taws_ec2::Ec2InstanceStateChangeNotification"
        )]
    );
    let output = bridgecraft(&["decode", "--reencode", file]);
    let written = lines(&output);
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(
        written[0].contains(r#""note":{"a b":[1,2.50]}"#),
        "{}",
        written[0]
    );
    let value: serde_json::Value = serde_json::from_str(&written[0]).unwrap();
    assert_eq!(value, event);
}

/// Every real event and envelope in the shared corpus is typed or unknown, localstack's
/// placeholder recordings too (their `"time": "date"` is drift, not an error), and `--drift`
/// names what each event has that its schema does not say.
#[test]
fn the_whole_corpus_decodes_and_drift_is_named() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if !corpus.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the shared corpus is missing at {}: CI needs it",
            corpus.display()
        );
        eprintln!(
            "the shared corpus is missing at {}: skipping",
            corpus.display()
        );
        return;
    }
    let events = corpus.join("events");
    let envelopes = corpus.join("envelopes");
    let output = bridgecraft(&[
        "decode",
        "--summary",
        "--drift",
        events.to_str().unwrap(),
        envelopes.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let lines = lines(&output);
    let summary: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(summary["files"], 116 + 29);
    assert_eq!(summary["error"], 0);
    let mut placeholder_times = 0;
    for line in &lines[..lines.len() - 1] {
        let columns: Vec<_> = line.split('\t').collect();
        assert_ne!(columns[1], "error", "{line}");
        if columns[1] == "drift" {
            assert_eq!(
                columns.len(),
                6,
                "PATH, drift, JSON path, kind, declared, found: {line}"
            );
            if columns[2] == "time" {
                assert!(columns[0].contains("/localstack-snapshots/"), "{line}");
                assert_eq!(
                    columns[3..],
                    ["invalid timestamp", "date-time", "\"date\""],
                    "{line}"
                );
                placeholder_times += 1;
            }
        }
    }
    assert_eq!(placeholder_times, 65);
}

/// `--relations`: after each event's line, a line per resource it is about, five columns each,
/// the detail's resources first; an unknown event still relates its envelope's resources.
#[test]
fn relations_follow_each_event_line() {
    let output = bridgecraft(&[
        "decode",
        "--relations",
        "examples/events/ec2-instance-state-change.json",
        "events/tests/fixtures/ec2-terminate-instances-via-cloudtrail.json",
        "events/tests/fixtures/organizations-create-account.json",
    ]);
    assert!(output.status.success(), "{output:?}");
    let instance = |id: &str, region: &str| {
        format!(
            "AWS::EC2::Instance\t{id}\t{region}\t123456789012\tarn:aws:ec2:{region}:123456789012:instance/{id}"
        )
    };
    assert_eq!(
        lines(&output),
        [
            "examples/events/ec2-instance-state-change.json\ttyped\taws_ec2::Ec2InstanceStateChangeNotification".to_owned(),
            instance("i-0abcd1234ef567890", "eu-west-1"),
            "events/tests/fixtures/ec2-terminate-instances-via-cloudtrail.json\ttyped\taws_ec2::AwsApiCallViaCloudTrail".to_owned(),
            instance("i-0a1b2c3d4e5f60718", "eu-west-1"),
            instance("i-0f1e2d3c4b5a69788", "eu-west-1"),
            "events/tests/fixtures/organizations-create-account.json\ttyped\taws_organizations::AwsServiceEventViaCloudTrail".to_owned(),
            // No ARN template for accounts: the last column is empty.
            "AWS::Organizations::Account\t222222222222\tus-east-1\t111111111111\t".to_owned(),
        ]
    );

    let dir = tempfile::tempdir().unwrap();
    let unknown = dir.path().join("unknown.json");
    std::fs::write(
        &unknown,
        r#"{"version":"0","id":"1","detail-type":"Order Placed","source":"com.example.orders",
            "account":"123456789012","time":"2024-01-01T00:00:00Z","region":"eu-west-1",
            "resources":["arn:aws:sqs:eu-west-1:123456789012:orders","arn:aws:ecs:eu-west-1:123456789012:task/web/1f2e","odd\tname"],
            "detail":{"note":"a\ttab"}}"#,
    )
    .unwrap();
    let output = bridgecraft(&["decode", "--relations", unknown.to_str().unwrap()]);
    let lines = lines(&output);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].contains("\tunknown\t"));
    assert_eq!(
        lines[1..],
        [
            "AWS::SQS::Queue\tarn:aws:sqs:eu-west-1:123456789012:orders\teu-west-1\t123456789012\tarn:aws:sqs:eu-west-1:123456789012:orders",
            // No CloudFormation type's template matches a task: the first column is empty.
            "\tarn:aws:ecs:eu-west-1:123456789012:task/web/1f2e\teu-west-1\t123456789012\tarn:aws:ecs:eu-west-1:123456789012:task/web/1f2e",
            // Not an ARN, and a tab in it, escaped to keep the columns.
            "\todd\\tname\teu-west-1\t123456789012\t",
        ]
    );
    for line in &lines[1..] {
        assert_eq!(line.split('\t').count(), 5, "{line}");
    }
}
