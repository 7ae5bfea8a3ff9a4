//! Decodes EventBridge events, from whatever envelope they arrived in, into typed events to
//! `match` on.
//!
//! A Lambda function or SQS worker hands an [`EventFactory`] the JSON it received and gets back
//! one [`Record`] per message: a [`Decoded::Typed`] event whose detail is the type its `source`
//! and `detail-type` name, a [`Decoded::Unknown`] event kept byte for byte, or a
//! [`DecodeError`] naming the envelope layer, the JSON path and the type that failed. One bad
//! message never sinks the batch.
//!
//! - [`AwsFactory::aws()`] knows every AWS detail type `bridgecraft-events` generates.
//! - [`Known<T>`] knows a user's own [`EventDetail`] type (or any [`DetailSet`]); chain detail
//!   factories with `or` ([`Or`]), the first that knows a pair wins, and collect their
//!   types in an enum declared with [`detail_enum!`].
//! - [`Envelope`] names the shapes: a bare event, an SQS message, an SNS notification, Lambda
//!   SQS and SNS batches; [`Envelope::Auto`] tells them apart.
//!
//! Decoding is one pass: the envelope is read key by key, and since EventBridge writes `detail`
//! last, the detail is decoded straight into its type once `source` and `detail-type` are
//! known. Other key orders keep the detail as borrowed raw JSON until then. Only after a
//! failure is the input read again, through `serde_path_to_error`, to say where it failed.
#![warn(missing_docs)]

mod decoded;
mod details;
mod envelope;
mod error;
mod factory;
pub mod keyed;
mod kind;
mod type_name;

pub use bridgecraft_events::{DetailSet, Event, EventDetail};
pub use decoded::{DecodeResult, Decoded, Received, Record, UnknownEvent, UnknownReason};
pub use details::{Aws, DetailFactory, Known, MaybeTyped, Or};
pub use envelope::{Envelope, UnknownEnvelope, Unwrapped, unwrap};
pub use error::{DecodeError, Layer};
pub use factory::{AwsFactory, EventFactory, Factory, Strictness};
pub use kind::{BoxedDetailFactory, BoxedKindFactory, Chain, Kind, KindFactory, OfKind, Payload};
#[cfg(feature = "select")]
pub use kind::{Select, SelectError};

#[doc(hidden)]
pub mod __private {
    pub use serde::{Serialize, Serializer};
}
