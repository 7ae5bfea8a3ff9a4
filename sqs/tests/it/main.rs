//! Integration tests against a real SQS, SNS and EventBridge: moto's server on loopback, started
//! by the workspace's test harness, `bridgecraft-testkit`.

mod consumer;
mod fifo;
mod hostile;
mod outage;
mod router;
mod shutdown;
mod sources;
mod support;
