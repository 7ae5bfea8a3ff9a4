//! The consumer against a real queue: handling, redelivery, dead letters, drops, shutdown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use bridgecraft_events::aws_ec2;
use bridgecraft_factory::Decoded;
use bridgecraft_router::{Delivery, HandlerError};
use bridgecraft_sqs::{Backoff, Consumer, ConsumerError, OnDecodeError};
use bridgecraft_testkit::events::{custom_event, ec2_state_change};
use bridgecraft_testkit::sqs::{
    depth, drain_bodies, queue, queue_with, send_all, sqs, unique_name,
};
use tokio::sync::Notify;

use crate::support::*;

/// Records the ids a handler saw and says when it has seen enough.
#[derive(Default)]
struct Seen {
    ids: Mutex<Vec<String>>,
    done: Notify,
    target: AtomicUsize,
}

impl Seen {
    fn until(target: usize) -> Arc<Self> {
        let seen = Arc::new(Self::default());
        seen.target.store(target, Ordering::Relaxed);
        seen
    }

    fn record(&self, id: &str) {
        let mut ids = self.ids.lock().unwrap();
        ids.push(id.to_owned());
        if ids.len() >= self.target.load(Ordering::Relaxed) {
            self.done.notify_one();
        }
    }

    /// Records `id` once, however often it comes, and is done at `target` distinct ids.
    fn record_distinct(&self, id: &str, target: usize) {
        let mut ids = self.ids.lock().unwrap();
        if !ids.iter().any(|seen| seen == id) {
            ids.push(id.to_owned());
        }
        if ids.len() >= target {
            self.done.notify_one();
        }
    }

    fn ids(&self) -> Vec<String> {
        self.ids.lock().unwrap().clone()
    }

    /// Completes once `target` ids were recorded: the consumer's shutdown signal.
    fn reached(self: &Arc<Self>) -> impl Future<Output = ()> + Send + 'static {
        let seen = self.clone();
        async move { seen.done.notified().await }
    }
}

