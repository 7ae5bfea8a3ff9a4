//! Lambda functions for typed EventBridge events, on `lambda_runtime` and `aws_lambda_events`,
//! with no AWS SDK: Lambda itself receives the events, and deletes SQS messages.
//!
//! Each kind of trigger is one call away, with any [`Handler`] (a [`Router`], [`Subscriptions`]
//! or an async closure) given the decoded events:
//!
//! - [`run_eventbridge`]: a function that is the target of an EventBridge rule, receiving one
//!   bare event per invocation;
//! - [`run_sqs`]: a function triggered by an SQS queue, answering with the partial batch
//!   response (`batchItemFailures`) so that Lambda deletes the records that succeeded;
//!   [`SqsFunction::fifo`] stops at the first failure, or skips the rest of the failed
//!   record's message group, for FIFO queues;
//! - [`run_sns`]: a function subscribed to an SNS topic.
//!
//! ```no_run
//! use bridgecraft_events::Event;
//! use bridgecraft_events::aws_ec2::Ec2InstanceStateChangeNotification as StateChange;
//! use bridgecraft_factory::{Factory, Known};
//! use bridgecraft_router::{HandlerError, Router};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), bridgecraft_lambda::Error> {
//!     let router = Router::<StateChange>::new().on(|event: Event<StateChange>, ()| async move {
//!         if let (Some(instance), Some(state)) = (event.detail.instance_id, event.detail.state) {
//!             println!("{instance} is {state}");
//!         }
//!         Ok::<(), HandlerError>(())
//!     });
//!     bridgecraft_lambda::run_eventbridge(Factory::new(Known::<StateChange>::new()), router).await
//! }
//! ```
//!
//! The functions' `call` methods take `lambda_runtime`'s [`LambdaEvent`], so tests invoke them
//! in-process with a [`Context`] of their own.
//!
//! [`Handler`]: bridgecraft_router::Handler
//! [`Router`]: bridgecraft_router::Router
//! [`Subscriptions`]: bridgecraft_router::Subscriptions
#![warn(missing_docs)]

mod error;
mod eventbridge;
mod sns;
mod sqs;

use std::future::Future;
use std::sync::Arc;

use bridgecraft_factory::EventFactory;
use bridgecraft_router::Handler;
pub use error::FunctionError;
pub use eventbridge::EventBridgeFunction;
pub use lambda_runtime::{Context, Error, LambdaEvent};
pub use sns::SnsFunction;
pub use sqs::{Fifo, SqsFunction};

/// Runs a function targeted by an EventBridge rule: each invocation's event is decoded with
/// `factory` and handed to `handler`.
pub async fn run_eventbridge<F, H>(factory: F, handler: H) -> Result<(), Error>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    EventBridgeFunction::new(factory, handler).run().await
}

/// Runs a function triggered by a standard SQS queue, reporting the records that failed; for a
/// FIFO queue use [`SqsFunction::fifo`].
pub async fn run_sqs<F, H>(factory: F, handler: H) -> Result<(), Error>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    SqsFunction::new(factory, handler).run().await
}

/// Runs a function subscribed to an SNS topic.
pub async fn run_sns<F, H>(factory: F, handler: H) -> Result<(), Error>
where
    F: EventFactory + 'static,
    F::Detail: Send + 'static,
    H: Handler<F::Detail>,
{
    SnsFunction::new(factory, handler).run().await
}

/// A function's invocations, as `lambda_runtime` serves them.
trait Function: Send + Sync + 'static {
    /// What Lambda sends.
    type Payload: serde::de::DeserializeOwned + Send;
    /// What the function answers.
    type Response: serde::Serialize + Send;

    fn invoke(
        &self,
        event: LambdaEvent<Self::Payload>,
    ) -> impl Future<Output = Result<Self::Response, FunctionError>> + Send;
}

/// Serves `function`'s invocations through `lambda_runtime` until the runtime stops.
async fn serve<T: Function>(function: T) -> Result<(), Error> {
    let function = Arc::new(function);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<T::Payload>| {
            let function = function.clone();
            async move { function.invoke(event).await }
        },
    ))
    .await
}
