//! The envelopes an event arrives in: SQS messages, SNS notifications and Lambda batches.
//!
//! Each layer is read with a small borrowed struct that keeps the inner text as a `&RawValue`
//! or a `Cow<str>` (unescaped only when it is a JSON string), never as a `serde_json::Value`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, Visitor};
use serde_json::value::RawValue;

use crate::{DecodeError, Layer, Received};

/// Which envelope an input is in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Envelope {
    /// Whichever the input's top-level keys show.
    #[default]
    Auto,
    /// A bare EventBridge event, as a Lambda target receives it.
    Event,
    /// An SQS message as `ReceiveMessage` returns it; its `Body` holds the event, or an SNS
    /// notification holding the event. The whole output of `ReceiveMessage` (`Messages`, as
    /// `aws sqs receive-message` prints it) gives a message each.
    Sqs,
    /// An SNS `Notification` holding the event in `Message`, on its own or as the `Body` of an
    /// SQS message.
    Sns,
    /// A Lambda event from an SQS trigger, `Records[].body`.
    LambdaSqs,
    /// A Lambda event from an SNS trigger, `Records[].Sns`.
    LambdaSns,
}

impl Envelope {
    /// Every envelope, by the name [`FromStr`] and [`Display`](fmt::Display) use.
    pub const ALL: [Envelope; 6] = [
        Envelope::Auto,
        Envelope::Event,
        Envelope::Sqs,
        Envelope::Sns,
        Envelope::LambdaSqs,
        Envelope::LambdaSns,
    ];

    /// The envelope's name: `auto`, `event`, `sqs`, `sns`, `lambda-sqs` or `lambda-sns`.
    pub fn name(self) -> &'static str {
        match self {
            Envelope::Auto => "auto",
            Envelope::Event => "event",
            Envelope::Sqs => "sqs",
            Envelope::Sns => "sns",
            Envelope::LambdaSqs => "lambda-sqs",
            Envelope::LambdaSns => "lambda-sns",
        }
    }
}

impl fmt::Display for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not an [`Envelope`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown envelope `{0}`: expected auto, event, sqs, sns, lambda-sqs or lambda-sns")]
pub struct UnknownEnvelope(String);

impl FromStr for Envelope {
    type Err = UnknownEnvelope;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Envelope::ALL
            .into_iter()
            .find(|envelope| envelope.name() == name)
            .ok_or_else(|| UnknownEnvelope(name.to_owned()))
    }
}

pub(crate) fn utf8_error(layer: Layer, error: std::str::Utf8Error) -> DecodeError {
    DecodeError::new(layer, ".", format!("input is not UTF-8: {error}"))
}

/// Reads one layer's small struct; on failure reads it again to find the failing path.
fn parse_layer<'a, T: Deserialize<'a>>(text: &'a str, layer: Layer) -> Result<T, DecodeError> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_str(text);
            match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(error) => Err(DecodeError::from_json(
                    layer,
                    error.path().to_string(),
                    error.inner(),
                )),
                Ok(_) => Err(DecodeError::from_json(layer, ".".into(), &first)),
            }
        }
    }
}

/// The text a `Body` or `body` holds: a JSON string is unescaped, an object is taken as is.
fn inner_text<'a>(raw: &'a RawValue, layer: Layer, key: &str) -> Result<Cow<'a, str>, DecodeError> {
    let text = raw.get();
    if text.starts_with('"') {
        match serde_json::from_str::<Cow<'_, str>>(text) {
            Ok(text) => Ok(text),
            Err(error) => Err(DecodeError::from_json(layer, key.into(), &error)),
        }
    } else {
        Ok(Cow::Borrowed(text))
    }
}

/// What a JSON document is, judged by its top-level keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Event,
    SqsMessage,
    SqsReceive,
    SnsNotification,
    LambdaSqs,
    LambdaSns,
    /// One record of a Lambda SQS event, saved on its own.
    LambdaSqsRecord,
    /// One record of a Lambda SNS event, saved on its own.
    LambdaSnsRecord,
}

/// `also` when `text` has that shape (a variant the chosen envelope reads too), else `usual`.
fn shape_if(text: &str, also: Shape, usual: Shape) -> Shape {
    if shape(text) == also { also } else { usual }
}

/// Judges by the first key alone when it settles the question, which it does for events as
/// EventBridge writes them; otherwise reads all top-level keys.
fn shape(text: &str) -> Shape {
    match first_key_shape(text) {
        Some(shape) => shape,
        None => full_shape(text),
    }
}

