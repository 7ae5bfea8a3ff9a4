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

use crate::{DecodeError, DecodeResult, EventFactory, Layer, Record};

/// Which envelope an input is in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Envelope {
    /// Whichever the input's top-level keys show.
    #[default]
    Auto,
    /// A bare EventBridge event, as a Lambda target receives it.
    Event,
    /// An SQS message as `ReceiveMessage` returns it; its `Body` holds the event, or an SNS
    /// notification holding the event.
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
    SnsNotification,
    LambdaSqs,
    LambdaSns,
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
    if keys.body.is_some() {
        return Shape::SqsMessage;
    }
    if keys.message.is_some() && keys.sns_type.is_some() {
        return Shape::SnsNotification;
    }
    Shape::Event
}

pub(crate) fn decode<F: EventFactory + ?Sized>(
    factory: &F,
    input: &[u8],
    envelope: Envelope,
) -> Vec<Record<F::Detail>> {
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
            return vec![Record {
                message_id: None,
                result: Err(utf8_error(layer, error)),
            }];
        }
    };
    let shape = match envelope {
        Envelope::Auto => shape(text),
        Envelope::Event => Shape::Event,
        Envelope::Sqs => Shape::SqsMessage,
        Envelope::Sns => match shape(text) {
            Shape::SqsMessage => Shape::SqsMessage,
            _ => Shape::SnsNotification,
        },
        Envelope::LambdaSqs => Shape::LambdaSqs,
        Envelope::LambdaSns => Shape::LambdaSns,
    };
    match shape {
        Shape::Event => vec![Record {
            message_id: None,
            result: factory.decode_event(text),
        }],
        Shape::SqsMessage => vec![factory.decode_sqs_message(text)],
        Shape::SnsNotification => vec![factory.decode_sns_notification(text)],
        Shape::LambdaSqs => factory.decode_lambda_sqs(text),
        Shape::LambdaSns => factory.decode_lambda_sns(text),
    }
}

pub(crate) fn sqs_body<F: EventFactory + ?Sized>(
    factory: &F,
    body: &str,
) -> DecodeResult<F::Detail> {
    match shape(body) {
        Shape::SnsNotification => notification(factory, body).1,
        _ => factory.decode_event(body),
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

fn message_id_of(text: &str) -> Option<String> {
    serde_json::from_str::<MessageIdOnly<'_>>(text)
        .ok()
        .and_then(|only| only.message_id)
        .map(Cow::into_owned)
}

/// An SQS message whose `Body` is a JSON string, as on the wire: read and unescaped in one pass.
#[derive(Deserialize)]
struct SqsWireMessage<'a> {
    #[serde(rename = "MessageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(rename = "Body", borrow)]
    body: Cow<'a, str>,
}

pub(crate) fn sqs_message<F: EventFactory + ?Sized>(factory: &F, text: &str) -> Record<F::Detail> {
    if let Ok(message) = serde_json::from_str::<SqsWireMessage<'_>>(text) {
        return Record {
            result: sqs_body(factory, &message.body)
                .map_err(|error| error.within(Layer::SqsMessage)),
            message_id: message.message_id.map(Cow::into_owned),
        };
    }
    // A Body recorded as an object, or a message that is broken somewhere.
    let message = match parse_layer::<SqsMessage<'_>>(text, Layer::SqsMessage) {
        Ok(message) => message,
        Err(error) => {
            return Record {
                message_id: message_id_of(text),
                result: Err(error),
            };
        }
    };
    let result = inner_text(message.body, Layer::SqsMessage, "Body")
        .and_then(|body| sqs_body(factory, &body).map_err(|error| error.within(Layer::SqsMessage)));
    Record {
        message_id: message.message_id.map(Cow::into_owned),
        result,
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

/// The notification's message id and the event inside it.
fn notification<F: EventFactory + ?Sized>(
    factory: &F,
    text: &str,
) -> (Option<String>, DecodeResult<F::Detail>) {
    let notification = match parse_layer::<SnsNotification<'_>>(text, Layer::SnsNotification) {
        Ok(notification) => notification,
        Err(error) => return (message_id_of(text), Err(error)),
    };
    let message_id = notification.message_id.map(Cow::into_owned);
    if notification.kind != "Notification" {
        let error = DecodeError::new(
            Layer::SnsNotification,
            "Type",
            format!("expected `Notification`, found `{}`", notification.kind),
        );
        return (message_id, Err(error));
    }
    let result = factory
        .decode_event(&notification.message)
        .map_err(|error| error.within(Layer::SnsNotification));
    (message_id, result)
}

pub(crate) fn sns_notification<F: EventFactory + ?Sized>(
    factory: &F,
    text: &str,
) -> Record<F::Detail> {
    let (message_id, result) = notification(factory, text);
    Record { message_id, result }
}

#[derive(Deserialize)]
struct Batch<'a> {
    #[serde(rename = "Records", borrow)]
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

/// Reads `Records`, then each record on its own so that one broken record stays in its place.
fn batch<D>(text: &str, layer: Layer, record: impl Fn(&str) -> Record<D>) -> Vec<Record<D>> {
    let records = match parse_layer::<Batch<'_>>(text, layer.clone()) {
        Ok(batch) => batch.records,
        Err(error) => {
            return vec![Record {
                message_id: None,
                result: Err(error),
            }];
        }
    };
    records
        .into_iter()
        .enumerate()
        .map(|(index, raw)| {
            let mut decoded = record(raw.get());
            decoded.result = decoded
                .result
                .map_err(|error| error.within(Layer::Record { index }).within(layer.clone()));
            decoded
        })
        .collect()
}

pub(crate) fn lambda_sqs<F: EventFactory + ?Sized>(
    factory: &F,
    text: &str,
) -> Vec<Record<F::Detail>> {
    batch(text, Layer::LambdaSqsEvent, |record| {
        if let Ok(wire) = serde_json::from_str::<LambdaSqsWireRecord<'_>>(record) {
            return Record {
                result: sqs_body(factory, &wire.body),
                message_id: wire.message_id.map(Cow::into_owned),
            };
        }
        let parsed = match parse_layer::<LambdaSqsRecord<'_>>(record, Layer::Record { index: 0 }) {
            Ok(parsed) => parsed,
            Err(mut error) => {
                // The batch adds the record's own layer with its index.
                error.layers.clear();
                return Record {
                    message_id: message_id_of(record),
                    result: Err(error),
                };
            }
        };
        let result = match inner_text(parsed.body, Layer::Record { index: 0 }, "body") {
            Ok(body) => sqs_body(factory, &body),
            Err(mut error) => {
                error.layers.clear();
                Err(error)
            }
        };
        Record {
            message_id: parsed.message_id.map(Cow::into_owned),
            result,
        }
    })
}

pub(crate) fn lambda_sns<F: EventFactory + ?Sized>(
    factory: &F,
    text: &str,
) -> Vec<Record<F::Detail>> {
    batch(text, Layer::LambdaSnsEvent, |record| {
        match parse_layer::<LambdaSnsRecord<'_>>(record, Layer::Record { index: 0 }) {
            Ok(parsed) => sns_notification(factory, parsed.sns.get()),
            Err(mut error) => {
                error.layers.clear();
                Record {
                    message_id: None,
                    result: Err(error),
                }
            }
        }
    })
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
