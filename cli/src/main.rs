//! `bridgecraft`: command-line tools for EventBridge events.

mod decode;

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "bridgecraft", version, about = "Typed AWS EventBridge events")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode events and say, for each, whether it is typed, unknown or an error.
    ///
    /// Prints one line per event: PATH, `typed`, `unknown` or `error`, then the Rust type, the
    /// unknown pair and why, or the error with its JSON path. A batch (a Lambda SQS or SNS
    /// event) gives one line per record; a line whose envelope has a message id (SQS, SNS,
    /// Lambda records) ends with it. Exits non-zero when any input is an error.
    Decode(decode::DecodeArgs),

    /// Receive messages from an SQS queue and print one JSON line per message.
    ///
    /// Each line has `message_id`, `status` (`typed`, `unknown` or `error`), the Rust `type`,
    /// `source`, `detail_type` and `error`. Credentials and region come from the usual AWS
    /// chain.
    #[cfg(feature = "sqs")]
    Consume(ConsumeArgs),

    /// Print `true` or `false` for each event file, as EventBridge would match the pattern.
    ///
    /// An invalid pattern exits 2 with AWS's message. `@FILE` reads the pattern from a file.
    Match {
        /// The event pattern, as JSON, or `@FILE`.
        #[arg(long)]
        pattern: String,
        /// Files holding one EventBridge event each.
        #[arg(required = true)]
        events: Vec<PathBuf>,
    },

    /// Print what an input transformer makes of an event, as a rule's target would receive it.
    ///
    /// A transformer AWS would reject exits 2; an output EventBridge would not deliver exits 3.
    /// `@FILE` reads either argument from a file.
    Transform {
        /// The `InputPathsMap`, as JSON, or `@FILE`.
        #[arg(long)]
        input_paths_map: String,
        /// The `InputTemplate`, or `@FILE`.
        #[arg(long)]
        input_template: String,
        /// The rule name for `<aws.events.rule-name>` and `<aws.events.rule-arn>`.
        #[arg(long)]
        rule_name: Option<String>,
        /// A file holding one EventBridge event.
        event: PathBuf,
    },
}

#[cfg(feature = "sqs")]
#[derive(clap::Args)]
struct ConsumeArgs {
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

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Decode(args) => decode::main(args),
        #[cfg(feature = "sqs")]
        Command::Consume(args) => consume(args),
        Command::Match { pattern, events } => exit_code(bridgecraft_patterns::cli::run_match(
            &pattern,
            &events,
            &mut io::stdout(),
            &mut io::stderr(),
        )),
        Command::Transform {
            input_paths_map,
            input_template,
            rule_name,
            event,
        } => {
            let rule = match rule_name {
                Some(name) => bridgecraft_patterns::RuleContext::local(&name),
                None => bridgecraft_patterns::RuleContext::default(),
            };
            exit_code(bridgecraft_patterns::cli::run_transform(
                &input_paths_map,
                &input_template,
                &event,
                &rule,
                &mut io::stdout(),
                &mut io::stderr(),
            ))
        }
    }
}

#[cfg(feature = "sqs")]
fn consume(args: ConsumeArgs) -> ExitCode {
    let args = bridgecraft_sqs::cli::ConsumeArgs {
        queue_url: args.queue_url,
        endpoint_url: args.endpoint_url,
        region: args.region,
        delete: args.delete,
        idle_exit: args.idle_exit.map(Duration::from_secs),
        max: args.max,
    };
    match bridgecraft_sqs::cli::run_consume(args, &mut io::stdout().lock()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bridgecraft: {error}");
            ExitCode::FAILURE
        }
    }
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
