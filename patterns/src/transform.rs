//! Input transformers: `InputPathsMap` + `InputTemplate`, rendered as EventBridge renders them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::error::EventError;

/// At most this many entries in `InputPathsMap`.
pub const MAX_INPUT_PATHS: usize = 100;
/// Longest `InputTemplate`, in characters.
pub const MAX_TEMPLATE_LENGTH: usize = 8192;
const MAX_KEY_LENGTH: usize = 256;
const MAX_PATH_LENGTH: usize = 256;

const RULE_ARN: &str = "aws.events.rule-arn";
const RULE_NAME: &str = "aws.events.rule-name";
const INGESTION_TIME: &str = "aws.events.event.ingestion-time";
const EVENT: &str = "aws.events.event";
const EVENT_JSON: &str = "aws.events.event.json";

/// Why EventBridge would refuse an input transformer when the target is created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransformError {
    #[error("InputPathsMap has {0} entries; at most {MAX_INPUT_PATHS} are allowed")]
    TooManyPaths(usize),
    #[error(
        "InputPathsMap key {0:?} is not valid: keys are 1 to {MAX_KEY_LENGTH} characters of A-Z, a-z, 0-9, '_' and '-', and may not start with \"aws.\""
    )]
    InvalidKey(String),
    #[error("InputPathsMap value for {key:?} is not a supported JSONPath ({path:?}): {reason}")]
    InvalidPath {
        key: String,
        path: String,
        reason: String,
    },
    #[error("InputPathsMap is not valid: {0}")]
    InvalidPathsMap(String),
    #[error("InputTemplate must be 1 to {MAX_TEMPLATE_LENGTH} characters long, not {0}")]
    TemplateLength(usize),
    #[error("InputTemplate contains invalid placeholder {0}.")]
    InvalidPlaceholder(String),
    #[error("InputTemplate uses placeholder <{0}> as a JSON object key, which is not allowed")]
    PlaceholderAsKey(String),
    #[error("InputTemplate uses <{0}> inside a string; it can only be used as a JSON value")]
    ReservedInString(String),
}

/// EventBridge accepted the transformer but would drop this event: the rendered JSON template is
/// not valid JSON (typically an object or array placeholder inside a JSON string).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "EventBridge would not deliver this event: the transformed input is not valid JSON ({reason}): {output}"
)]
pub struct NotDelivered {
    /// The text the template rendered to.
    pub output: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Failure to transform an event.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    NotDelivered(#[from] NotDelivered),
}

/// The rule delivering the event, for the reserved `aws.events.*` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleContext {
    pub rule_arn: String,
    pub rule_name: String,
    /// ISO-8601 time EventBridge received the event. When `None`, the event's `time` is used.
    pub ingestion_time: Option<String>,
}

impl RuleContext {
    /// A context for a rule of the given name on the default bus of a placeholder account.
    pub fn local(rule_name: &str) -> RuleContext {
        RuleContext {
            rule_arn: format!("arn:aws:events:us-east-1:000000000000:rule/{rule_name}"),
            rule_name: rule_name.to_owned(),
            ingestion_time: None,
        }
    }
}

impl Default for RuleContext {
    fn default() -> Self {
        RuleContext::local("local-rule")
    }
}

/// Whether the output is JSON (a JSON template) or plain text (a string template).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    Json,
    Text,
}

/// What the target receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub kind: OutputKind,
    /// The payload as delivered.
    pub text: String,
}

impl Output {
    /// The payload parsed as JSON, for JSON templates.
    pub fn json(&self) -> Option<Value> {
        match self.kind {
            OutputKind::Json => serde_json::from_str(&self.text).ok(),
            OutputKind::Text => None,
        }
    }
}

