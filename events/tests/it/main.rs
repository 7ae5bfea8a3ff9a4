//! The events crate: the envelope, generated types, and real events.

mod aws;
mod corpus;
mod envelope;
mod props;
mod relations;
/// Code generated from the generator's own test fixtures, compiled here to prove it builds.
#[allow(dead_code)]
#[rustfmt::skip]
mod golden;
mod golden_types;
