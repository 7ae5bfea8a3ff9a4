//! Discovers the shared corpus's event types and generates their Rust types into `OUT_DIR`,
//! as a user's build would from their own samples: `bridgecraft discover`, then the generator.

use std::path::{Path, PathBuf};

use bridgecraft_codegen::Config;
use bridgecraft_discover::Catalog;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/events");
    println!("cargo:rerun-if-changed={}", corpus.display());
    println!("cargo:rerun-if-env-changed=CI");

    let schemas = out.join("schemas");
    if schemas.exists() {
        std::fs::remove_dir_all(&schemas)?;
    }
    std::fs::create_dir_all(&schemas)?;
    if corpus.is_dir() {
        let mut catalog = Catalog::new();
        let tally = catalog.read_paths(&[corpus])?;
        if let Some(skip) = tally.skips.first() {
            return Err(format!("a corpus event was skipped: {skip}").into());
        }
        catalog.write_to(&schemas)?;
    } else if std::env::var_os("CI").is_some() {
        return Err(format!("the shared corpus is not at {}", corpus.display()).into());
    } else {
        println!(
            "cargo:warning=the shared corpus is not at {}: no types generated",
            corpus.display()
        );
    }
    Config::new()
        .events_crate("::bridgecraft_events")?
        .module_root("crate")?
        .feature_gates(false)
        // The discovered CloudTrail calls, not the record CloudTrail documents.
        .cloudtrail_record(false)
        .generated_by("discover-corpus-types/build.rs")
        .compile(&schemas, out.join("corpus.rs"))?;
    Ok(())
}
