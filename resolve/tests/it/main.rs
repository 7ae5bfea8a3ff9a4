//! Resolvers against a real SQS and STS: moto's server on loopback, started by the workspace's
//! test harness, `bridgecraft-testkit`.

mod sqs;
