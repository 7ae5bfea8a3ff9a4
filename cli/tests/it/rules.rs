//! `bridgecraft consume --rules`: a rules file validated whole, and events routed to webhook
//! targets on a local server while the SQS endpoint fails under them.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use bridgecraft_testkit::events::{custom_event, ec2_state_change};
use bridgecraft_testkit::http::{Reply, serve_each};
use bridgecraft_testkit::proxy::{Fault, FaultProxy};
use bridgecraft_testkit::sqs::{depth, drain_bodies, queue, queue_with, send_all, sqs};
use serde_json::Value;

fn consume_command(
    endpoint: &str,
    queue_url: &str,
    rules: &std::path::Path,
    args: &[&str],
) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bridgecraft"));
    command
        .args([
            "consume",
            "--queue-url",
            queue_url,
            "--endpoint-url",
            endpoint,
        ])
        .args(["--region", "us-east-1", "--rules"])
        .arg(rules)
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
    command
}

#[test]
fn a_rules_file_with_errors_is_rejected_whole_with_every_error_listed() {
    let rules = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        rules.path(),
        r#"
[[target]]
name = "good"
pattern = '{"source": ["aws.ec2"]}'
url = "http://127.0.0.1:9/good"

[[target]]
name = "bad"
pattern = '{"source": "aws.ec2"}'
url = "not a url"

[[target]]
name = "worse"
filter = 'source =='
method = "SEND"
url = "http://127.0.0.1:9/"
"#,
    )
    .unwrap();
    // No queue is reached: the file is checked before anything else. Were the valid target
    // applied, the command would go on trying to reach the queue: it is stopped after a while.
    let mut child = consume_command(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/q",
        rules.path(),
        &[],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let file = rules.path().display().to_string();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with(&file) || line.starts_with("bridgecraft:"))
        .collect();
    assert_eq!(lines.len(), 5, "four errors and the summary: {stderr}");
    assert!(
        stderr
            .lines()
            .all(|line| lines.contains(&line) || line.starts_with("    ")),
        "further lines of a message are indented under it: {stderr}"
    );
    for (line, place) in lines.iter().zip([
        "line 7: target[1] (\"bad\") pattern:",
        "line 7: target[1] (\"bad\") url:",
        "line 12: target[2] (\"worse\") filter:",
        "line 12: target[2] (\"worse\") method:",
    ]) {
        assert!(line.contains(place), "{line} names {place}");
    }
    assert!(lines[4].contains("4 error(s)") && lines[4].contains("nothing was consumed"));
    assert!(output.stdout.is_empty());
}

#[test]
fn events_reach_their_targets_through_a_faulty_endpoint_and_poison_stays_for_the_dead_letter_queue()
{
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = sqs().await;
        let dead = queue(&client, "cli-rules-dlq").await;
        let redrive = format!(
            r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":"2"}}"#,
            dead.arn
        );
        let queue = queue_with(
            &client,
            "cli-rules",
            &[
                (QueueAttributeName::RedrivePolicy, redrive),
                (QueueAttributeName::VisibilityTimeout, "2".to_owned()),
            ],
        )
        .await;
        let instances: Vec<String> = (0..30).map(|i| format!("e{i:02}")).collect();
        let orders: Vec<String> = (0..10).map(|i| format!("o{i:02}")).collect();
        let mut bodies: Vec<String> = instances
            .iter()
            .map(|id| ec2_state_change(id, "running"))
            .collect();
        bodies.extend(orders.iter().map(|id| custom_event(id)));
        // One the target refuses (400), one nothing can decode.
        bodies.push(ec2_state_change("poison", "running"));
        bodies.push("garbage".to_owned());
        send_all(&client, &queue.url, &bodies).await;

        let (server, received) = serve_each(|request| {
            Reply::status(if request.body.contains("poison") {
                400
            } else {
                200
            })
        })
        .await;
        let rules = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            rules.path(),
            format!(
                r#"
[[target]]
name = "instances"
pattern = '{{"source": ["aws.ec2"], "detail": {{"state": ["running"]}}}}'
url = "http://{server}/instances"
input_paths_map = {{ instance = "$.detail.instance-id" }}
input_template = '{{"instance": <instance>}}'

[[target]]
name = "orders"
filter = 'source == "com.example.orders"'
method = "PUT"
url = "http://{server}/orders"
auth = {{ type = "basic", username = "shop", password = "secret" }}
"#
            ),
        )
        .unwrap();

        let proxy = FaultProxy::to_moto().await;
        let mut command = consume_command(
            &proxy.endpoint,
            &queue.url,
            rules.path(),
            &["--delete", "--wait", "1", "--idle-exit", "8"],
        );
        let run = tokio::task::spawn_blocking(move || command.output().unwrap());
        for fault in [Fault::Refuse, Fault::DropMidResponse, Fault::Refuse] {
            tokio::time::sleep(Duration::from_millis(700)).await;
            proxy.outage(fault, Duration::from_secs(2)).await;
        }
        let output = tokio::time::timeout(Duration::from_secs(90), run)
            .await
            .expect("stops once the queue stays empty")
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        // Whether a receive falls inside an outage depends on timing (the SDK's own retries can
        // absorb a short one), so the report of outages is checked by the consumer's outage
        // test; here what must hold is that every event comes through and poison stays.

        let requests = received.lock().unwrap().clone();
        let delivered = |path: &str, key: &str| -> BTreeSet<String> {
            requests
                .iter()
                .filter(|request| request.path == path)
                .map(|request| {
                    let body: Value = serde_json::from_str(&request.body).unwrap();
                    body[key].as_str().unwrap().to_owned()
                })
                .collect()
        };
        let expected: BTreeSet<String> = instances
            .iter()
            .map(|id| format!("i-{id}"))
            .chain(["i-poison".to_owned()])
            .collect();
        assert_eq!(
            delivered("/instances", "instance"),
            expected,
            "every instance event came through, transformed"
        );
        assert_eq!(
            delivered("/orders", "id"),
            orders.iter().cloned().collect(),
            "every order came through whole"
        );
        assert!(
            requests
                .iter()
                .filter(|request| request.path == "/orders")
                .all(|request| request.method == "PUT"
                    && request.header("authorization") == Some("Basic c2hvcDpzZWNyZXQ="))
        );

        let lines: Vec<Value> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert!(lines.iter().any(|line| {
            line["failed"]["instances"]
                .as_str()
                .is_some_and(|why| why.contains("400"))
        }));
        // Neither bad message was deleted: each is on its queue or moved by the redrive policy.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let left = drain_bodies(&client, &queue.url, Duration::ZERO).await;
        let moved = drain_bodies(&client, &dead.url, Duration::ZERO).await;
        let mut kept: Vec<String> = left.into_iter().chain(moved).collect();
        kept.sort();
        assert_eq!(
            kept,
            ["garbage".to_owned(), ec2_state_change("poison", "running")]
        );
        assert_eq!(depth(&client, &queue.url).await.0, 0);
    });
}
