//! One router fed by the SQS consumer and by a Lambda function triggered by the same queue:
//! the same routes see the same events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::types::MessageSystemAttributeName;
use bridgecraft_events::Event;
use bridgecraft_events::aws_ec2::Ec2InstanceStateChangeNotification;
use bridgecraft_factory::{Decoded, Factory, Known};
use bridgecraft_lambda::{Context, LambdaEvent, SqsFunction};
use bridgecraft_router::{Filter, HandlerError, Router};
use bridgecraft_sqs::Consumer;
use bridgecraft_testkit::events::{custom_event, ec2_state_change};
use bridgecraft_testkit::sqs::{queue, send_all, sqs};

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
            |event: Decoded<RoutedDetail>, probe: Probe| async move {
                probe.note(format!("source {}", event.id().unwrap_or_default()));
                Ok(())
            },
        )
        .on_filter(
            Filter::pattern(r#"{"detail": {"state": ["stopped"]}}"#).unwrap(),
            |event: Decoded<RoutedDetail>, probe: Probe| async move {
                probe.note(format!("stopped {}", event.id().unwrap_or_default()));
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

/// Receives what is on the queue and wraps it as Lambda's SQS trigger does, with the message
/// ids of the bodies in the order given.
async fn lambda_event_from_queue(
    client: &aws_sdk_sqs::Client,
    url: &str,
    bodies: &[String],
) -> (SqsEvent, Vec<String>) {
    let mut records = Vec::new();
    while records.len() < bodies.len() {
        let messages = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        for message in messages {
            let mut record = SqsMessage::default();
            record.message_id = message.message_id;
            record.receipt_handle = message.receipt_handle;
            record.body = message.body;
            record.attributes = message
                .attributes
                .unwrap_or_default()
                .into_iter()
                .map(|(name, value)| (name.as_str().to_owned(), value))
                .collect();
            record.event_source = Some("aws:sqs".into());
            records.push(record);
        }
    }
    let ids = bodies
        .iter()
        .map(|body| {
            let record = records
                .iter()
                .find(|record| record.body.as_ref() == Some(body))
                .unwrap();
            record.message_id.clone().unwrap()
        })
        .collect();
    let mut event = SqsEvent::default();
    event.records = records;
    (event, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lambda_function_feeds_the_same_routes() {
    let client = sqs().await;
    let queue = queue(&client, "routed-lambda").await;
    let bodies = bodies();
    send_all(&client, &queue.url, &bodies).await;
    let (event, ids) = lambda_event_from_queue(&client, &queue.url, &bodies).await;
    assert!(
        event.records[0]
            .attributes
            .contains_key("ApproximateReceiveCount"),
        "{:?}",
        event.records[0].attributes
    );

    let probe = Probe::default();
    let function = SqsFunction::new(factory(), router().handler(probe.clone()));
    let response = function
        .call(LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(probe.take_sorted(), SEEN);
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|failure| failure.item_identifier.clone())
        .collect();
    assert_eq!(failed, [ids[1].clone()], "c2's typed route failed");
}
