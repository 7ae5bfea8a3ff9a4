//! `bridgecraft`: command-line tools for EventBridge events.

#[cfg(feature = "consume")]
mod consume;
mod decode;
mod discover;
mod generate;
mod matching;
#[cfg(feature = "consume")]
mod rules;

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

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

    /// Infer a schema-registry document per event type from sample events.
    ///
    /// Reads events, SQS messages, SNS notifications and Lambda batches (one per file or as
    /// JSON lines), merges the samples of each `(source, detail-type)` and writes one OpenAPI 3
    /// document each, in the registry's format. Prints a line per document: `written`, `new`,
    /// `changed` (followed by what changed) or `unchanged`, the path and the samples merged,
    /// then a JSON line of counts. A progress bar shows on a terminal.
    Discover(discover::DiscoverArgs),

    /// Generate Rust types from registry documents, as a module tree to check in.
    ///
    /// The types decode tolerantly, as the AWS ones do, and need no dependency but
    /// `bridgecraft-events`. A `build.rs` does the same with `bridgecraft_codegen::Config`.
    Generate(generate::GenerateArgs),

    /// Receive messages from an SQS queue and print one JSON line per message.
    ///
    /// Each line has `message_id`, `status` (`typed`, `unknown` or `error`), the Rust `type`,
    /// `source`, `detail_type` and `error`. Credentials and region come from the usual AWS
    /// chain.
    #[cfg(feature = "consume")]
    Consume(consume::ConsumeArgs),

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

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Decode(args) => decode::main(args),
        Command::Discover(args) => discover::main(args),
        Command::Generate(args) => generate::main(args),
        #[cfg(feature = "consume")]
        Command::Consume(args) => consume::main(args),
        Command::Match { pattern, events } => exit_code(matching::run_match(
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
            exit_code(matching::run_transform(
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

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
