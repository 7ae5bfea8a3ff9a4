//! Lambda functions invoked in-process, through lambda_runtime's types, for each trigger.

mod eventbridge;
mod sns;
mod sqs;
mod support;
