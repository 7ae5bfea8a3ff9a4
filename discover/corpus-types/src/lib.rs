//! The types of every event type of the shared corpus, generated at build time from the
//! documents `bridgecraft-discover` infers from its events: what a user's build does with
//! their own samples. The tests decode every one of those events with them.
//!
//! Names are what the samples' keys make them, not Rust's conventions.

include!(concat!(env!("OUT_DIR"), "/corpus.rs"));
