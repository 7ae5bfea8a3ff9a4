//! `bridgecraft consume`: one JSON line per message received from a queue, through the same
//! `Consumer` a worker runs, and with `--rules` each event delivered to the webhook targets
//! whose pattern or filter matches it.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bridgecraft_factory::{AwsFactory, Decoded};
use bridgecraft_router::{Delivery, HandlerError};
use bridgecraft_sqs::{Consumer, OnDecodeError};
use serde::Serialize;

use crate::rules::{self, Outcome, Target};

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
    /// Deliver each event to the webhook targets of this TOML file whose pattern or filter
    /// matches it. The file is validated whole first: any error stops the command, with every
    /// error listed. With `--delete`, a message is deleted only once every matching target
    /// took it; one that any target refused stays on the queue for its dead-letter policy.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Long-poll for at most this many seconds (up to 20); Ctrl-C waits for the poll in
    /// progress, so this also bounds how long stopping takes.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    wait: u64,
    /// Stop with an error after this many receives in a row failed. By default an endpoint
    /// that cannot be reached, stalls or fails is retried, with growing pauses, for as long as
    /// it takes; errors no retry fixes (a missing queue, refused credentials) stop at once.
    #[arg(long, value_name = "N")]
    give_up_after: Option<u32>,
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
    /// With `--rules`: the targets that took the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    delivered: Option<Vec<&'a str>>,
    /// With `--rules`: the targets that did not, with why.
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<BTreeMap<&'a str, String>>,
}

impl Line<'_> {
    /// Writes the line whole, so that lines of messages handled at once do not mix.
    fn print(&self) -> io::Result<()> {
        let mut line = serde_json::to_vec(self).map_err(io::Error::other)?;
        line.push(b'\n');
        io::stdout().lock().write_all(&line)
    }
}

/// Prints a line for a message that decoded, after delivering it to the matching targets;
/// `Ok` (every matching target took it) lets the consumer delete it when asked to.
async fn handle(
    targets: &[Target],
    delivery: Delivery<bridgecraft_events::Detail>,
) -> Result<(), HandlerError> {
    let event = &delivery.event;
    let (status, type_name) = match event {
        Decoded::Typed(typed) => ("typed", Some(typed.detail.type_name())),
        Decoded::Unknown(_) => ("unknown", None),
    };
    let mut delivered = Vec::new();
    let mut failed = BTreeMap::new();
    for target in targets.iter().filter(|target| target.matches(&delivery)) {
        match target.deliver(&delivery).await {
            Outcome::Delivered => delivered.push(target.name.as_str()),
            // EventBridge drops such an event for that target; so does a local bus.
            Outcome::NotDelivered(why) => {
                tracing::warn!(rule = %target.name, %why, "the transformed event is not delivered");
            }
            Outcome::Failed(why) => {
                failed.insert(target.name.as_str(), why);
            }
        }
    }
    let with_rules = !targets.is_empty();
    let failures = failed.len();
    Line {
        message_id: delivery.message_id.as_deref().unwrap_or_default(),
        status,
        type_name,
        source: Some(event.source()),
        detail_type: Some(event.detail_type()),
        error: None,
        delivered: with_rules.then_some(delivered),
        failed: with_rules.then_some(failed),
    }
    .print()?;
    if failures > 0 {
        return Err(format!("{failures} target(s) did not take the event").into());
    }
    Ok(())
}

/// Runs `bridgecraft consume` until `--max`, `--idle-exit`, Ctrl-C or the first failed
/// receive. Credentials come from the usual AWS chain (environment, profile, ...).
pub fn main(args: ConsumeArgs) -> ExitCode {
    let targets = match &args.rules {
        None => Vec::new(),
        Some(path) => match read_rules(path) {
            Ok(targets) => targets,
            Err(code) => return code,
        },
    };
    let targets = Arc::new(targets);
    // Outages, retries and failed deliveries are reported as warnings on standard error.
    let _ = tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
        .with_max_level(tracing::Level::WARN)
        .try_init();
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
        let handler = move |delivery| {
            let targets = targets.clone();
            async move { handle(&targets, delivery).await }
        };
        let mut consumer = Consumer::new(client, args.queue_url, AwsFactory::aws(), handler)
            .wait_time(Duration::from_secs(args.wait))
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
                    delivered: None,
                    failed: None,
                };
                if let Err(error) = line.print() {
                    eprintln!("bridgecraft: cannot write output: {error}");
                }
            });
        if let Some(max) = args.max {
            consumer = consumer.max_messages(max);
        }
        if let Some(attempts) = args.give_up_after {
            consumer = consumer.max_receive_failures(attempts);
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

/// Loads the rules file, printing every error it has.
fn read_rules(path: &std::path::Path) -> Result<Vec<Target>, ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        eprintln!("bridgecraft: cannot read {}: {error}", path.display());
        ExitCode::from(2)
    })?;
    rules::load(&text).map_err(|errors| {
        for error in &errors {
            // A message of several lines (CEL points at the column) stays under its error.
            let error = error.to_string().replace('\n', "\n    ");
            eprintln!("{}: {error}", path.display());
        }
        eprintln!(
            "bridgecraft: {} error(s) in {}; nothing was consumed",
            errors.len(),
            path.display()
        );
        ExitCode::from(2)
    })
}
