//! Resolvers against a real SQS and STS: moto's server on loopback, started by the SQS crate's
//! harness.

// The SQS crate's moto server: installed into a virtualenv on first use, one per test binary.
#[allow(dead_code)]
#[path = "../../../sqs/tests/it/moto.rs"]
mod moto;
mod sqs;
