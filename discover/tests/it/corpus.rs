//! Discovery over the shared corpus's real events and envelopes.

use bridgecraft_discover::Catalog;

use super::{corpus, read_back};

#[test]
fn every_pair_of_the_corpus_is_found_and_every_event_fits_its_document() {
    let Some(events) = corpus("events") else {
        return;
    };
    let mut catalog = Catalog::new();
    let tally = catalog.read_paths(std::slice::from_ref(&events)).unwrap();
    assert_eq!(
        (tally.values, tally.events, tally.skipped),
        (116, 116, 0),
        "{:?}",
        tally.skips
    );
    assert_eq!(catalog.types().count(), 43);

    let documents = read_back(&catalog);
    for file in bridgecraft_discover::files(&[events], &["json"]) {
        let event: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let violations = documents
            .check(
                event["source"].as_str().unwrap(),
                event["detail-type"].as_str().unwrap(),
                &event["detail"],
            )
            .unwrap_or_else(|| panic!("{}: no document", file.display()));
        assert!(violations.is_empty(), "{}: {violations:?}", file.display());
    }
}

#[test]
fn events_inside_sqs_and_sns_envelopes_are_unwrapped() {
    let Some(envelopes) = corpus("envelopes") else {
        return;
    };
    let mut catalog = Catalog::new();
    let tally = catalog.read_paths(&[envelopes]).unwrap();
    // Two of localstack's recordings replaced the detail by the placeholder `"detail"`: no
    // object, no type.
    assert_eq!(
        (tally.values, tally.events, tally.skipped),
        (29, 27, 2),
        "{:?}",
        tally.skips
    );
    for skip in &tally.skips {
        assert_eq!(
            skip.reason,
            "`detail` is a string that holds no JSON object"
        );
    }
    assert!(catalog.types().all(|(source, _)| !source.is_empty()));
}
