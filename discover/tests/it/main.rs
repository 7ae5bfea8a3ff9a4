//! Discovery: samples in, registry documents out, and documents read back.

mod corpus;
mod documents;
mod inputs;
mod props;

use std::path::PathBuf;

use bridgecraft_discover::Catalog;

/// The shared corpus's folder `name`, or `None` (and a message) when the corpus is missing;
/// under `CI=true` a missing corpus fails the test.
fn corpus(name: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the shared corpus is not at {}",
        dir.display()
    );
    eprintln!("the shared corpus is not at {}: skipping", dir.display());
    None
}

/// The catalog the documents of `catalog` read back into, through files.
fn read_back(catalog: &Catalog) -> Catalog {
    let dir = tempfile::tempdir().unwrap();
    catalog.write_to(dir.path()).unwrap();
    Catalog::read_documents(dir.path()).unwrap_or_else(|e| panic!("{e}"))
}

/// An event of `source` and `detail_type` around `detail`.
fn event(source: &str, detail_type: &str, detail: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "version": "0", "id": "1", "detail-type": detail_type, "source": source,
        "account": "123456789012", "time": "2024-05-01T12:00:00Z", "region": "eu-west-1",
        "resources": [], "detail": detail,
    })
}
