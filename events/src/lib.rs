//! Typed AWS EventBridge events.
//!
//! Every event shares one envelope, [`Event`], generic over its `detail`. The detail types are
//! generated from EventBridge schema-registry documents by `cargo xtask regen`: a module and a
//! Cargo feature per source (`aws-ec2` gives [`aws_ec2`](crate), and so on; `aws` turns on every AWS
//! source). Each detail type implements [`EventDetail`], which names the `source` and
//! `detail-type` it is published under, and each source has an enum of its detail types that
//! joins the crate-wide [`Detail`] enum.
//!
//! [`Event::relations`] says which AWS resources an event is about and where each lives, from
//! the fields AWS's registry names and the envelope's `resources`, read as [`Arn`]s; nothing
//! is fetched (the `bridgecraft-resolve` crate fetches them through the AWS SDK).
//!
//! ```
//! use bridgecraft_events::{Event, EventDetail};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Deserialize, Serialize)]
//! struct OrderPlaced {
//!     order_id: String,
//! }
//!
//! impl EventDetail for OrderPlaced {
//!     const SOURCE: &'static str = "com.example.orders";
//!     const DETAIL_TYPE: &'static str = "Order Placed";
//! }
//!
//! let json = r#"{"version":"0","id":"1","detail-type":"Order Placed","source":"com.example.orders",
//!     "account":"123456789012","time":"2024-01-01T00:00:00Z","region":"eu-west-1",
//!     "resources":[],"detail":{"order_id":"o-1"}}"#;
//! let event: Event<OrderPlaced> = serde_json::from_str(json)?;
//! assert_eq!(event.detail.order_id, "o-1");
//! # Ok::<(), serde_json::Error>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

mod arn;
mod detail;
mod envelope;
#[cfg(feature = "schemars")]
mod registry;
mod relation;
mod string_enum;
mod timestamp;
pub mod tolerant;

pub use arn::{Arn, ArnError, ArnErrorKind, ArnPart, partition_of_region};
pub use detail::{DetailDecoder, DetailSet, EventDetail, Typed};
pub use envelope::{Event, deserialize_event_with};
#[cfg(feature = "schemars")]
#[cfg_attr(docsrs, doc(cfg(feature = "schemars")))]
pub use registry::registry_document;
pub use relation::{Relation, ResourceRef};
pub use timestamp::{Timestamp, TimestampError};
pub use tolerant::{
    Drift, DriftKind, Extra, Fit, Inspect, Misfit, Record, Tagged, Tolerant, Untagged,
};

#[doc(hidden)]
pub mod __private {
    pub use crate::relation::related_in_json;
    pub use crate::string_enum::{string_enum_deserialize, string_enum_serialize, unknown_value};
    pub use crate::tolerant::{decode_string_enum, decode_via_serde};
    // Generated code outside this crate reaches them here, so that it needs no dependency but
    // this crate.
    pub use {serde, serde_json};
}

// Formatted by the generator with prettyplease, not by rustfmt.
#[rustfmt::skip]
mod generated;
pub use generated::*;
