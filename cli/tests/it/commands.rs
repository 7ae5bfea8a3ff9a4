//! `match` and `transform`, wired to the patterns crate, and `consume` failing.

use super::{bridgecraft, lines};

const EC2: &str = "examples/events/ec2-instance-state-change.json";

#[test]
fn match_prints_a_verdict_per_event() {
    let output = bridgecraft(&["match", "--pattern", r#"{"source": ["aws.ec2"]}"#, EC2, EC2]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(lines(&output), ["true", "true"]);
    let output = bridgecraft(&[
        "match",
        "--pattern",
        r#"{"detail": {"state": [{"anything-but": "running"}]}}"#,
        EC2,
    ]);
    assert_eq!(lines(&output), ["false"]);
}

#[test]
fn an_invalid_pattern_exits_2_with_aws_wording() {
    let output = bridgecraft(&[
        "match",
        "--pattern",
        r#"{"source": [{"EXISTS": true}]}"#,
        EC2,
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Event pattern is not valid"), "{stderr}");
    assert!(lines(&output).is_empty());
}

#[test]
fn transform_prints_what_the_target_receives() {
    let output = bridgecraft(&[
        "transform",
        "--input-paths-map",
        r#"{"instance": "$.detail.instance-id"}"#,
        "--input-template",
        r#""<instance> changed""#,
        "--rule-name",
        "audit",
        EC2,
    ]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(lines(&output), [r#""i-0abcd1234ef567890 changed""#]);
}

#[test]
fn a_template_aws_rejects_exits_2() {
    let output = bridgecraft(&[
        "transform",
        "--input-paths-map",
        r#"{"x": "detail"}"#,
        "--input-template",
        "<x>",
        EC2,
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(!output.stderr.is_empty());
}

#[cfg(feature = "consume")]
#[test]
fn consume_reports_an_unreachable_queue_and_fails() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_bridgecraft"))
        .args([
            "consume",
            "--queue-url",
            "http://127.0.0.1:9/000000000000/q",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .args(["--region", "us-east-1", "--idle-exit", "1", "--max", "1"])
        // Without it, an endpoint that cannot be reached is retried until it comes back.
        .args(["--give-up-after", "2"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Warnings about each failed receive come first; the last line says why it stopped.
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("bridgecraft: receiving failed 2 times"),
        "{stderr}"
    );
}
