//! Typed EventBridge events from SQS: a consumer, a Lambda batch handler, routes and
//! subscriptions.
//!
//! - [`Consumer`] long-polls a queue, decodes each message with any
//!   [`EventFactory`](bridgecraft_factory::EventFactory), runs a [`Handler`] with bounded
//!   concurrency and deletes what succeeded: at least once, never deleting before the handler
//!   succeeded.
//! - [`lambda`] does the same for a Lambda function triggered by SQS, returning the partial
//!   batch response.
//! - [`Router`] sends each event to the handlers registered for its type, its source or a
//!   filter; [`Subscriptions`] lets code wait for the next matching event.
//! - [`cli`] is the `bridgecraft consume` command.

pub mod cli;
mod consumer;
mod filter;
mod handler;
pub mod lambda;
mod queue;
mod router;
mod subscriptions;

pub use consumer::{Backoff, Consumer, ConsumerError, ConsumerStats, OnDecodeError};
pub use filter::Filter;
pub use handler::{Delivery, Handler, HandlerError};
pub use queue::{SqsError, client};
pub use router::{RouteInfo, Router, RouterHandler, TriggerReport};
pub use subscriptions::{SubscriptionHandle, Subscriptions};
