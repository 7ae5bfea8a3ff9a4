//! Webhook delivery against a local HTTP server started by each test (127.0.0.1 only) that
//! fails in each way an endpoint does. Most tests script a fixed list of answers, one
//! connection each, after which the server stops: request counts are bounded and the tests
//! cannot hang.

use std::time::Duration;

mod scripted;

use bridgecraft_patterns::{InputTransformer, RuleContext};
use bridgecraft_testkit::http::{Reply, serve_each};
use bridgecraft_webhook::{
    AttemptFailure, Auth, DeliveryFailure, HttpMethod, RetryPolicy, WebhookTarget,
};
use scripted::{serve, serve_replies};
use tokio::net::TcpListener;

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

#[tokio::test]
async fn basic_and_api_key_authorization_are_sent() {
    let (addr, server) = serve(vec![200, 200]).await;
    let endpoint = format!("http://{addr}/");
    let basic = WebhookTarget::new(&endpoint, HttpMethod::Post)
        .expect("valid target")
        .auth(Auth::basic("user", "pass"));
    basic.deliver("{}").await.expect("delivered");
    let keyed = WebhookTarget::new(&endpoint, HttpMethod::Post)
        .expect("valid target")
        .auth(Auth::api_key("x-api-key", "k-123").expect("valid header"));
    keyed.deliver("{}").await.expect("delivered");
    let received = server.await.expect("server task");
    assert_eq!(
        received[0].header("authorization"),
        Some("Basic dXNlcjpwYXNz")
    );
    assert_eq!(received[1].header("x-api-key"), Some("k-123"));
    assert_eq!(received[1].header("authorization"), None);
    assert!(
        !format!("{basic:?}{keyed:?}").contains("pass") && !format!("{keyed:?}").contains("k-123")
    );
}

fn token(value: &str) -> Reply {
    Reply::status(200)
        .header("content-type", "application/json")
        .body(&format!(
            r#"{{"access_token": "{value}", "token_type": "Bearer", "expires_in": 3600}}"#
        ))
}

#[tokio::test]
async fn an_oauth_token_is_fetched_once_cached_and_refreshed_after_a_401() {
    let (addr, server) = serve_replies(vec![
        token("t1"),
        Reply::status(200),
        Reply::status(200),
        Reply::status(401),
        token("t2"),
        Reply::status(200),
    ])
    .await;
    let auth = Auth::oauth_client_credentials(
        &format!("http://{addr}/oauth/token"),
        "client",
        "secret",
        Some("events:write"),
    )
    .expect("valid token endpoint");
    let target = WebhookTarget::new(&format!("http://{addr}/hook"), HttpMethod::Post)
        .expect("valid target")
        .auth(auth)
        .retry_policy(quick_retries(0));
    for _ in 0..3 {
        let delivery = target.deliver("{}").await.expect("delivered");
        assert_eq!(
            delivery.attempts, 1,
            "the refresh after a 401 is not a retry"
        );
    }
    let received = server.await.expect("server task");
    let seen: Vec<(&str, Option<&str>)> = received
        .iter()
        .map(|request| (request.path.as_str(), request.header("authorization")))
        .collect();
    assert_eq!(
        seen,
        [
            ("/oauth/token", Some("Basic Y2xpZW50OnNlY3JldA==")),
            ("/hook", Some("Bearer t1")),
            ("/hook", Some("Bearer t1")),
            ("/hook", Some("Bearer t1")),
            ("/oauth/token", Some("Basic Y2xpZW50OnNlY3JldA==")),
            ("/hook", Some("Bearer t2")),
        ]
    );
    assert_eq!(
        received[0].body,
        "grant_type=client_credentials&scope=events%3Awrite"
    );
}

#[tokio::test]
async fn a_token_endpoint_that_refuses_the_credentials_is_a_final_failure() {
    let (addr, server) = serve_replies(vec![Reply::status(400)]).await;
    let auth = Auth::oauth_client_credentials(&format!("http://{addr}/token"), "c", "wrong", None)
        .expect("valid token endpoint");
    let target = WebhookTarget::new(&format!("http://{addr}/hook"), HttpMethod::Post)
        .expect("valid target")
        .auth(auth)
        .retry_policy(quick_retries(3));
    let failure = target.deliver("{}").await.expect_err("no token");
    assert_eq!((failure.attempts, failure.retryable), (1, false));
    assert!(
        matches!(failure.last, AttemptFailure::Token(_)),
        "{:?}",
        failure.last
    );
    assert_eq!(server.await.expect("server task").len(), 1);
}