fn first_key_shape(text: &str) -> Option<Shape> {
    struct KeyShape;
    impl Visitor<'_> for KeyShape {
        type Value = Option<Shape>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a key")
        }
        fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<Shape>, E> {
            Ok(match key {
                "version" | "id" | "detail-type" | "source" | "account" | "time" | "region"
                | "resources" | "detail" => Some(Shape::Event),
                "Type" | "TopicArn" | "Message" | "Subject" | "Timestamp" | "Signature"
                | "SignatureVersion" | "SigningCertURL" | "UnsubscribeURL" => {
                    Some(Shape::SnsNotification)
                }
                "Body" | "ReceiptHandle" | "MD5OfBody" => Some(Shape::SqsMessage),
                "Messages" => Some(Shape::SqsReceive),
                "messageId" | "receiptHandle" | "body" | "md5OfBody" | "eventSourceARN" => {
                    Some(Shape::LambdaSqsRecord)
                }
                "EventVersion" | "EventSubscriptionArn" | "EventSource" | "Sns" => {
                    Some(Shape::LambdaSnsRecord)
                }
                _ => None,
            })
        }
    }
    let rest = text.trim_start().strip_prefix('{')?;
    let mut de = serde_json::Deserializer::from_str(rest);
    de::Deserializer::deserialize_str(&mut de, KeyShape).ok()?
}

#[derive(Deserialize)]
struct ShapeKeys<'a> {
    #[serde(rename = "Body")]
    body: Option<IgnoredAny>,
    #[serde(rename = "Type", borrow)]
    sns_type: Option<Cow<'a, str>>,
    #[serde(rename = "Message")]
    message: Option<IgnoredAny>,
    #[serde(rename = "Records", borrow)]
    records: Option<Vec<RecordKeys<'a>>>,
    #[serde(rename = "Messages")]
    messages: Option<IgnoredAny>,
    /// A Lambda SQS record's.
    #[serde(rename = "body")]
    record_body: Option<IgnoredAny>,
    /// A Lambda SNS record's.
    #[serde(rename = "Sns")]
    record_sns: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RecordKeys<'a> {
    #[serde(rename = "EventSource", borrow)]
    sns_source: Option<Cow<'a, str>>,
    #[serde(rename = "Sns")]
    sns: Option<IgnoredAny>,
}

fn full_shape(text: &str) -> Shape {
    let Ok(keys) = serde_json::from_str::<ShapeKeys<'_>>(text) else {
        return Shape::Event;
    };
    if let Some(records) = keys.records {
        let sns = records.first().is_some_and(|record| {
            record.sns.is_some() || record.sns_source.as_deref() == Some("aws:sns")
        });
        return if sns {
            Shape::LambdaSns
        } else {
            Shape::LambdaSqs
        };
    }
    if keys.messages.is_some() {
        return Shape::SqsReceive;
    }
    if keys.record_body.is_some() {
        return Shape::LambdaSqsRecord;
    }
    if keys.record_sns.is_some() {
        return Shape::LambdaSnsRecord;
    }
    if keys.body.is_some() {
        return Shape::SqsMessage;
    }
    if keys.message.is_some() && keys.sns_type.is_some() {
        return Shape::SnsNotification;
    }
    Shape::Event
}

/// One message taken out of its envelopes: its id, where an envelope carries one, and its text,
/// borrowed from the input unless a layer held it as an escaped JSON string.
///
/// [`unwrap`] yields these for any message format; [`decode`](Self::decode) turns one into a
/// [`Received`] with the decoder of that format, naming the envelope layers in its errors.
#[derive(Clone, Debug)]
pub struct Unwrapped<'a> {
    message_id: Option<Cow<'a, str>>,
    text: Result<Cow<'a, str>, DecodeError>,
    /// The layers around the text, innermost first.
    layers: Vec<Layer>,
}

impl<'a> Unwrapped<'a> {
    fn new(text: Cow<'a, str>) -> Self {
        Self {
            message_id: None,
            text: Ok(text),
            layers: Vec::new(),
        }
    }

    fn failed(message_id: Option<Cow<'a, str>>, error: DecodeError) -> Self {
        Self {
            message_id,
            text: Err(error),
            layers: Vec::new(),
        }
    }