/// A validated input transformer.
///
/// ```
/// use bridgecraft_patterns::{InputTransformer, OutputKind, RuleContext};
///
/// let transformer = InputTransformer::new(
///     [("state", "$.detail.state"), ("id", "$.detail.instance-id")],
///     r#"{"instance": <id>, "message": "is now <state>"}"#,
/// )?;
/// let event = r#"{"detail": {"instance-id": "i-123", "state": "stopped"}}"#;
/// let output = transformer.apply(event, &RuleContext::default())?;
/// assert_eq!(output.kind, OutputKind::Json);
/// assert_eq!(output.text, r#"{"instance": "i-123", "message": "is now stopped"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct InputTransformer {
    paths: BTreeMap<String, JsonPath>,
    pieces: Vec<Piece>,
    kind: OutputKind,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Placeholder { name: String, in_string: bool },
}

impl InputTransformer {
    /// Validates the paths map and template as `PutTargets` does.
    pub fn new<K, V>(
        input_paths_map: impl IntoIterator<Item = (K, V)>,
        input_template: &str,
    ) -> Result<Self, TransformError>
    where
        K: Into<String>,
        V: AsRef<str>,
    {
        let mut paths = BTreeMap::new();
        for (key, path) in input_paths_map {
            let key = key.into();
            let valid_key = !key.is_empty()
                && key.len() <= MAX_KEY_LENGTH
                && !key.starts_with("aws.")
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !valid_key {
                return Err(TransformError::InvalidKey(key));
            }
            let parsed =
                JsonPath::parse(path.as_ref()).map_err(|reason| TransformError::InvalidPath {
                    key: key.clone(),
                    path: path.as_ref().to_owned(),
                    reason,
                })?;
            paths.insert(key, parsed);
        }
        if paths.len() > MAX_INPUT_PATHS {
            return Err(TransformError::TooManyPaths(paths.len()));
        }
        let length = input_template.chars().count();
        if length == 0 || length > MAX_TEMPLATE_LENGTH {
            return Err(TransformError::TemplateLength(length));
        }
        let kind = match input_template.trim_start().as_bytes().first() {
            Some(b'{' | b'[') => OutputKind::Json,
            _ => OutputKind::Text,
        };
        let pieces = split_template(input_template, kind)?;
        for piece in &pieces {
            if let Piece::Placeholder { name, in_string } = piece {
                let reserved = [RULE_ARN, RULE_NAME, INGESTION_TIME, EVENT, EVENT_JSON]
                    .contains(&name.as_str());
                if !reserved && !paths.contains_key(name) {
                    return Err(TransformError::InvalidPlaceholder(name.clone()));
                }
                if (name == EVENT || name == EVENT_JSON) && (*in_string || kind == OutputKind::Text)
                {
                    return Err(TransformError::ReservedInString(name.clone()));
                }
            }
        }
        Ok(InputTransformer {
            paths,
            pieces,
            kind,
        })
    }

    /// Builds from `InputPathsMap` given as a JSON object, as in the AWS API and CLI.
    pub fn from_json(input_paths_map: &str, input_template: &str) -> Result<Self, TransformError> {
        let map: BTreeMap<String, String> = serde_json::from_str(input_paths_map).map_err(|e| {
            TransformError::InvalidPathsMap(format!("expected a JSON object of strings: {e}"))
        })?;
        InputTransformer::new(map, input_template)
    }

    /// Whether the template renders JSON or plain text.
    pub fn output_kind(&self) -> OutputKind {
        self.kind
    }

    /// Transforms an event given as JSON text.
    pub fn apply(&self, event: &str, rule: &RuleContext) -> Result<Output, ApplyError> {
        let value: Value = serde_json::from_str(event).map_err(EventError::from)?;
        Ok(self.apply_value(&value, rule)?)
    }

