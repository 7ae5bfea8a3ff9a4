//! The few SQS calls the consumer makes, over aws-sdk-sqs.

use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};

/// An SQS client from the usual AWS configuration chain, with the endpoint and region given.
pub async fn client(endpoint_url: Option<&str>, region: Option<&str>) -> aws_sdk_sqs::Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(endpoint_url) = endpoint_url {
        loader = loader.endpoint_url(endpoint_url);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    aws_sdk_sqs::Client::new(&loader.load().await)
}

/// SQS allows at most this many messages per receive and entries per batch call.
pub const MAX_BATCH: usize = 10;
/// SQS allows long polls of at most this long.
pub const MAX_WAIT: Duration = Duration::from_secs(20);
/// SQS allows visibility timeouts of at most this long.
pub const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 60 * 60);

/// A failed SQS call.
#[derive(Debug, thiserror::Error)]
#[error("SQS {operation} failed: {message}")]
pub struct SqsError {
    /// The SQS operation, such as `ReceiveMessage`.
    pub operation: &'static str,
    /// The SDK's error with its causes.
    pub message: String,
    /// Whether the queue does not exist, which no retry will fix.
    pub queue_missing: bool,
}

impl SqsError {
    fn new<E>(operation: &'static str, error: E) -> Self
    where
        E: Into<aws_sdk_sqs::Error> + std::error::Error,
    {
        let message = DisplayErrorContext(&error).to_string();
        let queue_missing = matches!(error.into(), aws_sdk_sqs::Error::QueueDoesNotExist(_));
        Self {
            operation,
            message,
            queue_missing,
        }
    }
}

/// One message as received.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    pub receive_count: Option<u32>,
}

/// A queue and the client that reaches it.
#[derive(Clone, Debug)]
pub(crate) struct Queue {
    client: Client,
    url: Arc<str>,
}

impl Queue {
    pub fn new(client: Client, url: impl Into<Arc<str>>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }

    /// Long-polls for up to `max` messages (1 to 10) for at most `wait`, in whole seconds
    /// rounded up.
    pub async fn receive(
        &self,
        max: usize,
        wait: Duration,
        visibility: Option<Duration>,
    ) -> Result<Vec<Received>, SqsError> {
        let output = self
            .client
            .receive_message()
            .queue_url(&*self.url)
            .max_number_of_messages(max.clamp(1, MAX_BATCH) as i32)
            .wait_time_seconds(seconds(wait.min(MAX_WAIT)))
            .set_visibility_timeout(visibility.map(seconds))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|error| SqsError::new("ReceiveMessage", error))?;
        Ok(output
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|message| {
                let receive_count = message
                    .attributes
                    .as_ref()
                    .and_then(|attributes| {
                        attributes.get(&MessageSystemAttributeName::ApproximateReceiveCount)
                    })
                    .and_then(|count| count.parse().ok());
                Some(Received {
                    message_id: message.message_id.unwrap_or_default(),
                    // A message without a receipt handle can be neither deleted nor extended;
                    // SQS always sends one, so this only guards against a broken server.
                    receipt_handle: message.receipt_handle?,
                    body: message.body.unwrap_or_default(),
                    receive_count,
                })
            })
            .collect())
    }

    /// Deletes up to 10 messages in one call; returns the receipt handles that failed.
    pub async fn delete_batch(&self, receipts: &[String]) -> Result<Vec<String>, SqsError> {
        let entries = receipts
            .iter()
            .enumerate()
            .map(|(index, receipt)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(index.to_string())
                    .receipt_handle(receipt)
                    .build()
                    .expect("id and receipt handle are set")
            })
            .collect();
        let output = self
            .client
            .delete_message_batch()
            .queue_url(&*self.url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|error| SqsError::new("DeleteMessageBatch", error))?;
        Ok(output
            .failed
            .iter()
            .filter_map(|failure| {
                tracing::warn!(
                    code = failure.code,
                    message = failure.message,
                    "SQS did not delete a message; it will be delivered again"
                );
                receipts.get(failure.id.parse::<usize>().ok()?).cloned()
            })
            .collect())
    }

    pub async fn change_visibility(
        &self,
        receipt: &str,
        timeout: Duration,
    ) -> Result<(), SqsError> {
        self.client
            .change_message_visibility()
            .queue_url(&*self.url)
            .receipt_handle(receipt)
            .visibility_timeout(seconds(timeout))
            .send()
            .await
            .map_err(|error| SqsError::new("ChangeMessageVisibility", error))?;
        Ok(())
    }

    pub async fn send(&self, body: &str) -> Result<(), SqsError> {
        self.client
            .send_message()
            .queue_url(&*self.url)
            .message_body(body)
            .send()
            .await
            .map_err(|error| SqsError::new("SendMessage", error))?;
        Ok(())
    }

    pub fn with_url(&self, url: impl Into<Arc<str>>) -> Self {
        Self::new(self.client.clone(), url)
    }
}

/// Whole seconds for SQS, rounded up so that a short timeout never becomes 0 (which means
/// "visible now", or a short poll), and capped at SQS's longest visibility timeout.
fn seconds(duration: Duration) -> i32 {
    let rounded_up = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    rounded_up.min(MAX_VISIBILITY.as_secs()) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_up_and_are_capped() {
        assert_eq!(seconds(Duration::ZERO), 0);
        assert_eq!(seconds(Duration::from_millis(1)), 1);
        assert_eq!(seconds(Duration::from_millis(2500)), 3);
        assert_eq!(seconds(Duration::from_secs(7)), 7);
        assert_eq!(seconds(Duration::from_secs(100_000)), 43_200);
    }
}
