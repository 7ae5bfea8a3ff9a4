//! `bridgecraft consume`: print one JSON line per message received from a queue.
//!
//! The `bridgecraft` binary parses the command line into [`ConsumeArgs`] and calls
//! [`run_consume`]; the logic lives here so that it is tested against a real queue.

use std::io::Write;
use std::time::{Duration, Instant};

use bridgecraft_factory::{AwsFactory, Decoded, EventFactory};
use serde::Serialize;

use crate::queue::{MAX_BATCH, MAX_WAIT, Queue, SqsError};

/// The options of `bridgecraft consume`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsumeArgs {
    /// `--queue-url URL`: the queue to read.
    pub queue_url: String,
    /// `--endpoint-url URL`: an SQS endpoint other than AWS's, such as a local server.
    pub endpoint_url: Option<String>,
    /// `--region R`: the region, instead of the one the environment or profile names.
    pub region: Option<String>,
    /// `--delete`: delete the messages that decoded (typed or unknown); errors stay.
    pub delete: bool,
    /// `--idle-exit SECS`: stop after this long with nothing received.
    pub idle_exit: Option<Duration>,
    /// `--max N`: stop after this many messages.
    pub max: Option<u64>,
}

/// What a run of `consume` saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConsumeSummary {
    /// Messages received, redeliveries included.
    pub received: u64,
    /// Messages that decoded into a known type.
    pub typed: u64,
    /// Messages that decoded as events of no known type.
    pub unknown: u64,
    /// Messages that did not decode.
    pub errors: u64,
    /// Messages deleted (with `--delete`).
    pub deleted: u64,
}

/// Why `consume` stopped early. The binary prints it and exits with status 1.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    /// An SQS call failed.
    #[error(transparent)]
    Sqs(#[from] SqsError),
    /// Writing a line failed.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs `bridgecraft consume`, decoding with every AWS type this build knows, and blocks until
/// it stops: after `--max` messages, after `--idle-exit` with nothing received, or at the first
/// failed SQS call. Credentials come from the usual AWS chain (environment, profile, ...).
pub fn run_consume(
    args: ConsumeArgs,
    out: &mut impl Write,
) -> Result<ConsumeSummary, ConsumeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ConsumeError::Runtime)?;
    runtime.block_on(async {
        let client = crate::client(args.endpoint_url.as_deref(), args.region.as_deref()).await;
        consume(client, &args, out).await
    })
}

/// One output line.
#[derive(Serialize)]
struct Line<'a> {
    message_id: &'a str,
    status: &'static str,
    #[serde(rename = "type")]
    type_name: Option<&'static str>,
    source: Option<&'a str>,
    detail_type: Option<&'a str>,
    error: Option<String>,
}

/// `consume` inside a runtime, with a client of the caller's: [`run_consume`] is this with the
/// client the arguments describe (whose endpoint and region this ignores).
pub async fn consume(
    client: aws_sdk_sqs::Client,
    args: &ConsumeArgs,
    out: &mut impl Write,
) -> Result<ConsumeSummary, ConsumeError> {
    let factory = AwsFactory::aws();
    let queue = Queue::new(client, args.queue_url.as_str());
    let mut summary = ConsumeSummary::default();
    let mut last_received = Instant::now();
    loop {
        let room = match args.max {
            Some(max) if summary.received >= max => break,
            Some(max) => (max - summary.received).min(MAX_BATCH as u64) as usize,
            None => MAX_BATCH,
        };
        let wait = match args.idle_exit {
            Some(idle_exit) => {
                let left = idle_exit.saturating_sub(last_received.elapsed());
                if left.is_zero() {
                    break;
                }
                // Whole seconds for SQS, rounded up: stopping a little late beats spinning.
                Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0))
            }
            None => MAX_WAIT,
        };
        let messages = queue.receive(room, wait.min(MAX_WAIT), None).await?;
        if messages.is_empty() {
            continue;
        }
        last_received = Instant::now();
        let mut decoded_receipts = Vec::new();
        for message in messages {
            summary.received += 1;
            let result = factory.decode_sqs_body(&message.body);
            let line = match &result {
                Ok(event) => {
                    let type_name = match event {
                        Decoded::Typed(typed) => {
                            summary.typed += 1;
                            Some(typed.detail.type_name())
                        }
                        Decoded::Unknown(_) => {
                            summary.unknown += 1;
                            None
                        }
                    };
                    decoded_receipts.push(message.receipt_handle);
                    Line {
                        message_id: &message.message_id,
                        status: if type_name.is_some() {
                            "typed"
                        } else {
                            "unknown"
                        },
                        type_name,
                        source: Some(event.source()),
                        detail_type: Some(event.detail_type()),
                        error: None,
                    }
                }
                Err(error) => {
                    summary.errors += 1;
                    Line {
                        message_id: &message.message_id,
                        status: "error",
                        type_name: None,
                        source: None,
                        detail_type: None,
                        error: Some(error.to_string()),
                    }
                }
            };
            serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        if args.delete && !decoded_receipts.is_empty() {
            let failed = queue.delete_batch(&decoded_receipts).await?;
            summary.deleted += (decoded_receipts.len() - failed.len()) as u64;
        }
    }
    Ok(summary)
}
