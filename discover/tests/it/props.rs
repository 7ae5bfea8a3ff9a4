//! The laws of merging, on generated samples: order does not matter, every sample fits its
//! document, and a document updated with samples is the document of all of them.

use bridgecraft_discover::{Catalog, Shape};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::{event, read_back};

/// Keys that name fields, and keys that are data (an instance id, a date).
const KEYS: [&str; 6] = [
    "a",
    "b",
    "state",
    "i-0123456789abcdef0",
    "2024-01-31",
    "nested",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        (-1000.0..1000.0f64).prop_map(|n| json!(n)),
        Just(json!(u64::MAX)),
        prop_oneof![
            Just("running".to_owned()),
            Just("2024-01-01T00:00:00Z".to_owned()),
            Just("2024-02-30T00:00:00Z".to_owned()),
            "[a-z]{0,3}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(KEYS.to_vec()), inner, 0..4).prop_map(
                |map| Value::Object(map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            ),
        ]
    })
}

fn detail() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(prop::sample::select(KEYS.to_vec()), json_value(), 0..5).prop_map(
        |map| {
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<Map<_, _>>(),
            )
        },
    )
}

/// Events of two types, some with an extra top-level key.
fn samples() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec((any::<bool>(), any::<bool>(), detail()), 1..8).prop_map(|events| {
        events
            .into_iter()
            .map(|(second, replayed, detail)| {
                let mut event = event("my.app", if second { "Second" } else { "First" }, detail);
                if replayed {
                    event["replay-name"] = json!("replay-1");
                }
                event
            })
            .collect()
    })
}

fn catalog_of(samples: &[Value]) -> Catalog {
    let mut catalog = Catalog::new();
    for sample in samples {
        catalog.add_event(sample).unwrap();
    }
    catalog
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_order_of_samples_does_not_matter(samples in samples(), seed in any::<u64>()) {
        let mut shuffled = samples.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(catalog_of(&samples).documents(), catalog_of(&shuffled).documents());
        // Merging catalogs of parts is merging the whole.
        let (first, second) = samples.split_at(samples.len() / 2);
        let mut parts = catalog_of(second);
        parts.merge(catalog_of(first));
        prop_assert_eq!(parts.documents(), catalog_of(&samples).documents());
    }

    #[test]
    fn every_sample_fits_its_document(samples in samples()) {
        let documents = read_back(&catalog_of(&samples));
        for sample in &samples {
            let violations = documents
                .check(
                    sample["source"].as_str().unwrap(),
                    sample["detail-type"].as_str().unwrap(),
                    &sample["detail"],
                )
                .expect("every type has a document");
            prop_assert!(violations.is_empty(), "{sample}: {violations:?}");
        }
    }

    #[test]
    fn a_document_updated_with_samples_is_the_document_of_all_samples(
        before in samples(),
        after in samples(),
    ) {
        let mut updated = read_back(&catalog_of(&before));
        for sample in &after {
            updated.add_event(sample).unwrap();
        }
        let mut all = before.clone();
        all.extend(after.iter().cloned());
        let json = |catalog: &Catalog| catalog.documents().into_iter().map(|d| d.json).collect::<Vec<_>>();
        prop_assert_eq!(json(&updated), json(&catalog_of(&all)));
    }

    #[test]
    fn absorbing_a_value_is_merging_its_shape(values in prop::collection::vec(json_value(), 1..8)) {
        let (mut absorbed, mut merged) = (Shape::default(), Shape::default());
        for value in &values {
            absorbed.absorb(value);
            merged.merge(Shape::of(value));
        }
        prop_assert_eq!(absorbed, merged);
    }
}
