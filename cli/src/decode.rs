//! `bridgecraft decode`: events from files, through the AWS factory, one line each.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bridgecraft_discover::{Catalog, Checked};
use bridgecraft_events::Relation;
use bridgecraft_events::tolerant::compact;
use bridgecraft_factory::{Aws, Decoded, Envelope, EventFactory, Factory, Or, Record, Strictness};

bridgecraft_factory::detail_enum! {
    /// A detail typed by a document of `--schemas`, checked against it, or by a generated
    /// AWS type.
    #[derive(Debug)]
    enum Detail {
        Schema(Checked),
        Aws(bridgecraft_events::Detail),
    }
}

/// The documents of `--schemas` first, then the AWS types this build generates.
type CliFactory = Factory<Detail, Or<Catalog, Aws>>;

#[derive(clap::Args)]
pub struct DecodeArgs {
    /// Files, or folders searched for `.json` files.
    #[arg(required_unless_present = "reencode")]
    paths: Vec<PathBuf>,

    /// Registry documents of your own event types (`*.json`, as `bridgecraft discover`
    /// writes them or the registry exports them), checked before the AWS types: an event of
    /// one is `typed` by the document's name, and where it does not fit is its drift.
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,

    /// The envelope the inputs are in.
    #[arg(long, default_value = "auto", value_parser = parse_envelope)]
    envelope: Envelope,

    /// Make a detail that does not fit its type (or its document) an error, instead of
    /// unknown with the reason (or typed with drift).
    #[arg(long)]
    strict: bool,

    /// After each event's line, print a line per place where it drifted from its schema:
    /// `PATH<TAB>drift<TAB>JSON_PATH<TAB>KIND<TAB>what the schema declares<TAB>what came`, the
    /// kind one of `unlisted`, `misfit`, `coerced`, `unknown value`, `invalid timestamp` (and,
    /// against users' schemas, `missing`).
    #[arg(long)]
    drift: bool,

    /// After each event's line, print a line per AWS resource it is about, those its detail
    /// names and then those of its `resources`:
    /// `CFN_TYPE<TAB>IDENTIFIER<TAB>REGION<TAB>ACCOUNT<TAB>ARN`, a column empty when unknown.
    /// Nothing is fetched.
    #[arg(long)]
    relations: bool,

    /// End with a JSON line counting files, records, typed, unknown and errors.
    #[arg(long)]
    summary: bool,

    /// Print the events decoded from FILE serialized back to JSON, one after the other: typed
    /// events in EventBridge's key order on one line, unknown events exactly as received.
    #[arg(long, value_name = "FILE")]
    reencode: Option<PathBuf>,
}

fn parse_envelope(name: &str) -> Result<Envelope, String> {
    name.parse()
        .map_err(|e: bridgecraft_factory::UnknownEnvelope| e.to_string())
}

#[derive(Default)]
struct Counts {
    files: usize,
    records: usize,
    typed: usize,
    unknown: usize,
    errors: usize,
}

