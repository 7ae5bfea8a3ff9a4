//! Helpers of these tests alone: an EC2 factory, a client through a proxy, FIFO queues. The
//! moto server, standard queues and sample events come from `bridgecraft-testkit`.

use aws_sdk_sqs::types::QueueAttributeName;
use bridgecraft_events::aws_ec2;
use bridgecraft_factory::{Factory, Known};
use bridgecraft_testkit::moto;
use bridgecraft_testkit::sqs::{TestQueue, unique_name};

/// Decodes EC2's detail types; everything else is unknown.
pub type Ec2Factory = Factory<aws_ec2::Detail, Known<aws_ec2::Detail>>;

pub fn ec2_factory() -> Ec2Factory {
    Factory::new(Known::new())
}

/// A client that reaches moto through `endpoint`, such as a fault-injecting proxy.
pub async fn sqs_at(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::config::Builder::from(&moto::sdk_config().await)
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sqs::Client::from_conf(config)
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

/// The instance id of a typed EC2 state change, for checking what a handler saw.
pub fn instance_id(detail: &aws_ec2::Detail) -> Option<&str> {
    match detail {
        aws_ec2::Detail::Ec2InstanceStateChangeNotification(change) => {
            change.instance_id.as_deref()
        }
        _ => None,
    }
}
