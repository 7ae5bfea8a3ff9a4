//! Webhook delivery, as EventBridge API destinations deliver: one HTTP request per event with the
//! transformed payload, retried with exponential backoff on the statuses AWS retries, and a
//! failure returned with the payload (so it can go to a dead-letter queue) when the endpoint
//! keeps failing.
//!
//! The payload is any text, typically what an input transformer of `bridgecraft-patterns` made
//! of an event; matching and transforming stay in that crate, which does no I/O.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

/// The methods API destinations support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    /// GET and HEAD requests carry no body; the others carry the payload.
    pub fn sends_body(self) -> bool {
        !matches!(self, HttpMethod::Get | HttpMethod::Head)
    }

    fn to_reqwest(self) -> reqwest::Method {
        match self {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Head => reqwest::Method::HEAD,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        }
    }
}

impl std::str::FromStr for HttpMethod {
    type Err = WebhookError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "GET" => HttpMethod::Get,
            "HEAD" => HttpMethod::Head,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            other => return Err(WebhookError::Method(other.to_owned())),
        })
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_reqwest().as_str())
    }
}

/// How long and how often to retry, as a target's `RetryPolicy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt. EventBridge's default is 185.
    pub maximum_retry_attempts: u32,
    /// Give up once the first attempt is this old. EventBridge's default is 24 hours.
    pub maximum_event_age: Duration,
    /// Wait before the first retry; doubled for each further one, with jitter.
    pub initial_backoff: Duration,
    /// Longest wait between attempts.
    pub maximum_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            maximum_retry_attempts: 185,
            maximum_event_age: Duration::from_secs(24 * 60 * 60),
            initial_backoff: Duration::from_secs(1),
            maximum_backoff: Duration::from_secs(60),
        }
    }
}

/// A webhook target was configured wrongly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    #[error(
        "unsupported HTTP method {0:?}: API destinations support GET, HEAD, POST, PUT, PATCH and DELETE"
    )]
    Method(String),
    #[error("invalid endpoint {endpoint:?}: {reason}")]
    Endpoint { endpoint: String, reason: String },
    #[error("invalid header {name:?}: {reason}")]
    Header { name: String, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// A successful delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The 2xx status the endpoint answered.
    pub status: u16,
    /// Attempts made, the successful one included.
    pub attempts: u32,
}

/// Why the last attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptFailure {
    /// The endpoint answered with a non-2xx status.
    Status(u16),
    /// No answer: connection refused, timeout, TLS error...
    Transport(String),
}

impl fmt::Display for AttemptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptFailure::Status(code) => write!(f, "HTTP status {code}"),
            AttemptFailure::Transport(e) => write!(f, "{e}"),
        }
    }
}

/// The event could not be delivered. It carries the payload, so nothing is lost: send it to a
/// dead-letter queue, log it, or retry later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("delivery to {endpoint} failed after {attempts} attempt(s): {last}{}", if *.retryable { "" } else { " (not retryable)" })]
pub struct DeliveryFailure {
    pub endpoint: String,
    pub attempts: u32,
    pub last: AttemptFailure,
    /// False when the last answer was one EventBridge does not retry (e.g. 400, 403, 404).
    pub retryable: bool,
    /// The payload that was not delivered.
    pub payload: String,
}

/// An HTTP endpoint receiving events, like an API destination.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use bridgecraft_webhook::{HttpMethod, WebhookTarget};
///
/// let target = WebhookTarget::new("https://example.com/hooks/orders", HttpMethod::Post)?
///     .header("x-api-key", "secret")?;
/// match target.deliver(r#"{"order": 42}"#).await {
///     Ok(delivery) => println!("delivered after {} attempt(s)", delivery.attempts),
///     Err(failure) => eprintln!("{failure}; payload kept: {}", failure.payload),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    endpoint: reqwest::Url,
    method: HttpMethod,
    headers: HeaderMap,
    retry: RetryPolicy,
    client: reqwest::Client,
}

/// API destinations give an endpoint 5 seconds to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

impl WebhookTarget {
    /// A target with EventBridge's defaults: `Content-Type: application/json; charset=utf-8`,
    /// a 5-second timeout per attempt and the default [`RetryPolicy`].
    pub fn new(endpoint: &str, method: HttpMethod) -> Result<WebhookTarget, WebhookError> {
        let url = reqwest::Url::parse(endpoint).map_err(|e| WebhookError::Endpoint {
            endpoint: endpoint.to_owned(),
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(WebhookError::Endpoint {
                endpoint: endpoint.to_owned(),
                reason: "the scheme must be http or https".into(),
            });
        }
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| WebhookError::Client(e.to_string()))?;
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        Ok(WebhookTarget {
            endpoint: url,
            method,
            headers,
            retry: RetryPolicy::default(),
            client,
        })
    }

