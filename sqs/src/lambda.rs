//! Lambda functions triggered by SQS: a handler per record, and the partial batch response.
//!
//! With `ReportBatchItemFailures` turned on for the event source mapping, Lambda deletes the
//! records the function does not list in `batchItemFailures` and delivers the listed ones
//! again. [`BatchHandler`] lists every record that did not decode or whose handler failed.
//!
//! ```
//! # async fn example(event_json: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use bridgecraft_factory::AwsFactory;
//! use bridgecraft_sqs::lambda::BatchHandler;
//! use bridgecraft_sqs::{Delivery, HandlerError};
//!
//! let batch = BatchHandler::new(AwsFactory::aws(), |delivery: Delivery<_>| async move {
//!     println!("{}", delivery.event.detail_type());
//!     Ok::<(), HandlerError>(())
//! });
//! let response = batch.handle_json(event_json).await?;
//! println!("{}", serde_json::to_string(&response)?);
//! # Ok(()) }
//! ```

use bridgecraft_factory::{DecodeResult, EventFactory};
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use crate::handler::{Delivery, Handler};

/// The partial batch response Lambda reads: the records to deliver again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResponse {
    /// The records that failed.
    #[serde(rename = "batchItemFailures")]
    pub batch_item_failures: Vec<BatchItemFailure>,
}

/// One failed record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchItemFailure {
    /// The record's SQS message id.
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}

impl BatchResponse {
    /// The message ids of the failed records.
    pub fn failed_ids(&self) -> Vec<&str> {
        self.batch_item_failures
            .iter()
            .map(|failure| failure.item_identifier.as_str())
            .collect()
    }
}

#[cfg(feature = "lambda-events")]
impl From<BatchResponse> for aws_lambda_events::event::sqs::SqsBatchResponse {
    fn from(response: BatchResponse) -> Self {
        let mut converted = Self::default();
        converted.batch_item_failures = response
            .batch_item_failures
            .into_iter()
            .map(|failure| {
                let mut item = aws_lambda_events::event::sqs::BatchItemFailure::default();
                item.item_identifier = failure.item_identifier;
                item
            })
            .collect();
        converted
    }
}

/// A batch that cannot be answered record by record: Lambda must retry all of it.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A record without a message id failed, or the event itself did not decode, so there is
    /// no id to report; returning an error makes Lambda deliver the whole batch again.
    #[error("a record without a message id failed: {0}")]
    Unidentified(String),
}

/// Runs a handler on each record of a Lambda SQS event, one after the other, and collects the
/// partial batch response.
pub struct BatchHandler<F, H> {
    factory: F,
    handler: H,
    fifo: bool,
}

