//! `bridgecraft consume` against a real queue.

use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use bridgecraft_sqs::cli::{ConsumeArgs, ConsumeSummary, consume, run_consume};
use serde_json::Value;

use crate::moto;
use crate::support::*;

fn lines(output: &[u8]) -> Vec<Value> {
    std::str::from_utf8(output)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

/// Visible and in-flight messages on the queue.
async fn depth(client: &aws_sdk_sqs::Client, url: &str) -> (u64, u64) {
    let attributes = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    let get = |name| attributes[&name].parse().unwrap();
    (
        get(QueueAttributeName::ApproximateNumberOfMessages),
        get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_prints_a_line_per_message_and_deletes_what_decoded() {
    let client = sqs().await;
    let queue = queue(&client, "cli-delete").await;
    let bodies = [
        ec2_state_change("k1", "running"),
        custom_event("k2"),
        "garbage".to_owned(),
        ec2_state_change("k4", "stopped"),
    ];
    send_all(&client, &queue.url, &bodies).await;

    let args = ConsumeArgs {
        queue_url: queue.url.clone(),
        delete: true,
        max: Some(4),
        idle_exit: Some(Duration::from_secs(5)),
        ..ConsumeArgs::default()
    };
    let mut out = Vec::new();
    let summary = consume(client.clone(), &args, &mut out).await.unwrap();
    assert_eq!(
        summary,
        ConsumeSummary {
            received: 4,
            typed: 2,
            unknown: 1,
            errors: 1,
            deleted: 3,
        }
    );

    let mut lines = lines(&out);
    lines.sort_by_key(|line| line["status"].as_str().unwrap().to_owned());
    let keys: Vec<Vec<&str>> = lines
        .iter()
        .map(|line| {
            line.as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect()
        })
        .collect();
    for keys in keys {
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
        assert!(!typed["message_id"].as_str().unwrap().is_empty());
    }
    assert_eq!(lines[3]["status"], "unknown");
    assert_eq!(lines[3]["source"], "com.example.orders");
    assert!(lines[3]["type"].is_null());

    assert_eq!(
        depth(&client, &queue.url).await,
        (0, 1),
        "only the error is left, in flight"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_without_delete_leaves_everything_and_stops_when_idle() {
    let client = sqs().await;
    let queue = queue(&client, "cli-keep").await;
    send_all(
        &client,
        &queue.url,
        &[ec2_state_change("k5", "running"), custom_event("k6")],
    )
    .await;

    let args = ConsumeArgs {
        queue_url: queue.url.clone(),
        idle_exit: Some(Duration::from_secs(2)),
        ..ConsumeArgs::default()
    };
    let mut out = Vec::new();
    let started = Instant::now();
    let summary = consume(client.clone(), &args, &mut out).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!((summary.received, summary.deleted), (2, 0));
    assert_eq!(lines(&out).len(), 2);
    assert!(
        elapsed >= Duration::from_secs(2),
        "waited for the idle time: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(10),
        "stopped when idle: {elapsed:?}"
    );
    assert_eq!(depth(&client, &queue.url).await, (0, 2), "nothing deleted");
}

const CHILD_QUEUE: &str = "BRIDGECRAFT_TEST_CONSUME_QUEUE";
const CHILD_ENDPOINT: &str = "BRIDGECRAFT_TEST_CONSUME_ENDPOINT";

/// Runs `run_consume` as the binary will, configured from the environment the parent test
/// sets; it is run in a child process so that the credentials it reads from the environment
/// never touch the other tests.
#[test]
#[ignore = "run in a child process by run_consume_works_as_the_binary_calls_it"]
fn run_consume_child() {
    // Run on its own (`--include-ignored`), there is nothing to consume: the parent checks it.
    let Ok(queue_url) = std::env::var(CHILD_QUEUE) else {
        return;
    };
    let args = ConsumeArgs {
        queue_url,
        endpoint_url: Some(std::env::var(CHILD_ENDPOINT).unwrap()),
        region: Some("us-east-1".into()),
        delete: true,
        max: Some(2),
        idle_exit: Some(Duration::from_secs(5)),
    };
    let mut stdout = std::io::stdout().lock();
    let summary = run_consume(args, &mut stdout).unwrap();
    assert_eq!(summary.received, 2);
}

#[test]
fn run_consume_works_as_the_binary_calls_it() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (client, queue) = runtime.block_on(async {
        let client = sqs().await;
        let queue = queue(&client, "cli-run").await;
        send_all(
            &client,
            &queue.url,
            &[custom_event("k7"), "garbage".to_owned()],
        )
        .await;
        (client, queue)
    });

    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "cli::run_consume_child",
            "--ignored",
            "--nocapture",
            "--quiet",
        ])
        .env(CHILD_QUEUE, &queue.url)
        .env(CHILD_ENDPOINT, &moto::moto().endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        // Nothing outside loopback: no instance metadata, no profile files.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let statuses: Vec<String> = stdout
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["status"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut statuses = statuses;
    statuses.sort();
    assert_eq!(statuses, ["error", "unknown"], "{stdout}");
    assert_eq!(runtime.block_on(depth(&client, &queue.url)), (0, 1));
}
