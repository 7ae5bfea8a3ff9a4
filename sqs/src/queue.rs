//! The few SQS calls the consumer makes, over aws-sdk-sqs, each bounded by a timeout.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{
    BatchResultErrorEntry, ChangeMessageVisibilityBatchRequestEntry,
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName,
};

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
#[non_exhaustive]
pub struct SqsError {
    /// The SQS operation, such as `ReceiveMessage`.
    pub operation: &'static str,
    /// The SDK's error with its causes.
    pub message: String,
    /// Whether the queue does not exist, which no retry will fix.
    pub queue_missing: bool,
    /// Whether a later attempt may succeed: the endpoint could not be reached, did not answer in
    /// time, answered something unreadable, throttled or failed on its side (5xx). Errors SQS
    /// blames on the request (a missing queue, bad credentials, a malformed call) are not.
    pub transient: bool,
}

impl SqsError {
    fn new<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        SdkError<E, HttpResponse>: Into<aws_sdk_sqs::Error>,
    {
        let message = DisplayErrorContext(&error).to_string();
        let transient = match &error {
            SdkError::ServiceError(service) => {
                service.raw().status().as_u16() >= 500
                    || service.err().code().is_some_and(is_throttling)
            }
            SdkError::ConstructionFailure(_) => false,
            // Dispatch failures, timeouts and unreadable responses.
            _ => true,
        };
        let queue_missing = matches!(error.into(), aws_sdk_sqs::Error::QueueDoesNotExist(_));
        Self {
            operation,
            message,
            queue_missing,
            transient,
        }
    }

    /// The call did not finish in time: the endpoint stalled.
    fn timed_out(operation: &'static str, timeout: Duration) -> Self {
        Self {
            operation,
            message: format!("no answer within {timeout:?}"),
            queue_missing: false,
            transient: true,
        }
    }
}

/// The error codes of throttling, which a later attempt gets past.
fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "RequestThrottled" | "ThrottlingException" | "Throttling" | "KmsThrottled"
    )
}

/// One message as received.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    pub receive_count: Option<u32>,
    /// The message group of a FIFO queue's message.
    pub group_id: Option<String>,
}

/// An entry of a batch call that SQS did not carry out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EntryFailure {
    pub receipt_handle: String,
    /// SQS's error code, such as `ReceiptHandleIsInvalid`.
    pub code: String,
    /// False when SQS blames the request (`SenderFault`): retrying the entry cannot help.
    pub retryable: bool,
}

/// A queue and the client that reaches it.
#[derive(Clone, Debug)]
pub(crate) struct Queue {
    client: Client,
    url: Arc<str>,
    /// How long a call may take beyond its long poll before it is abandoned as stalled.
    timeout: Duration,
}

impl Queue {
    pub fn new(client: Client, url: impl Into<Arc<str>>, timeout: Duration) -> Self {
        Self {
            client,
            url: url.into(),
            timeout,
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
        let wait = wait.min(MAX_WAIT);
        let call = self
            .client
            .receive_message()
            .queue_url(&*self.url)
            .max_number_of_messages(max.clamp(1, MAX_BATCH) as i32)
            .wait_time_seconds(seconds(wait))
            .set_visibility_timeout(visibility.map(seconds))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
            .send();
        let output = self
            .bounded(
                "ReceiveMessage",
                Duration::from_secs(seconds(wait) as u64),
                call,
            )
            .await?;
        Ok(output
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|message| {
                let attribute = |name| {
                    message
                        .attributes
                        .as_ref()
                        .and_then(|attributes| attributes.get(&name))
                };
                let receive_count = attribute(MessageSystemAttributeName::ApproximateReceiveCount)
                    .and_then(|count| count.parse().ok());
                let group_id = attribute(MessageSystemAttributeName::MessageGroupId).cloned();
                Some(Received {
                    message_id: message.message_id.unwrap_or_default(),
                    // A message without a receipt handle can be neither deleted nor extended;
                    // SQS always sends one, so this only guards against a broken server.
                    receipt_handle: message.receipt_handle?,
                    body: message.body.unwrap_or_default(),
                    receive_count,
                    group_id,
                })
            })
            .collect())
    }

    /// Deletes up to 10 messages in one call; returns the entries SQS did not delete.
    pub async fn delete_batch(&self, receipts: &[String]) -> Result<Vec<EntryFailure>, SqsError> {
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
        let call = self
            .client
            .delete_message_batch()
            .queue_url(&*self.url)
            .set_entries(Some(entries))
            .send();
        let output = self
            .bounded("DeleteMessageBatch", Duration::ZERO, call)
            .await?;
        Ok(entry_failures(receipts, &output.failed))
    }

