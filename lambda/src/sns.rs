//! A function subscribed to an SNS topic.

use aws_lambda_events::event::sns::SnsEvent;
use bridgecraft_factory::EventFactory;
use bridgecraft_router::{Delivery, Handler};
use lambda_runtime::{Error, LambdaEvent};
use tracing::Instrument;

use crate::FunctionError;

/// A function subscribed to an SNS topic: each record's `Message` is an event, decoded and
/// handed to the handler with the notification's message id.
///
/// SNS invokes the function asynchronously and has no partial response: when a record fails
/// (after every record was handled), the invocation fails and Lambda retries all of it, so
/// handlers must tolerate repeats.
pub struct SnsFunction<F, H> {
    factory: F,
    handler: H,
}

impl<F, H> SnsFunction<F, H>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    /// Decodes each message with `factory` and hands it to `handler`.
    pub fn new(factory: F, handler: H) -> Self {
        Self { factory, handler }
    }

    /// Handles one invocation; the first failure, if any, is its error.
    pub async fn call(&self, event: LambdaEvent<SnsEvent>) -> Result<(), FunctionError> {
        let mut first_failure = None;
        for record in &event.payload.records {
            let message_id = &record.sns.message_id;
            let span = tracing::info_span!("sns_record", %message_id);
            let result = async {
                let delivery = Delivery::from_event(&self.factory, &record.sns.message)?
                    .with_message_id(message_id);
                self.handler
                    .handle(delivery)
                    .await
                    .map_err(FunctionError::Handler)
            }
            .instrument(span)
            .await;
            if let Err(error) = result {
                tracing::warn!(%message_id, %error, "SNS record failed");
                first_failure.get_or_insert(FunctionError::Record {
                    message_id: message_id.clone(),
                    error: Box::new(error),
                });
            }
        }
        first_failure.map_or(Ok(()), Err)
    }

    /// Serves invocations until the runtime stops.
    pub async fn run(self) -> Result<(), Error> {
        crate::serve(self).await
    }
}

impl<F, H> crate::Function for SnsFunction<F, H>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    type Payload = SnsEvent;
    type Response = ();

    async fn invoke(&self, event: LambdaEvent<SnsEvent>) -> Result<(), FunctionError> {
        self.call(event).await
    }
}
