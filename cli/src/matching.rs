//! `bridgecraft match` and `bridgecraft transform`. Output goes to the given writers; the
//! return value is the exit code.
//!
//! Any argument documented as JSON may be given as `@path` to read it from a file.

use std::io::Write;
use std::path::Path;

use bridgecraft_patterns::{ApplyError, InputTransformer, Pattern, PatternError, RuleContext};

/// Success.
pub const EXIT_OK: i32 = 0;
/// An event file could not be read or is not JSON, or an argument file could not be read.
pub const EXIT_ERROR: i32 = 1;
/// The pattern or transformer is one AWS would reject.
pub const EXIT_INVALID: i32 = 2;
/// The transformed event is one EventBridge would not deliver.
pub const EXIT_NOT_DELIVERED: i32 = 3;

/// `bridgecraft match --pattern JSON EVENT_FILE...`: prints `true` or `false` for each event, in
/// order. An invalid pattern prints AWS's message to `stderr` and returns [`EXIT_INVALID`]. An
/// unreadable event is reported on `stderr` (no line on `stdout`), the others are still matched,
/// and the result is [`EXIT_ERROR`].
pub fn run_match<P: AsRef<Path>>(
    pattern: &str,
    event_files: &[P],
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> i32 {
    let pattern_text = match read_argument(pattern) {
        Ok(text) => text,
        Err(message) => return report(stderr, &message, EXIT_ERROR),
    };
    let pattern = match Pattern::parse(&pattern_text) {
        Ok(p) => p,
        Err(e) => return report(stderr, &describe_pattern_error(&e), EXIT_INVALID),
    };
    if event_files.is_empty() {
        return report(stderr, "no event files given", EXIT_ERROR);
    }
    let mut code = EXIT_OK;
    for file in event_files {
        let file = file.as_ref();
        let result = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))
            .and_then(|text| {
                pattern
                    .matches_json(&text)
                    .map_err(|e| format!("{}: {e}", file.display()))
            });
        match result {
            Ok(matched) => {
                if writeln!(stdout, "{matched}").is_err() {
                    return EXIT_ERROR;
                }
            }
            Err(message) => code = report(stderr, &message, EXIT_ERROR),
        }
    }
    code
}

/// `bridgecraft transform --input-paths-map JSON --input-template TEMPLATE EVENT_FILE`: prints
/// what the target would receive. Returns [`EXIT_INVALID`] for a transformer AWS would reject and
/// [`EXIT_NOT_DELIVERED`] when EventBridge would drop the event. `rule` fills the reserved
/// `aws.events.rule-*` placeholders ([`RuleContext::default`] when the user gives none).
pub fn run_transform(
    input_paths_map: &str,
    input_template: &str,
    event_file: &Path,
    rule: &RuleContext,
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> i32 {
    let arguments =
        read_argument(input_paths_map).and_then(|map| Ok((map, read_argument(input_template)?)));
    let (paths_map, template) = match arguments {
        Ok(args) => args,
        Err(message) => return report(stderr, &message, EXIT_ERROR),
    };
    let transformer = match InputTransformer::from_json(&paths_map, &template) {
        Ok(t) => t,
        Err(e) => return report(stderr, &e.to_string(), EXIT_INVALID),
    };
    let event = match std::fs::read_to_string(event_file) {
        Ok(text) => text,
        Err(e) => {
            return report(
                stderr,
                &format!("cannot read {}: {e}", event_file.display()),
                EXIT_ERROR,
            );
        }
    };
    match transformer.apply(&event, rule) {
        Ok(output) => match writeln!(stdout, "{}", output.text) {
            Ok(()) => EXIT_OK,
            Err(_) => EXIT_ERROR,
        },
        Err(ApplyError::Event(e)) => report(
            stderr,
            &format!("{}: {e}", event_file.display()),
            EXIT_ERROR,
        ),
        Err(ApplyError::NotDelivered(e)) => report(stderr, &e.to_string(), EXIT_NOT_DELIVERED),
    }
}

/// The argument itself, or the content of the file it names with a leading `@`.
fn read_argument(argument: &str) -> Result<String, String> {
    match argument.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}")),
        None => Ok(argument.to_owned()),
    }
}

fn describe_pattern_error(e: &PatternError) -> String {
    match e.location() {
        Some(at) => format!(
            "{e}\n  at line {}, column {} of the pattern",
            at.line, at.column
        ),
        None => e.to_string(),
    }
}

fn report(stderr: &mut impl Write, message: &str, code: i32) -> i32 {
    // Nothing better to do if stderr itself is gone; the exit code still tells.
    let _ = writeln!(stderr, "{message}");
    code
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use tempfile::TempDir;

    use super::*;

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
}