    /// Transforms a parsed event.
    pub fn apply_value(&self, event: &Value, rule: &RuleContext) -> Result<Output, NotDelivered> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Placeholder { name, in_string } => {
                    let value = self.resolve(name, event, rule);
                    let bare_json = self.kind == OutputKind::Json && !in_string;
                    match (value, bare_json) {
                        // A missing path renders as an empty string.
                        (None, true) => out.push_str("\"\""),
                        (None, false) => {}
                        // Strings are quoted as JSON values but, as in EventBridge, not escaped.
                        (Some(Value::String(s)), true) => {
                            out.push('"');
                            out.push_str(&s);
                            out.push('"');
                        }
                        (Some(v), true) => out.push_str(&v.to_string()),
                        // Inside a JSON string, objects and arrays go in as JSON, which breaks
                        // the string: EventBridge then drops the event.
                        (Some(v @ (Value::Object(_) | Value::Array(_))), false)
                            if self.kind == OutputKind::Json =>
                        {
                            out.push_str(&v.to_string())
                        }
                        (Some(v), false) => render_plain(&v, &mut out),
                    }
                }
            }
        }
        if self.kind == OutputKind::Json
            && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&out)
        {
            return Err(NotDelivered {
                output: out,
                reason: e.to_string(),
            });
        }
        Ok(Output {
            kind: self.kind,
            text: out,
        })
    }

    fn resolve(&self, name: &str, event: &Value, rule: &RuleContext) -> Option<Value> {
        match name {
            RULE_ARN => Some(Value::String(rule.rule_arn.clone())),
            RULE_NAME => Some(Value::String(rule.rule_name.clone())),
            INGESTION_TIME => rule
                .ingestion_time
                .clone()
                .map(Value::String)
                .or_else(|| event.get("time").cloned()),
            EVENT_JSON => Some(event.clone()),
            EVENT => Some(envelope(event)),
            _ => self.paths.get(name).and_then(|path| path.select(event)),
        }
    }
}

