//! Every real event in the shared corpus decodes, and every one whose type is generated decodes
//! typed, writes back the same JSON values it came as, and has its drift named in a snapshot
//! (`snapshots/it__corpus__drift.snap`): a change in what AWS sends, or in what the schemas
//! declare, shows up there in review.
//!
//! The corpus lives beside the project (`../shared/corpus`); without it these tests say so and
//! pass, except under `CI=true`, where a missing corpus fails them.

use std::path::{Path, PathBuf};

use bridgecraft_events::{Detail, DetailSet, Event};

fn corpus_events() -> Option<(PathBuf, Vec<PathBuf>)> {
    corpus_files("events")
}

/// The folder of the corpus named `folder` and its JSON files, at any depth, in path order.
pub(crate) fn corpus_files(folder: &str) -> Option<(PathBuf, Vec<PathBuf>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(folder);
    if !dir.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the shared corpus is not at {}: CI needs it",
            dir.display()
        );
        eprintln!(
            "the shared corpus is not at {}: skipping the real-event tests",
            dir.display()
        );
        return None;
    }
    let mut paths = Vec::new();
    let mut folders = vec![dir.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("corpus folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    Some((dir, paths))
}

#[test]
fn every_event_of_a_generated_type_decodes_typed_and_writes_back_what_came() {
    let Some((dir, paths)) = corpus_events() else {
        return;
    };
    let (mut typed, mut unknown) = (0, 0);
    let mut drift = Vec::new();
    for path in &paths {
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let json = std::fs::read_to_string(path).expect("readable corpus file");
        let original: serde_json::Value = serde_json::from_str(&json).expect("corpus file is JSON");
        let event = serde_json::from_str::<Event<Detail>>(&json)
            .unwrap_or_else(|error| panic!("{name} is not an event: {error}"));
        if Detail::contains(&event.source, &event.detail_type) {
            assert!(
                !matches!(event.detail, Detail::Unknown(_)),
                "{name}: a generated type decoded as unknown"
            );
            typed += 1;
        } else {
            assert!(matches!(event.detail, Detail::Unknown(_)), "{name}");
            unknown += 1;
        }
        assert_eq!(
            serde_json::to_value(&event).expect("serializable"),
            original,
            "{name}: the event does not write back what it read"
        );
        drift.extend(event.drift().into_iter().map(|d| {
            format!(
                "{name}\t{}\t{}\t{}\t{}",
                d.kind, d.path, d.declared, d.found
            )
        }));
    }
    eprintln!("corpus: {typed} typed, {unknown} of types not generated");
    assert!(typed > 0);
    insta::assert_snapshot!("drift", drift.join("\n"));
}
