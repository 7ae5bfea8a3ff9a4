//! Decodes the given event files with `AwsFactory` over and over for a few seconds and prints
//! one JSON line: events per second and how many of the files came out typed, unknown or in
//! error. `benches/compare/run.sh` runs it next to the Python libraries on the same files.
//!
//! ```sh
//! cargo run --release -p bridgecraft-factory --example throughput -- [--seconds N] FILE...
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use bridgecraft_factory::{AwsFactory, Decoded, EventFactory};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut seconds = 3.0;
    if args.peek().map(String::as_str) == Some("--seconds") {
        args.next();
        seconds = match args.next().and_then(|s| s.parse().ok()) {
            Some(seconds) => seconds,
            None => {
                eprintln!("--seconds needs a number");
                std::process::exit(2);
            }
        };
    }
    let events: Vec<String> = args
        .map(|file| {
            std::fs::read_to_string(&file).unwrap_or_else(|error| {
                eprintln!("{file}: {error}");
                std::process::exit(2);
            })
        })
        .collect();
    if events.is_empty() {
        eprintln!("usage: throughput [--seconds N] FILE...");
        std::process::exit(2);
    }

    let factory = AwsFactory::aws();
    let (mut typed, mut unknown, mut error) = (0, 0, 0);
    for event in &events {
        match factory.decode_event(event) {
            Ok(Decoded::Typed(_)) => typed += 1,
            Ok(Decoded::Unknown(_)) => unknown += 1,
            Err(_) => error += 1,
        }
    }

    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut decoded = 0u64;
    while start.elapsed() < budget {
        for event in &events {
            black_box(factory.decode_event(black_box(event)).ok());
        }
        decoded += events.len() as u64;
    }
    let rate = decoded as f64 / start.elapsed().as_secs_f64();
    println!(
        r#"{{"tool":"bridgecraft AwsFactory","events_per_s":{rate:.0},"typed":{typed},"unknown":{unknown},"error":{error}}}"#
    );
}
