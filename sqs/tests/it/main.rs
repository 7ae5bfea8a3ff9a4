//! Integration tests against a real SQS, SNS and EventBridge: moto's server on loopback.

mod consumer;
mod fifo;
mod hostile;
mod moto;
mod outage;
mod proxy;
mod router;
mod shutdown;
mod sources;
mod support;
