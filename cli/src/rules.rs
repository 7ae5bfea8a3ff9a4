//! Webhook targets declared in a TOML file, each with an event pattern or a CEL filter, an
//! optional input transformer and the request to make: a local EventBridge bus for
//! `bridgecraft consume --rules FILE`.
//!
//! The whole file is validated when it is loaded, and every error is listed with its place
//! (line, target and field); when any is wrong nothing is applied.
//!
//! ```toml
//! [[target]]
//! name = "big-orders"
//! pattern = '{"source": ["com.example.orders"]}'  # or: filter = 'detail.total > 100.0' (CEL)
//! method = "POST"                                 # the default
//! url = "https://example.com/hooks/orders"
//! headers = { "x-team" = "payments" }
//! auth = { type = "api-key", header = "x-api-key", value = "secret" }
//! # or { type = "basic", username = "...", password = "..." }
//! # or { type = "oauth", token_url = "...", client_id = "...", client_secret = "...", scope = "..." }
//! input_paths_map = { id = "$.detail.id" }
//! input_template = '{"order": <id>}'
//! rate_limit = 10.0        # requests a second
//! timeout_ms = 5000        # per request
//! max_retries = 3          # for 429, 5xx and transport errors
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::Duration;

use bridgecraft_patterns::{ApplyError, InputTransformer, RuleContext};
use bridgecraft_router::{Delivery, Filter};
use bridgecraft_webhook::{Auth, HttpMethod, RetryPolicy, WebhookTarget};
use serde::Deserialize;
use toml::Spanned;

/// A file of targets, each entry `[[target]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    target: Vec<Spanned<toml::Table>>,
}

/// One `[[target]]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetSpec {
    name: String,
    pattern: Option<String>,
    filter: Option<String>,
    #[serde(default = "post")]
    method: String,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    auth: Option<AuthSpec>,
    input_paths_map: Option<BTreeMap<String, String>>,
    input_template: Option<String>,
    rate_limit: Option<f64>,
    timeout_ms: Option<u64>,
    max_retries: Option<u32>,
}

fn post() -> String {
    "POST".to_owned()
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
enum AuthSpec {
    Basic {
        username: String,
        password: String,
    },
    ApiKey {
        header: String,
        value: String,
    },
    Oauth {
        token_url: String,
        client_id: String,
        client_secret: String,
        scope: Option<String>,
    },
}

/// One error in a rules file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The line, from 1.
    pub line: usize,
    /// The target, as `target[N]` and its name when it has one, and the field.
    pub place: String,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.place, self.message)
    }
}

/// A target ready to receive events.
pub struct Target {
    pub name: String,
    filter: Filter,
    transformer: Option<InputTransformer>,
    webhook: WebhookTarget,
}

/// What became of an event at one target.
pub enum Outcome {
    Delivered,
    /// The transformer's output is not something EventBridge would deliver, and why.
    NotDelivered(String),
    Failed(String),
}

impl Target {
    pub fn matches<D>(&self, delivery: &Delivery<D>) -> bool {
        self.filter.matches(delivery)
    }

    /// Transforms the event as the target says and delivers it.
    pub async fn deliver<D>(&self, delivery: &Delivery<D>) -> Outcome {
        let payload = match &self.transformer {
            None => delivery.json().to_owned(),
            Some(transformer) => {
                match transformer.apply(delivery.json(), &RuleContext::local(&self.name)) {
                    Ok(output) => output.text,
                    Err(ApplyError::NotDelivered(why)) => {
                        return Outcome::NotDelivered(why.to_string());
                    }
                    Err(error) => return Outcome::Failed(error.to_string()),
                }
            }
        };
        match self.webhook.deliver(&payload).await {
            Ok(_) => Outcome::Delivered,
            Err(failure) => Outcome::Failed(failure.to_string()),
        }
    }
}

