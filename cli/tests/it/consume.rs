//! `bridgecraft consume` against a real queue on moto's server.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use bridgecraft_testkit::events::{custom_event, ec2_state_change};
use bridgecraft_testkit::moto;
use bridgecraft_testkit::sqs::{depth, queue, send_all, sqs};
use serde_json::Value;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// A new queue holding `bodies`.
fn queue_holding(
    runtime: &tokio::runtime::Runtime,
    prefix: &str,
    bodies: &[String],
) -> (aws_sdk_sqs::Client, String) {
    runtime.block_on(async {
        let client = sqs().await;
        let queue = queue(&client, prefix).await;
        send_all(&client, &queue.url, bodies).await;
        (client, queue.url)
    })
}

/// Runs the binary on `queue_url` with credentials for moto and nothing outside loopback.
fn consume(queue_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bridgecraft"))
        .args(["consume", "--queue-url", queue_url])
        .args([
            "--endpoint-url",
            &moto::moto().endpoint,
            "--region",
            "us-east-1",
        ])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .output()
        .unwrap()
}

fn lines(output: &Output) -> Vec<Value> {
    let mut lines: Vec<Value> = String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    lines.sort_by_key(|line| line["status"].as_str().unwrap().to_owned());
    lines
}

#[test]
fn consume_prints_a_line_per_message_and_deletes_what_decoded() {
    let runtime = runtime();
    let bodies = [
        ec2_state_change("k1", "running"),
        custom_event("k2"),
        "garbage".to_owned(),
        ec2_state_change("k4", "stopped"),
    ];
    let (client, url) = queue_holding(&runtime, "cli-delete", &bodies);

    let output = consume(&url, &["--delete", "--max", "4", "--idle-exit", "5"]);
    assert!(output.status.success(), "{output:?}");
    let lines = lines(&output);
    assert_eq!(lines.len(), 4, "{lines:?}");
    for line in &lines {
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "detail_type",
                "error",
                "message_id",
                "source",
                "status",
                "type"
            ]
        );
        assert!(!line["message_id"].as_str().unwrap().is_empty());
    }
    assert_eq!(lines[0]["status"], "error");
    assert!(
        lines[0]["error"].as_str().unwrap().contains("expected"),
        "{}",
        lines[0]
    );
    assert!(lines[0]["source"].is_null() && lines[0]["type"].is_null());
    for typed in &lines[1..3] {
        assert_eq!(typed["status"], "typed");
        assert_eq!(typed["source"], "aws.ec2");
        assert_eq!(
            typed["detail_type"],
            "EC2 Instance State-change Notification"
        );
        assert_eq!(typed["type"], "aws_ec2::Ec2InstanceStateChangeNotification");
        assert!(typed["error"].is_null());
    }
    assert_eq!(lines[3]["status"], "unknown");
    assert_eq!(lines[3]["source"], "com.example.orders");
    assert!(lines[3]["type"].is_null());

    assert_eq!(
        runtime.block_on(depth(&client, &url)),
        (0, 1),
        "only the error is left, in flight"
    );
}

#[test]
fn consume_without_delete_leaves_everything_and_stops_when_idle() {
    let runtime = runtime();
    let bodies = [ec2_state_change("k5", "running"), custom_event("k6")];
    let (client, url) = queue_holding(&runtime, "cli-keep", &bodies);

    let started = Instant::now();
    let output = consume(&url, &["--idle-exit", "2"]);
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(lines(&output).len(), 2);
    assert!(
        elapsed >= Duration::from_secs(2),
        "waited while idle: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(15),
        "then stopped: {elapsed:?}"
    );
    assert_eq!(
        runtime.block_on(depth(&client, &url)),
        (0, 2),
        "nothing deleted"
    );
}