    /// Adds or replaces a header sent with every request.
    pub fn header(mut self, name: &str, value: &str) -> Result<WebhookTarget, WebhookError> {
        let invalid = |reason: String| WebhookError::Header {
            name: name.to_owned(),
            reason,
        };
        let header_name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|e| invalid(e.to_string()))?;
        let header_value = HeaderValue::from_str(value).map_err(|e| invalid(e.to_string()))?;
        self.headers.insert(header_name, header_value);
        Ok(self)
    }

    /// Replaces the retry policy.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> WebhookTarget {
        self.retry = retry;
        self
    }

    /// Sends one event, retrying as EventBridge does: on connection errors, timeouts, 401, 407,
    /// 409, 429 and 5xx, with exponential backoff and jitter, until the retry policy runs out.
    pub async fn deliver(&self, payload: &str) -> Result<Delivery, DeliveryFailure> {
        let started = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let (last, retryable) = match self.attempt(payload).await {
                Ok(status) if (200..300).contains(&status) => {
                    return Ok(Delivery { status, attempts });
                }
                Ok(status) => (AttemptFailure::Status(status), retryable_status(status)),
                Err(e) => (AttemptFailure::Transport(e), true),
            };
            let wait = backoff(&self.retry, attempts);
            let out_of_time = started.elapsed() + wait > self.retry.maximum_event_age;
            if !retryable || attempts > self.retry.maximum_retry_attempts || out_of_time {
                return Err(DeliveryFailure {
                    endpoint: self.endpoint.to_string(),
                    attempts,
                    last,
                    retryable,
                    payload: payload.to_owned(),
                });
            }
            tracing::debug!(endpoint = %self.endpoint, attempt = attempts, failure = %last, ?wait, "webhook attempt failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, payload: &str) -> Result<u16, String> {
        let mut request = self
            .client
            .request(self.method.to_reqwest(), self.endpoint.clone())
            .headers(self.headers.clone());
        if self.method.sends_body() {
            request = request.body(payload.to_owned());
        }
        let response = request.send().await.map_err(|e| error_chain(&e))?;
        Ok(response.status().as_u16())
    }
}

/// The statuses EventBridge retries for API destinations.
fn retryable_status(status: u16) -> bool {
    matches!(status, 401 | 407 | 409 | 429 | 500..=599)
}

/// Exponential backoff with "equal jitter": between half and all of the doubled delay.
fn backoff(policy: &RetryPolicy, attempts: u32) -> Duration {
    let exponent = attempts.saturating_sub(1).min(31);
    let full = policy
        .initial_backoff
        .saturating_mul(1u32 << exponent)
        .min(policy.maximum_backoff);
    let half = full / 2;
    half + half.mul_f64(jitter())
}

/// A number in [0, 1) from the clock: enough to spread retries, no extra dependency.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut x = u64::from(nanos) | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x % 1_000_000) as f64 / 1_000_000.0
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            maximum_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for (attempt, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            let wait = backoff(&policy, attempt);
            assert!(
                wait >= Duration::from_millis(full / 2) && wait <= Duration::from_millis(full),
                "{attempt}: {wait:?}"
            );
        }
    }

    #[test]
    fn retries_the_statuses_aws_retries() {
        for status in [401, 407, 409, 429, 500, 502, 503, 599] {
            assert!(retryable_status(status), "{status}");
        }
        for status in [300, 400, 403, 404, 413] {
            assert!(!retryable_status(status), "{status}");
        }
    }

    #[test]
    fn validates_configuration() {
        assert!(matches!(
            "TRACE".parse::<HttpMethod>(),
            Err(WebhookError::Method(_))
        ));
        assert_eq!("PATCH".parse::<HttpMethod>(), Ok(HttpMethod::Patch));
        assert!(matches!(
            WebhookTarget::new("ftp://x", HttpMethod::Post),
            Err(WebhookError::Endpoint { .. })
        ));
        assert!(matches!(
            WebhookTarget::new("not a url", HttpMethod::Post),
            Err(WebhookError::Endpoint { .. })
        ));
        let target = WebhookTarget::new("http://127.0.0.1:1/", HttpMethod::Post).unwrap();
        assert!(matches!(
            target.header("bad header", "x"),
            Err(WebhookError::Header { .. })
        ));
    }
}