    pub async fn change_visibility(
        &self,
        receipt: &str,
        timeout: Duration,
    ) -> Result<(), SqsError> {
        let call = self
            .client
            .change_message_visibility()
            .queue_url(&*self.url)
            .receipt_handle(receipt)
            .visibility_timeout(seconds(timeout))
            .send();
        self.bounded("ChangeMessageVisibility", Duration::ZERO, call)
            .await?;
        Ok(())
    }

    /// Makes up to 10 messages visible again at once; returns the entries SQS did not change.
    pub async fn hand_back_batch(
        &self,
        receipts: &[String],
    ) -> Result<Vec<EntryFailure>, SqsError> {
        let entries = receipts
            .iter()
            .enumerate()
            .map(|(index, receipt)| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(index.to_string())
                    .receipt_handle(receipt)
                    .visibility_timeout(0)
                    .build()
                    .expect("id and receipt handle are set")
            })
            .collect();
        let call = self
            .client
            .change_message_visibility_batch()
            .queue_url(&*self.url)
            .set_entries(Some(entries))
            .send();
        let output = self
            .bounded("ChangeMessageVisibilityBatch", Duration::ZERO, call)
            .await?;
        Ok(entry_failures(receipts, &output.failed))
    }

    pub async fn send(&self, body: &str) -> Result<(), SqsError> {
        let call = self
            .client
            .send_message()
            .queue_url(&*self.url)
            .message_body(body)
            .send();
        self.bounded("SendMessage", Duration::ZERO, call).await?;
        Ok(())
    }

    pub fn with_url(&self, url: impl Into<Arc<str>>) -> Self {
        Self::new(self.client.clone(), url, self.timeout)
    }

    /// Runs an SDK call, abandoning it when it takes longer than its long poll and the timeout:
    /// an endpoint that accepts a request and never answers must not hold the consumer.
    async fn bounded<T, E>(
        &self,
        operation: &'static str,
        long_poll: Duration,
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, SqsError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        SdkError<E, HttpResponse>: Into<aws_sdk_sqs::Error>,
    {
        let limit = long_poll + self.timeout;
        match tokio::time::timeout(limit, call).await {
            Ok(result) => result.map_err(|error| SqsError::new(operation, error)),
            Err(_) => Err(SqsError::timed_out(operation, limit)),
        }
    }
}

/// The failed entries of a batch call whose entry ids are indexes into `receipts`.
fn entry_failures(receipts: &[String], failed: &[BatchResultErrorEntry]) -> Vec<EntryFailure> {
    failed
        .iter()
        .filter_map(|failure| {
            Some(EntryFailure {
                receipt_handle: receipts.get(failure.id.parse::<usize>().ok()?)?.clone(),
                code: failure.code.clone(),
                retryable: !failure.sender_fault,
            })
        })
        .collect()
}

/// Whole seconds for SQS, rounded up so that a short timeout never becomes 0 (which means
/// "visible now", or a short poll), and capped at SQS's longest visibility timeout.
fn seconds(duration: Duration) -> i32 {
    let rounded_up = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    rounded_up.min(MAX_VISIBILITY.as_secs()) as i32
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An error as an unreachable endpoint gives.
    pub fn unreachable(operation: &'static str) -> SqsError {
        SqsError::timed_out(operation, Duration::from_secs(1))
    }

    /// An error SQS blames on the request.
    pub fn refused(operation: &'static str) -> SqsError {
        SqsError {
            operation,
            message: "AccessDenied".to_owned(),
            queue_missing: false,
            transient: false,
        }
    }

    #[test]
    fn seconds_round_up_and_are_capped() {
        assert_eq!(seconds(Duration::ZERO), 0);
        assert_eq!(seconds(Duration::from_millis(1)), 1);
        assert_eq!(seconds(Duration::from_millis(2500)), 3);
        assert_eq!(seconds(Duration::from_secs(7)), 7);
        assert_eq!(seconds(Duration::from_secs(100_000)), 43_200);
    }

    #[test]
    fn throttling_is_transient_and_other_codes_are_not() {
        assert!(is_throttling("RequestThrottled"));
        assert!(!is_throttling("AccessDenied"));
        assert!(SqsError::timed_out("ReceiveMessage", Duration::from_secs(1)).transient);
    }
}
