//! Webhook delivery, as EventBridge API destinations deliver: one HTTP request per event with the
//! transformed payload, authorized as a connection says ([`Auth`]: Basic, an API key, OAuth
//! client credentials), at most so many a second per destination, each with a timeout,
//! retried with capped, jittered exponential backoff on 429, 5xx and transport errors (waiting
//! as long as `Retry-After` asks), and handed to a dead-letter sink with the payload and the
//! reason when it cannot be delivered.
//!
//! The payload is any text, typically what an input transformer of `bridgecraft-patterns` made
//! of an event; matching and transforming stay in that crate, which does no I/O.

mod auth;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

pub use auth::{Auth, OAuth};

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
    /// Wait before the first retry; doubled for each further one, plus a random jitter of up to
    /// as much again.
    pub initial_backoff: Duration,
    /// Longest wait between attempts before jitter. A `Retry-After` longer than the backoff is
    /// waited out instead, as long as the event is young enough.
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
    /// No OAuth token could be had for the request.
    Token(String),
}

impl fmt::Display for AttemptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptFailure::Status(code) => write!(f, "HTTP status {code}"),
            AttemptFailure::Transport(e) => write!(f, "{e}"),
            AttemptFailure::Token(e) => write!(f, "OAuth: {e}"),
        }
    }
}

/// The event could not be delivered. It carries the payload, so nothing is lost: it has gone to
/// the target's [`DeadLetterSink`] if it has one; log it, or retry later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("delivery to {endpoint} failed after {attempts} attempt(s): {last}{}", if *.retryable { "" } else { " (not retryable)" })]
pub struct DeliveryFailure {
    pub endpoint: String,
    pub attempts: u32,
    pub last: AttemptFailure,
    /// False when the last answer was one not worth retrying (a 4xx other than 429).
    pub retryable: bool,
    /// The payload that was not delivered.
    pub payload: String,
}

/// Where deliveries that failed for good go, with the payload and the reason, as a target's
/// dead-letter queue does. Implemented by closures taking a [`DeliveryFailure`].
pub trait DeadLetterSink: Send + Sync {
    /// Takes one failed delivery; an error here is logged and the failure still returned to
    /// the caller of [`WebhookTarget::deliver`].
    fn dead_letter(&self, failure: &DeliveryFailure) -> Result<(), String>;
}

impl<F> DeadLetterSink for F
where
    F: Fn(&DeliveryFailure) -> Result<(), String> + Send + Sync,
{
    fn dead_letter(&self, failure: &DeliveryFailure) -> Result<(), String> {
        self(failure)
    }
}

/// Spaces requests to a destination so that no more than a given number start per second,
/// shared by clones of a target.
#[derive(Debug)]
struct RateLimit {
    interval: Duration,
    next: tokio::sync::Mutex<tokio::time::Instant>,
}

impl RateLimit {
    fn per_second(invocations: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / invocations.max(f64::MIN_POSITIVE)),
            next: tokio::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    /// Waits for the next free slot.
    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(tokio::time::Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
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
#[derive(Clone)]
pub struct WebhookTarget {
    endpoint: reqwest::Url,
    method: HttpMethod,
    headers: HeaderMap,
    auth: Auth,
    retry: RetryPolicy,
    timeout: Duration,
    rate_limit: Option<Arc<RateLimit>>,
    dead_letters: Option<Arc<dyn DeadLetterSink>>,
    client: reqwest::Client,
}

impl fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("endpoint", &self.endpoint.as_str())
            .field("method", &self.method)
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field(
                "rate_limit",
                &self.rate_limit.as_ref().map(|limit| limit.interval),
            )
            .finish_non_exhaustive()
    }
}

/// API destinations give an endpoint 5 seconds to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

