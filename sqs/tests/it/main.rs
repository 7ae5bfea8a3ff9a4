//! Integration tests against a real SQS, SNS and EventBridge: moto's server on loopback.

mod consumer;
mod moto;
mod router;
mod sources;
mod support;
