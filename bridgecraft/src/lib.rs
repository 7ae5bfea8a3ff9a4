//! Typed AWS EventBridge events for Rust, in one dependency.
//!
//! Each part of bridgecraft is a feature, and each re-exported crate keeps its own
//! documentation:
//!
//! | feature | module | what it is |
//! |---|---|---|
//! | `events` (default) | [`events`] | The envelope `Event<D>`, `EventDetail`, and the generated detail types |
//! | `factory` (default) | [`factory`] | Any envelope (bare event, SQS, SNS, Lambda batches) in, typed events out |
//! | `patterns` | [`patterns`] | EventBridge event patterns and input transformers, evaluated locally |
//! | `router` | [`router`] | Routes and subscriptions by type, source, pattern or CEL expression |
//! | `lambda` | [`lambda`] | Lambda functions for EventBridge rules, SQS and SNS triggers, without an AWS SDK |
//! | `sqs` | [`sqs`] | A long-running SQS consumer on aws-sdk-sqs |
//! | `webhook` | [`webhook`] | HTTP delivery as EventBridge API destinations deliver |
//! | `resolve` | [`resolve`] | The AWS resources an event is about, fetched through the AWS SDK |
//! | `schemars` | [`events::registry_document`] | The registry document of a hand-written detail type |
//! | `discover` | [`discover`] | Registry documents discovered from sample events |
//! | `codegen` | [`codegen`] | The generator, for a `build.rs` or an xtask, in the style of prost-build |
//!
//! No event source is on by default: turn on one feature per source you decode (`aws-ec2`,
//! `aws-s3`, ..., named as in `bridgecraft-events`), or `aws` for every AWS source.
//!
//! ```toml
//! [dependencies]
//! bridgecraft = { version = "0.1", features = ["lambda", "aws-ec2"] }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "codegen")]
#[doc(inline)]
pub use bridgecraft_codegen as codegen;
#[cfg(feature = "discover")]
#[doc(inline)]
pub use bridgecraft_discover as discover;
#[cfg(feature = "events")]
#[doc(inline)]
pub use bridgecraft_events as events;
#[cfg(feature = "factory")]
#[doc(inline)]
pub use bridgecraft_factory as factory;
#[cfg(feature = "lambda")]
#[doc(inline)]
pub use bridgecraft_lambda as lambda;
#[cfg(feature = "patterns")]
#[doc(inline)]
pub use bridgecraft_patterns as patterns;
#[cfg(feature = "resolve")]
#[doc(inline)]
pub use bridgecraft_resolve as resolve;
#[cfg(feature = "router")]
#[doc(inline)]
pub use bridgecraft_router as router;
#[cfg(feature = "sqs")]
#[doc(inline)]
pub use bridgecraft_sqs as sqs;
#[cfg(feature = "webhook")]
#[doc(inline)]
pub use bridgecraft_webhook as webhook;