const LIMIT: Duration = Duration::from_secs(60);

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_and_unknown_events_are_handled_and_deleted_and_bad_ones_left() {
    let client = sqs().await;
    let queue = queue(&client, "handled").await;
    let mut bodies: Vec<String> = (0..4)
        .map(|i| ec2_state_change(&format!("t{i}"), "running"))
        .collect();
    bodies.push(custom_event("u0"));
    bodies.push("this is not an event".to_owned());
    send_all(&client, &queue.url, &bodies).await;

    let seen = Seen::until(5);
    let typed = Arc::new(AtomicUsize::new(0));
    let handler = {
        let (seen, typed) = (seen.clone(), typed.clone());
        move |delivery: Delivery<aws_ec2::Detail>| {
            let (seen, typed) = (seen.clone(), typed.clone());
            async move {
                if let Decoded::Typed(event) = &delivery.event {
                    assert_eq!(
                        instance_id(&event.detail),
                        Some(format!("i-{}", event.id.as_deref().unwrap_or_default()).as_str())
                    );
                    typed.fetch_add(1, Ordering::Relaxed);
                }
                assert_eq!(delivery.receive_count, Some(1));
                seen.record(delivery.event.id().unwrap_or_default());
                Ok::<(), HandlerError>(())
            }
        }
    };
    let reported = Arc::new(Mutex::new(Vec::new()));
    // A short visibility timeout, so that the bad message is back on the queue soon if it was
    // received.
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .visibility_timeout(Duration::from_secs(2))
        .report_decode_errors({
            let reported = reported.clone();
            move |message_id, error| {
                reported
                    .lock()
                    .unwrap()
                    .push((message_id.to_owned(), error.to_string()))
            }
        });
    let stats = tokio::time::timeout(LIMIT, consumer.run(seen.reached()))
        .await
        .expect("finishes in time")
        .expect("runs");

    assert_eq!(sorted(seen.ids()), ["t0", "t1", "t2", "t3", "u0"]);
    assert_eq!(typed.load(Ordering::Relaxed), 4);
    assert_eq!(stats.handled, 5);
    assert_eq!(stats.deleted, 5);
    assert_eq!(stats.failed, 0);
    // The bad message may or may not have been received before shutdown; when it was, it was
    // reported and left alone.
    assert_eq!(stats.decode_errors as usize, reported.lock().unwrap().len());
    let left = drain_bodies(&client, &queue.url, Duration::from_secs(3)).await;
    assert_eq!(
        left,
        ["this is not an event"],
        "only the bad message is left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_message_comes_back_and_succeeds_later() {
    let client = sqs().await;
    let queue = queue(&client, "retry").await;
    let bodies: Vec<String> = (0..6)
        .map(|i| ec2_state_change(&format!("r{i}"), "pending"))
        .collect();
    send_all(&client, &queue.url, &bodies).await;

    let seen = Seen::until(6);
    let attempts = Arc::new(Mutex::new(HashMap::<String, Vec<Option<u32>>>::new()));
    let handler = {
        let (seen, attempts) = (seen.clone(), attempts.clone());
        move |delivery: Delivery<aws_ec2::Detail>| {
            let (seen, attempts) = (seen.clone(), attempts.clone());
            async move {
                let id = delivery.event.id().unwrap_or_default().to_owned();
                attempts
                    .lock()
                    .unwrap()
                    .entry(id.clone())
                    .or_default()
                    .push(delivery.receive_count);
                // Every odd message fails the first time.
                if id.ends_with(['1', '3', '5']) && delivery.receive_count == Some(1) {
                    return Err::<(), HandlerError>(format!("{id} is not ready yet").into());
                }
                seen.record(&id);
                Ok(())
            }
        }
    };
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .visibility_timeout(Duration::from_secs(30))
        .failure_backoff(Backoff::Fixed(Duration::ZERO));
    let stats = tokio::time::timeout(LIMIT, consumer.run(seen.reached()))
        .await
        .expect("the failed messages come back well before their 30 s visibility timeout")
        .expect("runs");

    assert_eq!(sorted(seen.ids()), ["r0", "r1", "r2", "r3", "r4", "r5"]);
    assert_eq!((stats.failed, stats.handled, stats.deleted), (3, 6, 6));
    let attempts = attempts.lock().unwrap().clone();
    assert_eq!(attempts["r1"], [Some(1), Some(2)]);
    assert_eq!(attempts["r0"], [Some(1)]);
    assert!(
        drain_bodies(&client, &queue.url, Duration::ZERO)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_panics_leaves_its_message_for_redelivery() {
    let client = sqs().await;
    let queue = queue(&client, "panic").await;
    send_all(&client, &queue.url, &[ec2_state_change("p1", "running")]).await;

    let seen = Seen::until(1);
    let handler = {
        let seen = seen.clone();
        move |delivery: Delivery<aws_ec2::Detail>| {
            let seen = seen.clone();
            async move {
                assert!(
                    delivery.receive_count != Some(1),
                    "the first delivery panics"
                );
                seen.record(delivery.event.id().unwrap_or_default());
                Ok::<(), HandlerError>(())
            }
        }
    };
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .visibility_timeout(Duration::from_secs(1));
    let stats = tokio::time::timeout(LIMIT, consumer.run(seen.reached()))
        .await
        .expect("the message comes back after its visibility timeout")
        .expect("the consumer survives the panic");

    assert_eq!(seen.ids(), ["p1"]);
    assert_eq!(
        (stats.received, stats.failed, stats.handled, stats.deleted),
        (2, 1, 1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_message_reaches_the_dead_letter_queue() {
    let client = sqs().await;
    let dead = queue(&client, "poison-dlq").await;
    let redrive = format!(
        r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":"2"}}"#,
        dead.arn
    );
    let queue = queue_with(
        &client,
        "poison",
        &[(QueueAttributeName::RedrivePolicy, redrive)],
    )
    .await;
    let poison = ec2_state_change("poison", "stopping");
    send_all(
        &client,
        &queue.url,
        &[poison.clone(), ec2_state_change("fine", "running")],
    )
    .await;

    let deliveries = Arc::new(AtomicUsize::new(0));
    let seen = Seen::until(1);
    let handler = {
        let (seen, deliveries) = (seen.clone(), deliveries.clone());
        move |delivery: Delivery<aws_ec2::Detail>| {
            let (seen, deliveries) = (seen.clone(), deliveries.clone());
            async move {
                if delivery.event.id().unwrap_or_default() == "poison" {
                    deliveries.fetch_add(1, Ordering::Relaxed);
                    return Err::<(), HandlerError>("cannot handle this one".into());
                }
                seen.record(delivery.event.id().unwrap_or_default());
                Ok(())
            }
        }
    };
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .failure_backoff(Backoff::Fixed(Duration::ZERO));
    // Run until the poison message has moved: SQS moves it when a receive would exceed
    // maxReceiveCount, so the consumer keeps polling for a while after the second failure.
    let moved = {
        let deliveries = deliveries.clone();
        async move {
            while deliveries.load(Ordering::Relaxed) < 2 {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // Let the consumer poll past the limit once more.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    };
    let stats = tokio::time::timeout(LIMIT, consumer.run(moved))
        .await
        .expect("finishes in time")
        .expect("runs");

    assert_eq!(seen.ids(), ["fine"]);
    assert_eq!(
        deliveries.load(Ordering::Relaxed),
        2,
        "delivered exactly maxReceiveCount times"
    );
    assert_eq!(stats.failed, 2);
    assert_eq!(
        drain_bodies(&client, &dead.url, Duration::ZERO).await,
        [poison]
    );
    assert!(
        drain_bodies(&client, &queue.url, Duration::ZERO)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_messages_can_be_moved_to_another_queue() {
    let client = sqs().await;
    let queue = queue(&client, "undecodable").await;
    let parking = queue_with(&client, "undecodable-parking", &[]).await;
    let bad = r#"{"source":"aws.ec2","detail":{}}"#.to_owned();
    send_all(
        &client,
        &queue.url,
        &[bad.clone(), ec2_state_change("ok", "running")],
    )
    .await;

    let seen = Seen::until(1);
    let handler = {
        let seen = seen.clone();
        move |delivery: Delivery<aws_ec2::Detail>| {
            let seen = seen.clone();
            async move {
                seen.record(delivery.event.id().unwrap_or_default());
                Ok::<(), HandlerError>(())
            }
        }
    };
    let errors = Arc::new(AtomicUsize::new(0));
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .on_decode_error(OnDecodeError::SendTo(parking.url.clone()))
        .report_decode_errors({
            let errors = errors.clone();
            move |_, _| {
                errors.fetch_add(1, Ordering::Relaxed);
            }
        });
    let both_done = {
        let (seen, errors) = (seen.clone(), errors.clone());
        async move {
            seen.reached().await;
            while errors.load(Ordering::Relaxed) == 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let stats = tokio::time::timeout(LIMIT, consumer.run(both_done))
        .await
        .expect("finishes in time")
        .expect("runs");

    assert_eq!(
        (stats.decode_errors, stats.handled, stats.deleted),
        (1, 1, 2)
    );
    assert_eq!(
        drain_bodies(&client, &parking.url, Duration::ZERO).await,
        [bad]
    );
    assert!(
        drain_bodies(&client, &queue.url, Duration::ZERO)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_messages_can_be_deleted() {
    let client = sqs().await;
    let queue = queue(&client, "undecodable-deleted").await;
    send_all(&client, &queue.url, &["[1, 2, 3]".to_owned()]).await;

    let handler = |_: Delivery<aws_ec2::Detail>| async {
        Err::<(), HandlerError>("no message decodes, so no handler runs".into())
    };
    let reported = Arc::new(Notify::new());
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .visibility_timeout(Duration::from_secs(1))
        .on_decode_error(OnDecodeError::Delete)
        .report_decode_errors({
            let reported = reported.clone();
            move |_, _| reported.notify_one()
        });
    let stats = tokio::time::timeout(
        LIMIT,
        consumer.run(async move { reported.notified().await }),
    )
    .await
    .expect("finishes in time")
    .expect("runs");

    assert_eq!(
        (
            stats.decode_errors,
            stats.handled,
            stats.failed,
            stats.deleted
        ),
        (1, 0, 0, 1)
    );
    // Gone for good, not just invisible: its visibility timeout was one second.
    assert!(
        drain_bodies(&client, &queue.url, Duration::from_secs(2))
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_dropped_mid_batch_loses_nothing() {
    let client = sqs().await;
    let queue = queue(&client, "dropped").await;
    let ids: Vec<String> = (0..20).map(|i| format!("d{i:02}")).collect();
    let bodies: Vec<String> = ids
        .iter()
        .map(|id| ec2_state_change(id, "running"))
        .collect();
    send_all(&client, &queue.url, &bodies).await;

    // Every handler records into its consumer's own `Seen` and into `everyone`, which is done
    // once each id was seen by either. A handler of the first consumer can still be finishing on
    // another thread while it is dropped, so what the second must see is not known in advance.
    let everyone = Seen::until(usize::MAX);
    let slow_handler = |seen: Arc<Seen>, delay: Duration| {
        let everyone = everyone.clone();
        move |delivery: Delivery<aws_ec2::Detail>| {
            let (seen, everyone) = (seen.clone(), everyone.clone());
            async move {
                tokio::time::sleep(delay).await;
                let id = delivery.event.id().unwrap_or_default();
                seen.record(id);
                everyone.record_distinct(id, 20);
                Ok::<(), HandlerError>(())
            }
        }
    };

    // The first consumer holds up to 8 messages, finishes a few and is dropped mid-batch.
    let first = Seen::until(3);
    let consumer = Consumer::new(
        client.clone(),
        &queue.url,
        ec2_factory(),
        slow_handler(first.clone(), Duration::from_millis(300)),
    )
    .concurrency(8)
    .wait_time(Duration::from_secs(1))
    .visibility_timeout(Duration::from_secs(2));
    let run = tokio::spawn(consumer.run(std::future::pending()));
    first.reached().await;
    run.abort();
    assert!(run.await.unwrap_err().is_cancelled());
    assert!(first.ids().len() < 20, "dropped before the end");

    // The second picks up everything the first did not delete, once it is visible again.
    let second = Seen::until(usize::MAX);
    let consumer = Consumer::new(
        client.clone(),
        &queue.url,
        ec2_factory(),
        slow_handler(second.clone(), Duration::ZERO),
    )
    .wait_time(Duration::from_secs(1));
    let stats = tokio::time::timeout(LIMIT, consumer.run(everyone.reached()))
        .await
        .expect("every message is handled by one consumer or the other in time")
        .expect("runs");

    assert_eq!(sorted(everyone.ids()), ids);
    // Handled but not yet deleted when dropped: those come back, at least once means twice.
    let (first_ids, second_ids) = (first.ids(), second.ids());
    let duplicates = first_ids.len() + second_ids.len() - 20;
    assert!(duplicates <= 8, "at most what the first held: {duplicates}");
    assert_eq!(stats.handled as usize, second_ids.len());
    assert_eq!(
        stats.deleted, stats.handled,
        "the second deleted all it handled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_keeps_its_message_invisible() {
    let client = sqs().await;
    let queue = queue(&client, "slow").await;
    send_all(&client, &queue.url, &[ec2_state_change("slow", "running")]).await;

    let seen = Seen::until(1);
    let started = Arc::new(Notify::new());
    let handler = {
        let (seen, started) = (seen.clone(), started.clone());
        move |delivery: Delivery<aws_ec2::Detail>| {
            let (seen, started) = (seen.clone(), started.clone());
            async move {
                started.notify_one();
                tokio::time::sleep(Duration::from_millis(3500)).await;
                seen.record(delivery.event.id().unwrap_or_default());
                Ok::<(), HandlerError>(())
            }
        }
    };
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .visibility_timeout(Duration::from_secs(1))
        .extend_visibility(Duration::from_millis(500), Duration::from_secs(2));
    let run = tokio::spawn(consumer.run(seen.reached()));
    started.notified().await;

    // Another reader polls for 3 seconds, three times the visibility timeout it was received
    // with: without the extensions the message would be visible again by then.
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        let stolen = drain_bodies(&client, &queue.url, Duration::ZERO).await;
        assert!(
            stolen.is_empty(),
            "the message became visible while its handler ran"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let stats = tokio::time::timeout(LIMIT, run)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(seen.ids(), ["slow"]);
    assert!(
        stats.extensions >= 4,
        "extended every half second: {stats:?}"
    );
    assert_eq!(stats.deleted, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_handlers_in_flight() {
    let client = sqs().await;
    let queue = queue(&client, "shutdown").await;
    let bodies: Vec<String> = (0..3)
        .map(|i| ec2_state_change(&format!("s{i}"), "running"))
        .collect();
    send_all(&client, &queue.url, &bodies).await;

    let seen = Seen::until(usize::MAX);
    let started = Arc::new(AtomicUsize::new(0));
    let all_started = Arc::new(Notify::new());
    let handler = {
        let (seen, started, all_started) = (seen.clone(), started.clone(), all_started.clone());
        move |delivery: Delivery<aws_ec2::Detail>| {
            let (seen, started, all_started) = (seen.clone(), started.clone(), all_started.clone());
            async move {
                if started.fetch_add(1, Ordering::Relaxed) + 1 == 3 {
                    all_started.notify_one();
                }
                tokio::time::sleep(Duration::from_millis(700)).await;
                seen.record(delivery.event.id().unwrap_or_default());
                Ok::<(), HandlerError>(())
            }
        }
    };
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1));
    let stats = tokio::time::timeout(
        LIMIT,
        consumer.run(async move { all_started.notified().await }),
    )
    .await
    .expect("finishes in time")
    .expect("runs");

    assert_eq!(
        sorted(seen.ids()),
        ["s0", "s1", "s2"],
        "in-flight handlers finished"
    );
    assert_eq!((stats.handled, stats.deleted), (3, 3));
    assert!(
        drain_bodies(&client, &queue.url, Duration::ZERO)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_queue_stops_the_consumer_at_once() {
    let client = sqs().await;
    let url = format!(
        "{}/123456789012/{}",
        bridgecraft_testkit::moto::moto().endpoint,
        unique_name("missing")
    );
    let handler = |_: Delivery<aws_ec2::Detail>| async { Ok::<(), HandlerError>(()) };
    let consumer = Consumer::new(client, url, ec2_factory(), handler).wait_time(Duration::ZERO);
    let error = tokio::time::timeout(LIMIT, consumer.run(std::future::pending()))
        .await
        .expect("does not retry a missing queue for long")
        .unwrap_err();
    let ConsumerError::Receive { attempts, last } = error else {
        panic!("not a receive error: {error}")
    };
    assert_eq!(attempts, 1);
    assert!(last.queue_missing, "{last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_messages_are_each_handled_at_least_once() {
    const TOTAL: usize = 2000;
    let client = sqs().await;
    let queue = queue(&client, "many").await;

    let counts = Arc::new(Mutex::new(HashMap::<String, u32>::new()));
    let done = Arc::new(Notify::new());
    let handler = {
        let (counts, done) = (counts.clone(), done.clone());
        move |delivery: Delivery<aws_ec2::Detail>| {
            let (counts, done) = (counts.clone(), done.clone());
            async move {
                let Decoded::Typed(event) = delivery.event else {
                    return Err::<(), HandlerError>("expected a typed event".into());
                };
                tokio::time::sleep(Duration::from_millis(2)).await;
                let mut counts = counts.lock().unwrap();
                *counts.entry(event.id.unwrap_or_default()).or_default() += 1;
                if counts.len() == TOTAL {
                    done.notify_one();
                }
                Ok(())
            }
        }
    };
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .concurrency(32)
        .wait_time(Duration::from_secs(1))
        .visibility_timeout(Duration::from_secs(60));
    let started = Instant::now();
    let run = tokio::spawn(consumer.run(async move { done.notified().await }));

    // Produce while consuming, keeping the queue shallow: moto slows down as a queue fills.
    let mut sent = 0;
    while sent < TOTAL {
        let handled = counts.lock().unwrap().len();
        if sent - handled >= 40 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let bodies: Vec<String> = (sent..sent + 20)
            .map(|i| ec2_state_change(&format!("m{i}"), "running"))
            .collect();
        send_all(&client, &queue.url, &bodies).await;
        sent += 20;
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "producing took too long"
        );
    }
    let stats = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("consumes everything in time")
        .unwrap()
        .expect("runs");
    let elapsed = started.elapsed();

    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts.len(), TOTAL, "every message handled");
    let duplicates: u32 = counts.values().map(|count| count - 1).sum();
    eprintln!("{TOTAL} messages in {elapsed:?}, {duplicates} handled more than once; {stats:?}");
    assert_eq!(stats.handled as usize, TOTAL + duplicates as usize);
    assert_eq!(stats.deleted, stats.handled);
    assert!(
        drain_bodies(&client, &queue.url, Duration::ZERO)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_stops_after_its_maximum_and_leaves_what_it_is_told_to() {
    let client = sqs().await;
    let queue = queue(&client, "at-most").await;
    let bodies: Vec<String> = (0..5)
        .map(|i| ec2_state_change(&format!("m{i}"), "running"))
        .collect();
    send_all(&client, &queue.url, &bodies).await;

    let seen = Seen::until(usize::MAX);
    let handler = {
        let seen = seen.clone();
        move |delivery: Delivery<aws_ec2::Detail>| {
            let seen = seen.clone();
            async move {
                seen.record(delivery.event.id().unwrap_or_default());
                Ok::<(), HandlerError>(())
            }
        }
    };
    let stats = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .batch_size(2)
        .max_messages(3)
        .delete_handled(false)
        .visibility_timeout(Duration::from_secs(60))
        .run(std::future::pending())
        .await
        .unwrap();
    assert_eq!((stats.received, stats.handled, stats.deleted), (3, 3, 0));
    assert_eq!(seen.ids().len(), 3);
    assert_eq!(
        depth(&client, &queue.url).await,
        (2, 3),
        "three in flight, not deleted; two never received"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_stops_when_the_queue_stays_empty() {
    let client = sqs().await;
    let queue = queue(&client, "idle").await;
    send_all(&client, &queue.url, &[custom_event("i1")]).await;

    let handler = |_: Delivery<aws_ec2::Detail>| async { Ok::<(), HandlerError>(()) };
    let started = Instant::now();
    let stats = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .idle_timeout(Duration::from_secs(2))
        .run(std::future::pending())
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!((stats.received, stats.handled, stats.deleted), (1, 1, 1));
    assert!(
        elapsed >= Duration::from_secs(2),
        "waited while idle: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(10),
        "then stopped: {elapsed:?}"
    );
}
