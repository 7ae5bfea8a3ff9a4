//! The logic behind `bridgecraft match` and `bridgecraft transform`, kept here so the CLI crate
//! only parses arguments. Output goes to the given writers; the return value is the exit code.
//!
//! Any argument documented as JSON may be given as `@path` to read it from a file.

use std::io::Write;
use std::path::Path;

use crate::transform::{ApplyError, InputTransformer, RuleContext};
use crate::{Pattern, PatternError};

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
