//! Follows idem runs: reads idem events, one JSON document per line, from the files named on the
//! command line, keeps the streams chosen by glob (`idem-run`, `idem-status` by default, or the
//! globs in `IDEM_STREAMS`, comma-separated), and prints each state's result:
//!
//! ```text
//! IDEM_STREAMS='idem-*' cargo run -p bridgecraft-factory --features select --example idem -- events.jsonl
//! ```

use bridgecraft_factory::keyed::idem::{Idem, IdemDetail, IdemFactory};
use bridgecraft_factory::{Payload, Select};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let streams = std::env::var("IDEM_STREAMS").unwrap_or_else(|_| "idem-run,idem-status".into());
    let factory =
        IdemFactory::<IdemDetail, _>::new(Idem).select(Select::globs(streams.split(','))?);
    for path in std::env::args().skip(1) {
        for (line, json) in std::fs::read_to_string(&path)?.lines().enumerate() {
            let event = match factory.decode_event(json) {
                Ok(event) => event,
                Err(error) => {
                    eprintln!("{path}:{}: {error}", line + 1);
                    continue;
                }
            };
            let run = event.run_name.as_deref().unwrap_or("-");
            match &event.message {
                Payload::Typed(IdemDetail::Status(status)) => println!("{run}: {status:?}"),
                Payload::Typed(IdemDetail::StateResult(result)) => println!(
                    "{run}: {} {}",
                    result.tag.as_deref().unwrap_or("?"),
                    if result.state.result == Some(true) {
                        "ok"
                    } else {
                        "failed"
                    }
                ),
                _ => {}
            }
        }
    }
    Ok(())
}
