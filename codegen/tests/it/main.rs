//! The generator, from schema documents to Rust.

mod builder;
mod errors;
mod golden;
mod snapshots;

use std::path::{Path, PathBuf};

use bridgecraft_codegen::{Config, Document, Output, read_dir};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The shared corpus's registry exports, when the corpus is there.
fn registry_exports() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/registry-exports");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "the shared corpus is not at {}: skipping the registry-export tests",
            dir.display()
        );
        None
    }
}

fn generate(documents: Vec<Document>) -> Output {
    Config::new()
        .generate(documents)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// All files of an output as one text, each under a line naming it.
fn joined(output: &Output) -> String {
    output
        .files
        .iter()
        .map(|(path, code)| format!("// ---- {path}\n{code}"))
        .collect()
}

fn fixture_documents() -> Vec<Document> {
    read_dir(&fixtures()).unwrap_or_else(|e| panic!("{e}"))
}
