//! Filters written in CEL, the Common Expression Language, as AutoKitteh's subscriptions take
//! them: `detail_type.startsWith('EC2') && detail.state in ['stopped', 'terminated']`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::Filter;

/// The event's fields a CEL expression sees even when the event lacks them (as `null`).
const ENVELOPE: [&str; 9] = [
    "version",
    "id",
    "detail_type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
];

/// A CEL expression that does not compile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CelError {
    /// The expression is not valid CEL.
    #[error("CEL expression `{expression}` does not parse: {message}")]
    Parse {
        /// The expression.
        expression: String,
        /// The parser's message, with the place it stopped.
        message: String,
    },
    /// The expression calls a function CEL does not have.
    #[error("CEL expression `{expression}` calls `{function}`, which is not a CEL function")]
    UnknownFunction {
        /// The expression.
        expression: String,
        /// The function's name.
        function: String,
    },
}

/// Why a CEL expression could not say whether an event matches.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("CEL expression `{expression}` on this event: {message}")]
pub struct CelEvalError {
    /// The expression.
    pub expression: String,
    /// What went wrong: the event is not a JSON object, a field is missing, the result is not
    /// a boolean...
    pub message: String,
}

/// A compiled CEL expression over an event.
///
/// The expression sees the event's top-level keys as variables, with `-` written `_`:
/// `source`, `detail_type`, `detail`, `id`, `account`, `time` (as the string it is), `region`,
/// `resources`, `version`, and any other key such as `replay_name`. Those of the envelope are
/// `null` when the event lacks them. JSON integers are CEL `int`s (or `uint`s beyond `int`'s
/// range), other numbers `double`s.
///
/// ```
/// use bridgecraft_router::CelExpression;
///
/// let expression = CelExpression::compile(
///     "detail_type.startsWith('EC2') && detail.state in ['stopped', 'terminated']",
/// )?;
/// let event = r#"{"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
///     "detail": {"instance-id": "i-1", "state": "stopped"}}"#;
/// assert!(expression.matches_json(event)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CelExpression {
    source: String,
    program: cel::Program,
    /// The variables the expression names.
    variables: HashSet<String>,
}

impl fmt::Debug for CelExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CelExpression").field(&self.source).finish()
    }
}

/// The standard CEL environment, built once.
fn environment() -> &'static Arc<cel::Env> {
    static ENV: OnceLock<Arc<cel::Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(cel::Env::stdlib()))
}

/// Whether CEL's standard library has a function of this name (as a function or a method).
fn is_function(name: &str) -> bool {
    // Adding a function fails exactly when the environment already declares one of that name.
    cel::Context::with_env(environment().clone())
        .add_function(name, |value: i64| value)
        .is_err()
}

impl CelExpression {
    /// Parses `expression` and checks that every function it calls exists.
    pub fn compile(expression: &str) -> Result<Self, CelError> {
        let program = environment()
            .compile(expression)
            .map_err(|error| CelError::Parse {
                expression: expression.to_owned(),
                message: error.to_string(),
            })?;
        let references = program.references();
        let mut functions = references.functions();
        functions.sort_unstable();
        // Operators (`_&&_`, `@in`, `!_`, ...) are not named like functions.
        let unknown = functions
            .into_iter()
            .filter(|name| name.starts_with(|c: char| c.is_ascii_alphabetic()))
            .find(|name| !is_function(name));
        if let Some(function) = unknown {
            return Err(CelError::UnknownFunction {
                expression: expression.to_owned(),
                function: function.to_owned(),
            });
        }
        let variables = references
            .variables()
            .into_iter()
            .map(str::to_owned)
            .collect();
        Ok(Self {
            source: expression.to_owned(),
            program,
            variables,
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Evaluates the expression on an event given as JSON text.
    pub fn matches_json(&self, event: &str) -> Result<bool, CelEvalError> {
        let error = |message: String| CelEvalError {
            expression: self.source.clone(),
            message,
        };
        let mut de = serde_json::Deserializer::from_str(event);
        let bound = Bindings {
            variables: &self.variables,
        }
        .deserialize(&mut de)
        .and_then(|bound| de.end().map(|()| bound))
        .map_err(|e| error(format!("the event is not a JSON object: {e}")))?;
        let mut context = cel::Context::with_env(environment().clone());
        for name in ENVELOPE {
            if self.variables.contains(name) {
                context.add_variable_from_value(name, cel::Value::Null);
            }
        }
        for (name, value) in bound {
            context.add_variable_from_value(name, value);
        }
        match self.program.execute(&context) {
            Ok(cel::Value::Bool(matched)) => Ok(matched),
            Ok(other) => Err(error(format!("the result is {other:?}, not a boolean"))),
            Err(e) => Err(error(e.to_string())),
        }
    }
}

impl Filter {
    /// Events a CEL expression accepts, such as
    /// `detail_type.startsWith('EC2') && detail.state in ['stopped', 'terminated']`; see
    /// [`CelExpression`] for what the expression sees. An expression that does not parse or
    /// calls a function CEL does not have is an error here. One that fails on an event (a
    /// field it reads is missing, its result is not a boolean) does not match that event.
    pub fn cel(expression: &str) -> Result<Self, CelError> {
        let compiled = CelExpression::compile(expression)?;
        Ok(Filter::json(
            format!("cel {expression}"),
            move |event: &str| match compiled.matches_json(event) {
                Ok(matched) => matched,
                Err(error) => {
                    tracing::debug!(%error, "CEL filter does not match");
                    false
                }
            },
        ))
    }
}

/// Reads an event's top-level keys, keeping the values of those the expression names as CEL
/// values and skipping the rest unread.
struct Bindings<'a> {
    /// The variables the expression names.
    variables: &'a HashSet<String>,
}

impl<'de> DeserializeSeed<'de> for Bindings<'_> {
    type Value = Vec<(String, cel::Value)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Bindings<'_> {
    type Value = Vec<(String, cel::Value)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut bound = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let name = variable_name(key);
            if self.variables.contains(name.as_ref()) {
                let value: serde_json::Value = map.next_value()?;
                bound.push((name.into_owned(), to_cel(value)));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(bound)
    }
}

/// The variable an event key is bound to: `detail-type` is `detail_type`.
fn variable_name(key: Cow<'_, str>) -> Cow<'_, str> {
    if key.contains('-') {
        Cow::Owned(key.replace('-', "_"))
    } else {
        key
    }
}

/// A JSON value as CEL sees it.
fn to_cel(value: serde_json::Value) -> cel::Value {
    use serde_json::Value as Json;
    match value {
        Json::Null => cel::Value::Null,
        Json::Bool(b) => cel::Value::Bool(b),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => cel::Value::Int(i),
            (None, Some(u), _) => cel::Value::UInt(u),
            (None, None, Some(f)) => cel::Value::Float(f),
            (None, None, None) => cel::Value::String(Arc::new(n.to_string())),
        },
        Json::String(s) => cel::Value::String(Arc::new(s)),
        Json::Array(items) => cel::Value::List(Arc::new(items.into_iter().map(to_cel).collect())),
        Json::Object(fields) => cel::Value::from(
            fields
                .into_iter()
                .map(|(key, value)| (key, to_cel(value)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}
