//! A function that is the target of an EventBridge rule.

use bridgecraft_factory::EventFactory;
use bridgecraft_router::{Delivery, Handler};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::value::RawValue;

use crate::FunctionError;

/// A function targeted by an EventBridge rule: Lambda hands it one bare event per invocation,
/// which it decodes and passes to its handler.
///
/// An event that does not decode, or whose handler fails, fails the invocation, so that Lambda
/// retries it and then sends it to the function's on-failure destination or dead-letter queue.
/// Events of no known type reach the handler as unknown events.
pub struct EventBridgeFunction<F, H> {
    factory: F,
    handler: H,
}

impl<F, H> EventBridgeFunction<F, H>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    /// Decodes events with `factory` and hands them to `handler`.
    pub fn new(factory: F, handler: H) -> Self {
        Self { factory, handler }
    }

    /// Handles one invocation. The payload is the event's JSON as Lambda sent it, unparsed.
    pub async fn call(&self, event: LambdaEvent<Box<RawValue>>) -> Result<(), FunctionError> {
        let delivery = Delivery::from_event(&self.factory, event.payload.get())?;
        self.handler
            .handle(delivery)
            .await
            .map_err(FunctionError::Handler)
    }

    /// Serves invocations until the runtime stops.
    pub async fn run(self) -> Result<(), Error> {
        crate::serve(self).await
    }
}

impl<F, H> crate::Function for EventBridgeFunction<F, H>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    type Payload = Box<RawValue>;
    type Response = ();

    async fn invoke(&self, event: LambdaEvent<Box<RawValue>>) -> Result<(), FunctionError> {
        self.call(event).await
    }
}
