//! FIFO queues: each message group in order, one message of a group at a time, groups in
//! parallel, and a failure holding back the rest of its group.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bridgecraft_events::aws_ec2;
use bridgecraft_router::{Delivery, HandlerError};
use bridgecraft_sqs::{Backoff, Consumer};
use bridgecraft_testkit::events::ec2_state_change;
use bridgecraft_testkit::sqs::{drain_bodies, sqs};
use tokio::sync::Notify;

use crate::support::*;

const GROUPS: usize = 4;
const PER_GROUP: usize = 6;

/// What the handler saw, group by group.
#[derive(Default)]
struct Order {
    /// Each group's messages, as their handlers started, with whether they succeeded.
    starts: Mutex<HashMap<String, Vec<(usize, bool)>>>,
    running: Mutex<HashSet<String>>,
    most_groups_at_once: Mutex<usize>,
    overlaps_within_a_group: Mutex<u32>,
    successes: Mutex<usize>,
    done: Notify,
}

/// `g1-3` is the fourth message of group `g1`.
fn group_and_index(id: &str) -> (String, usize) {
    let (group, index) = id.split_once('-').expect("ids are group-index");
    (group.to_owned(), index.parse().expect("an index"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_group_is_handled_in_order_one_at_a_time_and_a_failure_holds_back_its_group() {
    let client = sqs().await;
    let queue = fifo_queue(&client, "fifo").await;
    // Group after group, so that the first receive holds g1-2 and what follows it in g1.
    let messages: Vec<(String, String)> = (0..GROUPS)
        .flat_map(|group| {
            (0..PER_GROUP).map(move |index| {
                let id = format!("g{group}-{index}");
                (format!("g{group}"), ec2_state_change(&id, "running"))
            })
        })
        .collect();
    send_grouped(&client, &queue.url, &messages).await;

    let order = Arc::new(Order::default());
    let handler = {
        let order = order.clone();
        move |delivery: Delivery<aws_ec2::Detail>| {
            let order = order.clone();
            async move {
                let id = delivery.event.id().unwrap_or_default().to_owned();
                let (group, index) = group_and_index(&id);
                {
                    let mut running = order.running.lock().unwrap();
                    if !running.insert(group.clone()) {
                        *order.overlaps_within_a_group.lock().unwrap() += 1;
                    }
                    let mut most = order.most_groups_at_once.lock().unwrap();
                    *most = (*most).max(running.len());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                // The third message of group 1 fails its first delivery.
                let fails = id == "g1-2" && delivery.receive_count == Some(1);
                order.running.lock().unwrap().remove(&group);
                order
                    .starts
                    .lock()
                    .unwrap()
                    .entry(group)
                    .or_default()
                    .push((index, !fails));
                if fails {
                    return Err::<(), HandlerError>("g1-2 is not ready yet".into());
                }
                let mut successes = order.successes.lock().unwrap();
                *successes += 1;
                if *successes == GROUPS * PER_GROUP {
                    order.done.notify_one();
                }
                Ok(())
            }
        }
    };
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .concurrency(10)
        .wait_time(Duration::from_secs(1))
        .visibility_timeout(Duration::from_secs(30))
        .failure_backoff(Backoff::Fixed(Duration::from_secs(1)));
    let done = {
        let order = order.clone();
        async move { order.done.notified().await }
    };
    let stats = tokio::time::timeout(Duration::from_secs(60), consumer.run(done))
        .await
        .expect("every group finishes")
        .expect("runs");

    let starts = order.starts.lock().unwrap().clone();
    for group in 0..GROUPS {
        let group = format!("g{group}");
        let successes: Vec<usize> = starts[&group]
            .iter()
            .filter(|(_, ok)| *ok)
            .map(|(index, _)| *index)
            .collect();
        assert_eq!(
            successes,
            (0..PER_GROUP).collect::<Vec<_>>(),
            "{group} in order"
        );
    }
    assert_eq!(
        starts["g1"],
        [
            (0, true),
            (1, true),
            (2, false),
            (2, true),
            (3, true),
            (4, true),
            (5, true)
        ],
        "nothing of g1 ran between the failure of g1-2 and its retry"
    );
    assert_eq!(*order.overlaps_within_a_group.lock().unwrap(), 0);
    let most = *order.most_groups_at_once.lock().unwrap();
    assert!(most > 1, "groups ran in parallel: at most {most} at once");
    assert_eq!((stats.handled, stats.failed), (24, 1), "{stats:?}");
    assert!(
        stats.handed_back > 0,
        "the rest of g1's batch was handed back: {stats:?}"
    );
    assert!(
        drain_bodies(&client, &queue.url, Duration::ZERO)
            .await
            .is_empty()
    );
}
