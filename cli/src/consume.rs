//! `bridgecraft consume`: one JSON line per message received from a queue, through the same
//! `Consumer` a worker runs.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use bridgecraft_factory::{AwsFactory, Decoded};
use bridgecraft_router::{Delivery, HandlerError};
use bridgecraft_sqs::{Consumer, OnDecodeError};
use serde::Serialize;

#[derive(clap::Args)]
pub struct ConsumeArgs {
    /// The queue to read.
    #[arg(long)]
    queue_url: String,
    /// An SQS endpoint other than AWS's, such as a local server.
    #[arg(long)]
    endpoint_url: Option<String>,
    /// The region, instead of the one the environment or profile names.
    #[arg(long)]
    region: Option<String>,
    /// Delete the messages that decoded (typed or unknown); errors stay on the queue.
    #[arg(long)]
    delete: bool,
    /// Stop after this many seconds with nothing received.
    #[arg(long, value_name = "SECS")]
    idle_exit: Option<u64>,
    /// Stop after this many messages.
    #[arg(long, value_name = "N")]
    max: Option<u64>,
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

impl Line<'_> {
    /// Writes the line whole, so that lines of messages handled at once do not mix.
    fn print(&self) -> io::Result<()> {
        let mut line = serde_json::to_vec(self).map_err(io::Error::other)?;
        line.push(b'\n');
        io::stdout().lock().write_all(&line)
    }
}

/// Prints a line for a message that decoded; `Ok` lets the consumer delete it when asked to.
async fn print_event(delivery: Delivery<bridgecraft_events::Detail>) -> Result<(), HandlerError> {
    let event = &delivery.event;
    let (status, type_name) = match event {
        Decoded::Typed(typed) => ("typed", Some(typed.detail.type_name())),
        Decoded::Unknown(_) => ("unknown", None),
    };
    Line {
        message_id: delivery.message_id.as_deref().unwrap_or_default(),
        status,
        type_name,
        source: Some(event.source()),
        detail_type: Some(event.detail_type()),
        error: None,
    }
    .print()?;
    Ok(())
}

/// Runs `bridgecraft consume` until `--max`, `--idle-exit`, Ctrl-C or the first failed
/// receive. Credentials come from the usual AWS chain (environment, profile, ...).
pub fn main(args: ConsumeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("bridgecraft: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let client =
            bridgecraft_sqs::client(args.endpoint_url.as_deref(), args.region.as_deref()).await;
        let mut consumer = Consumer::new(client, args.queue_url, AwsFactory::aws(), print_event)
            .delete_handled(args.delete)
            .on_decode_error(OnDecodeError::Leave)
            .report_decode_errors(|message_id, error| {
                let line = Line {
                    message_id,
                    status: "error",
                    type_name: None,
                    source: None,
                    detail_type: None,
                    error: Some(error.to_string()),
                };
                if let Err(error) = line.print() {
                    eprintln!("bridgecraft: cannot write output: {error}");
                }
            })
            .max_receive_failures(1);
        if let Some(max) = args.max {
            consumer = consumer.max_messages(max);
        }
        if let Some(idle) = args.idle_exit {
            consumer = consumer.idle_timeout(Duration::from_secs(idle));
        }
        consumer
            .run(async {
                // Without a signal handler the consumer runs until another limit stops it.
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            })
            .await
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bridgecraft: {error}");
            ExitCode::FAILURE
        }
    }
}
