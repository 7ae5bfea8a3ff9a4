//! Typed EventBridge events from SQS: a consumer on aws-sdk-sqs.
//!
//! [`Consumer`] long-polls a queue, decodes each message with any
//! [`EventFactory`](bridgecraft_factory::EventFactory), runs a
//! [`Handler`](bridgecraft_router::Handler) with bounded concurrency and deletes what
//! succeeded: at least once, never deleting before the handler succeeded. The handler can be a
//! [`Router`](bridgecraft_router::Router) or [`Subscriptions`](bridgecraft_router::Subscriptions)
//! of `bridgecraft-router`, or any async closure. A Lambda function triggered by SQS needs none
//! of this (Lambda receives and deletes): see `bridgecraft-lambda`.

mod consumer;
mod queue;
mod retry;
mod settle;
mod tracker;

pub use consumer::{Consumer, ConsumerError, ConsumerStats, OnDecodeError};
pub use queue::{SqsError, client};
pub use retry::Backoff;
