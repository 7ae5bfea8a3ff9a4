//! Why an invocation failed.

use bridgecraft_factory::DecodeError;
use bridgecraft_router::HandlerError;
use lambda_runtime::Diagnostic;

/// Why an invocation failed. Lambda then retries it (or, for an SQS batch, all of its
/// records), as the trigger's retry policy says.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FunctionError {
    /// The event did not decode.
    #[error("the event does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The handler failed.
    #[error("the handler failed: {0}")]
    Handler(HandlerError),
    /// An earlier record of this FIFO batch, or of this record's message group, failed: this
    /// one was not handled, so that the queue keeps their order.
    #[error("an earlier record of its FIFO batch or message group failed")]
    Skipped,
    /// An SQS record without a message id failed, so the partial batch response cannot name it:
    /// the whole batch is delivered again.
    #[error("a record without a message id failed: {0}")]
    Unidentified(Box<FunctionError>),
    /// An SNS record failed; the others of the invocation were handled.
    #[error("SNS message {message_id} failed: {error}")]
    Record {
        /// The SNS message id.
        message_id: String,
        /// Why it failed.
        error: Box<FunctionError>,
    },
}

impl FunctionError {
    fn kind(&self) -> &'static str {
        match self {
            FunctionError::Decode(_) => "DecodeError",
            FunctionError::Handler(_) => "HandlerError",
            FunctionError::Skipped => "Skipped",
            FunctionError::Unidentified(_) => "UnidentifiedRecord",
            FunctionError::Record { error, .. } => error.kind(),
        }
    }
}

impl From<FunctionError> for Diagnostic {
    fn from(error: FunctionError) -> Self {
        Diagnostic {
            error_type: error.kind().to_owned(),
            error_message: error.to_string(),
        }
    }
}