/// Runs `bridgecraft decode`.
pub fn main(args: DecodeArgs) -> ExitCode {
    let strictness = if args.strict {
        Strictness::Strict
    } else {
        Strictness::Lenient
    };
    let catalog = match &args.schemas {
        Some(dir) => match Catalog::read_documents(dir) {
            Ok(catalog) => catalog,
            Err(error) => {
                eprintln!("bridgecraft: {error}");
                return ExitCode::FAILURE;
            }
        },
        None => Catalog::new(),
    };
    let factory = Factory::new(Or::new(catalog, Aws)).strictness(strictness);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(&factory, &args, &mut out).and_then(|counts| {
        out.flush()?;
        Ok(counts)
    });
    match result {
        Ok(counts) if counts.errors == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        // A closed pipe (`| head`) is not the inputs' fault, but nothing more can be said.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("bridgecraft: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(factory: &CliFactory, args: &DecodeArgs, out: &mut impl Write) -> io::Result<Counts> {
    let mut counts = Counts::default();
    if let Some(file) = &args.reencode {
        reencode(factory, file, args.envelope, out, &mut counts)?;
    }
    for path in &args.paths {
        for file in inputs(path) {
            decode_file(factory, &file, args, out, &mut counts)?;
        }
    }
    if args.summary {
        let summary = serde_json::json!({
            "files": counts.files,
            "records": counts.records,
            "typed": counts.typed,
            "unknown": counts.unknown,
            "error": counts.errors,
        });
        writeln!(out, "{summary}")?;
    }
    Ok(counts)
}

/// The files a path names: itself, or the `.json` files under a folder, sorted. A path that
/// does not exist is kept, so that reading it reports the error.
fn inputs(path: &Path) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    let mut folders = vec![path.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            files.push(folder);
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn decode_file(
    factory: &CliFactory,
    file: &Path,
    args: &DecodeArgs,
    out: &mut impl Write,
    counts: &mut Counts,
) -> io::Result<()> {
    counts.files += 1;
    let shown = file.display();
    let bytes = match read_input(file) {
        Ok(bytes) => bytes,
        Err(error) => {
            counts.records += 1;
            counts.errors += 1;
            return writeln!(out, "{shown}\terror\tcannot read: {error}");
        }
    };
    for record in factory.decode(&bytes, args.envelope) {
        counts.records += 1;
        let line = describe(&record, args.strict, counts);
        match &record.message_id {
            Some(id) => writeln!(out, "{shown}\t{line}\t{id}")?,
            None => writeln!(out, "{shown}\t{line}")?,
        }
        if args.relations {
            let relations = match &record.result {
                Ok(Decoded::Typed(event)) => match &event.detail {
                    Detail::Aws(detail) => event
                        .relations_with(bridgecraft_events::DetailSet::related_resources(detail)),
                    Detail::Schema(_) => event.relations_with(Vec::new()),
                },
                Ok(Decoded::Unknown(unknown)) => unknown.event.relations_with(Vec::new()),
                Err(_) => Vec::new(),
            };
            for relation in &relations {
                print_relation(relation, out)?;
            }
        }
        if args.drift {
            for drift in drift_of(&record) {
                writeln!(out, "{shown}\tdrift\t{drift}")?;
            }
        }
    }
    Ok(())
}

/// Where a record drifted from its schemas, a line each: `PATH<TAB>KIND<TAB>DECLARED<TAB>FOUND`.
fn drift_of(record: &Record<Detail>) -> Vec<String> {
    let (envelope, detail) = match &record.result {
        Ok(Decoded::Typed(event)) => (event.envelope_drift(), Some(&event.detail)),
        Ok(Decoded::Unknown(unknown)) => (unknown.event.envelope_drift(), None),
        Err(_) => (Vec::new(), None),
    };
    let mut lines: Vec<String> = envelope.iter().map(ToString::to_string).collect();
    match detail {
        Some(Detail::Aws(detail)) => {
            let mut drift = Vec::new();
            bridgecraft_events::DetailSet::inspect_drift(
                detail,
                &mut "detail".to_owned(),
                &mut drift,
            );
            lines.extend(drift.iter().map(ToString::to_string));
        }
        Some(Detail::Schema(checked)) => {
            lines.extend(checked.violations.iter().map(ToString::to_string));
        }
        None => {}
    }
    lines
}

/// `CFN_TYPE<TAB>IDENTIFIER<TAB>REGION<TAB>ACCOUNT<TAB>ARN`, with tabs and line breaks inside
/// a value escaped so that the line keeps its five columns.
fn print_relation(relation: &Relation<'_>, out: &mut impl Write) -> io::Result<()> {
    let columns = [
        relation.cloudformation_type.unwrap_or_default(),
        relation.identifier,
        relation.region.unwrap_or_default(),
        relation.account.unwrap_or_default(),
        relation.arn.as_deref().unwrap_or_default(),
    ];
    let columns: Vec<String> = columns
        .iter()
        .map(|column| {
            column
                .replace('\\', "\\\\")
                .replace('\t', "\\t")
                .replace('\n', "\\n")
                .replace('\r', "\\r")
        })
        .collect();
    writeln!(out, "{}", columns.join("\t"))
}

fn describe(record: &Record<Detail>, strict: bool, counts: &mut Counts) -> String {
    match &record.result {
        Ok(Decoded::Typed(event)) => match &event.detail {
            Detail::Aws(detail) => {
                counts.typed += 1;
                format!("typed\t{}", detail.type_name())
            }
            Detail::Schema(checked) => match checked.violations.first() {
                Some(violation) if strict => {
                    counts.errors += 1;
                    format!(
                        "error\tevent at `{}`: {} does not fit {} (decoding {})",
                        violation.path, violation.found, violation.declared, checked.schema
                    )
                }
                _ => {
                    counts.typed += 1;
                    format!("typed\t{}", checked.schema)
                }
            },
        },
        Ok(Decoded::Unknown(unknown)) => {
            counts.unknown += 1;
            format!(
                "unknown\t{} / {}: {}",
                unknown.event.source, unknown.event.detail_type, unknown.reason
            )
        }
        Err(error) => {
            counts.errors += 1;
            format!("error\t{error}")
        }
    }
}

/// The bytes of an input file, without the byte order mark an editor may have put first: AWS
/// never sends one, and JSON does not allow it.
fn read_input(file: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = std::fs::read(file)?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    Ok(bytes)
}

fn reencode(
    factory: &CliFactory,
    file: &Path,
    envelope: Envelope,
    out: &mut impl Write,
    counts: &mut Counts,
) -> io::Result<()> {
    counts.files += 1;
    let bytes = match read_input(file) {
        Ok(bytes) => bytes,
        Err(error) => {
            counts.errors += 1;
            eprintln!("{}: cannot read: {error}", file.display());
            return Ok(());
        }
    };
    for record in factory.decode(&bytes, envelope) {
        counts.records += 1;
        match &record.result {
            Ok(decoded) => {
                let json = serde_json::to_string(decoded).map_err(io::Error::other)?;
                match decoded {
                    // A typed event's unlisted keys are written as they came, pretty-printed
                    // ones over several lines, until compacted.
                    Decoded::Typed(_) => {
                        counts.typed += 1;
                        writeln!(out, "{}", compact(&json))?;
                    }
                    Decoded::Unknown(_) => {
                        counts.unknown += 1;
                        writeln!(out, "{json}")?;
                    }
                }
            }
            Err(error) => {
                counts.errors += 1;
                eprintln!("{}: {error}", file.display());
            }
        }
    }
    Ok(())
}
