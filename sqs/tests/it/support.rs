//! Queues, clients and events for the tests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use bridgecraft_events::aws_ec2;
use bridgecraft_factory::{Factory, Known};

use crate::moto;

/// Decodes EC2's detail types; everything else is unknown.
pub type Ec2Factory = Factory<aws_ec2::Detail, Known<aws_ec2::Detail>>;

pub fn ec2_factory() -> Ec2Factory {
    Factory::new(Known::new())
}

pub async fn sqs() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&moto::sdk_config().await)
}

/// A client that reaches moto through `endpoint`, such as a fault-injecting proxy.
pub async fn sqs_at(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::config::Builder::from(&moto::sdk_config().await)
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// A name no other test in this run uses.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub struct TestQueue {
    pub url: String,
    pub arn: String,
}

/// Creates a queue with the given attributes.
pub async fn queue_with(
    client: &aws_sdk_sqs::Client,
    prefix: &str,
    attributes: &[(QueueAttributeName, String)],
) -> TestQueue {
    let url = client
        .create_queue()
        .queue_name(unique_name(prefix))
        .set_attributes(Some(attributes.iter().cloned().collect::<HashMap<_, _>>()))
        .send()
        .await
        .expect("queue is created")
        .queue_url
        .expect("queue has a URL");
    let arn = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|mut attributes| attributes.remove(&QueueAttributeName::QueueArn))
        .expect("queue has an ARN");
    TestQueue { url, arn }
}

pub async fn queue(client: &aws_sdk_sqs::Client, prefix: &str) -> TestQueue {
    queue_with(client, prefix, &[]).await
}

/// Visible and in-flight messages on the queue.
pub async fn depth(client: &aws_sdk_sqs::Client, url: &str) -> (u64, u64) {
    let attributes = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .expect("attributes asked for");
    let get = |name| attributes[&name].parse().expect("a count");
    (
        get(QueueAttributeName::ApproximateNumberOfMessages),
        get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
    )
}

/// Sends bodies in batches of 10.
pub async fn send_all(client: &aws_sdk_sqs::Client, url: &str, bodies: &[String]) {
    for chunk in bodies.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(index, body)| {
                aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                    .id(index.to_string())
                    .message_body(body)
                    .build()
                    .expect("entry is complete")
            })
            .collect();
        let output = client
            .send_message_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await
            .expect("messages are sent");
        assert!(
            output.failed.is_empty(),
            "send failures: {:?}",
            output.failed
        );
    }
}

/// Creates a FIFO queue, deduplicating by content.
pub async fn fifo_queue(client: &aws_sdk_sqs::Client, prefix: &str) -> TestQueue {
    let url = client
        .create_queue()
        .queue_name(format!("{}.fifo", unique_name(prefix)))
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::ContentBasedDeduplication, "true")
        .send()
        .await
        .expect("FIFO queue is created")
        .queue_url
        .expect("queue has a URL");
    TestQueue {
        arn: String::new(),
        url,
    }
}

/// Sends `(group, body)` pairs to a FIFO queue, one at a time so that their order is kept.
pub async fn send_grouped(client: &aws_sdk_sqs::Client, url: &str, messages: &[(String, String)]) {
    for (group, body) in messages {
        client
            .send_message()
            .queue_url(url)
            .message_group_id(group)
            .message_body(body)
            .send()
            .await
            .expect("message is sent");
    }
}

/// Receives whatever is on the queue now (short polls until one comes back empty), without
/// deleting it, and returns the bodies.
pub async fn drain_bodies(client: &aws_sdk_sqs::Client, url: &str, wait: Duration) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let messages = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait.as_secs() as i32)
            .visibility_timeout(30)
            .send()
            .await
            .expect("receive works")
            .messages
            .unwrap_or_default();
        if messages.is_empty() {
            return bodies;
        }
        bodies.extend(messages.into_iter().filter_map(|message| message.body));
    }
}

/// An `EC2 Instance State-change Notification` as EventBridge writes it.
pub fn ec2_state_change(id: &str, state: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-{id}"],"detail":{{"instance-id":"i-{id}","state":"{state}"}}}}"#
    )
}

/// An event no factory in these tests knows.
pub fn custom_event(id: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"Order Placed","source":"com.example.orders","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{{"order":"{id}"}}}}"#
    )
}

/// The instance id of a typed EC2 state change, for checking what a handler saw.
pub fn instance_id(detail: &aws_ec2::Detail) -> Option<&str> {
    match detail {
        aws_ec2::Detail::Ec2InstanceStateChangeNotification(change) => {
            change.instance_id.as_deref()
        }
        _ => None,
    }
}