    /// Adds the layer this message was inside; the layer's message id, when it has one, is the
    /// message's (an SQS consumer deletes by the SQS id, not by that of the SNS notification
    /// inside).
    fn within(mut self, layer: Layer, message_id: Option<Cow<'a, str>>) -> Self {
        self.text = match self.text {
            Ok(text) => {
                self.layers.push(layer);
                Ok(text)
            }
            Err(error) => Err(error.within(layer)),
        };
        if message_id.is_some() {
            self.message_id = message_id;
        }
        self
    }

    /// The SQS or SNS message id, when an envelope carries one.
    pub fn message_id(&self) -> Option<&str> {
        self.message_id.as_deref()
    }

    /// The message's text, or why the envelope around it could not be read.
    pub fn text(&self) -> Result<&str, &DecodeError> {
        self.text.as_deref()
    }

    /// Decodes the text with `decode`; its errors are placed inside this message's layers.
    pub fn decode<T>(self, decode: impl FnOnce(&str) -> Result<T, DecodeError>) -> Received<T> {
        let layers = self.layers;
        let result = self.text.and_then(|text| {
            decode(&text).map_err(|error| layers.into_iter().fold(error, DecodeError::within))
        });
        Received {
            message_id: self.message_id.map(Cow::into_owned),
            result,
        }
    }
}

/// Takes every message out of `input`, in the given envelope or the one its shape shows with
/// [`Envelope::Auto`]: one for a bare message, an SQS message or an SNS notification, one per
/// record of a Lambda batch. Input that is not UTF-8 or matches no envelope gives one message
/// holding the error.
///
/// ```
/// use bridgecraft_factory::{Envelope, unwrap};
///
/// let sqs = r#"{"MessageId":"m-1","Body":"{\"hello\":\"world\"}"}"#;
/// let messages = unwrap(sqs.as_bytes(), Envelope::Auto);
/// assert_eq!(messages[0].message_id(), Some("m-1"));
/// assert_eq!(messages[0].text(), Ok(r#"{"hello":"world"}"#));
/// ```
pub fn unwrap(input: &[u8], envelope: Envelope) -> Vec<Unwrapped<'_>> {
    let text = match std::str::from_utf8(input) {
        Ok(text) => text,
        Err(error) => {
            let layer = match envelope {
                Envelope::Auto | Envelope::Event => Layer::Event,
                Envelope::Sqs => Layer::SqsMessage,
                Envelope::Sns => Layer::SnsNotification,
                Envelope::LambdaSqs => Layer::LambdaSqsEvent,
                Envelope::LambdaSns => Layer::LambdaSnsEvent,
            };
            return vec![Unwrapped::failed(None, utf8_error(layer, error))];
        }
    };
    let shape = match envelope {
        Envelope::Auto => shape(text),
        Envelope::Event => Shape::Event,
        Envelope::Sqs => shape_if(text, Shape::SqsReceive, Shape::SqsMessage),
        Envelope::Sns => shape_if(text, Shape::SqsMessage, Shape::SnsNotification),
        Envelope::LambdaSqs => shape_if(text, Shape::LambdaSqsRecord, Shape::LambdaSqs),
        Envelope::LambdaSns => shape_if(text, Shape::LambdaSnsRecord, Shape::LambdaSns),
    };
    match shape {
        Shape::Event => vec![Unwrapped::new(Cow::Borrowed(text))],
        Shape::SqsMessage => vec![sqs_message(text)],
        Shape::SqsReceive => batch(text, Layer::SqsReceive, sqs_message),
        Shape::SnsNotification => vec![sns_notification(text)],
        Shape::LambdaSqs => lambda_sqs(text),
        Shape::LambdaSns => lambda_sns(text),
        Shape::LambdaSqsRecord => lone_record(text, lambda_sqs_record),
        Shape::LambdaSnsRecord => lone_record(text, lambda_sns_record),
    }
}

/// Takes every message out of `input` (see [`unwrap`]) and decodes each with `decode`.
pub(crate) fn decode_each<T>(
    input: &[u8],
    envelope: Envelope,
    decode: impl Fn(&str) -> Result<T, DecodeError>,
) -> Vec<Received<T>> {
    unwrap(input, envelope)
        .into_iter()
        .map(|message| message.decode(&decode))
        .collect()
}

/// The body of an SQS message: the message itself, or an SNS notification around it.
pub(crate) fn sqs_body(body: &str) -> Unwrapped<'_> {
    match shape(body) {
        Shape::SnsNotification => sns_notification(body),
        _ => Unwrapped::new(Cow::Borrowed(body)),
    }
}