#[tokio::test]
async fn requests_to_a_destination_are_spaced_by_its_rate_limit() {
    let (addr, received) = serve_each(|_| Reply::status(200)).await;
    let target = WebhookTarget::new(&format!("http://{addr}/"), HttpMethod::Post)
        .expect("valid target")
        .rate_limit(10.0);
    let started = std::time::Instant::now();
    // Clones share the limit, as deliveries to one destination do.
    let deliveries = (0..5).map(|_| {
        let target = target.clone();
        tokio::spawn(async move { target.deliver("{}").await })
    });
    for delivery in deliveries {
        delivery.await.expect("task").expect("delivered");
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(400),
        "five at 10 a second: {elapsed:?}"
    );
    assert_eq!(received.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn a_429_waits_as_long_as_retry_after_asks() {
    let (addr, server) = serve_replies(vec![
        Reply::status(429).header("retry-after", "1"),
        Reply::status(200),
    ])
    .await;
    let target = WebhookTarget::new(&format!("http://{addr}/"), HttpMethod::Post)
        .expect("valid target")
        .retry_policy(quick_retries(2));
    let started = std::time::Instant::now();
    let delivery = target.deliver("{}").await.expect("delivered");
    let elapsed = started.elapsed();
    assert_eq!(delivery.attempts, 2);
    assert!(
        elapsed >= Duration::from_secs(1),
        "waited out Retry-After: {elapsed:?}"
    );
    assert_eq!(server.await.expect("server task").len(), 2);
}

#[tokio::test]
async fn client_errors_other_than_429_are_not_retried() {
    for status in [401, 403, 404, 409, 413] {
        // A retry would find the server gone and fail differently, after more attempts.
        let (addr, server) = serve(vec![status]).await;
        let target = WebhookTarget::new(&format!("http://{addr}/"), HttpMethod::Post)
            .expect("valid target")
            .auth(Auth::basic("u", "p"))
            .retry_policy(quick_retries(3));
        let failure = target.deliver("{}").await.expect_err("final");
        assert_eq!(
            (failure.attempts, failure.retryable),
            (1, false),
            "{status}"
        );
        drop(target);
        assert_eq!(server.await.expect("server task").len(), 1, "{status}");
    }
}

#[tokio::test]
async fn a_slow_endpoint_times_out_per_request_and_is_retried() {
    let (addr, server) = serve_replies(vec![
        Reply::status(200).after(Duration::from_secs(2)),
        Reply::status(200),
    ])
    .await;
    let target = WebhookTarget::new(&format!("http://{addr}/"), HttpMethod::Post)
        .expect("valid target")
        .timeout(Duration::from_millis(300))
        .retry_policy(quick_retries(1));
    let started = std::time::Instant::now();
    let delivery = target
        .deliver("{}")
        .await
        .expect("the second attempt answers in time");
    assert_eq!(delivery.attempts, 2);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "did not wait for the slow answer"
    );
    assert_eq!(server.await.expect("server task").len(), 2);
}

#[tokio::test]
async fn failed_deliveries_go_to_the_dead_letter_sink_with_the_reason() {
    let (addr, server) = serve(vec![503, 503, 404]).await;
    let letters = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let target = WebhookTarget::new(&format!("http://{addr}/"), HttpMethod::Post)
        .expect("valid target")
        .retry_policy(quick_retries(1))
        .dead_letter_sink({
            let letters = letters.clone();
            move |failure: &DeliveryFailure| {
                letters.lock().unwrap().push(failure.clone());
                Ok(())
            }
        });
    let exhausted = target.deliver(r#"{"n": 1}"#).await.expect_err("503 twice");
    let refused = target.deliver(r#"{"n": 2}"#).await.expect_err("404");
    let letters = letters.lock().unwrap().clone();
    assert_eq!(letters, [exhausted, refused]);
    assert_eq!(letters[0].payload, r#"{"n": 1}"#);
    assert_eq!(
        letters[0].to_string(),
        format!("delivery to http://{addr}/ failed after 2 attempt(s): HTTP status 503")
    );
    assert_eq!(
        letters[1].to_string(),
        format!(
            "delivery to http://{addr}/ failed after 1 attempt(s): HTTP status 404 (not retryable)"
        )
    );
    assert_eq!(server.await.expect("server task").len(), 3);
}
