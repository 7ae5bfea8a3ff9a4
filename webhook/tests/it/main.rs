//! Webhook delivery against a local HTTP server started by each test (127.0.0.1 only). The
//! server answers a fixed list of statuses, one connection each, then stops: request counts are
//! bounded and the tests cannot hang.

use std::net::SocketAddr;
use std::time::Duration;

use bridgecraft_patterns::{InputTransformer, RuleContext};
use bridgecraft_webhook::{AttemptFailure, HttpMethod, RetryPolicy, WebhookTarget};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Serves one request per status in `statuses`, then returns what it received.
async fn serve(statuses: Vec<u16>) -> (SocketAddr, JoinHandle<Vec<Request>>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    let handle = tokio::spawn(async move {
        let mut received = Vec::new();
        for status in statuses {
            let accepted = tokio::time::timeout(Duration::from_secs(2), listener.accept()).await;
            let Ok(Ok((stream, _))) = accepted else { break };
            if let Some(request) = answer(stream, status).await {
                received.push(request);
            }
        }
        received
    });
    (addr, handle)
}

async fn answer(mut stream: TcpStream, status: u16) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, path) = (
        request_line.next()?.to_owned(),
        request_line.next()?.to_owned(),
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let body = String::from_utf8_lossy(&data[head_end..]).into_owned();
    let response =
        format!("HTTP/1.1 {status} Status\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    stream.write_all(response.as_bytes()).await.ok()?;
    let _ = stream.shutdown().await;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn quick_retries(retries: u32) -> RetryPolicy {
    RetryPolicy {
        maximum_retry_attempts: retries,
        initial_backoff: Duration::from_millis(5),
        maximum_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

#[tokio::test]
async fn posts_the_transformed_event_with_headers() {
    let (addr, server) = serve(vec![200]).await;
    let transformer = InputTransformer::new(
        [("id", "$.detail.id")],
        r#"{"order": <id>, "via": <aws.events.rule-name>}"#,
    )
    .expect("valid transformer");
    let payload = transformer
        .apply(
            r#"{"detail": {"id": "o-42"}}"#,
            &RuleContext::local("orders"),
        )
        .expect("delivered");
    let target = WebhookTarget::new(&format!("http://{addr}/hooks/orders"), HttpMethod::Post)
        .and_then(|t| t.header("x-api-key", "secret"))
        .expect("valid target");
    let delivery = target.deliver(&payload.text).await.expect("delivered");
    assert_eq!((delivery.status, delivery.attempts), (200, 1));
    let received = server.await.expect("server task");
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/hooks/orders")
    );
    assert_eq!(request.body, r#"{"order": "o-42", "via": "orders"}"#);
    assert_eq!(request.header("x-api-key"), Some("secret"));
    assert_eq!(
        request.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[tokio::test]
async fn every_method_and_its_body() {
    for method in [
        HttpMethod::Get,
        HttpMethod::Head,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ] {
        let (addr, server) = serve(vec![204]).await;
        let target = WebhookTarget::new(&format!("http://{addr}/"), method).expect("valid target");
        let delivery = target.deliver(r#"{"k": 1}"#).await.expect("delivered");
        assert_eq!(delivery.status, 204);
        let received = server.await.expect("server task");
        assert_eq!(received.len(), 1, "{method}");
        assert_eq!(received[0].method, method.to_string());
        let expected_body = if method.sends_body() {
            r#"{"k": 1}"#
        } else {
            ""
        };
        assert_eq!(received[0].body, expected_body, "{method}");
    }
}

#[tokio::test]
async fn retries_with_backoff_until_the_endpoint_recovers() {
    let (addr, server) = serve(vec![503, 429, 200]).await;
    let target = WebhookTarget::new(&format!("http://{addr}/"), HttpMethod::Put)
        .expect("valid target")
        .retry_policy(quick_retries(5));
    let delivery = target
        .deliver("{}")
        .await
        .expect("delivered on the third attempt");
    assert_eq!((delivery.status, delivery.attempts), (200, 3));
    assert_eq!(server.await.expect("server task").len(), 3);
}

#[tokio::test]
async fn reports_the_failure_with_the_payload_when_the_endpoint_keeps_failing() {
    let (addr, server) = serve(vec![500; 4]).await;
    let target = WebhookTarget::new(&format!("http://{addr}/"), HttpMethod::Post)
        .expect("valid target")
        .retry_policy(quick_retries(3));
    let failure = target
        .deliver(r#"{"keep": "me"}"#)
        .await
        .expect_err("endpoint always fails");
    assert_eq!(failure.attempts, 4);
    assert_eq!(failure.last, AttemptFailure::Status(500));
    assert!(failure.retryable);
    assert_eq!(failure.payload, r#"{"keep": "me"}"#);
    assert_eq!(server.await.expect("server task").len(), 4);
}

#[tokio::test]
async fn does_not_retry_client_errors() {
    let (addr, server) = serve(vec![400, 200]).await;
    let target = WebhookTarget::new(&format!("http://{addr}/"), HttpMethod::Post)
        .expect("valid target")
        .retry_policy(quick_retries(3));
    let failure = target.deliver("{}").await.expect_err("400 is final");
    assert_eq!((failure.attempts, failure.retryable), (1, false));
    assert_eq!(failure.last, AttemptFailure::Status(400));
    drop(target);
    // The server saw one request, then gave up waiting for the second.
    assert_eq!(server.await.expect("server task").len(), 1);
}

#[tokio::test]
async fn unreachable_endpoints_are_retried_then_reported() {
    // A port that was just free: nothing listens there.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("address");
    let target = WebhookTarget::new(&format!("http://{addr}/"), HttpMethod::Post)
        .expect("valid target")
        .retry_policy(quick_retries(2));
    let failure = target.deliver("{}").await.expect_err("nothing listens");
    assert_eq!(failure.attempts, 3);
    assert!(
        matches!(failure.last, AttemptFailure::Transport(_)),
        "{:?}",
        failure.last
    );
}
