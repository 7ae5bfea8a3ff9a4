//! Integration tests for bridgecraft-patterns: one binary, one module per concern.

mod cli;
mod corpus;
mod props;
#[cfg(feature = "webhook")]
mod webhook;