impl WebhookTarget {
    /// A target with EventBridge's defaults: `Content-Type: application/json; charset=utf-8`,
    /// a 5-second timeout per attempt and the default [`RetryPolicy`].
    pub fn new(endpoint: &str, method: HttpMethod) -> Result<WebhookTarget, WebhookError> {
        let url = parse_endpoint(endpoint)?;
        let client = reqwest::Client::builder()
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
            auth: Auth::None,
            retry: RetryPolicy::default(),
            timeout: REQUEST_TIMEOUT,
            rate_limit: None,
            dead_letters: None,
            client,
        })
    }

    /// How requests are authorized.
    pub fn auth(mut self, auth: Auth) -> WebhookTarget {
        self.auth = auth;
        self
    }

    /// How long each attempt may take before it counts as failed (and is retried); 5 seconds
    /// by default, as API destinations allow.
    pub fn timeout(mut self, timeout: Duration) -> WebhookTarget {
        self.timeout = timeout;
        self
    }

    /// At most this many requests a second to this destination (retries included), shared
    /// by the target's clones, as an API destination's invocation rate limit.
    pub fn rate_limit(mut self, invocations_per_second: f64) -> WebhookTarget {
        self.rate_limit = Some(Arc::new(RateLimit::per_second(invocations_per_second)));
        self
    }

    /// Where deliveries that failed for good go.
    pub fn dead_letter_sink(mut self, sink: impl DeadLetterSink + 'static) -> WebhookTarget {
        self.dead_letters = Some(Arc::new(sink));
        self
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_str()
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

    /// Sends one event, retrying on transport errors, timeouts, 429 and 5xx with capped,
    /// jittered exponential backoff (or as long as `Retry-After` asks, when longer) until the
    /// retry policy runs out. A 401 with OAuth fetches a new token and tries again at once;
    /// other 4xx answers are final. A delivery that fails goes to the dead-letter sink.
    pub async fn deliver(&self, payload: &str) -> Result<Delivery, DeliveryFailure> {
        let started = Instant::now();
        let mut pauses = ExponentialBuilder::new()
            .with_min_delay(self.retry.initial_backoff)
            .with_max_delay(self.retry.maximum_backoff.max(self.retry.initial_backoff))
            .with_jitter()
            .without_max_times()
            .build();
        let mut attempts = 0u32;
        let mut token_refreshed = false;
        loop {
            attempts += 1;
            let answer = self.attempt(payload).await;
            let (last, retryable, retry_after) = match answer {
                Answer::Status(status, _) if (200..300).contains(&status) => {
                    return Ok(Delivery { status, attempts });
                }
                Answer::Status(401, _) if !token_refreshed && self.auth.rejected().await => {
                    // The token was revoked or expired early: one more try with a new one,
                    // which does not count against the retry policy.
                    token_refreshed = true;
                    attempts -= 1;
                    continue;
                }
                Answer::Status(status, retry_after) => (
                    AttemptFailure::Status(status),
                    retryable_status(status),
                    retry_after,
                ),
                Answer::Transport(e) => (AttemptFailure::Transport(e), true, None),
                Answer::Token(e, retryable) => (AttemptFailure::Token(e), retryable, None),
            };
            let backoff = pauses.next().unwrap_or(self.retry.maximum_backoff);
            let wait = retry_after.map_or(backoff, |asked| asked.max(backoff));
            let out_of_time = started.elapsed() + wait > self.retry.maximum_event_age;
            if !retryable || attempts > self.retry.maximum_retry_attempts || out_of_time {
                return Err(self.failed(DeliveryFailure {
                    endpoint: self.endpoint.to_string(),
                    attempts,
                    last,
                    retryable,
                    payload: payload.to_owned(),
                }));
            }
            tracing::debug!(endpoint = %self.endpoint, attempt = attempts, failure = %last, ?wait, "webhook attempt failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Hands a failed delivery to the dead-letter sink and returns it.
    fn failed(&self, failure: DeliveryFailure) -> DeliveryFailure {
        tracing::warn!(%failure, "webhook delivery failed");
        if let Some(sink) = &self.dead_letters
            && let Err(error) = sink.dead_letter(&failure)
        {
            tracing::error!(%error, endpoint = %self.endpoint, "the dead-letter sink refused a failed delivery");
        }
        failure
    }

    async fn attempt(&self, payload: &str) -> Answer {
        if let Some(limit) = &self.rate_limit {
            limit.wait().await;
        }
        let mut request = self
            .client
            .request(self.method.to_reqwest(), self.endpoint.clone())
            .headers(self.headers.clone())
            .timeout(self.timeout);
        if self.method.sends_body() {
            request = request.body(payload.to_owned());
        }
        let request = match self.auth.authorize(&self.client, request).await {
            Ok(request) => request,
            Err(error) => return Answer::Token(error.message, error.retryable),
        };
        match request.send().await {
            Ok(response) => Answer::Status(
                response.status().as_u16(),
                response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(retry_after),
            ),
            Err(e) => Answer::Transport(error_chain(&e)),
        }
    }
}

/// What one attempt came to.
enum Answer {
    /// A status, with the wait a `Retry-After` header asked for.
    Status(u16, Option<Duration>),
    Transport(String),
    /// No OAuth token, and whether asking again may help.
    Token(String, bool),
}

/// A `Retry-After` in seconds. The HTTP-date form is rare on APIs and falls back to the backoff.
fn retry_after(value: &str) -> Option<Duration> {
    value.trim().parse().ok().map(Duration::from_secs)
}

/// An `http` or `https` URL.
pub(crate) fn parse_endpoint(endpoint: &str) -> Result<reqwest::Url, WebhookError> {
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
    Ok(url)
}

/// The statuses worth retrying: throttling and failures on the endpoint's side.
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500..=599)
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
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
    fn retry_after_is_read_in_seconds() {
        assert_eq!(retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn retries_throttling_and_server_errors_only() {
        for status in [429, 500, 502, 503, 599] {
            assert!(retryable_status(status), "{status}");
        }
        for status in [300, 400, 401, 403, 404, 407, 409, 413] {
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