/// A body unescaped from a JSON string owns its text; what is inside it borrows from that, so
/// it is made owned before the body goes.
fn owned_body(body: Cow<'_, str>) -> Unwrapped<'static> {
    let inner = sqs_body(&body);
    Unwrapped {
        message_id: inner.message_id.map(|id| Cow::Owned(id.into_owned())),
        text: inner.text.map(|text| Cow::Owned(text.into_owned())),
        layers: inner.layers,
    }
}

/// The body of an SQS message, borrowed from the input when it was recorded as an object and
/// owned when it was a JSON string.
fn body_of<'a>(body: Cow<'a, str>) -> Unwrapped<'a> {
    match body {
        Cow::Borrowed(body) => sqs_body(body),
        Cow::Owned(body) if shape(&body) != Shape::SnsNotification => {
            Unwrapped::new(Cow::Owned(body))
        }
        owned => owned_body(owned),
    }
}

#[derive(Deserialize)]
struct SqsMessage<'a> {
    #[serde(rename = "MessageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(rename = "Body", borrow)]
    body: &'a RawValue,
}

/// Just the id, to name a message whose other parts are broken.
#[derive(Deserialize)]
struct MessageIdOnly<'a> {
    #[serde(rename = "MessageId", alias = "messageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
}

fn message_id_of(text: &str) -> Option<Cow<'_, str>> {
    serde_json::from_str::<MessageIdOnly<'_>>(text)
        .ok()
        .and_then(|only| only.message_id)
}

/// An SQS message whose `Body` is a JSON string, as on the wire: read and unescaped in one pass.
#[derive(Deserialize)]
struct SqsWireMessage<'a> {
    #[serde(rename = "MessageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(rename = "Body", borrow)]
    body: Cow<'a, str>,
}

pub(crate) fn sqs_message(text: &str) -> Unwrapped<'_> {
    if let Ok(message) = serde_json::from_str::<SqsWireMessage<'_>>(text) {
        return body_of(message.body).within(Layer::SqsMessage, message.message_id);
    }
    // A Body recorded as an object, or a message that is broken somewhere.
    let message = match parse_layer::<SqsMessage<'_>>(text, Layer::SqsMessage) {
        Ok(message) => message,
        Err(error) => return Unwrapped::failed(message_id_of(text), error),
    };
    match inner_text(message.body, Layer::SqsMessage, "Body") {
        Ok(body) => body_of(body).within(Layer::SqsMessage, message.message_id),
        Err(error) => Unwrapped::failed(message.message_id, error),
    }
}

#[derive(Deserialize)]
struct SnsNotification<'a> {
    #[serde(rename = "Type", borrow)]
    kind: Cow<'a, str>,
    #[serde(rename = "MessageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(rename = "Message", borrow)]
    message: Cow<'a, str>,
}

pub(crate) fn sns_notification(text: &str) -> Unwrapped<'_> {
    let notification = match parse_layer::<SnsNotification<'_>>(text, Layer::SnsNotification) {
        Ok(notification) => notification,
        Err(error) => return Unwrapped::failed(message_id_of(text), error),
    };
    if notification.kind != "Notification" {
        let error = DecodeError::new(
            Layer::SnsNotification,
            "Type",
            format!("expected `Notification`, found `{}`", notification.kind),
        );
        return Unwrapped::failed(notification.message_id, error);
    }
    Unwrapped::new(notification.message).within(Layer::SnsNotification, notification.message_id)
}

#[derive(Deserialize)]
struct Batch<'a> {
    /// `Records` of a Lambda event, `Messages` of a `ReceiveMessage` output.
    #[serde(rename = "Records", alias = "Messages", borrow)]
    records: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct LambdaSqsRecord<'a> {
    #[serde(rename = "messageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    body: &'a RawValue,
}

#[derive(Deserialize)]
struct LambdaSqsWireRecord<'a> {
    #[serde(rename = "messageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    body: Cow<'a, str>,
}

#[derive(Deserialize)]
struct LambdaSnsRecord<'a> {
    #[serde(rename = "Sns", borrow)]
    sns: &'a RawValue,
}

