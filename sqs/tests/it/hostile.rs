//! Hostile bodies beside good ones in the same batches: each bad one is a clear error record,
//! none panics, none keeps its batch's good messages from being handled; and SQS's duplicate
//! deliveries of one message are handled once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bridgecraft_events::aws_ec2;
use bridgecraft_factory::{Decoded, UnknownReason};
use bridgecraft_router::{Delivery, HandlerError};
use bridgecraft_sqs::Consumer;
use bridgecraft_testkit::events::ec2_state_change;
use bridgecraft_testkit::sqs::{depth, drain_bodies, queue, send_all, sqs};
use tokio::sync::Notify;

use crate::support::*;

/// SQS's largest message.
const MAX_MESSAGE: usize = 256 * 1024;

/// An event whose body is exactly `size` bytes: a padded detail field.
fn event_of_size(id: &str, size: usize) -> String {
    let empty = ec2_state_change(id, "");
    let padded = ec2_state_change(id, &"x".repeat(size - empty.len()));
    assert_eq!(padded.len(), size);
    padded
}

/// `(what it is, body)` for each body no event can be read from.
fn hostile_bodies() -> Vec<(&'static str, String)> {
    let event = ec2_state_change("inner", "running");
    let notification = |message: &str| {
        serde_json::json!({"Type": "Notification", "MessageId": "n-1", "Message": message})
            .to_string()
    };
    let envelope_field = |field: &str, value: &str| {
        ec2_state_change(field, "running").replace(
            &format!(r#""{field}":"{field}""#),
            &format!(r#""{field}":{value}"#),
        )
    };
    let deep = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    vec![
        ("nested 100 000 deep", deep(100_000)),
        (
            "an id nested 10 000 deep",
            envelope_field("id", &deep(10_000)),
        ),
        (
            "an id of 200 000 digits",
            envelope_field("id", &"9".repeat(200_000)),
        ),
        ("an id out of range", envelope_field("id", "1e999999")),
        (
            "a lone surrogate, JSON's invalid UTF-8",
            envelope_field("id", r#""\ud800""#),
        ),
        ("an array", "[1, 2, 3]".to_owned()),
        ("a string", r#""an event""#.to_owned()),
        (
            "an event of the wrong shape",
            r#"{"source": 7, "detail-type": [], "detail": "none"}"#.to_owned(),
        ),
        ("SNS inside SNS", notification(&notification(&event))),
        ("truncated", event[..event.len() / 2].to_owned()),
        (
            "an empty object after 256 KiB of spaces",
            format!("{}{}", " ".repeat(MAX_MESSAGE - 10), "{}"),
        ),
    ]
}

/// Events whose envelope is fine and whose detail is hostile: handled, with the detail kept
/// raw and the reason it does not fit.
fn hostile_details() -> Vec<String> {
    let with_state =
        |id: &str, state: &str| ec2_state_change(id, "running").replace(r#""running""#, state);
    vec![
        with_state(
            "detail-deep",
            &format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)),
        ),
        with_state("detail-digits", &"9".repeat(200_000)),
        with_state("detail-range", "1e999999"),
        with_state("detail-surrogate", r#""\ud800""#),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_are_error_records_and_sink_no_batch() {
    let client = sqs().await;
    let queue = queue(&client, "hostile").await;
    let hostile = hostile_bodies();
    let mut bodies = vec![event_of_size("biggest", MAX_MESSAGE)];
    for (i, (_, body)) in hostile.iter().enumerate() {
        assert!(body.len() <= MAX_MESSAGE, "{i} fits in a message");
        bodies.push(body.clone());
        bodies.push(ec2_state_change(&format!("good{i}"), "running"));
    }
    bodies.extend(hostile_details());
    // One at a time: a batch of several of these would pass SQS's batch size limit.
    for body in &bodies {
        send_all(&client, &queue.url, std::slice::from_ref(body)).await;
    }
    let good = 1 + hostile.len() + hostile_details().len();

    let handled = Arc::new(AtomicUsize::new(0));
    let reports = Arc::new(Mutex::new(Vec::new()));
    let all_seen = Arc::new(Notify::new());
    let check_done = {
        let (handled, reports, all_seen) = (handled.clone(), reports.clone(), all_seen.clone());
        let bad = hostile.len();
        move || {
            if handled.load(Ordering::Relaxed) == good && reports.lock().unwrap().len() == bad {
                all_seen.notify_one();
            }
        }
    };
    let handler = {
        let (handled, check_done) = (handled.clone(), check_done.clone());
        move |delivery: Delivery<aws_ec2::Detail>| {
            let (handled, check_done) = (handled.clone(), check_done.clone());
            async move {
                let id = delivery.event.id().unwrap_or_default();
                if id.starts_with("detail-") {
                    let Decoded::Unknown(unknown) = &delivery.event else {
                        panic!("{id}: a detail that does not fit is not typed");
                    };
                    let UnknownReason::Rejected(error) = &unknown.reason else {
                        panic!("{id}: {:?}", unknown.reason);
                    };
                    eprintln!(
                        "{id}: kept raw, {}",
                        error.to_string().chars().take(160).collect::<String>()
                    );
                }
                handled.fetch_add(1, Ordering::Relaxed);
                check_done();
                Ok::<(), HandlerError>(())
            }
        }
    };
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .visibility_timeout(Duration::from_secs(60))
        .report_decode_errors({
            let reports = reports.clone();
            move |_, error| {
                reports.lock().unwrap().push(error.to_string());
                check_done();
            }
        });
    let stats = tokio::time::timeout(
        Duration::from_secs(60),
        consumer.run(async move { all_seen.notified().await }),
    )
    .await
    .unwrap_or_else(|_| {
        panic!(
            "every message is seen: {} handled of {good}, errors {:?}",
            handled.load(Ordering::Relaxed),
            reports
                .lock()
                .unwrap()
                .iter()
                .map(|r| &r[..r.len().min(80)])
                .collect::<Vec<_>>()
        )
    })
    .expect("runs");

    let reports = reports.lock().unwrap().clone();
    for report in &reports {
        eprintln!("error record: {}", &report[..report.len().min(200)]);
        assert!(report.len() > 10, "a clear message: {report:?}");
        assert!(
            report.len() < 1000,
            "the body is not repeated whole: {} bytes",
            report.len()
        );
    }
    assert_eq!(stats.handled as usize, good, "{stats:?}");
    assert_eq!(stats.decode_errors as usize, hostile.len(), "{stats:?}");
    assert_eq!(stats.failed, 0);
    assert_eq!(
        depth(&client, &queue.url).await,
        (0, hostile.len() as u64),
        "the bad ones stay on the queue for its dead-letter policy, the good ones are gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_delivered_again_while_its_handler_runs_is_handled_once() {
    let client = sqs().await;
    let queue = queue(&client, "twice").await;
    send_all(&client, &queue.url, &[ec2_state_change("slow", "running")]).await;

    let runs = Arc::new(Mutex::new(HashMap::<String, u32>::new()));
    let handler = {
        let runs = runs.clone();
        move |delivery: Delivery<aws_ec2::Detail>| {
            let runs = runs.clone();
            async move {
                *runs
                    .lock()
                    .unwrap()
                    .entry(delivery.event.id().unwrap_or_default().to_owned())
                    .or_default() += 1;
                // Outlives the visibility timeout: SQS hands the message out again meanwhile.
                tokio::time::sleep(Duration::from_millis(3500)).await;
                Ok::<(), HandlerError>(())
            }
        }
    };
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .visibility_timeout(Duration::from_secs(1));
    let stats = tokio::time::timeout(
        Duration::from_secs(30),
        consumer.run(tokio::time::sleep(Duration::from_secs(5))),
    )
    .await
    .expect("stops in time")
    .expect("runs");

    assert_eq!(runs.lock().unwrap()["slow"], 1, "handled once");
    assert!(
        stats.duplicates >= 1,
        "the second delivery was recognised: {stats:?}"
    );
    assert_eq!((stats.handled, stats.deleted), (1, 1), "{stats:?}");
    // Deleted with the newest receipt handle: gone, not back after its visibility timeout.
    assert!(
        drain_bodies(&client, &queue.url, Duration::from_secs(2))
            .await
            .is_empty()
    );
}
