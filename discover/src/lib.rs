//! Schema discovery for EventBridge events, as the schema registry's discovery does it but
//! from every sample you have: sample events in, one registry document per `(source,
//! detail-type)` out, in the registry's own OpenAPI 3 format, ready for the generator.
//!
//! Each type's samples merge into one shape:
//!
//! - a field absent from some samples is not `required`; `null` seen makes it `nullable`;
//! - integers and decimals widen to `number`; strings that are all RFC 3339 timestamps get
//!   `format: date-time`;
//! - arrays merge the shapes of all their elements, objects in them too;
//! - values of different types at one place become a `oneOf` union;
//! - objects whose keys are data (ids, ARNs, dates, numbers, addresses), or that have more
//!   distinct keys than a type has fields, become maps (`additionalProperties`).
//!
//! Every path of every sample is covered by its document. Merging is order-independent and
//! streams: a [`Catalog`] keeps one bounded shape per type, never the samples. Envelopes (SQS
//! messages, SNS notifications, Lambda batches) are unwrapped as `bridgecraft-factory` unwraps
//! them.
//!
//! The same documents, read back with [`Catalog::read_documents`], update with new samples
//! without losing what they had ([`Catalog::updates`] says what changed), and check events
//! without compiling anything: [`Catalog::check`], or the catalog as a
//! [`DetailFactory`](bridgecraft_factory::DetailFactory) that decodes into [`Checked`].
//!
//! ```
//! use bridgecraft_discover::Catalog;
//!
//! let mut catalog = Catalog::new();
//! for sample in [
//!     r#"{"source": "my.app", "detail-type": "Signed Up", "detail": {"user": "u-1", "age": 30}}"#,
//!     r#"{"source": "my.app", "detail-type": "Signed Up", "detail": {"user": "u-2", "age": 30.5, "ref": null}}"#,
//! ] {
//!     catalog.add_json(sample);
//! }
//! let document = &catalog.documents()[0].json;
//! let detail = &document["components"]["schemas"]["SignedUp"];
//! assert_eq!(detail["properties"]["age"]["type"], "number");
//! assert_eq!(detail["properties"]["ref"]["nullable"], true);
//! assert_eq!(detail["required"], serde_json::json!(["age", "user"]));
//! ```
#![warn(missing_docs)]

mod catalog;
mod document;
mod input;
mod keys;
mod shape;

use std::path::PathBuf;

pub use catalog::{Catalog, Change, Checked, Document, Skip, Tally, Update};
pub use document::DISCOVERED;
pub use input::{SAMPLE_EXTENSIONS, files};
pub use keys::{is_data_key, is_date_time};
pub use shape::{MAX_FIELDS, MAX_VALUES, PathInfo, Shape, Violation, ViolationKind};

/// What can go wrong reading documents or writing them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A document that is not JSON.
    #[error("{}: not valid JSON: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// A document that is JSON but not a registry document this crate reads.
    #[error("{}: at `{pointer}`: {message}", path.display())]
    Document {
        /// The file.
        path: PathBuf,
        /// The JSON pointer of what is wrong.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// Two documents of one folder describe the same event type.
    #[error("two documents describe source `{event_source}` detail-type `{detail_type}`: {} and {}", first.display(), second.display())]
    DuplicateType {
        /// The events' source.
        event_source: String,
        /// Their detail-type.
        detail_type: String,
        /// One document.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
}
