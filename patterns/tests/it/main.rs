//! Integration tests for bridgecraft-patterns: one binary, one module per concern.

mod corpus;
mod matching;
mod props;
