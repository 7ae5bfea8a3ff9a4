//! The consumer through a proxy that refuses, drops and stalls connections to moto for seconds
//! at a time: it keeps running, loses nothing, deletes nothing unhandled and counts duplicates.
//!
//! "Nothing deleted before its handler succeeded" is checked by its consequence: every message
//! sent is seen succeeding by the handler, and the queue ends empty. A message deleted before
//! its handler succeeded would never come back to succeed (some handlers fail on purpose, so
//! the two differ).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bridgecraft_events::aws_ec2;
use bridgecraft_router::{Delivery, Handler, HandlerError};
use bridgecraft_sqs::{Backoff, Consumer, ConsumerStats};
use bridgecraft_testkit::events::ec2_state_change;
use bridgecraft_testkit::sqs::{drain_bodies, queue, send_all, sqs};
use tokio::sync::Notify;

use crate::support::*;
use bridgecraft_testkit::proxy::{Fault, FaultProxy};

/// What the handler saw, message by message.
#[derive(Default)]
struct Ledger {
    successes: Mutex<HashMap<String, u32>>,
    failures: Mutex<u64>,
    last_success: Mutex<Option<Instant>>,
    all_done: Notify,
    expected: Mutex<Option<usize>>,
}

impl Ledger {
    /// A handler that fails the first delivery of every message `fails` picks, and records
    /// every success.
    fn handler(self: &Arc<Self>, fails: fn(&str) -> bool) -> impl Handler<aws_ec2::Detail> {
        let ledger = self.clone();
        move |delivery: Delivery<aws_ec2::Detail>| {
            let ledger = ledger.clone();
            async move {
                let id = delivery.event.id().unwrap_or_default().to_owned();
                if fails(&id) && delivery.receive_count == Some(1) {
                    *ledger.failures.lock().unwrap() += 1;
                    return Err(format!("{id} fails its first delivery").into());
                }
                ledger.succeeded(id);
                Ok::<(), HandlerError>(())
            }
        }
    }

    fn succeeded(&self, id: String) {
        *self.last_success.lock().unwrap() = Some(Instant::now());
        let mut successes = self.successes.lock().unwrap();
        *successes.entry(id).or_default() += 1;
        if Some(successes.len()) == *self.expected.lock().unwrap() {
            self.all_done.notify_one();
        }
    }

    /// Completes once `total` distinct messages succeeded.
    async fn until_all(self: Arc<Self>, total: usize) {
        *self.expected.lock().unwrap() = Some(total);
        if self.successes.lock().unwrap().len() == total {
            return;
        }
        self.all_done.notified().await;
    }

    fn unique(&self) -> usize {
        self.successes.lock().unwrap().len()
    }

    /// Successes beyond the first of each message.
    fn handled_twice(&self) -> u64 {
        self.successes
            .lock()
            .unwrap()
            .values()
            .map(|count| u64::from(count - 1))
            .sum()
    }
}

