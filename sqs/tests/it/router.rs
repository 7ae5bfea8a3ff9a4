//! Routes by type, source and pattern: listed, triggered with synthetic events, and fed by
//! the consumer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bridgecraft_events::Event;
use bridgecraft_events::aws_ec2::{self, Ec2InstanceStateChangeNotification};
use bridgecraft_factory::{Decoded, EventFactory};
use bridgecraft_sqs::{Consumer, Filter, HandlerError, RouteInfo, Router};

use crate::support::*;

/// What the routes saw: a context value passed through to every handler.
#[derive(Clone, Default)]
struct Probe(Arc<Mutex<Vec<String>>>);

impl Probe {
    fn note(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn router() -> Router<aws_ec2::Detail, Probe> {
    Router::new()
        .on(
            |event: Event<Ec2InstanceStateChangeNotification>, probe: Probe| async move {
                let state = event.detail.state.as_ref().map(|state| state.as_str());
                if state == Some("error") {
                    return Err::<(), HandlerError>("state error".into());
                }
                probe.note(format!(
                    "type {} {}",
                    event.detail.instance_id.unwrap_or_default(),
                    state.unwrap_or_default()
                ));
                Ok(())
            },
        )
        .on_source(
            "aws.ec2",
            |event: Decoded<aws_ec2::Detail>, probe: Probe| async move {
                probe.note(format!("source {}", event.id().unwrap_or_default()));
                Ok(())
            },
        )
        .on_filter(
            Filter::pattern(r#"{"detail": {"state": ["stopped"]}}"#).unwrap(),
            |event: Decoded<aws_ec2::Detail>, probe: Probe| async move {
                probe.note(format!("stopped {}", event.id().unwrap_or_default()));
                Ok(())
            },
        )
        .fallback(|event: Decoded<aws_ec2::Detail>, probe: Probe| async move {
            probe.note(format!("fallback {}", event.detail_type()));
            Ok(())
        })
}

#[test]
fn routes_are_listed_in_registration_order() {
    let routes = router().routes();
    let expected = [
        RouteInfo {
            index: 0,
            filter: "aws.ec2 / EC2 Instance State-change Notification".into(),
            detail_type: Some("Ec2InstanceStateChangeNotification"),
        },
        RouteInfo {
            index: 1,
            filter: "source aws.ec2".into(),
            detail_type: None,
        },
        RouteInfo {
            index: 2,
            filter: r#"pattern {"detail": {"state": ["stopped"]}}"#.into(),
            detail_type: None,
        },
    ];
    assert_eq!(routes, expected);
}

#[tokio::test]
async fn triggering_runs_the_matching_routes_with_the_context() {
    let router = router();
    let factory = ec2_factory();
    let probe = Probe::default();

    let stopped = factory
        .decode_event(&ec2_state_change("e1", "stopped"))
        .unwrap();
    let report = router.trigger(&stopped, probe.clone()).await;
    let matched: Vec<usize> = report.matched.iter().map(|route| route.index).collect();
    assert_eq!(matched, [0, 1, 2]);
    assert!(report.errors.is_empty() && !report.fallback);
    assert_eq!(
        probe.take(),
        ["type i-e1 stopped", "source e1", "stopped e1"]
    );

    let report = router
        .trigger_json(&factory, &ec2_state_change("e2", "running"), probe.clone())
        .await
        .unwrap();
    assert_eq!(report.matched.len(), 2);
    assert_eq!(probe.take(), ["type i-e2 running", "source e2"]);

    let report = router
        .trigger_json(&factory, &custom_event("e3"), probe.clone())
        .await
        .unwrap();
    assert!(report.matched.is_empty() && report.fallback);
    assert_eq!(probe.take(), ["fallback Order Placed"]);

    // A failing route fails the dispatch; the other matching routes still ran.
    let failing = factory
        .decode_event(&ec2_state_change("e4", "error"))
        .unwrap();
    let report = router.trigger(&failing, probe.clone()).await;
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].0, 0);
    assert_eq!(probe.take(), ["source e4"]);
    assert!(router.dispatch(&failing, probe.clone()).await.is_err());
}

#[tokio::test]
async fn a_typed_route_takes_its_type_from_unknown_events_too() {
    // A factory that knows no type: the route still gets its typed detail, from the raw JSON.
    let factory = bridgecraft_factory::AwsFactory::aws();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let router: Router<bridgecraft_events::Detail, Arc<Mutex<Vec<String>>>> = Router::new().on(
        |event: Event<Ec2InstanceStateChangeNotification>, seen: Arc<Mutex<Vec<String>>>| async move {
            seen.lock().unwrap().push(event.detail.instance_id.unwrap_or_default());
            Ok(())
        },
    );
    let report = router
        .trigger_json(&factory, &ec2_state_change("u1", "running"), seen.clone())
        .await
        .unwrap();
    assert!(report.errors.is_empty());
    assert_eq!(*seen.lock().unwrap(), ["i-u1"]);

    // A detail that is not a valid state change fails the route rather than vanishing.
    let broken = ec2_state_change("u2", "running").replace(r#""instance-id":"i-u2","#, "");
    let report = router
        .trigger_json(&factory, &broken, seen.clone())
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 1);
    assert!(
        report.errors[0].1.to_string().contains("instance-id"),
        "{}",
        report.errors[0].1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_feeds_the_router() {
    let client = sqs().await;
    let queue = queue(&client, "routed").await;
    let bodies = [
        ec2_state_change("c1", "stopped"),
        ec2_state_change("c2", "error"),
        custom_event("c3"),
    ];
    send_all(&client, &queue.url, &bodies).await;

    let probe = Probe::default();
    let handler = router().handler(probe.clone());
    assert_eq!(handler.router().routes().len(), 3);
    let consumer = Consumer::new(client.clone(), &queue.url, ec2_factory(), handler)
        .wait_time(Duration::from_secs(1))
        .visibility_timeout(Duration::from_secs(30));
    let done = {
        let probe = probe.clone();
        async move {
            // c1 three routes, c2 one route (the type route fails), c3 the fallback.
            while probe.0.lock().unwrap().len() < 5 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let stats = tokio::time::timeout(Duration::from_secs(60), consumer.run(done))
        .await
        .unwrap()
        .unwrap();
    let mut seen = probe.take();
    seen.sort();
    assert_eq!(
        seen,
        [
            "fallback Order Placed",
            "source c1",
            "source c2",
            "stopped c1",
            "type i-c1 stopped"
        ]
    );
    assert_eq!((stats.handled, stats.failed, stats.deleted), (2, 1, 2));
}
