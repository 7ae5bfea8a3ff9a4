//! `bridgecraft consume` against a real queue on moto's server.

use std::collections::HashMap;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value;

use crate::moto;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

async fn client() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&moto::sdk_config().await)
}

/// A new queue holding `bodies`.
async fn queue_with(client: &aws_sdk_sqs::Client, name: &str, bodies: &[String]) -> String {
    let url = client
        .create_queue()
        .queue_name(format!("{name}-{}", std::process::id()))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    for body in bodies {
        client
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    url
}

/// Visible and in-flight messages on the queue.
async fn depth(client: &aws_sdk_sqs::Client, url: &str) -> (String, String) {
    let attributes: HashMap<_, _> = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    (
        attributes[&QueueAttributeName::ApproximateNumberOfMessages].clone(),
        attributes[&QueueAttributeName::ApproximateNumberOfMessagesNotVisible].clone(),
    )
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

fn ec2_state_change(id: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{{"instance-id":"i-{id}","state":"running"}}}}"#
    )
}

fn custom_event(id: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"Order Placed","source":"com.example.orders","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{{"order":"{id}"}}}}"#
    )
}

#[test]
fn consume_prints_a_line_per_message_and_deletes_what_decoded() {
    let runtime = runtime();
    let client = runtime.block_on(client());
    let bodies = [
        ec2_state_change("k1"),
        custom_event("k2"),
        "garbage".to_owned(),
        ec2_state_change("k4"),
    ];
    let url = runtime.block_on(queue_with(&client, "cli-delete", &bodies));

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
        ("0".into(), "1".into()),
        "only the error is left, in flight"
    );
}

#[test]
fn consume_without_delete_leaves_everything_and_stops_when_idle() {
    let runtime = runtime();
    let client = runtime.block_on(client());
    let bodies = [ec2_state_change("k5"), custom_event("k6")];
    let url = runtime.block_on(queue_with(&client, "cli-keep", &bodies));

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
        ("0".into(), "2".into()),
        "nothing deleted"
    );
}
