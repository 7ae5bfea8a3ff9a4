//! The orders service: its events decoded with the generated types and routed, its payments
//! told apart by their kind, the published schema of the type written by hand, and the build
//! script's triggers.

mod payment;
mod refund;
mod routes;

use std::path::{Path, PathBuf};

/// The sample events of the service, and the project's own example of an order.
fn sample(name: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = match name {
        "custom-order-placed.json" | "ec2-instance-state-change.json" => {
            dir.join("../events").join(name)
        }
        _ => dir.join("events").join(name),
    };
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_build_script_runs_again_only_when_a_schema_changes() {
    // Cargo keeps what a build script printed beside its OUT_DIR.
    let output = Path::new(env!("OUT_DIR")).parent().unwrap().join("output");
    let printed = std::fs::read_to_string(&output).unwrap();
    let triggers: Vec<PathBuf> = printed
        .lines()
        .filter_map(|line| line.strip_prefix("cargo:rerun-if-changed="))
        .map(PathBuf::from)
        .collect();
    let mut expected = vec![PathBuf::from("schemas")];
    let mut schemas: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas"))
            .unwrap()
            .map(|entry| Path::new("schemas").join(entry.unwrap().file_name()))
            .collect();
    schemas.sort();
    expected.extend(schemas);
    assert_eq!(
        triggers, expected,
        "the folder and each schema, nothing else: {printed}"
    );
}
