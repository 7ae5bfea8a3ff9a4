//! Every real event in the shared corpus, bare or in its SQS/SNS envelope, decodes: typed when
//! its type is generated (localstack's placeholder recordings too: their `"time": "date"` is
//! drift), unknown otherwise, never an error. Typed events write back the same JSON values,
//! unknown ones the same bytes.

use bridgecraft_events::{Detail, DetailSet};
use bridgecraft_factory::{AwsFactory, Decoded, Envelope, EventFactory};

use crate::support::{corpus, json_files};

#[test]
fn every_corpus_event_decodes_typed_when_its_type_is_generated() {
    let Some(corpus) = corpus() else { return };
    let factory = AwsFactory::aws();
    let mut failures = Vec::new();
    let (mut typed, mut unknown) = (0, 0);
    for dir in ["events", "envelopes"] {
        for file in json_files(&corpus.join(dir)) {
            let name = file.strip_prefix(&corpus).unwrap().display().to_string();
            let bytes = std::fs::read(&file).unwrap();
            for record in factory.decode(&bytes, Envelope::Auto) {
                match record.result {
                    Ok(Decoded::Typed(_)) => typed += 1,
                    Ok(Decoded::Unknown(event))
                        if Detail::contains(&event.event.source, &event.event.detail_type) =>
                    {
                        failures.push(format!("{name}: known pair kept unknown: {}", event.reason))
                    }
                    Ok(Decoded::Unknown(_)) => unknown += 1,
                    Err(error) => failures.push(format!("{name}: {error}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("corpus: {typed} typed, {unknown} unknown");
    assert_eq!(typed + unknown, 116 + 29);
}

#[test]
fn unknown_corpus_events_serialize_back_byte_for_byte() {
    let Some(corpus) = corpus() else { return };
    let factory = AwsFactory::aws();
    for file in json_files(&corpus.join("events")) {
        let text = std::fs::read_to_string(&file).unwrap();
        if let Ok(Decoded::Unknown(unknown)) = factory.decode_event(&text) {
            assert_eq!(
                serde_json::to_string(&unknown).unwrap(),
                text.trim(),
                "{}",
                file.display()
            );
        }
    }
}