/// Sends `total` messages straight to moto in batches of 10, no more than `ahead` beyond what
/// the handler finished, and returns the ids. moto's calls cost time in proportion to the
/// queue's depth (about 50 ms at 10 messages, 250 ms at 300, over a second at 2000 on a busy
/// machine), so the queue is kept shallow.
async fn produce(
    client: &aws_sdk_sqs::Client,
    url: &str,
    prefix: &str,
    total: usize,
    ahead: usize,
    ledger: &Ledger,
    consumer: &tokio::task::JoinHandle<Result<ConsumerStats, bridgecraft_sqs::ConsumerError>>,
) -> Vec<String> {
    let ids: Vec<String> = (0..total).map(|i| format!("{prefix}{i:05}")).collect();
    for (n, chunk) in ids.chunks(10).enumerate() {
        while n * 10 > ledger.unique() + ahead {
            assert!(
                !consumer.is_finished(),
                "the consumer stopped with {} of {total} processed",
                ledger.unique()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let bodies: Vec<String> = chunk
            .iter()
            .map(|id| ec2_state_change(id, "running"))
            .collect();
        send_all(client, url, &bodies).await;
    }
    ids
}

/// Messages sent ahead of the handler: enough to keep the consumer busy, few enough to keep
/// moto quick.
const AHEAD: usize = 40;

/// The figures of a run, printed by the tests.
struct Figures {
    sent: usize,
    elapsed: Duration,
    stats: ConsumerStats,
    ledger: Arc<Ledger>,
}

impl Figures {
    fn check(&self, label: &str, failing: usize) {
        let stats = &self.stats;
        eprintln!(
            "{label}: sent {}, processed {} distinct, handled twice by the handler {}, \
             duplicates recognised {}, handler failures {} in {:?}; {stats:?}",
            self.sent,
            self.ledger.unique(),
            self.ledger.handled_twice(),
            stats.duplicates,
            self.ledger.failures.lock().unwrap(),
            self.elapsed,
        );
        assert_eq!(self.ledger.unique(), self.sent, "every message processed");
        assert_eq!(
            stats.received,
            stats.handled
                + stats.failed
                + stats.decode_errors
                + stats.duplicates
                + stats.handed_back,
            "each message received ends one way: {stats:?}"
        );
        assert_eq!(
            stats.handled,
            self.sent as u64 + self.ledger.handled_twice(),
            "every success counted once"
        );
        assert_eq!(stats.failed, *self.ledger.failures.lock().unwrap());
        // A first delivery whose receive was cut off comes back as the second, which succeeds.
        assert!(
            stats.failed as usize <= failing,
            "each chosen message failed at most once"
        );
        assert!(stats.failed > 0 || failing == 0);
        assert!(stats.outages >= 2, "the outages are counted: {stats:?}");
        assert!(stats.receive_errors >= stats.outages);
    }
}

/// One message in 20 fails its first delivery.
fn one_in_twenty(id: &str) -> bool {
    id.ends_with("00")
        || id.ends_with("20")
        || id.ends_with("40")
        || id.ends_with("60")
        || id.ends_with("80")
}

/// Shows the consumer's warnings (outages starting and ending) in the test's output.
fn show_warnings() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_max_level(tracing::Level::WARN)
        .try_init();
}

/// Prints how far the handler got every 10 seconds, for runs long enough to wonder.
fn report_progress(
    label: &'static str,
    ledger: &Arc<Ledger>,
    started: Instant,
) -> tokio::task::JoinHandle<()> {
    let ledger = ledger.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(10)).await;
            eprintln!(
                "{label}: {} processed after {:?}",
                ledger.unique(),
                started.elapsed()
            );
        }
    })
}

