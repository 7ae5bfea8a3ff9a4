//! `run_match` and `run_transform`, as the `bridgecraft` binary calls them.

use std::path::{Path, PathBuf};

use bridgecraft_patterns::RuleContext;
use bridgecraft_patterns::cli::{
    EXIT_ERROR, EXIT_INVALID, EXIT_NOT_DELIVERED, EXIT_OK, run_match, run_transform,
};
use tempfile::TempDir;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

fn matching(pattern: &str, files: &[PathBuf]) -> Run {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_match(pattern, files, &mut out, &mut err);
    Run {
        code,
        stdout: String::from_utf8_lossy(&out).into(),
        stderr: String::from_utf8_lossy(&err).into(),
    }
}

fn transforming(map: &str, template: &str, file: &Path) -> Run {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_transform(
        map,
        template,
        file,
        &RuleContext::local("cli-rule"),
        &mut out,
        &mut err,
    );
    Run {
        code,
        stdout: String::from_utf8_lossy(&out).into(),
        stderr: String::from_utf8_lossy(&err).into(),
    }
}

#[test]
fn match_prints_one_verdict_per_event() {
    let dir = TempDir::new().unwrap();
    // One EC2 event that matches and one S3 event that does not.
    let ec2 = write(
        &dir,
        "ec2.json",
        r#"{"source": "aws.ec2", "detail": {"state": "running"}}"#,
    );
    let s3 = write(&dir, "s3.json", r#"{"source": "aws.s3"}"#);
    let run = matching(r#"{"source": ["aws.ec2"]}"#, &[ec2, s3]);
    assert_eq!(run.code, EXIT_OK, "{}", run.stderr);
    assert_eq!(run.stdout, "true\nfalse\n");
}

#[test]
fn match_reads_the_pattern_from_a_file() {
    let dir = TempDir::new().unwrap();
    let pattern = write(
        &dir,
        "pattern.json",
        r#"{"detail": {"state": [{"prefix": "run"}]}}"#,
    );
    let event = write(&dir, "event.json", r#"{"detail": {"state": "running"}}"#);
    let run = matching(&format!("@{}", pattern.display()), &[event]);
    assert_eq!((run.code, run.stdout.as_str()), (EXIT_OK, "true\n"));
}

#[test]
fn invalid_pattern_exits_2_with_the_aws_message() {
    let dir = TempDir::new().unwrap();
    let event = write(&dir, "event.json", "{}");
    let run = matching(
        r#"{"detail": {"count": [{"numeric": [">", 0, ">", 0]}]}}"#,
        &[event],
    );
    assert_eq!(run.code, EXIT_INVALID);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .starts_with("Event pattern is not valid. Reason: Bad numeric range operator: >\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn unreadable_events_are_reported_and_the_rest_still_matched() {
    let dir = TempDir::new().unwrap();
    let bad = write(&dir, "bad.json", "{not json");
    let good = write(&dir, "good.json", r#"{"a": "b"}"#);
    let missing = dir.path().join("missing.json");
    let run = matching(r#"{"a": ["b"]}"#, &[bad, missing, good]);
    assert_eq!(run.code, EXIT_ERROR);
    assert_eq!(run.stdout, "true\n");
    assert!(
        run.stderr.contains("bad.json") && run.stderr.contains("missing.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn transform_prints_the_delivered_payload() {
    let dir = TempDir::new().unwrap();
    let event = write(
        &dir,
        "event.json",
        r#"{"detail": {"id": "i-1", "tags": ["a", "b"]}}"#,
    );
    let run = transforming(
        r#"{"id": "$.detail.id", "tags": "$.detail.tags"}"#,
        r#""<id> has <tags>""#,
        &event,
    );
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (EXIT_OK, "\"i-1 has [a,b]\"\n"),
        "{}",
        run.stderr
    );

    let map = write(&dir, "map.json", r#"{"id": "$.detail.id"}"#);
    let run = transforming(
        &format!("@{}", map.display()),
        r#"{"rule": <aws.events.rule-name>, "id": <id>}"#,
        &event,
    );
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (EXIT_OK, "{\"rule\": \"cli-rule\", \"id\": \"i-1\"}\n")
    );
}

#[test]
fn transform_exit_codes() {
    let dir = TempDir::new().unwrap();
    let event = write(&dir, "event.json", r#"{"detail": {"o": {"k": "v"}}}"#);
    let rejected = transforming("{}", r#"{"x": <undefined>}"#, &event);
    assert_eq!(rejected.code, EXIT_INVALID);
    assert!(
        rejected.stderr.contains("invalid placeholder undefined"),
        "{}",
        rejected.stderr
    );

    let dropped = transforming(r#"{"o": "$.detail.o"}"#, r#"{"x": "<o>"}"#, &event);
    assert_eq!(dropped.code, EXIT_NOT_DELIVERED);
    assert!(dropped.stdout.is_empty());

    let missing = transforming("{}", "\"text\"", &dir.path().join("missing.json"));
    assert_eq!(missing.code, EXIT_ERROR);
}
