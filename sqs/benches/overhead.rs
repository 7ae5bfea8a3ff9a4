//! What the consumer costs over a bare aws-sdk-sqs receive/delete loop, on the same moto server.
//!
//! Each round sends the same number of EC2 events to a fresh queue and times draining it twice
//! over: once with a bare loop (receive 10, delete them in one batch call) and once with
//! [`Consumer`] (decode each body with a factory, a no-op handler, batched deletes). The
//! report is the median wall time of each and their ratio, consumer over bare, and the ratio of
//! the CPU time this process spent in each (moto's own time, which dominates the wall time,
//! is in another process): the second ratio is the consumer's own cost.
//!
//! `cargo bench -p bridgecraft-sqs --bench overhead` runs the full measurement; without
//! `--bench` (as under `cargo test --all-targets`) it runs one small round as a smoke test.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, SendMessageBatchRequestEntry};
use bridgecraft_events::aws_ec2;
use bridgecraft_factory::{Factory, Known};
use bridgecraft_router::{Delivery, HandlerError};
use bridgecraft_sqs::Consumer;
use bridgecraft_testkit::events::ec2_state_change;
use bridgecraft_testkit::moto;
use tokio::sync::Notify;

async fn fresh_queue(client: &aws_sdk_sqs::Client, name: String, messages: usize) -> String {
    let url = client
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    for start in (0..messages).step_by(10) {
        let entries = (start..(start + 10).min(messages))
            .map(|id| {
                SendMessageBatchRequestEntry::builder()
                    .id(id.to_string())
                    .message_body(ec2_state_change(&id.to_string(), "running"))
                    .build()
                    .unwrap()
            })
            .collect();
        client
            .send_message_batch()
            .queue_url(&url)
            .set_entries(Some(entries))
            .send()
            .await
            .unwrap();
    }
    url
}

/// Receives and deletes until `messages` were seen.
async fn bare(client: &aws_sdk_sqs::Client, url: &str, messages: usize) -> Duration {
    let started = Instant::now();
    let mut seen = 0;
    while seen < messages {
        let received = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        if received.is_empty() {
            continue;
        }
        seen += received.len();
        let entries = received
            .iter()
            .enumerate()
            .map(|(index, message)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(index.to_string())
                    .receipt_handle(message.receipt_handle.clone().unwrap())
                    .build()
                    .unwrap()
            })
            .collect();
        client
            .delete_message_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await
            .unwrap();
    }
    started.elapsed()
}

/// The same with the consumer: decode, a no-op handler, delete.
async fn consumer(client: &aws_sdk_sqs::Client, url: &str, messages: usize) -> Duration {
    let handled = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(Notify::new());
    let handler = {
        let (handled, done) = (handled.clone(), done.clone());
        move |_: Delivery<aws_ec2::Detail>| {
            let (handled, done) = (handled.clone(), done.clone());
            async move {
                if handled.fetch_add(1, Ordering::Relaxed) + 1 == messages {
                    done.notify_one();
                }
                Ok::<(), HandlerError>(())
            }
        }
    };
    let factory = Factory::<aws_ec2::Detail, _>::new(Known::<aws_ec2::Detail>::new());
    let started = Instant::now();
    let stats = Consumer::new(client.clone(), url, factory, handler)
        .wait_time(Duration::from_secs(1))
        .run(async move { done.notified().await })
        .await
        .unwrap();
    assert_eq!(stats.deleted as usize, messages);
    started.elapsed()
}

/// CPU time this process has used, user and system, from `/proc/self/stat` (10 ms ticks).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11..13).map_or(0, |times| {
        times.iter().filter_map(|t| t.parse::<u64>().ok()).sum()
    });
    Duration::from_millis(ticks * 10)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    // Shallow queues: moto slows down as a queue fills.
    let (rounds, messages) = if full { (7, 200) } else { (1, 20) };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = aws_sdk_sqs::Client::new(&moto::sdk_config().await);
        let (mut bare_times, mut consumer_times) = (Vec::new(), Vec::new());
        let (mut bare_cpu, mut consumer_cpu) = (Duration::ZERO, Duration::ZERO);
        for round in 0..rounds {
            let pid = std::process::id();
            let url = fresh_queue(&client, format!("bench-bare-{pid}-{round}"), messages).await;
            let cpu = cpu_time();
            bare_times.push(bare(&client, &url, messages).await);
            bare_cpu += cpu_time() - cpu;
            let url = fresh_queue(&client, format!("bench-consumer-{pid}-{round}"), messages).await;
            let cpu = cpu_time();
            consumer_times.push(consumer(&client, &url, messages).await);
            consumer_cpu += cpu_time() - cpu;
        }
        let (bare, consumer) = (median(bare_times), median(consumer_times));
        let rate = |time: Duration| messages as f64 / time.as_secs_f64();
        let per_message = |cpu: Duration| cpu / (messages * rounds) as u32;
        println!(
            "overhead/{messages} messages x {rounds} rounds: wall bare {bare:?} ({:.0} msg/s), consumer {consumer:?} ({:.0} msg/s), ratio {:.2}; \
             client CPU per message bare {:?}, consumer {:?}, ratio {:.2}",
            rate(bare),
            rate(consumer),
            consumer.as_secs_f64() / bare.as_secs_f64(),
            per_message(bare_cpu),
            per_message(consumer_cpu),
            consumer_cpu.as_secs_f64() / bare_cpu.as_secs_f64().max(f64::EPSILON),
        );
    });
}