/// A consumer through `proxy` that notices faults within a second and retries quickly.
fn consumer_via<H>(client: aws_sdk_sqs::Client, url: &str, handler: H) -> Consumer<Ec2Factory, H>
where
    H: Handler<aws_ec2::Detail>,
{
    Consumer::new(client, url, ec2_factory(), handler)
        .concurrency(32)
        .wait_time(Duration::from_secs(1))
        .request_timeout(Duration::from_secs(1))
        .retry_backoff(Duration::from_millis(50), Duration::from_millis(500))
        // Messages whose receive was cut off come back after this.
        .visibility_timeout(Duration::from_secs(3))
        .failure_backoff(Backoff::Fixed(Duration::ZERO))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_rides_out_refused_dropped_and_stalled_connections() {
    const TOTAL: usize = 600;
    show_warnings();
    let direct = sqs().await;
    let queue = queue(&direct, "outage").await;
    let proxy = FaultProxy::to_moto().await;
    let ledger = Arc::new(Ledger::default());
    let consumer = consumer_via(
        sqs_at(&proxy.endpoint).await,
        &queue.url,
        ledger.handler(one_in_twenty),
    );
    let started = Instant::now();
    // The consumer keeps receiving until every fault has been applied, so that each one meets
    // its traffic however soon the messages are all handled.
    let (faults_applied, all_applied) = tokio::sync::oneshot::channel::<()>();
    let stop = {
        let ledger = ledger.clone();
        async move {
            ledger.until_all(TOTAL).await;
            let _ = all_applied.await;
        }
    };
    let run = tokio::spawn(consumer.run(stop));
    let progress = report_progress("outage", &ledger, started);

    let faults = async {
        let mut recoveries = Vec::new();
        for fault in [Fault::Refuse, Fault::DropMidResponse, Fault::Stall] {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let before = *ledger.last_success.lock().unwrap();
            proxy.outage(fault, Duration::from_secs(3)).await;
            let lifted = Instant::now();
            // Back when the handler succeeds again after the fault is lifted.
            loop {
                let last = *ledger.last_success.lock().unwrap();
                if last.is_some_and(|last| last > lifted) || ledger.unique() == TOTAL {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            recoveries.push((fault, lifted.elapsed(), before.is_some()));
        }
        let _ = faults_applied.send(());
        recoveries
    };
    let (ids, recoveries) = tokio::join!(
        produce(&direct, &queue.url, "o", TOTAL, AHEAD, &ledger, &run),
        faults
    );
    let stats = tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("everything is processed in time")
        .unwrap()
        .expect("the consumer keeps running through the outages");
    progress.abort();
    let figures = Figures {
        sent: ids.len(),
        elapsed: started.elapsed(),
        stats,
        ledger: ledger.clone(),
    };
    for (fault, recovery, traffic_before) in &recoveries {
        eprintln!(
            "time to recover after {fault:?} was lifted: {recovery:?} (traffic before: {traffic_before})"
        );
        assert!(
            *recovery < Duration::from_secs(10),
            "{fault:?}: {recovery:?}"
        );
    }
    let failing = ids.iter().filter(|id| one_in_twenty(id)).count();
    figures.check("outage", failing);
    let tally = &proxy.tally;
    let cut = tally
        .responses_cut
        .load(std::sync::atomic::Ordering::Relaxed);
    let stalled = tally
        .requests_stalled
        .load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("proxy: {cut} responses cut, {stalled} requests stalled");
    assert!(cut > 0 && stalled > 0, "the faults met traffic");
    assert!(
        drain_bodies(&direct, &queue.url, Duration::ZERO)
            .await
            .is_empty(),
        "nothing left on the queue"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soak_with_failures_at_five_percent_and_two_outages_loses_nothing() {
    // moto handles some 60 messages a second at best, so the test command soaks 2000 (a
    // minute) and `BRIDGECRAFT_SOAK_MESSAGES=20000` the full run (six minutes or more).
    let total: usize = std::env::var("BRIDGECRAFT_SOAK_MESSAGES")
        .ok()
        .and_then(|count| count.parse().ok())
        .unwrap_or(2000);
    show_warnings();
    let direct = sqs().await;
    let queue = queue(&direct, "soak").await;
    let proxy = FaultProxy::to_moto().await;
    let ledger = Arc::new(Ledger::default());
    let consumer = consumer_via(
        sqs_at(&proxy.endpoint).await,
        &queue.url,
        ledger.handler(one_in_twenty),
    );
    let started = Instant::now();
    let run = tokio::spawn(consumer.run(ledger.clone().until_all(total)));
    let outages = async {
        // One outage early and one well into the run.
        for (at, fault) in [
            (total / 4, Fault::Refuse),
            (total * 3 / 5, Fault::DropMidResponse),
        ] {
            while ledger.unique() < at {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            proxy.outage(fault, Duration::from_secs(3)).await;
        }
    };
    let progress = report_progress("soak", &ledger, started);
    let (ids, ()) = tokio::join!(
        produce(&direct, &queue.url, "s", total, AHEAD, &ledger, &run),
        outages
    );
    let stats = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("everything is processed in time")
        .unwrap()
        .expect("the consumer keeps running through the outages");
    progress.abort();
    let failing = ids.iter().filter(|id| one_in_twenty(id)).count();
    assert_eq!(failing, total / 20);
    Figures {
        sent: ids.len(),
        elapsed: started.elapsed(),
        stats,
        ledger,
    }
    .check("soak", failing);
    assert!(
        drain_bodies(&direct, &queue.url, Duration::ZERO)
            .await
            .is_empty()
    );
}
