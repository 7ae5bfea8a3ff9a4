//! Real producers: an EventBridge rule and an SNS topic deliver to queues the consumer reads.

use std::time::Duration;

use aws_sdk_eventbridge::types::{PutEventsRequestEntry, Target};
use bridgecraft_events::aws_ec2;
use bridgecraft_factory::Decoded;
use bridgecraft_router::{Filter, Subscriptions};
use bridgecraft_sqs::Consumer;
use bridgecraft_testkit::events::ec2_state_change;
use bridgecraft_testkit::moto;
use bridgecraft_testkit::sqs::{drain_bodies, queue, sqs, unique_name};

use crate::support::*;

/// Consumes `queue_url` until `count` events arrived (or 30 seconds passed), publishing them
/// to a subscription, and returns them in the order received.
async fn consume(queue_url: &str, count: usize) -> Vec<Decoded<aws_ec2::Detail>> {
    let subscriptions = Subscriptions::new();
    let all = subscriptions.subscribe(Filter::Any);
    let consumer = Consumer::new(sqs().await, queue_url, ec2_factory(), subscriptions.clone())
        .wait_time(Duration::from_secs(1));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(consumer.run(async move {
        let _ = stopped.await;
    }));
    let mut events = Vec::new();
    while events.len() < count {
        match subscriptions
            .next_event(&[all], Duration::from_secs(30))
            .await
        {
            Some((_, delivery)) => events.push(delivery.event.clone()),
            None => break,
        }
    }
    stop.send(()).unwrap();
    let stats = run.await.unwrap().unwrap();
    assert_eq!(stats.decode_errors, 0);
    events
}

fn state_change_detail(instance: &str, state: &str) -> String {
    format!(r#"{{"instance-id":"{instance}","state":"{state}"}}"#)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eventbridge_rule_delivers_matching_events_typed() {
    let config = moto::sdk_config().await;
    let events = aws_sdk_eventbridge::Client::new(&config);
    let client = sqs().await;
    let queue = queue(&client, "rule-target").await;

    let rule = unique_name("ec2-state");
    events
        .put_rule()
        .name(&rule)
        .event_pattern(
            r#"{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}"#,
        )
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule(&rule)
        .targets(
            Target::builder()
                .id("queue")
                .arn(&queue.arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let entry = |source: &str, detail_type: &str, detail: String| {
        PutEventsRequestEntry::builder()
            .source(source)
            .detail_type(detail_type)
            .detail(detail)
            .resources("arn:aws:ec2:us-east-1:123456789012:instance/i-1")
            .build()
    };
    let state_change = "EC2 Instance State-change Notification";
    let output = events
        .put_events()
        .entries(entry(
            "aws.ec2",
            state_change,
            state_change_detail("i-1", "pending"),
        ))
        .entries(entry(
            "aws.ec2",
            "EC2 Spot Instance Interruption Warning",
            "{}".into(),
        ))
        .entries(entry(
            "com.example",
            state_change,
            state_change_detail("i-9", "x"),
        ))
        .entries(entry(
            "aws.ec2",
            state_change,
            state_change_detail("i-2", "running"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(output.failed_entry_count, 0);

    let received = consume(&queue.url, 2).await;
    let mut instances: Vec<_> = received
        .iter()
        .map(|event| match event {
            Decoded::Typed(event) => {
                assert_eq!(event.source, "aws.ec2");
                assert_eq!(
                    event.resources,
                    ["arn:aws:ec2:us-east-1:123456789012:instance/i-1"]
                );
                instance_id(&event.detail).unwrap().to_owned()
            }
            Decoded::Unknown(unknown) => panic!("not typed: {}", unknown.raw()),
        })
        .collect();
    instances.sort();
    assert_eq!(instances, ["i-1", "i-2"]);
    // Only the two matching events were delivered.
    assert!(
        drain_bodies(&client, &queue.url, Duration::from_secs(1))
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sns_delivers_events_typed_with_raw_delivery_on_and_off() {
    let config = moto::sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&config);
    let client = sqs().await;
    let raw = queue(&client, "sns-raw").await;
    let wrapped = queue(&client, "sns-wrapped").await;

    let topic = sns
        .create_topic()
        .name(unique_name("events"))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    for (queue, raw_delivery) in [(&raw, "true"), (&wrapped, "false")] {
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(&queue.arn)
            .attributes("RawMessageDelivery", raw_delivery)
            .send()
            .await
            .unwrap();
    }
    for (id, state) in [("n1", "stopping"), ("n2", "stopped")] {
        sns.publish()
            .topic_arn(&topic)
            .message(ec2_state_change(id, state))
            .send()
            .await
            .unwrap();
    }

    // Raw delivery puts the event itself in the body; without it the body is an SNS
    // notification whose Message holds the event.
    let raw_body = &drain_bodies(&client, &raw.url, Duration::from_secs(1)).await[0];
    assert!(raw_body.starts_with(r#"{"version":"0""#), "{raw_body}");
    let wrapped_body = &drain_bodies(&client, &wrapped.url, Duration::from_secs(1)).await[0];
    assert!(
        wrapped_body.contains(r#""Type": "Notification""#),
        "{wrapped_body}"
    );

    for queue in [&raw, &wrapped] {
        // Start again from empty queues: the messages above were only looked at.
        client
            .purge_queue()
            .queue_url(&queue.url)
            .send()
            .await
            .unwrap();
    }
    for (id, state) in [("n3", "running"), ("n4", "terminated")] {
        sns.publish()
            .topic_arn(&topic)
            .message(ec2_state_change(id, state))
            .send()
            .await
            .unwrap();
    }
    for queue in [&raw, &wrapped] {
        let received = consume(&queue.url, 2).await;
        let mut seen: Vec<_> = received
            .iter()
            .map(|event| match event {
                Decoded::Typed(event) => (
                    event.id.clone().unwrap_or_default(),
                    instance_id(&event.detail).unwrap().to_owned(),
                ),
                Decoded::Unknown(unknown) => panic!("not typed: {}", unknown.raw()),
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            [
                ("n3".to_owned(), "i-n3".to_owned()),
                ("n4".to_owned(), "i-n4".to_owned())
            ],
            "queue {}",
            queue.url
        );
    }
}
