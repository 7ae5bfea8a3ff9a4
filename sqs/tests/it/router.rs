//! The consumer feeding a router: routes by type, source and pattern, and the fallback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bridgecraft_events::Event;
use bridgecraft_events::aws_ec2::Ec2InstanceStateChangeNotification;
use bridgecraft_factory::{Decoded, Factory, Known};
use bridgecraft_router::{Filter, HandlerError, Router};
use bridgecraft_sqs::Consumer;

use crate::support::*;

bridgecraft_factory::detail_enum! {
    /// The one type these routes decode.
    #[derive(Clone, Debug)]
    enum RoutedDetail {
        StateChange(Ec2InstanceStateChangeNotification),
    }
}

fn factory() -> Factory<RoutedDetail, Known<Ec2InstanceStateChangeNotification>> {
    Factory::new(Known::new())
}

/// What the routes saw: a context value passed through to every handler.
#[derive(Clone, Default)]
struct Probe(Arc<Mutex<Vec<String>>>);

impl Probe {
    fn note(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn take_sorted(&self) -> Vec<String> {
        let mut seen = std::mem::take(&mut *self.0.lock().unwrap());
        seen.sort();
        seen
    }
}

fn router() -> Router<RoutedDetail, Probe> {
    Router::new()
        .on(
            |event: Event<Ec2InstanceStateChangeNotification>, probe: Probe| async move {
                if event.detail.state == "error" {
                    return Err::<(), HandlerError>("state error".into());
                }
                probe.note(format!(
                    "type {} {}",
                    event.detail.instance_id, event.detail.state
                ));
                Ok(())
            },
        )
        .on_source(
            "aws.ec2",
            |event: Decoded<RoutedDetail>, probe: Probe| async move {
                probe.note(format!("source {}", event.id()));
                Ok(())
            },
        )
        .on_filter(
            Filter::pattern(r#"{"detail": {"state": ["stopped"]}}"#).unwrap(),
            |event: Decoded<RoutedDetail>, probe: Probe| async move {
                probe.note(format!("stopped {}", event.id()));
                Ok(())
            },
        )
        .fallback(|event: Decoded<RoutedDetail>, probe: Probe| async move {
            probe.note(format!("fallback {}", event.detail_type()));
            Ok(())
        })
}

/// What the routes see for the bodies of [`bodies`]: c1 three routes, c2 one route (the typed
/// route fails), c3 the fallback.
const SEEN: [&str; 5] = [
    "fallback Order Placed",
    "source c1",
    "source c2",
    "stopped c1",
    "type i-c1 stopped",
];

fn bodies() -> [String; 3] {
    [
        ec2_state_change("c1", "stopped"),
        ec2_state_change("c2", "error"),
        custom_event("c3"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_feeds_the_router() {
    let client = sqs().await;
    let queue = queue(&client, "routed").await;
    send_all(&client, &queue.url, &bodies()).await;

    let probe = Probe::default();
    let consumer = Consumer::new(
        client.clone(),
        &queue.url,
        factory(),
        router().handler(probe.clone()),
    )
    .wait_time(Duration::from_secs(1))
    .visibility_timeout(Duration::from_secs(30));
    let done = {
        let probe = probe.clone();
        async move {
            while probe.len() < SEEN.len() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let stats = tokio::time::timeout(Duration::from_secs(60), consumer.run(done))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(probe.take_sorted(), SEEN);
    assert_eq!((stats.handled, stats.failed, stats.deleted), (2, 1, 2));
}
