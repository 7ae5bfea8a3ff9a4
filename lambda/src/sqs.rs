//! A function triggered by SQS: a handler per record, and the partial batch response.

use std::collections::HashSet;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use bridgecraft_factory::EventFactory;
use bridgecraft_router::{Delivery, Handler};
use lambda_runtime::{Error, LambdaEvent};
use tracing::Instrument;

use crate::FunctionError;

/// What a FIFO batch does after a record fails, so that the queue keeps its order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fifo {
    /// The rest of the batch is not handled, and is reported failed.
    #[default]
    StopAtFirstFailure,
    /// The rest of the failed record's message group is not handled, and is reported failed;
    /// the other groups go on.
    SkipGroup,
}

/// A function triggered by an SQS queue, answering with the partial batch response.
///
/// With `ReportBatchItemFailures` turned on for the event source mapping, Lambda deletes the
/// records the function does not list in `batchItemFailures` and delivers the listed ones
/// again. Every record that does not decode or whose handler fails is listed, with its message
/// id; one without a message id that fails makes the whole invocation fail, since it cannot be
/// named. Records are handled one after the other, in the batch's order.
pub struct SqsFunction<F, H> {
    factory: F,
    handler: H,
    fifo: Option<Fifo>,
}

impl<F, H> SqsFunction<F, H>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    /// Decodes each record's body with `factory` and hands it to `handler`.
    pub fn new(factory: F, handler: H) -> Self {
        Self {
            factory,
            handler,
            fifo: None,
        }
    }

    /// For a FIFO queue: what to do with the records after one fails.
    pub fn fifo(mut self, fifo: Fifo) -> Self {
        self.fifo = Some(fifo);
        self
    }

    /// Handles one invocation.
    pub async fn call(
        &self,
        event: LambdaEvent<SqsEvent>,
    ) -> Result<SqsBatchResponse, FunctionError> {
        self.handle(&event.payload).await
    }

    /// Handles the records of an SQS event and says which failed.
    pub async fn handle(&self, event: &SqsEvent) -> Result<SqsBatchResponse, FunctionError> {
        let mut response = SqsBatchResponse::default();
        let mut any_failed = false;
        let mut failed_groups = HashSet::new();
        for record in &event.records {
            let group = record.attributes.get("MessageGroupId");
            let skipped = match self.fifo {
                None => false,
                Some(Fifo::StopAtFirstFailure) => any_failed,
                Some(Fifo::SkipGroup) => group.is_some_and(|group| failed_groups.contains(group)),
            };
            let result = if skipped {
                Err(FunctionError::Skipped)
            } else {
                self.handle_record(record).await
            };
            let Err(failure) = result else {
                continue;
            };
            any_failed = true;
            failed_groups.extend(group);
            match &record.message_id {
                Some(id) => {
                    let mut failed = BatchItemFailure::default();
                    failed.item_identifier = id.clone();
                    response.batch_item_failures.push(failed);
                }
                None => return Err(FunctionError::Unidentified(Box::new(failure))),
            }
        }
        Ok(response)
    }

    async fn handle_record(&self, record: &SqsMessage) -> Result<(), FunctionError> {
        let receive_count = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|count| count.parse().ok());
        let span = tracing::info_span!(
            "sqs_record",
            message_id = record.message_id.as_deref().unwrap_or_default(),
            receive_count,
        );
        async move {
            let body = record.body.as_deref().unwrap_or_default();
            let mut delivery =
                Delivery::from_sqs_body(&self.factory, body).inspect_err(|error| {
                    tracing::warn!(%error, "record does not decode");
                })?;
            delivery.message_id = record.message_id.clone();
            delivery.receive_count = receive_count;
            self.handler.handle(delivery).await.map_err(|error| {
                tracing::warn!(%error, "handler failed");
                FunctionError::Handler(error)
            })
        }
        .instrument(span)
        .await
    }

    /// Serves invocations until the runtime stops.
    pub async fn run(self) -> Result<(), Error> {
        crate::serve(self).await
    }
}

impl<F, H> crate::Function for SqsFunction<F, H>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    type Payload = SqsEvent;
    type Response = SqsBatchResponse;

    async fn invoke(
        &self,
        event: LambdaEvent<SqsEvent>,
    ) -> Result<SqsBatchResponse, FunctionError> {
        self.call(event).await
    }
}