/// Reads and validates a whole rules file: every target, or every error.
pub fn load(text: &str) -> Result<Vec<Target>, Vec<RuleError>> {
    let file: RulesFile = toml::from_str(text).map_err(|error| {
        vec![RuleError {
            line: error.span().map_or(1, |span| line_of(text, span.start)),
            place: "file".to_owned(),
            message: error.message().to_owned(),
        }]
    })?;
    let mut targets = Vec::new();
    let mut errors = Vec::new();
    let mut names = HashSet::new();
    for (index, table) in file.target.into_iter().enumerate() {
        let line = line_of(text, table.span().start);
        let mut place = format!("target[{index}]");
        let spec = match TargetSpec::deserialize(toml::Value::Table(table.into_inner())) {
            Ok(spec) => spec,
            Err(error) => {
                errors.push(RuleError {
                    line,
                    place,
                    message: error.message().trim().to_owned(),
                });
                continue;
            }
        };
        place = format!("{place} ({:?})", spec.name);
        let mut error = |field: &str, message: String| {
            errors.push(RuleError {
                line,
                place: format!("{place} {field}"),
                message,
            })
        };
        if spec.name.trim().is_empty() {
            error("name", "must not be empty".to_owned());
        } else if !names.insert(spec.name.clone()) {
            error("name", "another target has this name".to_owned());
        }
        match build(&spec, &mut error) {
            Some(target) => targets.push(target),
            None => continue,
        }
    }
    if errors.is_empty() {
        Ok(targets)
    } else {
        Err(errors)
    }
}

