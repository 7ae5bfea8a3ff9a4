//! The events crate against real events.

mod corpus;
mod envelope;
