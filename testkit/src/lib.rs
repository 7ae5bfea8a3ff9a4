//! The workspace's test harness: what the integration tests and benches of several crates share
//! to run against real services on loopback. It is a dev-dependency only and is not published.
//!
//! - [`moto`]: a real SQS, SNS and EventBridge, moto's standalone server on 127.0.0.1, installed
//!   into a virtualenv on first use and started once per test binary, with an AWS SDK
//!   configuration pointing at it.
//! - [`sqs`]: queues on that server, made with names no other test uses, and messages sent to,
//!   counted on and read back from them.
//! - [`events`]: EventBridge events as JSON text, one of an AWS source and one no factory knows.
//! - [`proxy`]: a TCP proxy that refuses, cuts or stalls connections on demand, between a client
//!   and moto (or any loopback server), for testing outages.
//! - [`http`]: an HTTP server on 127.0.0.1 that records each request and answers what the test
//!   makes of it, for webhook deliveries.
//!
//! Helpers that only one crate's tests use stay in that crate's tests.

#![warn(missing_docs)]

pub mod events;
pub mod http;
pub mod moto;
pub mod proxy;
pub mod sqs;