/// Reads `Records` (or `Messages`), then each record on its own so that one broken record stays
/// in its place.
fn batch<'a>(
    text: &'a str,
    layer: Layer,
    record: impl Fn(&'a str) -> Unwrapped<'a>,
) -> Vec<Unwrapped<'a>> {
    let records = match parse_layer::<Batch<'_>>(text, layer.clone()) {
        Ok(batch) => batch.records,
        Err(error) => return vec![Unwrapped::failed(None, error)],
    };
    records
        .into_iter()
        .enumerate()
        .map(|(index, raw)| {
            record(raw.get())
                .within(Layer::Record { index }, None)
                .within(layer.clone(), None)
        })
        .collect()
}

/// An error in a record's own fields: the batch adds the record's layer, with its index.
fn record_error(mut error: DecodeError) -> DecodeError {
    error.layers.clear();
    error
}

pub(crate) fn lambda_sqs(text: &str) -> Vec<Unwrapped<'_>> {
    batch(text, Layer::LambdaSqsEvent, lambda_sqs_record)
}

pub(crate) fn lambda_sns(text: &str) -> Vec<Unwrapped<'_>> {
    batch(text, Layer::LambdaSnsEvent, lambda_sns_record)
}

/// One record of a Lambda SQS event: the message in its `body`, with its `messageId`. Its
/// errors leave the record's layer to the caller.
fn lambda_sqs_record(record: &str) -> Unwrapped<'_> {
    if let Ok(wire) = serde_json::from_str::<LambdaSqsWireRecord<'_>>(record) {
        let mut body = body_of(wire.body);
        body.message_id = wire.message_id.or(body.message_id);
        return body;
    }
    let parsed = match parse_layer::<LambdaSqsRecord<'_>>(record, Layer::Record { index: 0 }) {
        Ok(parsed) => parsed,
        Err(error) => return Unwrapped::failed(message_id_of(record), record_error(error)),
    };
    match inner_text(parsed.body, Layer::Record { index: 0 }, "body") {
        Ok(body) => {
            let mut body = body_of(body);
            body.message_id = parsed.message_id.or(body.message_id);
            body
        }
        Err(error) => Unwrapped::failed(parsed.message_id, record_error(error)),
    }
}

/// One record of a Lambda SNS event: the notification in its `Sns`.
fn lambda_sns_record(record: &str) -> Unwrapped<'_> {
    match parse_layer::<LambdaSnsRecord<'_>>(record, Layer::Record { index: 0 }) {
        Ok(parsed) => sns_notification(parsed.sns.get()),
        Err(error) => Unwrapped::failed(None, record_error(error)),
    }
}

/// A record of a Lambda batch saved on its own, named as the batch's only record.
fn lone_record<'a>(text: &'a str, record: fn(&'a str) -> Unwrapped<'a>) -> Vec<Unwrapped<'a>> {
    vec![record(text).within(Layer::Record { index: 0 }, None)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_told_apart_by_their_keys() {
        assert_eq!(shape(r#"{"version":"0","detail":{}}"#), Shape::Event);
        assert_eq!(
            shape(r#" { "Type" : "Notification", "Message": "{}"}"#),
            Shape::SnsNotification
        );
        assert_eq!(shape(r#"{"MessageId":"1","Body":"{}"}"#), Shape::SqsMessage);
        assert_eq!(shape(r#"{"Messages":[]}"#), Shape::SqsReceive);
        assert_eq!(
            shape(r#"{"messageId":"1","body":"{}"}"#),
            Shape::LambdaSqsRecord
        );
        assert_eq!(
            shape(r#"{"attributes":{},"body":"{}"}"#),
            Shape::LambdaSqsRecord
        );
        assert_eq!(
            shape(r#"{"EventSource":"aws:sns","Sns":{}}"#),
            Shape::LambdaSnsRecord
        );
        assert_eq!(
            shape(r#"{"ResponseMetadata":{},"Messages":[]}"#),
            Shape::SqsReceive
        );
        assert_eq!(
            shape(r#"{"MessageId":"1","Type":"Notification","Message":"{}"}"#),
            Shape::SnsNotification
        );
        assert_eq!(
            shape(r#"{"Records":[{"messageId":"1","body":"{}"}]}"#),
            Shape::LambdaSqs
        );
        assert_eq!(
            shape(r#"{"Records":[{"EventSource":"aws:sns","Sns":{}}]}"#),
            Shape::LambdaSns
        );
        assert_eq!(shape("not json"), Shape::Event);
    }

    #[test]
    fn envelope_names_round_trip() {
        for envelope in Envelope::ALL {
            assert_eq!(envelope.name().parse::<Envelope>(), Ok(envelope));
        }
        assert!("kinesis".parse::<Envelope>().is_err());
    }
}
