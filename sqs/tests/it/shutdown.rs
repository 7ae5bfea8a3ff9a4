//! Shutdown with a signal in the middle of a long poll and in the middle of a handler: nothing
//! received waits out its visibility timeout, and stopping takes a bounded time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use bridgecraft_events::aws_ec2;
use bridgecraft_router::{Delivery, HandlerError};
use bridgecraft_sqs::Consumer;
use bridgecraft_testkit::events::ec2_state_change;
use bridgecraft_testkit::sqs::{depth, queue, queue_with, send_all, sqs};
use tokio::sync::{Notify, oneshot};

use crate::support::*;

/// Long enough that a message left to its visibility timeout is still invisible when the test
/// looks.
const LONG_VISIBILITY: &str = "120";

async fn signal(receiver: oneshot::Receiver<()>) {
    let _ = receiver.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_received_after_the_signal_mid_poll_is_handed_back_at_once() {
    let client = sqs().await;
    let queue = queue_with(
        &client,
        "stop-mid-poll",
        &[(
            QueueAttributeName::VisibilityTimeout,
            LONG_VISIBILITY.to_owned(),
        )],
    )
    .await;
    let handled = Arc::new(AtomicUsize::new(0));
    let handler = {
        let handled = handled.clone();
        move |_: Delivery<aws_ec2::Detail>| {
            let handled = handled.clone();
            async move {
                handled.fetch_add(1, Ordering::Relaxed);
                Ok::<(), HandlerError>(())
            }
        }
    };
    let wait = Duration::from_secs(4);
    let (stop, stopped) = oneshot::channel();
    let consumer =
        Consumer::new(client.clone(), &queue.url, ec2_factory(), handler).wait_time(wait);
    let run = tokio::spawn(consumer.run(signal(stopped)));

    // The consumer is in its first long poll on an empty queue.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let signalled = Instant::now();
    stop.send(()).unwrap();
    // This arrives during the poll the consumer was in when the signal came.
    send_all(&client, &queue.url, &[ec2_state_change("late", "running")]).await;
    let stats = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("stops in time")
        .unwrap()
        .expect("runs");
    let stop_time = signalled.elapsed();

    eprintln!("stopped {stop_time:?} after the signal mid-poll; {stats:?}");
    assert!(stop_time < wait + Duration::from_secs(2), "{stop_time:?}");
    assert_eq!(
        handled.load(Ordering::Relaxed),
        0,
        "not handled after the signal"
    );
    assert_eq!((stats.received, stats.handed_back), (1, 1), "{stats:?}");
    assert_eq!(
        depth(&client, &queue.url).await,
        (1, 0),
        "visible again at once, not after {LONG_VISIBILITY} s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_mid_run_finishes_within_the_grace_and_is_deleted() {
    let client = sqs().await;
    let queue = queue(&client, "stop-mid-handler").await;
    send_all(&client, &queue.url, &[ec2_state_change("busy", "running")]).await;
    let started = Arc::new(Notify::new());
    let finished = Arc::new(AtomicUsize::new(0));
    let handler = {
        let (started, finished) = (started.clone(), finished.clone());
        move |_: Delivery<aws_ec2::Detail>| {
            let (started, finished) = (started.clone(), finished.clone());
            async move {
                started.notify_one();
                tokio::time::sleep(Duration::from_millis(800)).await;
                finished.fetch_add(1, Ordering::Relaxed);
                Ok::<(), HandlerError>(())
            }
        }
    };
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .shutdown_grace(Duration::from_secs(5));
    let stats = tokio::time::timeout(
        Duration::from_secs(30),
        consumer.run(async move { started.notified().await }),
    )
    .await
    .expect("stops in time")
    .expect("runs");
    assert_eq!(finished.load(Ordering::Relaxed), 1);
    assert_eq!((stats.handled, stats.deleted, stats.handed_back), (1, 1, 0));
    assert_eq!(depth(&client, &queue.url).await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_overrunning_the_grace_are_stopped_and_their_messages_handed_back() {
    let client = sqs().await;
    // A FIFO group of three: the first one's handler never ends, the two behind it wait.
    let queue = fifo_queue(&client, "stop-overrun").await;
    client
        .set_queue_attributes()
        .queue_url(&queue.url)
        .attributes(QueueAttributeName::VisibilityTimeout, LONG_VISIBILITY)
        .send()
        .await
        .expect("attributes set");
    let messages: Vec<(String, String)> = (0..3)
        .map(|i| {
            (
                "g".to_owned(),
                ec2_state_change(&format!("stuck{i}"), "running"),
            )
        })
        .collect();
    send_grouped(&client, &queue.url, &messages).await;

    let started = Arc::new(Notify::new());
    let handler = {
        let started = started.clone();
        move |_: Delivery<aws_ec2::Detail>| {
            let started = started.clone();
            async move {
                started.notify_one();
                std::future::pending::<()>().await;
                Ok::<(), HandlerError>(())
            }
        }
    };
    let grace = Duration::from_secs(1);
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .shutdown_grace(grace);
    let signalled = Arc::new(std::sync::Mutex::new(None));
    let shutdown = {
        let signalled = signalled.clone();
        async move {
            started.notified().await;
            *signalled.lock().unwrap() = Some(Instant::now());
        }
    };
    let stats = tokio::time::timeout(Duration::from_secs(30), consumer.run(shutdown))
        .await
        .expect("stops in time")
        .expect("runs");
    let stop_time = signalled.lock().unwrap().expect("signalled").elapsed();

    eprintln!("stopped {stop_time:?} after the signal mid-handler; {stats:?}");
    assert!(stop_time < grace + Duration::from_secs(3), "{stop_time:?}");
    // SQS may return the group in one batch or only its first message (the rest of a group
    // waits while one of it is in flight); either way all that was received goes back.
    assert_eq!(stats.handled, 0, "{stats:?}");
    assert!(
        stats.received >= 1 && stats.handed_back == stats.received,
        "{stats:?}"
    );
    assert_eq!(
        depth(&client, &queue.url).await,
        (3, 0),
        "all three visible again at once"
    );
}
