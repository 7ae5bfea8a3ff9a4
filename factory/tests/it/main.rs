//! The factory's integration tests, one binary.

mod corpus;
mod dispatch;
mod envelopes;
mod props;
mod support;
