//! Routes by type, source, pattern and CEL expression: listed, and triggered with synthetic
//! events and a context that observes them.

use std::sync::{Arc, Mutex};

use bridgecraft_events::Event;
use bridgecraft_events::aws_ec2::Ec2InstanceStateChangeNotification;
use bridgecraft_factory::Decoded;
use bridgecraft_router::{Delivery, Filter, Handler, HandlerError, RouteInfo, Router};

use crate::support::*;

/// What the routes saw: a context value passed through to every handler.
#[derive(Clone, Default)]
pub struct Probe(Arc<Mutex<Vec<String>>>);

impl Probe {
    pub fn note(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn router() -> Router<AppDetail, Probe> {
    Router::new()
        .on(
            |event: Event<Ec2InstanceStateChangeNotification>, probe: Probe| async move {
                let instance = event.detail.instance_id.unwrap_or_default();
                let state = event
                    .detail
                    .state
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                if state == "error" {
                    return Err::<(), HandlerError>("state error".into());
                }
                probe.note(format!("type {instance} {state}"));
                Ok(())
            },
        )
        .on_source(
            "aws.ec2",
            |event: Decoded<AppDetail>, probe: Probe| async move {
                probe.note(format!("source {}", event.id().unwrap_or_default()));
                Ok(())
            },
        )
        .on_filter(
            Filter::pattern(r#"{"detail": {"state": ["stopped"]}}"#).unwrap(),
            |event: Decoded<AppDetail>, probe: Probe| async move {
                probe.note(format!("stopped {}", event.id().unwrap_or_default()));
                Ok(())
            },
        )
        .on_filter(
            Filter::cel("detail_type.startsWith('EC2') && detail.state in ['terminated']").unwrap(),
            |event: Decoded<AppDetail>, probe: Probe| async move {
                probe.note(format!("terminated {}", event.id().unwrap_or_default()));
                Ok(())
            },
        )
        .fallback(|event: Decoded<AppDetail>, probe: Probe| async move {
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
        RouteInfo {
            index: 3,
            filter: "cel detail_type.startsWith('EC2') && detail.state in ['terminated']".into(),
            detail_type: None,
        },
    ];
    assert_eq!(routes, expected);
}

#[tokio::test]
async fn triggering_runs_the_matching_routes_with_the_context() {
    let router = router();
    let factory = app_factory();
    let probe = Probe::default();

    let report = router
        .trigger(&delivery(&ec2_state_change("e1", "stopped")), probe.clone())
        .await;
    let matched: Vec<usize> = report.matched.iter().map(|route| route.index).collect();
    assert_eq!(matched, [0, 1, 2]);
    assert!(report.errors.is_empty() && !report.fallback);
    assert_eq!(
        probe.take(),
        ["type i-e1 stopped", "source e1", "stopped e1"]
    );

    let report = router
        .trigger_json(
            &factory,
            &ec2_state_change("e2", "terminated"),
            probe.clone(),
        )
        .await
        .unwrap();
    assert_eq!(report.matched.len(), 3);
    assert_eq!(
        probe.take(),
        ["type i-e2 terminated", "source e2", "terminated e2"]
    );

    let report = router
        .trigger_json(&factory, &unknown_event("e3"), probe.clone())
        .await
        .unwrap();
    assert!(report.matched.is_empty() && report.fallback);
    assert_eq!(probe.take(), ["fallback Build Finished"]);

    // A failing route fails the dispatch; the other matching routes still ran.
    let failing = delivery(&ec2_state_change("e4", "error"));
    let report = router.trigger(&failing, probe.clone()).await;
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].0, 0);
    assert_eq!(probe.take(), ["source e4"]);
    let error = router.dispatch(&failing, probe.clone()).await.unwrap_err();
    assert_eq!(error.to_string(), "route 0 failed: state error");
}

#[tokio::test]
async fn a_typed_route_takes_its_detail_out_of_the_decoded_enum() {
    let seen = Probe::default();
    let router = Router::new().on(|event: Event<OrderPlaced>, seen: Probe| async move {
        seen.note(format!(
            "{} {}",
            event.id.unwrap_or_default(),
            event.detail.order
        ));
        Ok(())
    });
    let delivery = delivery(&order("o1"));
    assert!(matches!(
        delivery.event,
        Decoded::Typed(Event {
            detail: AppDetail::Order(_),
            ..
        })
    ));
    let report = router.trigger(&delivery, seen.clone()).await;
    assert!(report.errors.is_empty());
    assert_eq!(seen.take(), ["o1 o1"]);
}

#[tokio::test]
async fn a_typed_route_takes_its_type_from_unknown_events_too() {
    // A factory that does not know EC2's type: the route decodes the raw detail itself.
    let factory = orders_only();
    let seen = Probe::default();
    let router = Router::new().on(
        |event: Event<Ec2InstanceStateChangeNotification>, seen: Probe| async move {
            seen.note(event.detail.instance_id.unwrap_or_default());
            Ok(())
        },
    );
    let report = router
        .trigger_json(&factory, &ec2_state_change("u1", "running"), seen.clone())
        .await
        .unwrap();
    assert!(report.errors.is_empty());
    assert_eq!(seen.take(), ["i-u1"]);

    // A detail that is not a valid state change fails the route rather than vanishing.
    let broken = ec2_state_change("u2", "running").replace(
        r#"{"instance-id":"i-u2","state":"running"}"#,
        r#"["i-u2","running"]"#,
    );
    let report = router
        .trigger_json(&factory, &broken, seen.clone())
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 1);
    let error = report.errors[0].1.to_string();
    assert!(
        error.contains("not a valid Ec2InstanceStateChangeNotification"),
        "{error}"
    );
}

#[tokio::test]
async fn a_router_without_context_is_a_handler() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let router = {
        let seen = seen.clone();
        Router::new().on_source(
            "com.example.orders",
            move |event: Decoded<AppDetail>, ()| {
                let seen = seen.clone();
                async move {
                    seen.lock()
                        .unwrap()
                        .push(event.id().unwrap_or_default().to_owned());
                    Ok(())
                }
            },
        )
    };
    let delivery: Delivery<AppDetail> = delivery(&order("o2"));
    router.handle(delivery).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), ["o2"]);

    let probe = Probe::default();
    let handler = self::router().handler(probe.clone());
    assert_eq!(handler.router().routes().len(), 4);
    handler
        .handle(self::delivery(&ec2_state_change("h1", "running")))
        .await
        .unwrap();
    assert_eq!(probe.take(), ["type i-h1 running", "source h1"]);
}
