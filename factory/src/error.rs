//! Decoding errors that say where they happened: which envelope layer, which JSON path, and
//! what was expected there.

use std::borrow::Cow;
use std::fmt;

/// One layer of wrapping around an event, outermost first in [`DecodeError::layers`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layer {
    /// The EventBridge event itself.
    Event,
    /// An SQS message as `ReceiveMessage` returns it, around its `Body`.
    SqsMessage,
    /// The output of `ReceiveMessage`, around its `Messages`.
    SqsReceive,
    /// An SNS `Notification`, around its `Message`.
    SnsNotification,
    /// A Lambda event from an SQS trigger, around its `Records`.
    LambdaSqsEvent,
    /// A Lambda event from an SNS trigger, around its `Records`.
    LambdaSnsEvent,
    /// A CloudEvent in structured JSON.
    CloudEvent,
    /// An idem event.
    IdemEvent,
    /// One record of a Lambda batch, or one message of a `ReceiveMessage` output.
    Record {
        /// Position in `Records` (or `Messages`), from 0.
        index: usize,
    },
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Event => f.write_str("event"),
            Layer::SqsMessage => f.write_str("sqs message"),
            Layer::SqsReceive => f.write_str("sqs receive output"),
            Layer::SnsNotification => f.write_str("sns notification"),
            Layer::LambdaSqsEvent => f.write_str("lambda sqs event"),
            Layer::LambdaSnsEvent => f.write_str("lambda sns event"),
            Layer::CloudEvent => f.write_str("cloudevent"),
            Layer::IdemEvent => f.write_str("idem event"),
            Layer::Record { index } => write!(f, "record {index}"),
        }
    }
}

/// Why an input could not be decoded.
///
/// It names the envelope layers from the outermost in, the JSON path inside the innermost layer
/// (`.` for the layer's root, `detail.state` for a field), and, when a detail type was being
/// decoded, that type's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub(crate) layers: Vec<Layer>,
    pub(crate) path: String,
    pub(crate) expected: Option<Cow<'static, str>>,
    pub(crate) message: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl DecodeError {
    /// The envelope layers the error is inside, outermost first; the last one failed.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The JSON path that failed, inside the innermost layer (`.` for its root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The detail type being decoded when the error happened: its Rust name when serde's
    /// derive gives it, else the `source` / `detail-type` pair it is registered under.
    pub fn expected_type(&self) -> Option<&str> {
        self.expected.as_deref()
    }

    /// What went wrong, as serde says it (`missing field `state``, `invalid type: ...`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Line and column in the innermost layer's text, from 1; 0 when not known.
    pub fn position(&self) -> (usize, usize) {
        (self.line, self.column)
    }

    /// Builds an error from serde_json's, at a path found by the caller.
    pub(crate) fn from_json(layer: Layer, path: String, error: &serde_json::Error) -> Self {
        let (line, column) = (error.line(), error.column());
        let text = error.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
        Self {
            layers: vec![layer],
            path,
            expected: None,
            message,
            line,
            column,
        }
    }

    /// An error with no position, such as a shape that matches no envelope.
    pub(crate) fn new(layer: Layer, path: &str, message: impl Into<String>) -> Self {
        Self {
            layers: vec![layer],
            path: path.to_owned(),
            expected: None,
            message: message.into(),
            line: 0,
            column: 0,
        }
    }

    /// The same error, seen from one layer further out.
    pub(crate) fn within(mut self, layer: Layer) -> Self {
        self.layers.insert(0, layer);
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, layer) in self.layers.iter().enumerate() {
            if i > 0 {
                f.write_str(" > ")?;
            }
            write!(f, "{layer}")?;
        }
        write!(f, " at `{}`: {}", self.path, self.message)?;
        if let Some(expected) = &self.expected {
            write!(f, " (decoding {expected})")?;
        }
        if self.line > 0 {
            write!(f, " at line {} column {}", self.line, self.column)?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_layers_path_and_type() {
        let json_error = serde_json::from_str::<u32>("\"x\"").unwrap_err();
        let mut error = DecodeError::from_json(Layer::Event, "detail.count".into(), &json_error)
            .within(Layer::Record { index: 2 })
            .within(Layer::LambdaSqsEvent);
        error.expected = Some("Counter".into());
        assert_eq!(
            error.to_string(),
            "lambda sqs event > record 2 > event at `detail.count`: invalid type: string \"x\", \
             expected u32 (decoding Counter) at line 1 column 3"
        );
        assert_eq!(error.message(), "invalid type: string \"x\", expected u32");
    }
}
