//! Queues on the shared moto server ([`crate::moto`]) and the messages on them: a client, queues
//! with names no other test uses, sending in batches, counting and reading back without deleting.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;

use crate::moto;

/// A client of the shared moto server.
pub async fn sqs() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&moto::sdk_config().await)
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

/// A queue a test made.
pub struct TestQueue {
    /// Where to send to and receive from.
    pub url: String,
    /// What a subscription or a redrive policy names it by.
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

/// Creates a standard queue with the default attributes.
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
