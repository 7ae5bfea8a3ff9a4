//! `bridgecraft generate`: registry documents in, a module tree of Rust types out, for code
//! that is checked in.

use std::path::PathBuf;
use std::process::ExitCode;

use bridgecraft_codegen::{Config, Error, read_dir};

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// The folder of registry documents (`*.json`, OpenAPI 3 or JSONSchemaDraft4).
    #[arg(long, value_name = "DIR")]
    schemas: PathBuf,

    /// The folder the module tree is written to: `mod.rs` and a folder per source. Files are
    /// written only when they change; `.rs` files the output no longer has are removed.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// The path of the `bridgecraft-events` crate from the generated code.
    #[arg(long, value_name = "PATH", default_value = "::bridgecraft_events")]
    events_crate: String,

    /// The path of the module that `DIR/mod.rs` becomes.
    #[arg(long, value_name = "PATH", default_value = "crate::events")]
    module_root: String,

    /// Put each source's module behind a Cargo feature named after it; the `[features]`
    /// table they need is printed on standard error.
    #[arg(long)]
    feature_gates: bool,
}

/// Runs `bridgecraft generate`.
pub fn main(args: GenerateArgs) -> ExitCode {
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bridgecraft: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &GenerateArgs) -> Result<(), Error> {
    let documents = read_dir(&args.schemas)?;
    let count = documents.len();
    let output = Config::new()
        .events_crate(&args.events_crate)?
        .module_root(&args.module_root)?
        .feature_gates(args.feature_gates)
        .generated_by("bridgecraft generate")
        .generate(documents)?;
    let changes = output.write_to(&args.out)?;
    for path in &changes.written {
        println!("written\t{}", path.display());
    }
    for path in &changes.removed {
        println!("removed\t{}", path.display());
    }
    if args.feature_gates {
        eprint!("{}", output.features_toml());
    }
    println!(
        "{}",
        serde_json::json!({
            "documents": count,
            "files": output.files.len(),
            "written": changes.written.len(),
            "removed": changes.removed.len(),
        })
    );
    Ok(())
}