/// The event without `detail`, with `detail-type` spelled `detailType`, as AWS renders
/// `<aws.events.event>`.
fn envelope(event: &Value) -> Value {
    match event {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "detail")
                .map(|(k, v)| {
                    (
                        if k == "detail-type" {
                            "detailType".to_owned()
                        } else {
                            k.clone()
                        },
                        v.clone(),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Text rendering of a value in a string template: `{k:v,k2:v2}`, `[a,b]`, strings unquoted.
fn render_plain(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render_plain(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(k);
                out.push(':');
                render_plain(v, out);
            }
            out.push('}');
        }
    }
}

fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Splits the template into text and placeholders, noting which placeholders sit inside JSON
/// strings, and rejecting placeholders in object-key position.
fn split_template(template: &str, kind: OutputKind) -> Result<Vec<Piece>, TransformError> {
    #[derive(PartialEq)]
    enum Container {
        Object,
        Array,
    }
    let mut pieces = Vec::new();
    let mut text = String::new();
    // JSON structure, tracked only for JSON templates.
    let mut stack: Vec<Container> = Vec::new();
    let mut key_expected = false;
    let mut in_string = false;
    let mut string_is_key = false;
    let mut escaped = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && is_placeholder_name(&rest[1..end])
        {
            let name = &rest[1..end];
            if kind == OutputKind::Json
                && (string_is_key && in_string || key_expected && !in_string)
            {
                return Err(TransformError::PlaceholderAsKey(name.to_owned()));
            }
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Placeholder {
                name: name.to_owned(),
                in_string: in_string && kind == OutputKind::Json,
            });
            rest = &rest[end + 1..];
            continue;
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
        if kind != OutputKind::Json {
            continue;
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                string_is_key = key_expected;
                key_expected = false;
            }
            '{' => {
                stack.push(Container::Object);
                key_expected = true;
            }
            '[' => stack.push(Container::Array),
            '}' | ']' => {
                stack.pop();
                key_expected = false;
            }
            ',' => key_expected = stack.last() == Some(&Container::Object),
            ':' => key_expected = false,
            _ => {}
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// The JSONPath subset EventBridge accepts: `$`, dot notation, `[n]` indices and `*`.
#[derive(Debug, Clone, PartialEq)]
struct JsonPath {
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Any,
}

impl JsonPath {
    fn parse(text: &str) -> Result<JsonPath, String> {
        if text.len() > MAX_PATH_LENGTH {
            return Err(format!("longer than {MAX_PATH_LENGTH} characters"));
        }
        let Some(mut rest) = text.strip_prefix('$') else {
            return Err("a path starts with '$'".into());
        };
        let mut steps = Vec::new();
        while let Some(c) = rest.chars().next() {
            match c {
                '.' => {
                    let end = rest[1..].find(['.', '[']).map_or(rest.len(), |i| i + 1);
                    let name = &rest[1..end];
                    if name == "*" {
                        steps.push(Step::Any);
                    } else if !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'/'))
                    {
                        steps.push(Step::Key(name.to_owned()));
                    } else {
                        return Err(format!(
                            "{name:?} is not a field name of letters, digits, '_', '-' or '/'"
                        ));
                    }
                    rest = &rest[end..];
                }
                '[' => {
                    let end = rest.find(']').ok_or("unclosed '['")?;
                    let inner = &rest[1..end];
                    if inner == "*" {
                        steps.push(Step::Any);
                    } else {
                        let index = inner
                            .parse::<usize>()
                            .map_err(|_| format!("[{inner}] is not an array index; use JSON dot notation, not bracket notation"))?;
                        steps.push(Step::Index(index));
                    }
                    rest = &rest[end + 1..];
                }
                other => return Err(format!("unexpected {other:?}")),
            }
        }
        Ok(JsonPath { steps })
    }

    /// The value at the path; with wildcards, an array of every value found.
    fn select(&self, root: &Value) -> Option<Value> {
        let mut current: Vec<&Value> = vec![root];
        for step in &self.steps {
            current = current
                .into_iter()
                .flat_map(|v| -> Vec<&Value> {
                    match (step, v) {
                        (Step::Key(k), Value::Object(map)) => map.get(k).into_iter().collect(),
                        (Step::Index(i), Value::Array(items)) => {
                            items.get(*i).into_iter().collect()
                        }
                        (Step::Any, Value::Object(map)) => map.values().collect(),
                        (Step::Any, Value::Array(items)) => items.iter().collect(),
                        _ => Vec::new(),
                    }
                })
                .collect();
        }
        if self.steps.contains(&Step::Any) {
            Some(Value::Array(current.into_iter().cloned().collect()))
        } else {
            current.first().map(|v| (*v).clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event() -> Value {
        json!({
            "version": "0", "id": "1", "detail-type": "T", "source": "s", "time": "2024-01-01T00:00:00Z",
            "detail": {"s": "x", "n": 5, "o": {"a": "b"}, "l": ["p", "q"], "b": false, "z": null, "q": "say \"hi\""}
        })
    }

    fn apply(paths: &[(&str, &str)], template: &str) -> Result<Output, NotDelivered> {
        InputTransformer::new(paths.iter().copied(), template)
            .expect("valid transformer")
            .apply_value(&event(), &RuleContext::default())
    }

    #[test]
    fn json_template_values() {
        let out = apply(
            &[("s", "$.detail.s"), ("n", "$.detail.n"), ("o", "$.detail.o"), ("l", "$.detail.l"), ("b", "$.detail.b"), ("z", "$.detail.z"), ("m", "$.detail.missing")],
            r#"{"s": <s>, "qs": "<s>", "n": <n>, "o": <o>, "l": <l>, "b": <b>, "z": <z>, "m": <m>, "in": "n=<n> b=<b> m=<m>"}"#,
        )
        .unwrap();
        assert_eq!(out.kind, OutputKind::Json);
        assert_eq!(
            out.json().unwrap(),
            json!({"s": "x", "qs": "x", "n": 5, "o": {"a": "b"}, "l": ["p", "q"], "b": false, "z": null, "m": "", "in": "n=5 b=false m="})
        );
    }

    #[test]
    fn string_template_renders_plain_text() {
        let out = apply(
            &[
                ("o", "$.detail.o"),
                ("l", "$.detail.l"),
                ("z", "$.detail.z"),
            ],
            r#""<o> <l> <z>""#,
        )
        .unwrap();
        assert_eq!(out.kind, OutputKind::Text);
        assert_eq!(out.text, r#""{a:b} [p,q] null""#);
    }

    #[test]
    fn unescaped_quotes_and_objects_in_strings_are_not_delivered() {
        assert!(apply(&[("o", "$.detail.o")], r#"{"x": "<o>"}"#).is_err());
        assert!(apply(&[("q", "$.detail.q")], r#"{"x": <q>}"#).is_err());
    }

    #[test]
    fn reserved_variables() {
        let rule = RuleContext::local("r");
        let t = InputTransformer::new(
            std::iter::empty::<(&str, &str)>(),
            r#"{"arn": <aws.events.rule-arn>, "name": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>, "env": <aws.events.event>, "full": <aws.events.event.json>}"#,
        )
        .unwrap();
        let out = t.apply_value(&event(), &rule).unwrap().json().unwrap();
        assert_eq!(out["arn"], "arn:aws:events:us-east-1:000000000000:rule/r");
        assert_eq!(out["name"], "r");
        assert_eq!(out["at"], "2024-01-01T00:00:00Z");
        assert_eq!(out["env"]["detailType"], "T");
        assert!(out["env"].get("detail").is_none());
        assert_eq!(out["full"], event());
    }

    #[test]
    fn validation() {
        let none = std::iter::empty::<(&str, &str)>;
        assert_eq!(
            InputTransformer::new(none(), r#"{"a": <notdefinedkey>}"#).unwrap_err(),
            TransformError::InvalidPlaceholder("notdefinedkey".into())
        );
        assert!(matches!(
            InputTransformer::new([("k", "$.a")], r#"{<k>: 1}"#),
            Err(TransformError::PlaceholderAsKey(_))
        ));
        assert!(matches!(
            InputTransformer::new([("k", "$.a")], r#"{"<k>": 1}"#),
            Err(TransformError::PlaceholderAsKey(_))
        ));
        assert!(matches!(
            InputTransformer::new(none(), r#"{"a": "x <aws.events.event>"}"#),
            Err(TransformError::ReservedInString(_))
        ));
        assert!(matches!(
            InputTransformer::new([("aws.x", "$.a")], "<aws.x>"),
            Err(TransformError::InvalidKey(_))
        ));
        assert!(matches!(
            InputTransformer::new([("k", "detail")], "<k>"),
            Err(TransformError::InvalidPath { .. })
        ));
        assert!(matches!(
            InputTransformer::new([("k", "$['a']")], "<k>"),
            Err(TransformError::InvalidPath { .. })
        ));
        assert!(matches!(
            InputTransformer::new(none(), ""),
            Err(TransformError::TemplateLength(0))
        ));
        let many: Vec<(String, &str)> = (0..101).map(|i| (format!("k{i}"), "$.a")).collect();
        assert!(matches!(
            InputTransformer::new(many, "x"),
            Err(TransformError::TooManyPaths(101))
        ));
        // Angle brackets that do not form a placeholder name are plain text.
        assert!(InputTransformer::new(none(), r#""a < b > c""#).is_ok());
    }

    #[test]
    fn json_paths() {
        let p = |t: &str| JsonPath::parse(t).unwrap().select(&event());
        assert_eq!(p("$.detail.l[1]"), Some(json!("q")));
        assert_eq!(p("$.detail-type"), Some(json!("T")));
        assert_eq!(p("$.detail.o.*"), Some(json!(["b"])));
        assert_eq!(p("$.detail.nope"), None);
        assert_eq!(p("$"), Some(event()));
    }
}
