//! Every event of the shared corpus decodes with the types generated from what discovery
//! inferred of them: typed, without drift in its detail, and written back as it came.

use std::path::PathBuf;

use bridgecraft_factory::{Decoded, EventFactory, Factory, Known, Strictness};
use discover_corpus_types::Detail;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/events");
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

#[test]
fn every_corpus_event_decodes_typed_without_drift_and_writes_back_what_came() {
    let Some(dir) = corpus() else {
        return;
    };
    let factory = Factory::<Detail, _>::new(Known::<Detail>::new()).strictness(Strictness::Strict);
    let (mut typed, mut envelope_drift) = (0, 0);
    for file in bridgecraft_discover::files(&[dir], &["json"]) {
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = file.display();
        let event = match factory.decode_event(&text) {
            Ok(Decoded::Typed(event)) => event,
            other => panic!("{shown}: not typed: {other:?}"),
        };
        let (detail, envelope): (Vec<_>, Vec<_>) = event.drift().into_iter().partition(|drift| {
            drift.path == "detail"
                || drift.path.starts_with("detail.")
                || drift.path.starts_with("detail[")
        });
        assert!(detail.is_empty(), "{shown}: {detail:?}");
        // localstack's placeholders (`"time": "date"`) and top-level keys such as
        // `replay-name` are the envelope's, which no schema describes.
        envelope_drift += envelope.len();
        let came: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(&event).unwrap(), came, "{shown}");
        typed += 1;
    }
    assert_eq!(typed, 116);
    assert!(
        envelope_drift > 0,
        "the corpus's envelope drift is seen, and kept apart"
    );
}

#[test]
fn every_pair_discovery_finds_has_its_type() {
    let Some(dir) = corpus() else {
        return;
    };
    use bridgecraft_events::DetailSet;
    let mut catalog = bridgecraft_discover::Catalog::new();
    catalog.read_paths(&[dir]).unwrap();
    let pairs: Vec<(&str, &str)> = catalog.types().collect();
    assert_eq!(pairs.len(), 43);
    for (source, detail_type) in pairs {
        assert!(
            Detail::contains(source, detail_type),
            "{source} / {detail_type}"
        );
    }
}