impl<F, H> BatchHandler<F, H>
where
    F: EventFactory,
    H: Handler<F::Detail>,
{
    /// Decodes records with `factory` and hands them to `handler`.
    pub fn new(factory: F, handler: H) -> Self {
        Self {
            factory,
            handler,
            fifo: false,
        }
    }

    /// For FIFO queues: after the first failed record, the rest are not handled and are
    /// reported failed too, so that the queue keeps their order.
    pub fn fifo(mut self) -> Self {
        self.fifo = true;
        self
    }

    /// Handles a Lambda SQS event given as its JSON text. The deliveries' `receive_count` is
    /// `None`: the factory's records do not carry the message attributes.
    pub async fn handle_json(&self, event: &str) -> Result<BatchResponse, BatchError> {
        let records = self
            .factory
            .decode_lambda_sqs(event)
            .into_iter()
            .map(|record| (record.message_id, None, record.result));
        self.handle_records(records).await
    }

    /// Handles a Lambda SQS event as `aws_lambda_events` reads it.
    #[cfg(feature = "lambda-events")]
    pub async fn handle_event(
        &self,
        event: &aws_lambda_events::event::sqs::SqsEvent,
    ) -> Result<BatchResponse, BatchError> {
        let records = event.records.iter().map(|record| {
            let receive_count = record
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|count| count.parse().ok());
            let result = self
                .factory
                .decode_sqs_body(record.body.as_deref().unwrap_or_default());
            (record.message_id.clone(), receive_count, result)
        });
        self.handle_records(records).await
    }

    async fn handle_records(
        &self,
        records: impl Iterator<Item = (Option<String>, Option<u32>, DecodeResult<F::Detail>)>,
    ) -> Result<BatchResponse, BatchError> {
        let mut response = BatchResponse::default();
        let mut failing = false;
        for (message_id, receive_count, result) in records {
            let failure = if failing {
                Some("an earlier record of this FIFO batch failed".to_owned())
            } else {
                self.handle_record(message_id.clone(), receive_count, result)
                    .await
                    .err()
            };
            let Some(failure) = failure else {
                continue;
            };
            failing = self.fifo;
            match message_id {
                Some(id) => response.batch_item_failures.push(BatchItemFailure {
                    item_identifier: id,
                }),
                None => return Err(BatchError::Unidentified(failure)),
            }
        }
        Ok(response)
    }

    async fn handle_record(
        &self,
        message_id: Option<String>,
        receive_count: Option<u32>,
        result: DecodeResult<F::Detail>,
    ) -> Result<(), String> {
        let message_id = message_id.unwrap_or_default();
        let span = tracing::info_span!("sqs_record", %message_id, receive_count);
        async move {
            let event = result.map_err(|error| {
                tracing::warn!(%error, "record does not decode");
                error.to_string()
            })?;
            let delivery = Delivery {
                event,
                message_id,
                receive_count,
            };
            self.handler.handle(delivery).await.map_err(|error| {
                tracing::warn!(%error, "handler failed");
                error.to_string()
            })
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use bridgecraft_factory::AwsFactory;

    use super::*;
    use crate::HandlerError;

    fn record(id: &str, body: &str) -> String {
        let body = serde_json::to_string(body).unwrap();
        format!(
            r#"{{"messageId":"{id}","receiptHandle":"r-{id}","body":{body},"eventSource":"aws:sqs"}}"#
        )
    }

    fn event(id: &str) -> String {
        format!(
            r#"{{"id":"{id}","detail-type":"Tick","source":"test.app","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail":{{}}}}"#
        )
    }

    fn batch(records: &[String]) -> String {
        format!(r#"{{"Records":[{}]}}"#, records.join(","))
    }

    /// Fails the events whose id starts with `fail`, and records every id it is given.
    fn failing_handler(
        seen: &'static Mutex<Vec<String>>,
    ) -> impl Handler<bridgecraft_events::Detail> {
        move |delivery: Delivery<bridgecraft_events::Detail>| async move {
            let id = delivery.event.id().unwrap_or_default().to_owned();
            seen.lock().unwrap().push(id.clone());
            if id.starts_with("fail") {
                return Err::<(), HandlerError>("no".into());
            }
            Ok(())
        }
    }

    #[tokio::test]
    async fn failed_and_undecodable_records_are_reported_by_message_id() {
        static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let handler = BatchHandler::new(AwsFactory::aws(), failing_handler(&SEEN));
        let json = batch(&[
            record("m1", &event("ok-1")),
            record("m2", &event("fail-2")),
            record("m3", "not json"),
            record("m4", &event("ok-4")),
        ]);
        let response = handler.handle_json(&json).await.unwrap();
        assert_eq!(response.failed_ids(), ["m2", "m3"]);
        assert_eq!(*SEEN.lock().unwrap(), ["ok-1", "fail-2", "ok-4"]);
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"batchItemFailures":[{"itemIdentifier":"m2"},{"itemIdentifier":"m3"}]}"#
        );
    }

    #[tokio::test]
    async fn fifo_batches_stop_at_the_first_failure() {
        static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let handler = BatchHandler::new(AwsFactory::aws(), failing_handler(&SEEN)).fifo();
        let json = batch(&[
            record("m1", &event("ok-1")),
            record("m2", &event("fail-2")),
            record("m3", &event("ok-3")),
        ]);
        let response = handler.handle_json(&json).await.unwrap();
        assert_eq!(response.failed_ids(), ["m2", "m3"]);
        assert_eq!(
            *SEEN.lock().unwrap(),
            ["ok-1", "fail-2"],
            "m3 was not handled"
        );
    }

    #[tokio::test]
    async fn a_batch_that_does_not_decode_fails_whole() {
        static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let handler = BatchHandler::new(AwsFactory::aws(), failing_handler(&SEEN));
        let error = handler.handle_json(r#"{"Rekords":[]}"#).await.unwrap_err();
        assert!(error.to_string().contains("Records"), "{error}");
        let empty = handler.handle_json(r#"{"Records":[]}"#).await.unwrap();
        assert!(empty.batch_item_failures.is_empty());
        assert!(SEEN.lock().unwrap().is_empty());
    }
}
