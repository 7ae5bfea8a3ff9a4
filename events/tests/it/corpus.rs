//! Every real event in the shared corpus whose type is generated decodes into it, and writes
//! back the JSON it came from.
//!
//! The corpus lives beside the project (`../shared/corpus`); without it these tests say so and
//! pass, except in CI (`CI=true`), where they fail. `localstack-snapshots` is left out: its ids, times and ARNs are placeholders
//! (`"time": "date"`), not real values.

use std::path::{Path, PathBuf};

use bridgecraft_events::{Detail, DetailSet, Event};

fn corpus_events() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/events");
    if !dir.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the shared corpus is missing at {}, and CI must test it",
            dir.display()
        );
        eprintln!(
            "the shared corpus is not at {}: skipping the real-event tests",
            dir.display()
        );
        return None;
    }
    let mut paths = Vec::new();
    for folder in std::fs::read_dir(&dir).expect("corpus folder").flatten() {
        if folder.file_name() == "localstack-snapshots" {
            continue;
        }
        for file in std::fs::read_dir(folder.path())
            .expect("corpus folder")
            .flatten()
        {
            if file.path().extension().is_some_and(|e| e == "json") {
                paths.push(file.path());
            }
        }
    }
    paths.sort();
    Some(paths)
}

/// Corpus files whose detail is not what their source and detail-type publish.
const NOT_REAL_DETAILS: &[(&str, &str)] = &[
    (
        "powertools-python/eventBridgeEvent.json",
        "says EC2 state change but has `instance_id` where EC2 sends `instance-id`",
    ),
    (
        "powertools-typescript/base.json",
        "says EC2 state change but has `instance_id` where EC2 sends `instance-id`",
    ),
    (
        "awsdocs-eventbridge-guide/eb-event-patterns-null-values__block000.json",
        "a made-up detail illustrating null values in patterns",
    ),
    (
        "awsdocs-eventbridge-guide/eb-event-patterns__block003.json",
        "a made-up detail illustrating patterns",
    ),
];

/// The event's `source` and `detail-type`, read without the typed model.
fn pair(json: &str) -> (String, String) {
    let value: serde_json::Value = serde_json::from_str(json).expect("corpus file is JSON");
    (
        value["source"].as_str().unwrap_or_default().to_owned(),
        value["detail-type"].as_str().unwrap_or_default().to_owned(),
    )
}

/// `value` with every object key whose value is null removed: a typed event writes an absent
/// optional field as absent and an absent nullable one as null, so only nulls may differ.
fn without_nulls(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

#[test]
fn every_generated_type_in_the_corpus_decodes() {
    let Some(paths) = corpus_events() else { return };
    let (mut typed, mut unknown, mut failures) = (0, 0, Vec::new());
    for path in &paths {
        let json = std::fs::read_to_string(path).expect("readable corpus file");
        let (source, detail_type) = pair(&json);
        let decoded = serde_json::from_str::<Event<Detail>>(&json);
        if let Some((_, why)) = NOT_REAL_DETAILS
            .iter()
            .find(|(name, _)| path.ends_with(name))
        {
            assert!(
                decoded.is_err() || !Detail::contains(&source, &detail_type),
                "{} decodes although it {why}: drop it from NOT_REAL_DETAILS",
                path.display()
            );
            continue;
        }
        match decoded {
            Ok(event) if matches!(event.detail, Detail::Unknown(_)) => {
                assert!(
                    !Detail::contains(&source, &detail_type),
                    "{}: known pair decoded as unknown",
                    path.display()
                );
                unknown += 1;
            }
            Ok(event) => {
                typed += 1;
                let original: serde_json::Value = serde_json::from_str(&json).expect("JSON");
                let written = serde_json::to_value(&event).expect("serializable");
                assert_eq!(
                    without_nulls(written),
                    without_nulls(original),
                    "{}: the typed event does not write back what it read",
                    path.display()
                );
            }
            Err(error) => failures.push(format!(
                "{} ({source} / {detail_type}): {error}",
                path.display()
            )),
        }
    }
    eprintln!(
        "corpus: {typed} typed, {unknown} of types not generated, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} real events failed to decode:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