/// Builds a target, reporting each field that is wrong; `None` when any was.
fn build(spec: &TargetSpec, error: &mut impl FnMut(&str, String)) -> Option<Target> {
    let mut ok = true;
    let mut check = |field: &str, result: Result<(), String>| {
        if let Err(message) = result {
            error(field, message);
            ok = false;
        }
    };
    let filter = match (&spec.pattern, &spec.filter) {
        (Some(pattern), None) => Filter::pattern(pattern).map_err(|e| ("pattern", e.to_string())),
        (None, Some(cel)) => Filter::cel(cel).map_err(|e| ("filter", e.to_string())),
        (Some(_), Some(_)) => Err(("pattern", "give a pattern or a filter, not both".to_owned())),
        (None, None) => Err(("pattern", "give a pattern or a CEL filter".to_owned())),
    };
    let filter = filter
        .map_err(|(field, message)| check(field, Err(message)))
        .ok();
    let transformer = match (&spec.input_paths_map, &spec.input_template) {
        (paths, Some(template)) => {
            let paths: Vec<(&str, &str)> = paths
                .iter()
                .flatten()
                .map(|(name, path)| (name.as_str(), path.as_str()))
                .collect();
            InputTransformer::new(paths, template)
                .map(Some)
                .map_err(|e| check("input_template", Err(e.to_string())))
                .ok()
                .flatten()
        }
        (Some(_), None) => {
            check("input_paths_map", Err("needs an input_template".to_owned()));
            None
        }
        (None, None) => None,
    };
    let method = spec
        .method
        .parse::<HttpMethod>()
        .map_err(|e| check("method", Err(e.to_string())))
        .ok();
    let auth = match &spec.auth {
        None => Some(Auth::None),
        Some(AuthSpec::Basic { username, password }) => Some(Auth::basic(username, password)),
        Some(AuthSpec::ApiKey { header, value }) => Auth::api_key(header, value)
            .map_err(|e| check("auth", Err(e.to_string())))
            .ok(),
        Some(AuthSpec::Oauth {
            token_url,
            client_id,
            client_secret,
            scope,
        }) => Auth::oauth_client_credentials(token_url, client_id, client_secret, scope.as_deref())
            .map_err(|e| check("auth.token_url", Err(e.to_string())))
            .ok(),
    };
    if let Some(rate) = spec.rate_limit {
        check(
            "rate_limit",
            if rate > 0.0 && rate.is_finite() {
                Ok(())
            } else {
                Err(format!(
                    "{rate} is not a positive number of requests a second"
                ))
            },
        );
    }
    // A bad method or URL must not hide a bad header: those are checked on a stand-in target,
    // which is never used since the field's error keeps the target from being built.
    let method_or_any = method.unwrap_or(HttpMethod::Post);
    let mut webhook = WebhookTarget::new(&spec.url, method_or_any)
        .or_else(|e| {
            check("url", Err(e.to_string()));
            WebhookTarget::new("http://127.0.0.1/", method_or_any)
        })
        .ok();
    for (name, value) in &spec.headers {
        webhook = webhook.and_then(|target| {
            target
                .header(name, value)
                .map_err(|e| check("headers", Err(e.to_string())))
                .ok()
        });
    }
    if !ok {
        return None;
    }
    let mut webhook = webhook?.auth(auth?);
    if let Some(rate) = spec.rate_limit {
        webhook = webhook.rate_limit(rate);
    }
    if let Some(timeout) = spec.timeout_ms {
        webhook = webhook.timeout(Duration::from_millis(timeout));
    }
    if let Some(retries) = spec.max_retries {
        webhook = webhook.retry_policy(RetryPolicy {
            maximum_retry_attempts: retries,
            ..RetryPolicy::default()
        });
    }
    Some(Target {
        name: spec.name.clone(),
        filter: filter?,
        transformer,
        webhook,
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    1 + text[..offset.min(text.len())].matches('\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[target]]
name = "orders"
pattern = '{"source": ["com.example.orders"]}'
url = "http://127.0.0.1:9/orders"
headers = { "x-team" = "payments" }
auth = { type = "api-key", header = "x-api-key", value = "secret" }
input_paths_map = { id = "$.detail.id" }
input_template = '{"order": <id>}'

[[target]]
name = "big"
filter = 'detail.total > 100.0'
method = "PUT"
url = "http://127.0.0.1:9/big"
auth = { type = "oauth", token_url = "http://127.0.0.1:9/token", client_id = "c", client_secret = "s" }
rate_limit = 5.0
"#;

    #[test]
    fn a_valid_file_gives_its_targets() {
        let targets = load(GOOD).map_err(|errors| errors[0].to_string()).unwrap();
        let names: Vec<&str> = targets.iter().map(|target| target.name.as_str()).collect();
        assert_eq!(names, ["orders", "big"]);
    }

    #[test]
    fn every_error_is_listed_with_its_place_and_nothing_is_loaded() {
        let bad = r#"
[[target]]
name = "fine"
pattern = '{"source": ["aws.ec2"]}'
url = "http://127.0.0.1:9/"

[[target]]
name = "orders"
pattern = '{"source": "not a list"}'
method = "TRACE"
url = "ftp://example.com"
headers = { "bad header" = "x" }
input_template = '{"order": <missing>}'

[[target]]
name = "orders"
filter = 'detail.total >'
url = "http://127.0.0.1:9/"
rate_limit = -1.0

[[target]]
name = "typo"
url = "http://127.0.0.1:9/"
pattern = "{}"
retries = 3

[[target]]
name = "neither"
url = "http://127.0.0.1:9/"
auth = { type = "basic", username = "u" }
"#;
        // The valid first target is not loaded either.
        let errors = load(bad).err().expect("the file is rejected");
        let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let expect = [
            ("line 7: target[1] (\"orders\") pattern:", "not valid"),
            ("line 7: target[1] (\"orders\") input_template:", "missing"),
            ("line 7: target[1] (\"orders\") method:", "TRACE"),
            ("line 7: target[1] (\"orders\") url:", "scheme"),
            ("line 7: target[1] (\"orders\") headers:", "bad header"),
            ("line 15: target[2] (\"orders\") name:", "another target"),
            ("line 15: target[2] (\"orders\") filter:", ""),
            ("line 15: target[2] (\"orders\") rate_limit:", "-1"),
            ("line 21: target[3]:", "retries"),
            ("line 27: target[4]:", "password"),
        ];
        for (place, words) in expect {
            assert!(
                listed
                    .iter()
                    .any(|line| line.starts_with(place) && line.contains(words)),
                "{place} … {words} missing from {listed:#?}"
            );
        }
        assert_eq!(listed.len(), expect.len(), "{listed:#?}");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let errors = load("[[target]]\nname = \"x\"\nurl = \n").err().unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 3, "{}", errors[0]);
        let errors = load("[[targets]]\n").err().unwrap();
        assert!(errors[0].message.contains("targets"), "{}", errors[0]);
    }
}
