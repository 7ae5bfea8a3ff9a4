//! `bridgecraft discover`: sample events in, a registry document per event type out.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use bridgecraft_discover::{Catalog, Change, Error, SAMPLE_EXTENSIONS, Tally};

#[derive(clap::Args)]
pub struct DiscoverArgs {
    /// Sample files (one event, an envelope or a batch each, or JSON lines), or folders
    /// searched for `.json`, `.jsonl` and `.ndjson` files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,

    /// Write a document per event type below DIR, as `SOURCE/SOURCE@Name.json`.
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "merge",
        conflicts_with = "merge"
    )]
    out: Option<PathBuf>,

    /// Update the documents below DIR with the samples, keeping what they had, add documents
    /// for new types, and say what changed.
    #[arg(long, value_name = "DIR")]
    merge: Option<PathBuf>,
}

/// Runs `bridgecraft discover`.
pub fn main(args: DiscoverArgs) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(&args, &mut out);
    let flushed = out.flush();
    match (result, flushed) {
        (Ok(code), Ok(())) => code,
        (Err(error), _) => {
            eprintln!("bridgecraft: {error}");
            ExitCode::FAILURE
        }
        // A closed pipe (`| head`): nothing more can be said.
        (Ok(_), Err(_)) => ExitCode::FAILURE,
    }
}

fn run(args: &DiscoverArgs, out: &mut impl Write) -> Result<ExitCode, Error> {
    let (dir, before) = match (&args.merge, &args.out) {
        (Some(dir), _) => (dir, Catalog::read_documents(dir)?),
        (None, Some(dir)) => (dir, Catalog::new()),
        (None, None) => unreachable!("clap requires --out or --merge"),
    };
    let mut catalog = before.clone();
    let tally = read_samples(&mut catalog, &args.paths)?;
    for skip in &tally.skips {
        eprintln!("bridgecraft: skipped {skip}");
    }
    if tally.skipped > tally.skips.len() as u64 {
        eprintln!(
            "bridgecraft: skipped {} more",
            tally.skipped - tally.skips.len() as u64
        );
    }

    let written = catalog.write_to(dir)?;
    let mut counts =
        std::collections::BTreeMap::from([("changed", 0), ("unchanged", 0), ("written", 0)]);
    let io = |source| Error::Io {
        path: PathBuf::from("<stdout>"),
        source,
    };
    for update in catalog.updates(&before) {
        let path = dir.join(&update.document.path);
        let rewritten = written.contains(&path);
        let status = match (&update.change, args.merge.is_some()) {
            (Change::New, true) => "new",
            (Change::Changed(_), _) => "changed",
            // The shapes agree, but the file was written otherwise (by hand or by the registry).
            (Change::Unchanged, _) if rewritten => "reformatted",
            (_, false) if rewritten => "written",
            _ => "unchanged",
        };
        *counts
            .entry(if status == "new" { "written" } else { status })
            .or_default() += 1;
        let samples = update.document.samples;
        writeln!(out, "{status}\t{}\t{samples} samples", path.display()).map_err(io)?;
        if let Change::Changed(lines) = &update.change {
            for line in lines {
                writeln!(out, "\t{line}").map_err(io)?;
            }
        }
    }
    let summary = serde_json::json!({
        "values": tally.values,
        "events": tally.events,
        "skipped": tally.skipped,
        "types": counts.values().sum::<usize>(),
        "written": counts["written"],
        "changed": counts["changed"],
        "unchanged": counts["unchanged"],
        "reformatted": counts.get("reformatted").copied().unwrap_or(0),
    });
    writeln!(out, "{summary}").map_err(io)?;
    Ok(if tally.events == 0 {
        eprintln!("bridgecraft: no events found");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads every sample file into the catalog, with a progress bar over their bytes when
/// standard error is a terminal.
fn read_samples(catalog: &mut Catalog, paths: &[PathBuf]) -> Result<Tally, Error> {
    let files = bridgecraft_discover::files(paths, SAMPLE_EXTENSIONS);
    let progress = if io::stderr().is_terminal() {
        let total = files
            .iter()
            .filter_map(|file| std::fs::metadata(file).ok())
            .map(|metadata| metadata.len())
            .sum();
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {binary_bytes}/{binary_total_bytes} {msg} ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let mut tally = Tally::default();
    for file in &files {
        let io = |source| Error::Io {
            path: file.clone(),
            source,
        };
        let reader = std::fs::File::open(file).map_err(io)?;
        let origin = file.display().to_string();
        let read = match &progress {
            Some(bar) => catalog.read(bar.wrap_read(reader), &origin),
            None => catalog.read(reader, &origin),
        };
        tally.add(read.map_err(io)?);
        if let Some(bar) = &progress {
            bar.set_message(format!("{} events", tally.events));
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok(tally)
}
