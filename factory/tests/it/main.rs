//! The factory's integration tests, one binary.

mod corpus;
mod dispatch;
mod envelopes;
mod keyed;
mod props;
mod support;
